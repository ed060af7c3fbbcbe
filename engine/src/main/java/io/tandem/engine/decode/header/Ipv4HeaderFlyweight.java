package io.tandem.engine.decode.header;

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

    private final HeaderReader header = new HeaderReader();

    /**
     * Points at the header at {@code offset}; its fixed {@value #MIN_LENGTH} bytes must lie inside
     * {@code buffer}, and the getters below read only those.
     *
     * @throws IndexOutOfBoundsException when they do not
     */
    public Ipv4HeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
        header.wrap(buffer, offset, MIN_LENGTH, "IPv4");
        return this;
    }

    public DirectBuffer buffer() {
        return header.buffer();
    }

    public int offset() {
        return header.offset();
    }

    public int version() {
        return (header.u8(VERSION_IHL_OFFSET) >> 4) & 0xF;
    }

    /** Header length field in 4-byte words. */
    public int ihl() {
        return header.u8(VERSION_IHL_OFFSET) & 0xF;
    }

    /** Header length in bytes ({@code ihl() * 4}). */
    public int headerLength() {
        return ihl() << 2;
    }

    public int tos() {
        return header.u8(TOS_OFFSET);
    }

    public int totalLength() {
        return header.u16(TOTAL_LENGTH_OFFSET);
    }

    public int identification() {
        return header.u16(IDENTIFICATION_OFFSET);
    }

    /** The 16-bit flags and fragment-offset word. */
    public int flagsAndFragmentOffset() {
        return header.u16(FLAGS_FRAGMENT_OFFSET_OFFSET);
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
        return header.u8(TTL_OFFSET);
    }

    public int protocol() {
        return header.u8(PROTOCOL_OFFSET);
    }

    public int checksum() {
        return header.u16(CHECKSUM_OFFSET);
    }

    /** Source address as an unsigned 32-bit number. */
    public long sourceAddress() {
        return header.u32(SOURCE_ADDRESS_OFFSET);
    }

    /** Destination address as an unsigned 32-bit number. */
    public long destinationAddress() {
        return header.u32(DESTINATION_ADDRESS_OFFSET);
    }
}
