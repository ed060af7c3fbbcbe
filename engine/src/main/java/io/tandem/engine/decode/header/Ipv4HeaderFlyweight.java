package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Flyweight over an IPv4 header (RFC 791), read-only, big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          | 12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        | 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL * 4 - 20 bytes)               | 20
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Flags: bit 0 reserved (evil bit), bit 1 DF, bit 2 MF. Fragment offset in 8-byte units.
 * </pre>
 */
public final class Ipv4HeaderFlyweight {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = VERSION_IHL_OFFSET + 1;
    public static final int TOTAL_LENGTH_OFFSET = TOS_OFFSET + 1;
    public static final int IDENTIFICATION_OFFSET = TOTAL_LENGTH_OFFSET + 2;
    public static final int FLAGS_FRAGMENT_OFFSET_OFFSET = IDENTIFICATION_OFFSET + 2;
    public static final int TTL_OFFSET = FLAGS_FRAGMENT_OFFSET_OFFSET + 2;
    public static final int PROTOCOL_OFFSET = TTL_OFFSET + 1;
    public static final int CHECKSUM_OFFSET = PROTOCOL_OFFSET + 1;
    public static final int SOURCE_ADDRESS_OFFSET = CHECKSUM_OFFSET + 2;
    public static final int DESTINATION_ADDRESS_OFFSET = SOURCE_ADDRESS_OFFSET + 4;
    public static final int OPTIONS_OFFSET = DESTINATION_ADDRESS_OFFSET + 4;
    /** Length of a header without options (IHL 5). */
    public static final int MIN_LENGTH = OPTIONS_OFFSET;
    /** Length of a header with the most options (IHL 15). */
    public static final int MAX_LENGTH = 15 * 4;

    public static final int VERSION = 4;
    public static final int FLAG_RESERVED = 0x8000;
    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    /** Option kinds (RFC 791) that the decoder treats specially. */
    public static final int OPTION_EOL = 0;
    public static final int OPTION_NOP = 1;
    /** Router alert (RFC 2113); like pf, not counted as an "other" option. */
    public static final int OPTION_ROUTER_ALERT = 148;

    private DirectBuffer buffer;
    private int offset;

    public Ipv4HeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public int version() {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) >> 4) & 0xF;
    }

    /** Header length field in 4-byte words. */
    public int ihl() {
        return buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF;
    }

    /** Header length in bytes ({@code ihl() * 4}). */
    public int headerLength() {
        return ihl() << 2;
    }

    public int tos() {
        return buffer.getByte(offset + TOS_OFFSET) & 0xFF;
    }

    public int totalLength() {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int identification() {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** The 16-bit flags and fragment-offset word. */
    public int flagsAndFragmentOffset() {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & FLAG_MF) != 0;
    }

    /** Fragment offset in bytes (the field times 8). */
    public int fragmentOffset() {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) << 3;
    }

    public int ttl() {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public int protocol() {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Source address as an unsigned 32-bit number. */
    public long sourceAddress() {
        return buffer.getInt(offset + SOURCE_ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /** Destination address as an unsigned 32-bit number. */
    public long destinationAddress() {
        return buffer.getInt(offset + DESTINATION_ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    }
}
