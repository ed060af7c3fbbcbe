package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Flyweight over the IPv6 fragment header (RFC 8200 section 4.5), read-only, big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Identification                        |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                                                     8
 *  Fragment offset in 8-byte units in the top 13 bits of the 16-bit word at 2.
 * </pre>
 */
public final class Ipv6FragmentHeaderFlyweight {
    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int RESERVED_OFFSET = NEXT_HEADER_OFFSET + 1;
    public static final int OFFSET_FLAGS_OFFSET = RESERVED_OFFSET + 1;
    public static final int IDENTIFICATION_OFFSET = OFFSET_FLAGS_OFFSET + 2;
    public static final int LENGTH = IDENTIFICATION_OFFSET + 4;

    public static final int OFFSET_MASK = 0xFFF8;
    public static final int FLAG_M = 0x0001;

    private DirectBuffer buffer;
    private int offset;

    public Ipv6FragmentHeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int nextHeader() {
        return buffer.getByte(offset + NEXT_HEADER_OFFSET) & 0xFF;
    }

    private int offsetFlags() {
        return buffer.getShort(offset + OFFSET_FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Fragment offset in bytes (the 13-bit field times 8). */
    public int fragmentOffset() {
        return offsetFlags() & OFFSET_MASK;
    }

    public boolean moreFragments() {
        return (offsetFlags() & FLAG_M) != 0;
    }

    /** Identification as an unsigned 32-bit number. */
    public long identification() {
        return buffer.getInt(offset + IDENTIFICATION_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    }
}
