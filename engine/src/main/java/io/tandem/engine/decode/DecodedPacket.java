package io.tandem.engine.decode;

/**
 * The fields of one packet that the state engine and the ruleset look at, filled in place by
 * {@link PacketDecoder} for every packet.
 *
 * <p>Theory of operation: one instance per PacketAgent, owned by the packet thread and reused for
 * every packet, so decoding allocates nothing. Fields are public and plain for speed; only the
 * decoder writes them, and only {@link #reset()} (or, before each decode, {@link #clearForDecode()})
 * clears them. Addresses are held as two longs,
 * big-endian order folded into numbers: IPv4 uses {@code srcLo}/{@code dstLo} (the address in the
 * low 32 bits) with {@code srcHi}/{@code dstHi} zero; IPv6 uses bits 127..64 in {@code *Hi} and
 * 63..0 in {@code *Lo}. Comparing and hashing addresses therefore never touches a byte array.
 */
public final class DecodedPacket {
    /** Address family: {@link #FAMILY_INET} or {@link #FAMILY_INET6}, 0 before decoding. */
    public static final int FAMILY_INET = 2;
    public static final int FAMILY_INET6 = 10;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    /** TCP flag bits as on the wire (byte 13 of the TCP header). */
    public static final int TH_FIN = 0x01;
    public static final int TH_SYN = 0x02;
    public static final int TH_RST = 0x04;
    public static final int TH_PUSH = 0x08;
    public static final int TH_ACK = 0x10;
    public static final int TH_URG = 0x20;
    public static final int TH_ECE = 0x40;
    public static final int TH_CWR = 0x80;

    /** {@link #FAMILY_INET} or {@link #FAMILY_INET6}. */
    public int family;
    /** Transport protocol number (after the IPv6 extension-header chain). */
    public int protocol;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** IPv4 TTL or IPv6 hop limit. */
    public int ttl;
    /** IPv4 total length or IPv6 40 + payload length: the length the IP header claims. */
    public int ipLength;
    /** Offset of the IP header in the buffer given to the decoder. */
    public int l3Offset;
    /** Offset of the transport header, or -1 when there is none (later fragments). */
    public int l4Offset;
    /** Bytes of the packet that are present in the buffer (may be below ipLength when truncated). */
    public int capturedLength;
    /** IPv4 type of service or IPv6 traffic class (DSCP and ECN bits). */
    public int tos;
    /** IPv4 DF flag. */
    public boolean dontFragment;
    /**
     * IPv4 options other than EOL/NOP/router alert, or IPv6 hop-by-hop/destination options other
     * than padding/router alert, are present (what pf's {@code allow-opts} is about).
     */
    public boolean ipOptions;

    /** True for any fragment (first or later). */
    public boolean fragment;
    /** True for a fragment with offset 0: it carries the transport header. */
    public boolean firstFragment;
    /** Fragment offset in bytes. */
    public int fragmentOffset;
    /** IPv4 MF flag or IPv6 fragment-header M flag: more fragments follow this one. */
    public boolean moreFragments;
    /** IPv4 identification or IPv6 fragment-header identification. */
    public long fragmentId;

    /** TCP/UDP ports; for ICMP/ICMPv6 echo both hold the echo identifier (as pf keys echo states). */
    public int srcPort;
    public int dstPort;

    // TCP
    public int tcpFlags;
    /** Sequence and acknowledgement numbers as unsigned 32-bit values. */
    public long seq;
    public long ack;
    /** Raw (unscaled) window. */
    public int window;
    /** Transport payload length (IP length minus headers). */
    public int payloadLength;
    /** Value of the MSS option, 0 when absent. */
    public int mss;
    /** Window-scale option shift, -1 when absent. */
    public int wscale;
    public boolean sackPermitted;
    /** Timestamp option present. */
    public boolean hasTimestamp;
    public long tsVal;
    public long tsEcr;

    // ICMP and ICMPv6
    public int icmpType;
    public int icmpCode;
    /** Echo identifier for echo request/reply, else 0. */
    public int icmpId;
    /** True when the ICMP message is an error that quotes another packet (unreachable, time exceeded...). */
    public boolean icmpError;

    // The packet quoted inside an ICMP error (valid only when icmpError and innerFamily != 0).
    public int innerFamily;
    public int innerProtocol;
    public long innerSrcHi;
    public long innerSrcLo;
    public long innerDstHi;
    public long innerDstLo;
    public int innerSrcPort;
    public int innerDstPort;
    /** Sequence number of a quoted TCP header, for pf's check of ICMP errors against the window. */
    public long innerSeq;

    /** {@link #written}: the decoder wrote the fragment fields. */
    static final int WROTE_FRAGMENT = 1;
    /** {@link #written}: the decoder walked TCP options (mss, wscale, sackPermitted, timestamps). */
    static final int WROTE_TCP_OPTIONS = 2;
    /** {@link #written}: the decoder wrote the ICMP fields (and maybe the quoted packet's). */
    static final int WROTE_ICMP = 4;

