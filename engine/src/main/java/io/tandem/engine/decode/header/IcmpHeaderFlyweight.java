package io.tandem.engine.decode.header;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Flyweight over the first 8 bytes of an ICMP (RFC 792) or ICMPv6 (RFC 4443) message, read-only,
 * big-endian. Both share this layout.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Identifier (echo)           |   Sequence Number (echo)      |  4
 *  |   or unused / MTU / pointer (errors)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Errors: the quoted packet (IP header + at least 8 bytes)    |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IcmpHeaderFlyweight {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = TYPE_OFFSET + 1;
    public static final int CHECKSUM_OFFSET = CODE_OFFSET + 1;
    public static final int IDENTIFIER_OFFSET = CHECKSUM_OFFSET + 2;
    public static final int SEQUENCE_OFFSET = IDENTIFIER_OFFSET + 2;
    /** Also the offset of the quoted packet in an error message. */
    public static final int LENGTH = SEQUENCE_OFFSET + 2;
    public static final int REST_OF_HEADER_OFFSET = IDENTIFIER_OFFSET;

    public static final int ICMP_ECHO_REPLY = 0;
    public static final int ICMP_UNREACH = 3;
    public static final int ICMP_SOURCE_QUENCH = 4;
    public static final int ICMP_REDIRECT = 5;
    public static final int ICMP_ECHO = 8;
    public static final int ICMP_TIME_EXCEEDED = 11;
    public static final int ICMP_PARAM_PROBLEM = 12;

    public static final int ICMP6_DST_UNREACH = 1;
    public static final int ICMP6_PACKET_TOO_BIG = 2;
    public static final int ICMP6_TIME_EXCEEDED = 3;
    public static final int ICMP6_PARAM_PROBLEM = 4;
    public static final int ICMP6_ECHO_REQUEST = 128;
    public static final int ICMP6_ECHO_REPLY = 129;

    private DirectBuffer buffer;
    private int offset;

    public IcmpHeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int type() {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public int code() {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Echo identifier (meaningful for echo request/reply). */
    public int identifier() {
        return buffer.getShort(offset + IDENTIFIER_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Echo sequence number (meaningful for echo request/reply). */
    public int sequence() {
        return buffer.getShort(offset + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Bytes 4..7 as one number (unused, next-hop MTU, or parameter-problem pointer). */
    public long restOfHeader() {
        return buffer.getInt(offset + REST_OF_HEADER_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    }
}
