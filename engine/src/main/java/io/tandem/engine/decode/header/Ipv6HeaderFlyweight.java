package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Flyweight over the fixed IPv6 header (RFC 8200 section 3), read-only, big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                  Source Address (128 bits)                    +  8
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +               Destination Address (128 bits)                  + 24
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                                                    40
 * </pre>
 *
 * Addresses are read as two big-endian longs: bits 127..64 ({@code *Hi}) and 63..0 ({@code *Lo}),
 * the form {@link io.tandem.engine.decode.DecodedPacket} stores.
 */
public final class Ipv6HeaderFlyweight {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = VERSION_CLASS_FLOW_OFFSET + 4;
    public static final int NEXT_HEADER_OFFSET = PAYLOAD_LENGTH_OFFSET + 2;
    public static final int HOP_LIMIT_OFFSET = NEXT_HEADER_OFFSET + 1;
    public static final int SOURCE_ADDRESS_OFFSET = HOP_LIMIT_OFFSET + 1;
    public static final int DESTINATION_ADDRESS_OFFSET = SOURCE_ADDRESS_OFFSET + 16;
    public static final int LENGTH = DESTINATION_ADDRESS_OFFSET + 16;

    public static final int VERSION = 6;

    private DirectBuffer buffer;
    private int offset;

    public Ipv6HeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    private int firstWord() {
        return buffer.getInt(offset + VERSION_CLASS_FLOW_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    public int version() {
        return (firstWord() >>> 28) & 0xF;
    }

    public int trafficClass() {
        return (firstWord() >>> 20) & 0xFF;
    }

    public int flowLabel() {
        return firstWord() & 0xF_FFFF;
    }

    /** Length of everything after the fixed header (extension headers included). */
    public int payloadLength() {
        return buffer.getShort(offset + PAYLOAD_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int nextHeader() {
        return buffer.getByte(offset + NEXT_HEADER_OFFSET) & 0xFF;
    }

    public int hopLimit() {
        return buffer.getByte(offset + HOP_LIMIT_OFFSET) & 0xFF;
    }

    public long sourceAddressHi() {
        return buffer.getLong(offset + SOURCE_ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    public long sourceAddressLo() {
        return buffer.getLong(offset + SOURCE_ADDRESS_OFFSET + 8, ByteOrder.BIG_ENDIAN);
    }

    public long destinationAddressHi() {
        return buffer.getLong(offset + DESTINATION_ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    public long destinationAddressLo() {
        return buffer.getLong(offset + DESTINATION_ADDRESS_OFFSET + 8, ByteOrder.BIG_ENDIAN);
    }
}
