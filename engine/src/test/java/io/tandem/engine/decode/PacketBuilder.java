package io.tandem.engine.decode;


import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only builder of raw L3 packets (IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6 or any protocol) as
 * byte arrays, as NFQUEUE would deliver them. Fluent; every field has a sensible default and
 * {@link #build()} fills in lengths, next-header chains and checksums (IPv4 header and transport).
 * Malformed packets are made by building a valid one and patching bytes in the test.
 */
public final class PacketBuilder {
    private final boolean v6;
    private final byte[] src;
    private final byte[] dst;
    private int ttl = 64;
    private int tos;
    private int ipId = 0x1234;
    private boolean dontFragment;
    private int fragmentOffset;
    private boolean moreFragments;
    private boolean v4Fragment;
    private byte[] ipv4Options = new byte[0];
    /** IPv6 extension headers: type plus body starting at byte 2 (next header and length filled in). */
    private final List<int[]> extTypes = new ArrayList<>();
    private final List<byte[]> extBodies = new ArrayList<>();

    private int protocol = -1;
    private byte[] l4Header = new byte[0];
    private int checksumOffset = -1;
    private byte[] payload = new byte[0];
    private int udpLengthOverride = -1;

    private PacketBuilder(final boolean v6, final String src, final String dst) {
        this.v6 = v6;
        this.src = address(src);
        this.dst = address(dst);
        if (this.src.length != (v6 ? 16 : 4) || this.dst.length != this.src.length) {
            throw new IllegalArgumentException("address family mismatch");
        }
    }

    public static PacketBuilder ipv4(final String src, final String dst) {
        return new PacketBuilder(false, src, dst);
    }

    public static PacketBuilder ipv6(final String src, final String dst) {
        return new PacketBuilder(true, src, dst);
    }

    public static byte[] address(final String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (final UnknownHostException ex) {
            throw new IllegalArgumentException(literal, ex);
        }
    }

    // ---- L3 ------------------------------------------------------------------------------------

    public PacketBuilder ttl(final int value) {
        ttl = value;
        return this;
    }

    public PacketBuilder tos(final int value) {
        tos = value;
        return this;
    }

    public PacketBuilder id(final int value) {
        ipId = value;
        return this;
    }

    public PacketBuilder dontFragment() {
        dontFragment = true;
        return this;
    }

    /** IPv4 fragment (offset in bytes, multiple of 8), or for IPv6 a fragment header with {@code id}. */
    public PacketBuilder fragment(final int offsetBytes, final boolean more) {
        if (v6) {
            return fragmentHeader(offsetBytes, more, ipId);
        }
        v4Fragment = true;
        fragmentOffset = offsetBytes;
        moreFragments = more;
        return this;
    }

    /** Raw IPv4 option bytes; padded with EOL to a multiple of 4. */
    public PacketBuilder ipv4Options(final int... bytes) {
        final int padded = (bytes.length + 3) & ~3;
        ipv4Options = new byte[padded];
        for (int i = 0; i < bytes.length; i++) {
            ipv4Options[i] = (byte) bytes[i];
        }
        return this;
    }

    /** Hop-by-hop options header holding {@code options} TLV bytes, padded with PadN/Pad1. */
    public PacketBuilder hopByHop(final int... options) {
        return optionsHeader(0, options);
    }

    public PacketBuilder destinationOptions(final int... options) {
        return optionsHeader(60, options);
    }

    private PacketBuilder optionsHeader(final int type, final int... options) {
        final int total = (2 + options.length + 7) & ~7;
        final byte[] body = new byte[total - 2];
        for (int i = 0; i < options.length; i++) {
            body[i] = (byte) options[i];
        }
        final int pad = body.length - options.length;
        if (pad == 1) {
            body[options.length] = 0; // Pad1
        } else if (pad >= 2) {
            body[options.length] = 1; // PadN
            body[options.length + 1] = (byte) (pad - 2);
        }
        return extension(type, body);
    }

    /** Routing header of {@code routingType} with no addresses (segments left 0). */
    public PacketBuilder routing(final int routingType) {
        final byte[] body = new byte[6];
        body[0] = (byte) routingType;
        return extension(43, body);
    }

    public PacketBuilder fragmentHeader(final int offsetBytes, final boolean more, final long identification) {
        final ByteBuffer body = ByteBuffer.allocate(6);
        body.putShort((short) (offsetBytes | (more ? 1 : 0)));
        body.putInt((int) identification);
        return extension(44, body.array());
    }

    /** Authentication header with {@code icvWords} 4-byte words of ICV after the 12 fixed bytes. */
    public PacketBuilder authenticationHeader(final int icvWords) {
        return extension(51, new byte[10 + 4 * icvWords]);
    }

    /** Any extension header: {@code body} follows the next-header and length bytes. */
    public PacketBuilder extension(final int type, final byte[] body) {
        extTypes.add(new int[] {type});
        extBodies.add(body);
        return this;
    }

    // ---- L4 ------------------------------------------------------------------------------------

    public PacketBuilder tcp(final int srcPort, final int dstPort, final long seq, final long ack, final int flags,
            final int window, final int... options) {
        final int optLength = (options.length + 3) & ~3;
        final ByteBuffer h = ByteBuffer.allocate(20 + optLength);
        h.putShort((short) srcPort).putShort((short) dstPort).putInt((int) seq).putInt((int) ack);
        h.put((byte) (((20 + optLength) / 4) << 4)).put((byte) flags).putShort((short) window);
        h.putShort((short) 0).putShort((short) 0);
        for (final int b : options) {
            h.put((byte) b);
        }
        protocol = DecodedPacket.PROTO_TCP;
        l4Header = h.array();
        checksumOffset = 16;
        return this;
    }

    public PacketBuilder tcp(final int srcPort, final int dstPort, final int flags) {
        return tcp(srcPort, dstPort, 1000, flags == DecodedPacket.TH_SYN ? 0 : 2000, flags, 65535);
    }

    public PacketBuilder udp(final int srcPort, final int dstPort) {
        final ByteBuffer h = ByteBuffer.allocate(8);
        h.putShort((short) srcPort).putShort((short) dstPort);
        protocol = DecodedPacket.PROTO_UDP;
        l4Header = h.array();
        checksumOffset = 6;
        return this;
    }

    /** Writes {@code length} into the UDP length field instead of the computed one. */
    public PacketBuilder udpLength(final int length) {
        udpLengthOverride = length;
        return this;
    }

    /** ICMP (IPv4) or ICMPv6 (IPv6) message with type, code and the 4 bytes after the checksum. */
    public PacketBuilder icmp(final int type, final int code, final int restOfHeader) {
        final ByteBuffer h = ByteBuffer.allocate(8);
        h.put((byte) type).put((byte) code).putShort((short) 0).putInt(restOfHeader);
        protocol = v6 ? DecodedPacket.PROTO_ICMPV6 : DecodedPacket.PROTO_ICMP;
        l4Header = h.array();
        checksumOffset = 2;
        return this;
    }

    public PacketBuilder echoRequest(final int id, final int sequence) {
        return icmp(v6 ? 128 : 8, 0, (id << 16) | (sequence & 0xFFFF));
    }

    public PacketBuilder echoReply(final int id, final int sequence) {
        return icmp(v6 ? 129 : 0, 0, (id << 16) | (sequence & 0xFFFF));
    }

    /** ICMP error of {@code type}/{@code code} quoting the first {@code quoteLength} bytes of {@code packet}. */
    public PacketBuilder icmpError(final int type, final int code, final byte[] packet, final int quoteLength) {
        icmp(type, code, 0);
        final byte[] quote = new byte[Math.min(quoteLength, packet.length)];
        System.arraycopy(packet, 0, quote, 0, quote.length);
        payload = quote;
        return this;
    }

    /** Only a protocol number: no transport header is built (payload becomes the L4 bytes). */
    public PacketBuilder protocol(final int number) {
        protocol = number;
        l4Header = new byte[0];
        checksumOffset = -1;
        return this;
    }

    public PacketBuilder payload(final int length) {
        payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        return this;
    }

    public PacketBuilder payload(final byte[] bytes) {
        payload = bytes.clone();
        return this;
    }

    // ---- build ---------------------------------------------------------------------------------

    public byte[] build() {
        if (protocol < 0) {
            throw new IllegalStateException("no transport set");
        }
        final byte[] l4 = new byte[l4Header.length + payload.length];
        System.arraycopy(l4Header, 0, l4, 0, l4Header.length);
        System.arraycopy(payload, 0, l4, l4Header.length, payload.length);
        if (protocol == DecodedPacket.PROTO_UDP && l4Header.length == 8) {
            final int length = udpLengthOverride >= 0 ? udpLengthOverride : l4.length;
            l4[4] = (byte) (length >> 8);
            l4[5] = (byte) length;
        }
        if (checksumOffset >= 0) {
            final int sum = transportChecksum(l4);
            l4[checksumOffset] = (byte) (sum >> 8);
            l4[checksumOffset + 1] = (byte) sum;
        }
        return v6 ? buildIpv6(l4) : buildIpv4(l4);
    }

    private byte[] buildIpv4(final byte[] l4) {
        final int headerLength = 20 + ipv4Options.length;
        final ByteBuffer p = ByteBuffer.allocate(headerLength + l4.length);
        p.put((byte) (0x40 | headerLength / 4)).put((byte) tos).putShort((short) (headerLength + l4.length));
        int flags = dontFragment ? 0x4000 : 0;
        if (v4Fragment) {
            flags |= (moreFragments ? 0x2000 : 0) | (fragmentOffset / 8);
        }
        p.putShort((short) ipId).putShort((short) flags).put((byte) ttl).put((byte) protocol).putShort((short) 0);
        p.put(src).put(dst).put(ipv4Options).put(l4);
        final byte[] bytes = p.array();
        final int sum = checksum(bytes, 0, headerLength, 0);
        bytes[10] = (byte) (sum >> 8);
        bytes[11] = (byte) sum;
        return bytes;
    }

    private byte[] buildIpv6(final byte[] l4) {
        final ByteArrayOutputStream ext = new ByteArrayOutputStream();
        for (int i = 0; i < extTypes.size(); i++) {
            final int type = extTypes.get(i)[0];
            final byte[] body = extBodies.get(i);
            final int next = i + 1 < extTypes.size() ? extTypes.get(i + 1)[0] : protocol;
            final int length = 2 + body.length;
            final int lengthField;
            if (type == 44) {
                lengthField = 0;
            } else if (type == 51) {
                lengthField = length / 4 - 2;
            } else {
                lengthField = length / 8 - 1;
            }
            ext.write(next);
            ext.write(lengthField);
            ext.write(body, 0, body.length);
        }
        final byte[] chain = ext.toByteArray();
        final ByteBuffer p = ByteBuffer.allocate(40 + chain.length + l4.length);
        p.putInt((6 << 28) | (tos << 20) | 0x12345).putShort((short) (chain.length + l4.length));
        p.put((byte) (extTypes.isEmpty() ? protocol : extTypes.get(0)[0])).put((byte) ttl);
        p.put(src).put(dst).put(chain).put(l4);
        return p.array();
    }

    private int transportChecksum(final byte[] l4) {
        long sum = 0;
        if (v6) {
            sum = partial(src, 0, 16, sum);
            sum = partial(dst, 0, 16, sum);
            sum += l4.length;
            sum += protocol;
        } else {
            if (protocol == DecodedPacket.PROTO_ICMP) {
                return checksum(l4, 0, l4.length, 0);
            }
            sum = partial(src, 0, 4, sum);
            sum = partial(dst, 0, 4, sum);
            sum += protocol;
            sum += l4.length;
        }
        return checksum(l4, 0, l4.length, sum);
    }

    private static long partial(final byte[] b, final int from, final int length, final long start) {
        long sum = start;
        for (int i = 0; i < length; i += 2) {
            final int hi = b[from + i] & 0xFF;
            final int lo = i + 1 < length ? b[from + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        return sum;
    }

    public static int checksum(final byte[] b, final int from, final int length, final long start) {
        long sum = partial(b, from, length, start);
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    // ---- helpers for tests ---------------------------------------------------------------------

    /** TCP option bytes: MSS. */
    public static int[] mss(final int value) {
        return new int[] {2, 4, value >> 8, value & 0xFF};
    }

    public static int[] concat(final int[]... parts) {
        int n = 0;
        for (final int[] part : parts) {
            n += part.length;
        }
        final int[] all = new int[n];
        int i = 0;
        for (final int[] part : parts) {
            System.arraycopy(part, 0, all, i, part.length);
            i += part.length;
        }
        return all;
    }

    /** The two longs {@link DecodedPacket} uses for an address: {hi, lo}. */
    public static long[] addressLongs(final String literal) {
        final byte[] a = address(literal);
        if (a.length == 4) {
            return new long[] {0, ByteBuffer.wrap(a).getInt() & 0xFFFF_FFFFL};
        }
        final ByteBuffer b = ByteBuffer.wrap(a);
        return new long[] {b.getLong(), b.getLong()};
    }
}
