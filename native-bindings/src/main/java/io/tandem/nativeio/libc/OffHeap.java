package io.tandem.nativeio.libc;

import java.nio.ByteBuffer;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Allocation of aligned, zeroed off-heap memory viewed through an Agrona {@link UnsafeBuffer}. The buffer's
 * {@code addressOffset()} is the absolute native address to pass to {@link LibC}. The memory lives as long as the
 * returned buffer is reachable (the view keeps the direct {@link ByteBuffer} alive), so owners keep the view in a
 * field. Setup time only.
 */
public final class OffHeap {
    /** Cache-line alignment used for every block. */
    public static final int ALIGNMENT = 64;

    private OffHeap() {
    }

    /**
     * @param capacity bytes, at least 1
     * @return a zeroed, 64-byte aligned off-heap buffer
     */
    public static UnsafeBuffer allocate(final int capacity) {
        final ByteBuffer byteBuffer = BufferUtil.allocateDirectAligned(
            Math.max(ALIGNMENT, (capacity + ALIGNMENT - 1) & -ALIGNMENT), ALIGNMENT);
        final UnsafeBuffer buffer = new UnsafeBuffer(byteBuffer, 0, capacity);
        buffer.setMemory(0, capacity, (byte)0);
        return buffer;
    }
}
