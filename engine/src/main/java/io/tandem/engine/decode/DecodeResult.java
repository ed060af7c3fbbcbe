package io.tandem.engine.decode;

/**
 * Outcome of {@link PacketDecoder#decode}: {@link #OK} or the first check of the validation ladder
 * that the packet failed. It doubles as a counter descriptor ({@link #reasonName()} is the
 * Prometheus label value, {@link #help()} its description); {@link PacketDecoder} counts every
 * outcome ({@link PacketDecoder#count(DecodeResult)}).
 *
 * <p>Policy: {@code OK} means the packet was decoded and {@link DecodedPacket} holds its fields.
 * Every other value is a failure; the engine's default verdict for any failure is DROP
 * (configurable, e.g. to ACCEPT while rolling out), counted under the reason, as pf drops packets
 * it cannot parse ("short", "bad-offset", "fragment", "normalize" in pf's counters). Failures are
 * ordered as the ladder checks them: capture bounds, then L3, then extension headers and
 * fragments, then the transport header.
 *
 * <p>Not failures: payload cut off by the NFQUEUE copy range (normal), bytes after the IP length
 * (ignored), and an ICMP error whose quoted packet is truncated or unusable (the packet decodes,
 * {@link DecodedPacket#innerFamily} stays 0, and {@link DecodeNote} counts it).
 */
public enum DecodeResult {
    /** Decoded; the fields of {@link DecodedPacket} are valid. */
    OK("ok", "Packet decoded."),
    /** Caller error, never expected: offset/capturedLength negative or outside the buffer's capacity. */
    BAD_CAPTURE_RANGE("bad_capture_range",
        "Offset or captured length lies outside the receive buffer (engine bug)."),
    /** No bytes captured at all. */
    EMPTY_PACKET("empty_packet", "Queued packet carried no bytes."),
    /** IP version nibble neither 4 nor 6, unknown hardware protocol, or the two disagree. */
    UNSUPPORTED_L3("unsupported_l3",
        "Not IPv4 or IPv6, or the NFQUEUE hardware protocol disagrees with the IP version."),
    /** Fewer than 20 bytes, or fewer than IHL * 4 bytes, captured. */
    TRUNCATED_IPV4_HEADER("truncated_ipv4_header", "IPv4 header (with options) not fully captured."),
    /** IHL below 5. */
    BAD_IHL("bad_ihl", "IPv4 header length field below 5 words."),
    /** An IPv4 option overruns the header or has a length below 2. */
    BAD_IPV4_OPTIONS("bad_ipv4_options", "IPv4 option list malformed (option length outside the header)."),
    /** IPv4 total length below the header length. */
    BAD_IP_LENGTH("bad_ip_length", "IP total length smaller than the IP header."),
    /** Captured length above the original length, or the IP length above the original length. */
    LENGTH_MISMATCH("length_mismatch",
        "IP length claims more bytes than the packet has, or captured length exceeds original length."),
    /** Fewer than 40 bytes captured for IPv6. */
    TRUNCATED_IPV6_HEADER("truncated_ipv6_header", "IPv6 fixed header not fully captured."),
    /** An extension header lies inside the IP length but beyond the captured bytes. */
    TRUNCATED_EXTENSION_HEADER("truncated_extension_header",
        "IPv6 extension header chain longer than the NFQUEUE copy range."),
    /**
     * Extension header overruns the IP length, hop-by-hop not first, routing type 0, duplicate
     * fragment header, jumbo payload option, or a malformed option TLV.
     */
    BAD_EXTENSION_HEADER("bad_extension_header", "IPv6 extension header malformed or forbidden."),
    /** More than {@link PacketDecoder#MAX_EXTENSION_HEADERS} extension headers. */
    TOO_MANY_EXTENSION_HEADERS("too_many_extension_headers", "IPv6 extension header chain too long."),
    /** First fragment without the complete extension header chain or transport header. */
    TINY_FRAGMENT("tiny_fragment", "First fragment too short to hold the transport header."),
    /** Fragment ends beyond 65535 bytes, or a non-last fragment's length is not a multiple of 8. */
    BAD_FRAGMENT("bad_fragment", "Fragment offset plus length beyond 65535, or unaligned non-last fragment."),
    /** ICMPv6 inside IPv4 or ICMP inside IPv6 (pf drops both). */
    WRONG_ICMP_FAMILY("wrong_icmp_family", "ICMP in IPv6 or ICMPv6 in IPv4."),
    /** TCP fixed header or its options not inside the packet or not captured. */
    TRUNCATED_TCP_HEADER("truncated_tcp_header", "TCP header not fully present."),
    /** TCP data offset below 5, or the header runs beyond the IP length. */
    BAD_TCP_DATA_OFFSET("bad_tcp_data_offset", "TCP data offset below 5 or beyond the packet."),
    /** TCP option with a length below 2, beyond the header, or wrong for its kind. */
    BAD_TCP_OPTIONS("bad_tcp_options", "TCP option list malformed (bogus option length)."),
    /** UDP header not inside the packet or not captured. */
    TRUNCATED_UDP_HEADER("truncated_udp_header", "UDP header not fully present."),
    /** UDP length below 8 or above the IP payload length. */
    BAD_UDP_LENGTH("bad_udp_length", "UDP length field below 8 or larger than the IP payload."),
    /** ICMP or ICMPv6 header (8 bytes) not inside the packet or not captured. */
    TRUNCATED_ICMP_HEADER("truncated_icmp_header", "ICMP/ICMPv6 header not fully present.");

    private final String reasonName;
    private final String help;

    DecodeResult(final String reasonName, final String help) {
        this.reasonName = reasonName;
        this.help = help;
    }

    /** Label value for the {@code reason} label of the decode counter, lowercase snake case. */
    public String reasonName() {
        return reasonName;
    }

    /** One-line description for the metric's help text and documentation. */
    public String help() {
        return help;
    }

    /** True for every value except {@link #OK}. */
    public boolean isFailure() {
        return this != OK;
    }
}
