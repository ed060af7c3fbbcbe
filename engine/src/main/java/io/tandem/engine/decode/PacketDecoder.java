package io.tandem.engine.decode;

import io.tandem.engine.decode.header.IcmpHeaderFlyweight;
import io.tandem.engine.decode.header.Ipv4HeaderFlyweight;
import io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight;
import io.tandem.engine.decode.header.Ipv6FragmentHeaderFlyweight;
import io.tandem.engine.decode.header.Ipv6HeaderFlyweight;
import io.tandem.engine.decode.header.TcpHeaderFlyweight;
import io.tandem.engine.decode.header.UdpHeaderFlyweight;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

import static io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight.IPPROTO_DSTOPTS;
import static io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight.IPPROTO_FRAGMENT;
import static io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight.IPPROTO_HOPOPTS;
import static io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight.IPPROTO_NONE;
import static io.tandem.engine.decode.header.Ipv6ExtensionHeaderFlyweight.IPPROTO_ROUTING;

/**
 * Decodes one L3 packet as NFQUEUE delivers it into a reused {@link DecodedPacket}.
 *
 * <p>Theory of operation. The buffer holds the IP header first. Only {@code capturedLength} bytes
 * are present (the queue's copy range, typically 256, so the payload is usually cut off, which is
 * normal); {@code originalLength} is the packet's real length (NFQA_CAP_LEN, or the captured length
 * when nothing was cut). With GSO the packet may be a super-packet of up to 64 KiB; its IP length
 * covers the whole super-packet and decodes like any other. The decoder walks a validation ladder:
 * capture bounds, the IP header (IPv4 options, or the IPv6 extension-header chain of at most
 * {@link #MAX_EXTENSION_HEADERS} headers), fragments, then the transport header (TCP with options,
 * UDP, ICMP/ICMPv6 with the quoted packet of an error). Each rung is one {@code if} returning a
 * {@link DecodeResult}; the first failure ends decoding. {@link #decode} counts every result, and
 * the non-fatal {@link DecodeNote}s, in plain {@code long} arrays.
 *
 * <p>Bounds. Every header is checked against two limits before any accessor touches it: the IP
 * length (the packet as the sender built it; a header beyond it is malformed) and the captured
 * length (the bytes we have; a header beyond it is truncated). Positions are kept relative to
 * {@code offset} and never exceed 64 KiB plus a header, so sums cannot overflow; the entry check
 * proves {@code offset + capturedLength <= buffer.capacity()}. The decoder therefore never reads
 * outside {@code [offset, offset + capturedLength)} and never throws on packet bytes.
 *
 * <p>Fragments: a later fragment (offset above 0) carries no transport header ({@code l4Offset}
 * -1, protocol still set so {@code proto} rules match); a first fragment must carry the whole
 * extension-header chain and transport header, else {@link DecodeResult#TINY_FRAGMENT}. An
 * "atomic" fragment (offset 0, no MF/M) is not a fragment. Checksums are not verified: the kernel
 * has done so before the netfilter hook for received packets, and locally generated packets may
 * carry partial checksums (offload).
 *
 * <p>Life cycle and synchronisation: one instance per PacketAgent, created at start, owned by the
 * packet thread; it holds one preallocated flyweight per header kind and allocates nothing per
 * packet. Counters may be read racily by the metrics scrape thread. On failure the fields decoded
 * before the failing rung stay set, {@code l4Offset} stays -1 and the inner fields stay empty.
 */
public final class PacketDecoder {
    /** NFQUEUE hardware protocol (ethertype) values. */
    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_IPV6 = 0x86DD;
    /** Most IPv6 extension headers walked before giving up (pf uses 10 for its chain loop). */
    public static final int MAX_EXTENSION_HEADERS = 8;
    /** Largest IP datagram; a fragment ending beyond it is the "ping of death". */
    public static final int IP_MAXPACKET = 65535;