    /**
     * Which optional groups of fields the decoder wrote for the packet held now (the {@code WROTE_}
     * bits), so that {@link #clearForDecode} clears only those: most packets carry no ICMP quote and
     * no fragment header, and the stores of clearing them were a measurable part of decoding. The
     * decoder sets a bit before it writes the first field of its group; {@link #reset} clears all.
     */
    int written;

    /** A packet with every field clear, as after {@link #reset} (wscale -1, no transport header). */
    public DecodedPacket() {
        reset();
    }

    /** Clears every field, whoever wrote it. */
    public void reset() {
        clearCore();
        clearFragment();
        clearTcpOptions();
        clearIcmp();
        written = 0;
    }

    /**
     * What the decoder calls before it starts: clears the fields every decode may write, and the
     * optional groups only where the last decode wrote them ({@link #written}). Equivalent to
     * {@link #reset} as long as only the decoder writes the optional groups, as on the packet path.
     */
    void clearForDecode() {
        clearCore();
        final int w = written;
        if (w != 0) {
            if ((w & WROTE_FRAGMENT) != 0) {
                clearFragment();
            }
            if ((w & WROTE_TCP_OPTIONS) != 0) {
                clearTcpOptions();
            }
            if ((w & WROTE_ICMP) != 0) {
                clearIcmp();
            }
            written = 0;
        }
    }

    private void clearCore() {
        family = 0;
        protocol = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        ttl = 0;
        ipLength = 0;
        l3Offset = 0;
        l4Offset = -1;
        capturedLength = 0;
        tos = 0;
        dontFragment = false;
        ipOptions = false;
        fragmentId = 0;
        srcPort = dstPort = 0;
        tcpFlags = 0;
        seq = ack = 0;
        window = 0;
        payloadLength = 0;
    }

    private void clearFragment() {
        fragment = false;
        firstFragment = false;
        fragmentOffset = 0;
        moreFragments = false;
    }

    private void clearTcpOptions() {
        mss = 0;
        wscale = -1;
        sackPermitted = false;
        hasTimestamp = false;
        tsVal = tsEcr = 0;
    }

    private void clearIcmp() {
        icmpType = icmpCode = icmpId = 0;
        icmpError = false;
        innerFamily = 0;
        innerProtocol = 0;
        innerSrcHi = innerSrcLo = innerDstHi = innerDstLo = 0;
        innerSrcPort = innerDstPort = 0;
        innerSeq = 0;
    }

    /**
     * Makes this packet a copy of {@code o}, field by field (no allocation): how a packet received on one
     * queue is handed to the queue thread that owns its flow ({@code packet.PacketHandoff}). A field
     * added to this class must be added here; {@code DecodedPacketTest} checks that every field is copied.
     */
    public void copyFrom(final DecodedPacket o) {
        family = o.family;
        protocol = o.protocol;
        srcHi = o.srcHi;
        srcLo = o.srcLo;
        dstHi = o.dstHi;
        dstLo = o.dstLo;
        ttl = o.ttl;
        ipLength = o.ipLength;
        l3Offset = o.l3Offset;
        l4Offset = o.l4Offset;
        capturedLength = o.capturedLength;
        tos = o.tos;
        dontFragment = o.dontFragment;
        ipOptions = o.ipOptions;
        fragment = o.fragment;
        firstFragment = o.firstFragment;
        fragmentOffset = o.fragmentOffset;
        moreFragments = o.moreFragments;
        fragmentId = o.fragmentId;
        srcPort = o.srcPort;
        dstPort = o.dstPort;
        tcpFlags = o.tcpFlags;
        seq = o.seq;
        ack = o.ack;
        window = o.window;
        payloadLength = o.payloadLength;
        mss = o.mss;
        wscale = o.wscale;
        sackPermitted = o.sackPermitted;
        hasTimestamp = o.hasTimestamp;
        tsVal = o.tsVal;
        tsEcr = o.tsEcr;
        icmpType = o.icmpType;
        icmpCode = o.icmpCode;
        icmpId = o.icmpId;
        icmpError = o.icmpError;
        innerFamily = o.innerFamily;
        innerProtocol = o.innerProtocol;
        innerSrcHi = o.innerSrcHi;
        innerSrcLo = o.innerSrcLo;
        innerDstHi = o.innerDstHi;
        innerDstLo = o.innerDstLo;
        innerSrcPort = o.innerSrcPort;
        innerDstPort = o.innerDstPort;
        innerSeq = o.innerSeq;
        written = o.written;
    }

    /** True when the transport header was decoded (ports, flags, ICMP type are valid). */
    public boolean hasTransportHeader() {
        return l4Offset >= 0;
    }
}
