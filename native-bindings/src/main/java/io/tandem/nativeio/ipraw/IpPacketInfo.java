package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LinuxConstants;

import org.agrona.DirectBuffer;

/**
 * Readers for what a raw IPv4 socket hands over with each datagram: the IPv4 header in front of the payload, and the
 * {@code IP_PKTINFO} control message naming the interface it arrived on. Static, allocation-free, never throwing:
 * the sync agent's acceptance ladder (badif, badttl, hdrops) calls them per frame.
 *
 * <p>The header as received from a Linux raw socket is unmodified wire data: every field big-endian, total length
 * including the header (unlike the BSDs, Linux does not rewrite {@code ip_len}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL &gt; 5)                          | 20
 * </pre>
 */
public final class IpPacketInfo {
    /** Version (high nibble) and IHL in 32-bit words (low nibble). */
    public static final int VERSION_IHL_OFFSET = 0;
    /** Type of service (DSCP and ECN). */
    public static final int TOS_OFFSET = VERSION_IHL_OFFSET + 1;
    /** Total length, header included. */
    public static final int TOTAL_LENGTH_OFFSET = TOS_OFFSET + 1;
    /** Identification. */
    public static final int ID_OFFSET = TOTAL_LENGTH_OFFSET + 2;
    /** Flags (3 bits) and fragment offset (13 bits). */
    public static final int FRAGMENT_OFFSET = ID_OFFSET + 2;
    /** Time to live. */
    public static final int TTL_OFFSET = FRAGMENT_OFFSET + 2;
    /** Protocol, 240 for pfsync. */
    public static final int PROTOCOL_OFFSET = TTL_OFFSET + 1;
    /** Header checksum. */
    public static final int CHECKSUM_OFFSET = PROTOCOL_OFFSET + 1;
    /** Source address. */
    public static final int SOURCE_OFFSET = CHECKSUM_OFFSET + 2;
    /** Destination address. */
    public static final int DESTINATION_OFFSET = SOURCE_OFFSET + 4;
    /** Length of a header without options ({@code sizeof(struct iphdr)}). */
    public static final int MIN_HEADER_LENGTH = DESTINATION_OFFSET + 4;

    /** {@code IP_DF}: the don't-fragment flag in the flags/fragment-offset field. */
    public static final int IP_DF = 0x4000;
    /** {@code IP_MF}: the more-fragments flag. */
    public static final int IP_MF = 0x2000;
    /** {@code IP_OFFMASK}: the fragment offset, in 8-byte units. */
    public static final int IP_OFFMASK = 0x1fff;

    /** {@link #interfaceIndex} result when no {@code IP_PKTINFO} message was delivered; real indices start at 1. */
    public static final int NO_INTERFACE = 0;

    private static final int PKTINFO_CMSG_LEN = CmsgHdrFlyweight.cmsgLen(InPktinfoFlyweight.LENGTH);

    private IpPacketInfo() {
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the version field, 4 for IPv4
     */
    public static int version(final DirectBuffer packet, final int offset) {
        return (packet.getByte(offset + VERSION_IHL_OFFSET) >> 4) & 0xf;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the header length in bytes (IHL times 4): where the payload (the pfsync frame) starts
     */
    public static int headerLength(final DirectBuffer packet, final int offset) {
        return (packet.getByte(offset + VERSION_IHL_OFFSET) & 0xf) << 2;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the type of service byte, 0x10 ({@code IPTOS_LOWDELAY}) for pfsync
     */
    public static int tos(final DirectBuffer packet, final int offset) {
        return packet.getByte(offset + TOS_OFFSET) & 0xff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the total length field, header included
     */
    public static int totalLength(final DirectBuffer packet, final int offset) {
        return packet.getShort(offset + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the identification field
     */
    public static int id(final DirectBuffer packet, final int offset) {
        return packet.getShort(offset + ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the flags and fragment offset field; test with {@link #IP_DF}, {@link #IP_MF}, {@link #IP_OFFMASK}
     */
    public static int fragment(final DirectBuffer packet, final int offset) {
        return packet.getShort(offset + FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return whether DF is set
     */
    public static boolean dontFragment(final DirectBuffer packet, final int offset) {
        return (fragment(packet, offset) & IP_DF) != 0;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the time to live; pfsync accepts only 255 (else {@code badttl})
     */
    public static int ttl(final DirectBuffer packet, final int offset) {
        return packet.getByte(offset + TTL_OFFSET) & 0xff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the protocol number
     */
    public static int protocol(final DirectBuffer packet, final int offset) {
        return packet.getByte(offset + PROTOCOL_OFFSET) & 0xff;
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the source address, first octet in the most significant byte
     */
    public static int sourceAddress(final DirectBuffer packet, final int offset) {
        return packet.getInt(offset + SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @return the destination address, first octet in the most significant byte
     */
    public static int destinationAddress(final DirectBuffer packet, final int offset) {
        return packet.getInt(offset + DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Whether {@code length} received bytes hold a whole IPv4 header: at least 20 bytes, version 4, IHL at least 5
     * and not past the end. The kernel has already checked this for packets it delivers; the sync agent checks
     * again before trusting the offsets (a failure counts as {@code hdrops}).
     *
     * @param packet the received datagram
     * @param offset where the IPv4 header starts
     * @param length bytes received
     * @return true when the header can be read
     */
    public static boolean headerComplete(final DirectBuffer packet, final int offset, final int length) {
        if (length < MIN_HEADER_LENGTH || version(packet, offset) != 4) {
            return false;
        }
        final int headerLength = headerLength(packet, offset);
        return headerLength >= MIN_HEADER_LENGTH && headerLength <= length;
    }

    /**
     * Find the arrival interface in the control messages of one received datagram ({@code CMSG_FIRSTHDR} /
     * {@code CMSG_NXTHDR} over {@code msg_control}, looking for {@code IPPROTO_IP}/{@code IP_PKTINFO}). A malformed
     * message ends the walk.
     *
     * @param control the control buffer
     * @param offset  where {@code msg_control} starts (8-byte aligned in memory)
     * @param length  {@code msg_controllen} as returned by the kernel
     * @return {@code ipi_ifindex}, or {@link #NO_INTERFACE} when there is no (complete) {@code IP_PKTINFO} message
     */
    public static int interfaceIndex(final DirectBuffer control, final int offset, final int length) {
        final int pktinfo = findPktinfo(control, offset, length);
        return pktinfo < 0 ? NO_INTERFACE : InPktinfoFlyweight.ifindex(control, pktinfo);
    }

    /**
     * @param control the control buffer
     * @param offset  where {@code msg_control} starts
     * @param length  {@code msg_controllen} as returned by the kernel
     * @return the offset of the {@code struct in_pktinfo} data in {@code control}, or -1 when there is none
     */
    public static int findPktinfo(final DirectBuffer control, final int offset, final int length) {
        final int end = offset + length;
        int position = offset;
        while (position + CmsgHdrFlyweight.LENGTH <= end) {
            final long cmsgLen = CmsgHdrFlyweight.len(control, position);
            if (cmsgLen < CmsgHdrFlyweight.LENGTH || cmsgLen > end - position) {
                return -1;
            }
            if (CmsgHdrFlyweight.level(control, position) == LinuxConstants.IPPROTO_IP
                && CmsgHdrFlyweight.type(control, position) == LinuxConstants.IP_PKTINFO
                && cmsgLen >= PKTINFO_CMSG_LEN) {
                return position + CmsgHdrFlyweight.LENGTH;
            }
            position += (int)CmsgHdrFlyweight.align(cmsgLen);
        }
        return -1;
    }
}