    private static final byte ICMP_KIND_OTHER = 0;
    private static final byte ICMP_KIND_ECHO = 1;
    private static final byte ICMP_KIND_ERROR = 2;
    /** ICMP type to kind, indexed by type: echo (keyed by id) or error (quotes a packet). */
    private static final byte[] ICMP4_KIND = new byte[256];
    private static final byte[] ICMP6_KIND = new byte[256];

    static {
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_ECHO] = ICMP_KIND_ECHO;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_ECHO_REPLY] = ICMP_KIND_ECHO;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_UNREACH] = ICMP_KIND_ERROR;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_SOURCE_QUENCH] = ICMP_KIND_ERROR;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_REDIRECT] = ICMP_KIND_ERROR;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_TIME_EXCEEDED] = ICMP_KIND_ERROR;
        ICMP4_KIND[IcmpHeaderFlyweight.ICMP_PARAM_PROBLEM] = ICMP_KIND_ERROR;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_ECHO_REQUEST] = ICMP_KIND_ECHO;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_ECHO_REPLY] = ICMP_KIND_ECHO;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_DST_UNREACH] = ICMP_KIND_ERROR;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_PACKET_TOO_BIG] = ICMP_KIND_ERROR;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_TIME_EXCEEDED] = ICMP_KIND_ERROR;
        ICMP6_KIND[IcmpHeaderFlyweight.ICMP6_PARAM_PROBLEM] = ICMP_KIND_ERROR;
    }

    private final Ipv4HeaderFlyweight ipv4 = new Ipv4HeaderFlyweight();
    private final Ipv6HeaderFlyweight ipv6 = new Ipv6HeaderFlyweight();
    private final Ipv6ExtensionHeaderFlyweight extension = new Ipv6ExtensionHeaderFlyweight();
    private final Ipv6FragmentHeaderFlyweight fragmentHeader = new Ipv6FragmentHeaderFlyweight();
    private final TcpHeaderFlyweight tcp = new TcpHeaderFlyweight();
    private final UdpHeaderFlyweight udp = new UdpHeaderFlyweight();
    private final IcmpHeaderFlyweight icmp = new IcmpHeaderFlyweight();

    private final long[] resultCounts = new long[DecodeResult.values().length];
    private final long[] noteCounts = new long[DecodeNote.values().length];

    /**
     * Decodes the packet at {@code buffer[offset, offset + capturedLength)} into {@code out}.
     *
     * @param buffer         holds the L3 packet, IP header first.
     * @param offset         index of the IP header in {@code buffer}.
     * @param capturedLength bytes of the packet present in {@code buffer}.
     * @param originalLength the packet's real length (at least {@code capturedLength}).
     * @param hwProtocol     ethertype from the NFQUEUE packet header, or 0 to trust the version nibble.
     * @param out            reset, then filled.
     * @return {@link DecodeResult#OK} or the failure; never throws on packet contents.
     */
    public DecodeResult decode(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int originalLength,
        final int hwProtocol,
        final DecodedPacket out) {
        out.clearForDecode();
        final DecodeResult result = decodeL3(buffer, offset, capturedLength, originalLength, hwProtocol, out);
        resultCounts[result.ordinal()]++;
        return result;
    }

    /** Packets that decoded with {@code result} since start (owner thread writes, any thread reads). */
    public long count(final DecodeResult result) {
        return resultCounts[result.ordinal()];
    }

    /** Packets that showed {@code note} since start. */
    public long count(final DecodeNote note) {
        return noteCounts[note.ordinal()];
    }

    private DecodeResult decodeL3(
        final DirectBuffer buffer,
        final int offset,
        final int captured,
        final int original,
        final int hwProtocol,
        final DecodedPacket out) {
        final int capacity = buffer.capacity();
        if (offset < 0 || captured < 0 || offset > capacity || captured > capacity - offset) {
            return DecodeResult.BAD_CAPTURE_RANGE;
        }
        if (captured > original) {
            return DecodeResult.LENGTH_MISMATCH;
        }
        if (captured == 0) {
            return DecodeResult.EMPTY_PACKET;
        }
        out.l3Offset = offset;
        out.capturedLength = captured;

        final int version = (buffer.getByte(offset) >> 4) & 0xF;
        if (hwProtocol == ETH_P_IP) {
            if (version != Ipv4HeaderFlyweight.VERSION) {
                return DecodeResult.UNSUPPORTED_L3;
            }
        } else if (hwProtocol == ETH_P_IPV6) {
            if (version != Ipv6HeaderFlyweight.VERSION) {
                return DecodeResult.UNSUPPORTED_L3;
            }
        } else if (hwProtocol != 0) {
            return DecodeResult.UNSUPPORTED_L3;
        }

        if (version == Ipv4HeaderFlyweight.VERSION) {
            return decodeIpv4(buffer, offset, captured, original, out);
        }
        if (version == Ipv6HeaderFlyweight.VERSION) {
            return decodeIpv6(buffer, offset, captured, original, out);
        }
        return DecodeResult.UNSUPPORTED_L3;
    }

    private DecodeResult decodeIpv4(
        final DirectBuffer buffer, final int base, final int captured, final int original, final DecodedPacket out) {
        if (captured < Ipv4HeaderFlyweight.MIN_LENGTH) {
            return DecodeResult.TRUNCATED_IPV4_HEADER;
        }
        final Ipv4HeaderFlyweight ip = ipv4.wrap(buffer, base);
        final int headerLength = ip.headerLength();
        if (headerLength < Ipv4HeaderFlyweight.MIN_LENGTH) {
            return DecodeResult.BAD_IHL;
        }
        if (headerLength > captured) {
            return DecodeResult.TRUNCATED_IPV4_HEADER;
        }
        final int totalLength = ip.totalLength();
        if (totalLength < headerLength) {
            return DecodeResult.BAD_IP_LENGTH;
        }
        if (totalLength > original) {
            return DecodeResult.LENGTH_MISMATCH;
        }
        if (headerLength > Ipv4HeaderFlyweight.MIN_LENGTH && !walkIpv4Options(buffer, base, headerLength, out)) {
            return DecodeResult.BAD_IPV4_OPTIONS;
        }
        if (totalLength < original) {
            noteCounts[DecodeNote.TRAILING_BYTES.ordinal()]++;
        }

        out.family = DecodedPacket.FAMILY_INET;
        out.protocol = ip.protocol();
        out.srcLo = ip.sourceAddress();
        out.dstLo = ip.destinationAddress();
        out.ttl = ip.ttl();
        out.tos = ip.tos();
        out.ipLength = totalLength;
        out.fragmentId = ip.identification();
        out.dontFragment = ip.dontFragment();

        final int fragmentOffset = ip.fragmentOffset();
        final boolean more = ip.moreFragments();
        if (fragmentOffset != 0 || more) {
            final DecodeResult fragment = fragmentFields(fragmentOffset, more, totalLength - headerLength, out);
            if (fragment != null) {
                return fragment;
            }
        }
        return decodeTransport(buffer, base, headerLength, Math.min(totalLength, captured), totalLength, out);
    }

    /**
     * A fragment's fields, IPv4 or IPv6 (apart from {@link #decodeIpv4}, to keep that small enough for
     * the JIT to inline): {@link DecodeResult#BAD_FRAGMENT} when it would end beyond 65,535 bytes or a
     * fragment that is not the last carries a length not a multiple of 8; {@link DecodeResult#OK} for a
     * later fragment, which has no transport header; null for a first fragment, whose transport header
     * is decoded next.
     */
    private static DecodeResult fragmentFields(final int fragmentOffset, final boolean more, final int fragmentLength,
            final DecodedPacket out) {
        if (fragmentOffset + fragmentLength > IP_MAXPACKET) {
            return DecodeResult.BAD_FRAGMENT;
        }
        if (more && (fragmentLength & 7) != 0) {
            return DecodeResult.BAD_FRAGMENT;
        }
        out.written |= DecodedPacket.WROTE_FRAGMENT;
        out.fragment = true;
        out.fragmentOffset = fragmentOffset;
        out.moreFragments = more;
        if (fragmentOffset != 0) {
            out.payloadLength = fragmentLength;
            return DecodeResult.OK;
        }
        out.firstFragment = true;
        return null;
    }

    /** Walks IPv4 options in {@code [20, headerLength)}; false when one is malformed. */
    private static boolean walkIpv4Options(
        final DirectBuffer buffer, final int base, final int headerLength, final DecodedPacket out) {
        int position = Ipv4HeaderFlyweight.OPTIONS_OFFSET;
        while (position < headerLength) {
            final int kind = buffer.getByte(base + position) & 0xFF;
            if (kind == Ipv4HeaderFlyweight.OPTION_EOL) {
                break;
            }
            if (kind == Ipv4HeaderFlyweight.OPTION_NOP) {
                position++;
                continue;
            }
            if (position + 1 >= headerLength) {
                return false;
            }
            final int length = buffer.getByte(base + position + 1) & 0xFF;
            if (length < 2 || length > headerLength - position) {
                return false;
            }
            if (kind != Ipv4HeaderFlyweight.OPTION_ROUTER_ALERT) {
                out.ipOptions = true;
            }
            position += length;
        }
        return true;
    }

    private DecodeResult decodeIpv6(
        final DirectBuffer buffer, final int base, final int captured, final int original, final DecodedPacket out) {
        if (captured < Ipv6HeaderFlyweight.LENGTH) {
            return DecodeResult.TRUNCATED_IPV6_HEADER;
        }
        final Ipv6HeaderFlyweight ip = ipv6.wrap(buffer, base);
        final int ipLength = Ipv6HeaderFlyweight.LENGTH + ip.payloadLength();
        if (ipLength > original) {
            return DecodeResult.LENGTH_MISMATCH;
        }
        if (ipLength < original) {
            noteCounts[DecodeNote.TRAILING_BYTES.ordinal()]++;
        }
        out.family = DecodedPacket.FAMILY_INET6;
        out.srcHi = ip.sourceAddressHi();
        out.srcLo = ip.sourceAddressLo();
        out.dstHi = ip.destinationAddressHi();
        out.dstLo = ip.destinationAddressLo();
        out.ttl = ip.hopLimit();
        out.tos = ip.trafficClass();
        out.ipLength = ipLength;

        final int end = Math.min(ipLength, captured);
        int nextHeader = ip.nextHeader();
        int position = Ipv6HeaderFlyweight.LENGTH;
        int count = 0;
        boolean sawFragmentHeader = false;
        while (Ipv6ExtensionHeaderFlyweight.isWalkable(nextHeader)) {
            if (++count > MAX_EXTENSION_HEADERS) {
                return DecodeResult.TOO_MANY_EXTENSION_HEADERS;
            }
            if (position + Ipv6ExtensionHeaderFlyweight.MIN_LENGTH > ipLength) {
                return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.BAD_EXTENSION_HEADER;
            }
            if (position + Ipv6ExtensionHeaderFlyweight.MIN_LENGTH > end) {
                return DecodeResult.TRUNCATED_EXTENSION_HEADER;
            }
            final Ipv6ExtensionHeaderFlyweight ext = extension.wrap(buffer, base + position);
            final int headerLength = ext.headerLength(nextHeader);
            if (position + headerLength > ipLength) {
                return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.BAD_EXTENSION_HEADER;
            }
            if (position + headerLength > end) {
                return DecodeResult.TRUNCATED_EXTENSION_HEADER;
            }
            switch (nextHeader) {
                case IPPROTO_HOPOPTS:
                    if (count != 1) {
                        return DecodeResult.BAD_EXTENSION_HEADER;
                    }
                    if (!walkIpv6Options(buffer, base + position, headerLength, out)) {
                        return DecodeResult.BAD_EXTENSION_HEADER;
                    }
                    break;
                case IPPROTO_DSTOPTS:
                    if (!walkIpv6Options(buffer, base + position, headerLength, out)) {
                        return DecodeResult.BAD_EXTENSION_HEADER;
                    }
                    break;
                case IPPROTO_ROUTING:
                    if (ext.routingType() == Ipv6ExtensionHeaderFlyweight.ROUTING_TYPE_0) {
                        return DecodeResult.BAD_EXTENSION_HEADER;
                    }
                    break;
                case IPPROTO_FRAGMENT: {
                    if (sawFragmentHeader) {
                        return DecodeResult.BAD_EXTENSION_HEADER;
                    }
                    sawFragmentHeader = true;
                    final Ipv6FragmentHeaderFlyweight frag = fragmentHeader.wrap(buffer, base + position);
                    final int fragmentOffset = frag.fragmentOffset();
                    final boolean more = frag.moreFragments();
                    out.fragmentId = frag.identification();
                    if (fragmentOffset != 0 || more) {
                        final DecodeResult fragment = fragmentFields(fragmentOffset, more,
                                ipLength - position - Ipv6FragmentHeaderFlyweight.LENGTH, out);
                        if (fragment == DecodeResult.OK) {
                            out.protocol = frag.nextHeader(); // a later fragment: its protocol, no header to read
                        }
                        if (fragment != null) {
                            return fragment;
                        }
                    }
                    break;
                }
                default: // IPPROTO_AH: nothing to check beyond its length
                    break;
            }
            nextHeader = ext.nextHeader();
            position += headerLength;
        }
        out.protocol = nextHeader;
        if (nextHeader == IPPROTO_NONE) {
            out.payloadLength = ipLength - position;
            return DecodeResult.OK;
        }
        return decodeTransport(buffer, base, position, end, ipLength, out);
    }

    /** Walks the option TLVs of a hop-by-hop or destination-options header; false when malformed. */
    private static boolean walkIpv6Options(
        final DirectBuffer buffer, final int headerIndex, final int headerLength, final DecodedPacket out) {
        int position = Ipv6ExtensionHeaderFlyweight.OPTIONS_OFFSET;
        while (position < headerLength) {
            final int type = buffer.getByte(headerIndex + position) & 0xFF;
            if (type == Ipv6ExtensionHeaderFlyweight.OPTION_PAD1) {
                position++;
                continue;
            }
            if (position + 1 >= headerLength) {
                return false;
            }
            final int length = buffer.getByte(headerIndex + position + 1) & 0xFF;
            if (length > headerLength - position - 2) {
                return false;
            }
            if (type == Ipv6ExtensionHeaderFlyweight.OPTION_JUMBO) {
                return false; // jumbograms (RFC 2675) are beyond the 64 KiB this engine handles
            }
            if (type != Ipv6ExtensionHeaderFlyweight.OPTION_PADN
                && type != Ipv6ExtensionHeaderFlyweight.OPTION_ROUTER_ALERT) {
                out.ipOptions = true;
            }
            position += 2 + length;
        }
        return true;
    }

    /**
     * Decodes the transport header at {@code l4} (relative to {@code base}); {@code end} is the
     * relative end of the usable bytes (min of captured and IP length), {@code ipLength} the IP length.
     */
    private DecodeResult decodeTransport(
        final DirectBuffer buffer, final int base, final int l4, final int end, final int ipLength,
        final DecodedPacket out) {
        switch (out.protocol) {
            case DecodedPacket.PROTO_TCP:
                return decodeTcp(buffer, base, l4, end, ipLength, out);
            case DecodedPacket.PROTO_UDP:
                return decodeUdp(buffer, base, l4, end, ipLength, out);
            case DecodedPacket.PROTO_ICMP:
                if (out.family != DecodedPacket.FAMILY_INET) {
                    return DecodeResult.WRONG_ICMP_FAMILY;
                }
                return decodeIcmp(buffer, base, l4, end, ipLength, ICMP4_KIND, out);
            case DecodedPacket.PROTO_ICMPV6:
                if (out.family != DecodedPacket.FAMILY_INET6) {
                    return DecodeResult.WRONG_ICMP_FAMILY;
                }
                return decodeIcmp(buffer, base, l4, end, ipLength, ICMP6_KIND, out);
            default:
                out.payloadLength = ipLength - l4;
                out.l4Offset = base + l4;
                return DecodeResult.OK;
        }
    }

    private DecodeResult decodeTcp(
        final DirectBuffer buffer, final int base, final int l4, final int end, final int ipLength,
        final DecodedPacket out) {
        if (l4 + TcpHeaderFlyweight.MIN_LENGTH > ipLength) {
            return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.TRUNCATED_TCP_HEADER;
        }
        if (l4 + TcpHeaderFlyweight.MIN_LENGTH > end) {
            return DecodeResult.TRUNCATED_TCP_HEADER;
        }
        final TcpHeaderFlyweight th = tcp.wrap(buffer, base + l4);
        final int headerLength = th.headerLength();
        if (headerLength < TcpHeaderFlyweight.MIN_LENGTH) {
            return DecodeResult.BAD_TCP_DATA_OFFSET;
        }
        if (l4 + headerLength > ipLength) {
            return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.BAD_TCP_DATA_OFFSET;
        }
        if (l4 + headerLength > end) {
            return DecodeResult.TRUNCATED_TCP_HEADER;
        }
        if (headerLength > TcpHeaderFlyweight.MIN_LENGTH && !walkTcpOptions(th.readableUpTo(headerLength), headerLength, out)) {
            return DecodeResult.BAD_TCP_OPTIONS;
        }
        out.srcPort = th.sourcePort();
        out.dstPort = th.destinationPort();
        out.seq = th.sequence();
        out.ack = th.acknowledgment();
        out.tcpFlags = th.flags();
        out.window = th.window();
        out.payloadLength = ipLength - l4 - headerLength;
        out.l4Offset = base + l4;
        return DecodeResult.OK;
    }

    /** Walks TCP options in {@code [20, headerLength)}; false on a bogus length. */
    private static boolean walkTcpOptions(
        final TcpHeaderFlyweight th, final int headerLength, final DecodedPacket out) {
        out.written |= DecodedPacket.WROTE_TCP_OPTIONS;
        int position = TcpHeaderFlyweight.OPTIONS_OFFSET;
        while (position < headerLength) {
            final int kind = th.byteAt(position);
            if (kind == TcpHeaderFlyweight.OPTION_EOL) {
                break;
            }
            if (kind == TcpHeaderFlyweight.OPTION_NOP) {
                position++;
                continue;
            }
            if (position + 1 >= headerLength) {
                return false;
            }
            final int length = th.byteAt(position + 1);
            if (length < 2 || length > headerLength - position) {
                return false;
            }
            switch (kind) {
                case TcpHeaderFlyweight.OPTION_MSS:
                    if (length != TcpHeaderFlyweight.OPTION_MSS_LENGTH) {
                        return false;
                    }
                    out.mss = th.u16At(position + 2);
                    break;
                case TcpHeaderFlyweight.OPTION_WSCALE:
                    if (length != TcpHeaderFlyweight.OPTION_WSCALE_LENGTH) {
                        return false;
                    }
                    out.wscale = th.byteAt(position + 2); // as given; the tracker clamps to 14
                    break;
                case TcpHeaderFlyweight.OPTION_SACK_PERMITTED:
                    if (length != TcpHeaderFlyweight.OPTION_SACK_PERMITTED_LENGTH) {
                        return false;
                    }
                    out.sackPermitted = true;
                    break;
                case TcpHeaderFlyweight.OPTION_SACK:
                    if (length < TcpHeaderFlyweight.OPTION_SACK_MIN_LENGTH
                        || (length - 2) % TcpHeaderFlyweight.OPTION_SACK_BLOCK_LENGTH != 0) {
                        return false;
                    }
                    break;
                case TcpHeaderFlyweight.OPTION_TIMESTAMP:
                    if (length != TcpHeaderFlyweight.OPTION_TIMESTAMP_LENGTH) {
                        return false;
                    }
                    out.hasTimestamp = true;
                    out.tsVal = th.u32At(position + 2);
                    out.tsEcr = th.u32At(position + 6);
                    break;
                default:
                    break;
            }
            position += length;
        }
        return true;
    }

    private DecodeResult decodeUdp(
        final DirectBuffer buffer, final int base, final int l4, final int end, final int ipLength,
        final DecodedPacket out) {
        if (l4 + UdpHeaderFlyweight.LENGTH > ipLength) {
            return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.TRUNCATED_UDP_HEADER;
        }
        if (l4 + UdpHeaderFlyweight.LENGTH > end) {
            return DecodeResult.TRUNCATED_UDP_HEADER;
        }
        final UdpHeaderFlyweight uh = udp.wrap(buffer, base + l4);
        final int udpLength = uh.length();
        if (udpLength < UdpHeaderFlyweight.LENGTH) {
            return DecodeResult.BAD_UDP_LENGTH;
        }
        // A first fragment's UDP length covers the whole datagram, so only whole packets are held to it.
        if (!out.fragment && udpLength > ipLength - l4) {
            return DecodeResult.BAD_UDP_LENGTH;
        }
        out.srcPort = uh.sourcePort();
        out.dstPort = uh.destinationPort();
        out.payloadLength = ipLength - l4 - UdpHeaderFlyweight.LENGTH;
        out.l4Offset = base + l4;
        return DecodeResult.OK;
    }

    private DecodeResult decodeIcmp(
        final DirectBuffer buffer, final int base, final int l4, final int end, final int ipLength,
        final byte[] kinds, final DecodedPacket out) {
        if (l4 + IcmpHeaderFlyweight.LENGTH > ipLength) {
            return out.firstFragment ? DecodeResult.TINY_FRAGMENT : DecodeResult.TRUNCATED_ICMP_HEADER;
        }
        if (l4 + IcmpHeaderFlyweight.LENGTH > end) {
            return DecodeResult.TRUNCATED_ICMP_HEADER;
        }
        final IcmpHeaderFlyweight ih = icmp.wrap(buffer, base + l4);
        final int type = ih.type();
        out.written |= DecodedPacket.WROTE_ICMP;
        out.icmpType = type;
        out.icmpCode = ih.code();
        final byte kind = kinds[type];
        if (kind == ICMP_KIND_ECHO) {
            final int id = ih.identifier();
            out.icmpId = id;
            out.srcPort = id;
            out.dstPort = id;
        } else if (kind == ICMP_KIND_ERROR) {
            out.icmpError = true;
            decodeQuote(buffer, base, l4 + IcmpHeaderFlyweight.LENGTH, end, out);
        }
        out.payloadLength = ipLength - l4 - IcmpHeaderFlyweight.LENGTH;
        out.l4Offset = base + l4;
        return DecodeResult.OK;
    }

    /**
     * Decodes the packet quoted by an ICMP error at {@code [quote, end)} into the inner fields.
     * Never fails the packet: an unusable quote is counted as a {@link DecodeNote} and leaves
     * {@code innerFamily} 0. The inner fields are written only once the whole quote checked out.
     */
    private void decodeQuote(
        final DirectBuffer buffer, final int base, final int quote, final int end, final DecodedPacket out) {
        if (quote >= end) {
            noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
            return;
        }
        final int version = (buffer.getByte(base + quote) >> 4) & 0xF;
        final int family;
        final int protocol;
        final int l4;
        long srcHi = 0;
        long srcLo;
        long dstHi = 0;
        long dstLo;
        if (out.family == DecodedPacket.FAMILY_INET) {
            if (version != Ipv4HeaderFlyweight.VERSION) {
                noteCounts[DecodeNote.ICMP_QUOTE_MALFORMED.ordinal()]++;
                return;
            }
            if (quote + Ipv4HeaderFlyweight.MIN_LENGTH > end) {
                noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                return;
            }
            final Ipv4HeaderFlyweight inner = ipv4.wrap(buffer, base + quote);
            final int headerLength = inner.headerLength();
            if (headerLength < Ipv4HeaderFlyweight.MIN_LENGTH || inner.fragmentOffset() != 0) {
                noteCounts[DecodeNote.ICMP_QUOTE_MALFORMED.ordinal()]++;
                return;
            }
            if (quote + headerLength > end) {
                noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                return;
            }
            family = DecodedPacket.FAMILY_INET;
            protocol = inner.protocol();
            srcLo = inner.sourceAddress();
            dstLo = inner.destinationAddress();
            l4 = quote + headerLength;
        } else {
            if (version != Ipv6HeaderFlyweight.VERSION) {
                noteCounts[DecodeNote.ICMP_QUOTE_MALFORMED.ordinal()]++;
                return;
            }
            if (quote + Ipv6HeaderFlyweight.LENGTH > end) {
                noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                return;
            }
            final Ipv6HeaderFlyweight inner = ipv6.wrap(buffer, base + quote);
            family = DecodedPacket.FAMILY_INET6;
            srcHi = inner.sourceAddressHi();
            srcLo = inner.sourceAddressLo();
            dstHi = inner.destinationAddressHi();
            dstLo = inner.destinationAddressLo();
            int nextHeader = inner.nextHeader();
            int position = quote + Ipv6HeaderFlyweight.LENGTH;
            int count = 0;
            while (Ipv6ExtensionHeaderFlyweight.isWalkable(nextHeader)) {
                if (++count > MAX_EXTENSION_HEADERS) {
                    noteCounts[DecodeNote.ICMP_QUOTE_MALFORMED.ordinal()]++;
                    return;
                }
                if (position + Ipv6ExtensionHeaderFlyweight.MIN_LENGTH > end) {
                    noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                    return;
                }
                final Ipv6ExtensionHeaderFlyweight ext = extension.wrap(buffer, base + position);
                if (nextHeader == IPPROTO_FRAGMENT
                    && fragmentHeader.wrap(buffer, base + position).fragmentOffset() != 0) {
                    noteCounts[DecodeNote.ICMP_QUOTE_MALFORMED.ordinal()]++;
                    return;
                }
                position += ext.headerLength(nextHeader);
                nextHeader = ext.nextHeader();
            }
            protocol = nextHeader;
            l4 = position;
        }

        int srcPort = 0;
        int dstPort = 0;
        long seq = 0;
        switch (protocol) {
            case DecodedPacket.PROTO_TCP:
            case DecodedPacket.PROTO_UDP:
                if (l4 + UdpHeaderFlyweight.LENGTH > end) { // RFC 792: the first 8 transport bytes
                    noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                    return;
                }
                // TCP and UDP share the port layout; the TCP sequence number follows the ports.
                srcPort = udp.wrap(buffer, base + l4).sourcePort();
                dstPort = udp.destinationPort();
                if (protocol == DecodedPacket.PROTO_TCP) {
                    // Only 8 bytes are quoted, less than the TCP flyweight's fixed header: a checked read.
                    seq = buffer.getInt(base + l4 + TcpHeaderFlyweight.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN)
                        & 0xFFFF_FFFFL;
                }
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                if (l4 + IcmpHeaderFlyweight.LENGTH > end) {
                    noteCounts[DecodeNote.ICMP_QUOTE_TRUNCATED.ordinal()]++;
                    return;
                }
                final IcmpHeaderFlyweight ih = icmp.wrap(buffer, base + l4);
                final byte[] kinds = protocol == DecodedPacket.PROTO_ICMP ? ICMP4_KIND : ICMP6_KIND;
                if (kinds[ih.type()] == ICMP_KIND_ECHO) {
                    srcPort = ih.identifier();
                    dstPort = srcPort;
                }
                break;
            default:
                break;
        }
        out.innerFamily = family;
        out.innerProtocol = protocol;
        out.innerSrcHi = srcHi;
        out.innerSrcLo = srcLo;
        out.innerDstHi = dstHi;
        out.innerDstLo = dstLo;
        out.innerSrcPort = srcPort;
        out.innerDstPort = dstPort;
        out.innerSeq = seq;
    }
}
