package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * One header, read big-endian without a bounds check per field: {@link #wrap} checks once that the
 * header's fixed part lies inside the buffer, {@link #extend} that a longer part does (a TCP header's
 * options), and every read stays inside that checked extent — for the fixed fields by construction
 * (the flyweights' named offsets), for options by the option walk's own length checks (asserted
 * here when assertions are on, as in the tests and fuzz runs). Agrona's getters check each read
 * instead; on the packet path, where the decoder has already checked that the header fits, those
 * checks were a measurable part of decoding.
 *
 * <p>Owned by the flyweight that holds it, on the thread that uses that flyweight. Valid until the
 * buffer is re-pointed at other memory; the flyweights are wrapped again for every packet.
 */
final class HeaderReader {
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private byte[] array;
    private long address;
    private int offset;
    /** Bytes from the header's start known to lie inside the buffer. */
    private int extent;

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
        this.extent = fixedLength;
        this.array = buffer.byteArray();
        this.address = buffer.addressOffset() + offset;
    }

    /**
     * Makes the first {@code length} bytes of the header readable (at least the fixed part stays).
     *
     * @throws IndexOutOfBoundsException when they do not all lie inside the buffer
     */
    void extend(final int length, final String header) {
        if (length > extent) {
            if (length > buffer.capacity() - offset) {
                throw new IndexOutOfBoundsException(header + " header of " + length + " bytes at " + offset
                    + " does not fit in a buffer of " + buffer.capacity());
            }
            extent = length;
        }
    }

    DirectBuffer buffer() {
        return buffer;
    }

    int offset() {
        return offset;
    }

    /** The unsigned byte at {@code field} (inside the checked extent). */
    int u8(final int field) {
        assert field >= 0 && field < extent : field + " outside the checked " + extent + " bytes";
        return UnsafeApi.getByte(array, address + field) & 0xFF;
    }

    /** The unsigned big-endian 16-bit number at {@code field} (inside the checked extent). */
    int u16(final int field) {
        assert field >= 0 && field + 2 <= extent : field + " outside the checked " + extent + " bytes";
        final short v = UnsafeApi.getShort(array, address + field);
        return (NATIVE_BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xFFFF;
    }

    /** The unsigned big-endian 32-bit number at {@code field} (inside the checked extent). */
    long u32(final int field) {
        assert field >= 0 && field + 4 <= extent : field + " outside the checked " + extent + " bytes";
        final int v = UnsafeApi.getInt(array, address + field);
        return (NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v)) & 0xFFFF_FFFFL;
    }
}
