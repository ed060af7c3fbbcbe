package io.tandem.engine.decode.header;

import org.agrona.DirectBuffer;

/**
 * Flyweight over the common start of an IPv6 extension header (RFC 8200 section 4), read-only.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |  Hdr Ext Len  |  type-specific (routing type, |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  options TLVs, AH reserved)   +
 *  |                                                               |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                                                     8 = MIN_LENGTH
 * </pre>
 *
 * Hop-by-hop (0), routing (43) and destination options (60) count Hdr Ext Len in 8-byte units not
 * including the first 8 bytes; the authentication header (51, RFC 4302) counts it in 4-byte units
 * minus 2; the fragment header (44) is always 8 bytes (see {@link Ipv6FragmentHeaderFlyweight}).
 * Options in hop-by-hop and destination-options headers are TLVs starting at {@link #OPTIONS_OFFSET};
 * Pad1 (type 0) is the only one-byte option.
 */
public final class Ipv6ExtensionHeaderFlyweight {
    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int HDR_EXT_LEN_OFFSET = NEXT_HEADER_OFFSET + 1;
    /** Routing header: routing type. */
    public static final int ROUTING_TYPE_OFFSET = HDR_EXT_LEN_OFFSET + 1;
    /** Hop-by-hop / destination options: first option TLV. */
    public static final int OPTIONS_OFFSET = HDR_EXT_LEN_OFFSET + 1;
    public static final int MIN_LENGTH = 8;

    public static final int IPPROTO_HOPOPTS = 0;
    public static final int IPPROTO_ROUTING = 43;
    public static final int IPPROTO_FRAGMENT = 44;
    public static final int IPPROTO_ESP = 50;
    public static final int IPPROTO_AH = 51;
    public static final int IPPROTO_NONE = 59;
    public static final int IPPROTO_DSTOPTS = 60;

    /** Routing type 0, deprecated by RFC 5095; pf drops it. */
    public static final int ROUTING_TYPE_0 = 0;

    public static final int OPTION_PAD1 = 0;
    public static final int OPTION_PADN = 1;
    public static final int OPTION_ROUTER_ALERT = 5;
    public static final int OPTION_JUMBO = 0xC2;

    private DirectBuffer buffer;
    private int offset;

    public Ipv6ExtensionHeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public int hdrExtLen() {
        return buffer.getByte(offset + HDR_EXT_LEN_OFFSET) & 0xFF;
    }

    public int routingType() {
        return buffer.getByte(offset + ROUTING_TYPE_OFFSET) & 0xFF;
    }

    /** Length in bytes of an extension header of type {@code headerType} as this one's length field says. */
    public int headerLength(final int headerType) {
        switch (headerType) {
            case IPPROTO_FRAGMENT:
                return Ipv6FragmentHeaderFlyweight.LENGTH;
            case IPPROTO_AH:
                return (hdrExtLen() + 2) << 2;
            default:
                return (hdrExtLen() + 1) << 3;
        }
    }

    /** True for the extension headers the decoder walks past (not ESP, not no-next-header). */
    public static boolean isWalkable(final int headerType) {
        return headerType == IPPROTO_HOPOPTS
            || headerType == IPPROTO_ROUTING
            || headerType == IPPROTO_FRAGMENT
            || headerType == IPPROTO_AH
            || headerType == IPPROTO_DSTOPTS;
    }
}
