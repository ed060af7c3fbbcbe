package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The fixed part of one header, read big-endian without a bounds check per field: {@link #wrap}
 * checks once that the whole fixed part lies inside the buffer, so that every read of a field
 * inside it ({@code field} below that length, as the flyweights' named offsets are) stays inside
 * the buffer. Agrona's getters check each read instead; on the packet path, where the decoder has
 * already checked that the header fits, those checks were a measurable part of decoding.
 *
 * <p>Owned by the flyweight that holds it, on the thread that uses that flyweight. Valid until the
 * buffer is re-pointed at other memory; the flyweights are wrapped again for every packet.
 */
final class FixedHeaderReader {
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private byte[] array;
    private long address;
    private int offset;

    /**
     * Points at the header of {@code fixedLength} bytes at {@code offset}.
     *
     * @throws IndexOutOfBoundsException when those bytes do not all lie inside {@code buffer}
     */
    void wrap(final DirectBuffer buffer, final int offset, final int fixedLength, final String header) {
        if (offset < 0 || offset > buffer.capacity() - fixedLength) {
            throw new IndexOutOfBoundsException(header + " header of " + fixedLength + " bytes at " + offset
                + " does not fit in a buffer of " + buffer.capacity());
        }
        this.buffer = buffer;
        this.offset = offset;
        this.array = buffer.byteArray();
        this.address = buffer.addressOffset() + offset;
    }

    DirectBuffer buffer() {
        return buffer;
    }

    int offset() {
        return offset;
    }

    /** The unsigned byte at {@code field} (inside the fixed part). */
    int u8(final int field) {
        return UnsafeApi.getByte(array, address + field) & 0xFF;
    }

    /** The unsigned big-endian 16-bit number at {@code field} (inside the fixed part). */
    int u16(final int field) {
        final short v = UnsafeApi.getShort(array, address + field);
        return (NATIVE_BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xFFFF;
    }

    /** The unsigned big-endian 32-bit number at {@code field} (inside the fixed part). */
    long u32(final int field) {
        final int v = UnsafeApi.getInt(array, address + field);
        return (NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v)) & 0xFFFF_FFFFL;
    }
}
