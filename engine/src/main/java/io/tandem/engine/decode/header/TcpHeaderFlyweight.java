package io.tandem.engine.decode.header;

import org.agrona.DirectBuffer;

/**
 * Flyweight over a TCP header (RFC 9293 section 3.1), read-only, big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        | 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Options (Data Offset * 4 - 20 bytes)           | 20
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Options are kind (1 byte), length (1 byte, counting kind and length), value; EOL (0) and NOP (1)
 * are single bytes.
 */
public final class TcpHeaderFlyweight {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;
    public static final int SEQUENCE_OFFSET = DESTINATION_PORT_OFFSET + 2;
    public static final int ACKNOWLEDGMENT_OFFSET = SEQUENCE_OFFSET + 4;
    public static final int DATA_OFFSET_OFFSET = ACKNOWLEDGMENT_OFFSET + 4;
    public static final int FLAGS_OFFSET = DATA_OFFSET_OFFSET + 1;
    public static final int WINDOW_OFFSET = FLAGS_OFFSET + 1;
    public static final int CHECKSUM_OFFSET = WINDOW_OFFSET + 2;
    public static final int URGENT_POINTER_OFFSET = CHECKSUM_OFFSET + 2;
    public static final int OPTIONS_OFFSET = URGENT_POINTER_OFFSET + 2;
    /** Length of the fixed header (data offset 5). */
    public static final int MIN_LENGTH = OPTIONS_OFFSET;
    /** Length of a header with the most options (data offset 15). */
    public static final int MAX_LENGTH = 15 * 4;

    public static final int OPTION_EOL = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_WSCALE = 3;
    public static final int OPTION_SACK_PERMITTED = 4;
    public static final int OPTION_SACK = 5;
    public static final int OPTION_TIMESTAMP = 8;

    public static final int OPTION_MSS_LENGTH = 4;
    public static final int OPTION_WSCALE_LENGTH = 3;
    public static final int OPTION_SACK_PERMITTED_LENGTH = 2;
    /** SACK: 2 + 8 bytes per block, at least one block. */
    public static final int OPTION_SACK_MIN_LENGTH = 10;
    public static final int OPTION_SACK_BLOCK_LENGTH = 8;
    public static final int OPTION_TIMESTAMP_LENGTH = 10;

    private final HeaderReader header = new HeaderReader();

    /**
     * Points at the header at {@code offset}; its fixed {@value #MIN_LENGTH} bytes must lie inside
     * {@code buffer}, and the getters below read only those.
     *
     * @throws IndexOutOfBoundsException when they do not
     */
    public TcpHeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
        header.wrap(buffer, offset, MIN_LENGTH, "TCP");
        return this;
    }

    public DirectBuffer buffer() {
        return header.buffer();
    }

    public int offset() {
        return header.offset();
    }

    public int sourcePort() {
        return header.u16(SOURCE_PORT_OFFSET);
    }

    public int destinationPort() {
        return header.u16(DESTINATION_PORT_OFFSET);
    }

    /** Sequence number as an unsigned 32-bit number. */
    public long sequence() {
        return header.u32(SEQUENCE_OFFSET);
    }

    /** Acknowledgement number as an unsigned 32-bit number. */
    public long acknowledgment() {
        return header.u32(ACKNOWLEDGMENT_OFFSET);
    }

    /** Data offset field in 4-byte words. */
    public int dataOffset() {
        return (header.u8(DATA_OFFSET_OFFSET) >> 4) & 0xF;
    }

    /** Header length in bytes ({@code dataOffset() * 4}). */
    public int headerLength() {
        return dataOffset() << 2;
    }

    /** The eight flag bits CWR..FIN (byte 13). */
    public int flags() {
        return header.u8(FLAGS_OFFSET);
    }

    public int window() {
        return header.u16(WINDOW_OFFSET);
    }

    public int checksum() {
        return header.u16(CHECKSUM_OFFSET);
    }

    public int urgentPointer() {
        return header.u16(URGENT_POINTER_OFFSET);
    }

    /**
     * Makes the whole header of {@code headerLength} bytes, options included, readable through
     * {@link #byteAt}, {@link #u16At} and {@link #u32At}, for a walk of the options that keeps each
     * read inside the header (as {@code PacketDecoder} does).
     *
     * @throws IndexOutOfBoundsException when those bytes do not all lie inside the buffer
     */
    public TcpHeaderFlyweight readableUpTo(final int headerLength) {
        header.extend(headerLength, "TCP");
        return this;
    }

    /** The unsigned byte at {@code position} from the header's start, inside {@link #readableUpTo}. */
    public int byteAt(final int position) {
        return header.u8(position);
    }

    /** The big-endian 16-bit number at {@code position}, inside {@link #readableUpTo}. */
    public int u16At(final int position) {
        return header.u16(position);
    }

    /** The big-endian 32-bit number at {@code position}, inside {@link #readableUpTo}. */
    public long u32At(final int position) {
        return header.u32(position);
    }
}
