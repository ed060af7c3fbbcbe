package io.tandem.engine.decode;

import static io.tandem.engine.decode.DecodedPacket.TH_ACK;
import static io.tandem.engine.decode.DecodedPacket.TH_SYN;
import static io.tandem.engine.decode.PacketBuilder.concat;
import static io.tandem.engine.decode.PacketBuilder.ipv4;
import static io.tandem.engine.decode.PacketBuilder.ipv6;
import static io.tandem.engine.decode.PacketBuilder.mss;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the checked-in seed inputs of {@link PacketDecoderFuzzTest}: a handful of valid packets of
 * each kind, prefixed with the fuzz target's 6-byte control header. Run from the engine module:
 * {@code java -cp target/test-classes:target/classes:<agrona> io.tandem.engine.packet.PacketDecoderFuzzSeeds
 * src/test/resources/io/tandem/engine/decode/PacketDecoderFuzzTestInputs/decode}.
 */
final class PacketDecoderFuzzSeeds {
    private PacketDecoderFuzzSeeds() {
    }

    static Map<String, byte[]> seeds() {
        final Map<String, byte[]> seeds = new LinkedHashMap<>();
        final int[] synOptions = concat(mss(1460), new int[] {4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
        seeds.put("ipv4_tcp_syn_options", control(0, 1, 0, ipv4("10.0.0.1", "10.0.0.2")
            .tcp(40000, 443, 1, 0, TH_SYN, 64240, synOptions).build()));
        seeds.put("ipv4_tcp_data_truncated", control(3, 0, 256, ipv4("10.0.0.1", "10.0.0.2")
            .tcp(40000, 443, 5, 6, TH_ACK, 500).payload(1460).build()));
        seeds.put("ipv4_options_udp", control(0, 0, 0, ipv4("10.0.0.1", "10.0.0.2")
            .ipv4Options(1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0).udp(53, 5353).payload(12).build()));
        seeds.put("ipv4_first_fragment_udp", control(0, 1, 0, ipv4("10.0.0.1", "10.0.0.2").fragment(0, true)
            .udp(1, 2).udpLength(3000).payload(64).build()));
        seeds.put("ipv4_later_fragment", control(0, 1, 0, ipv4("10.0.0.1", "10.0.0.2").fragment(1480, false)
            .protocol(17).payload(40).build()));
        seeds.put("ipv4_icmp_echo", control(0, 1, 0, ipv4("10.0.0.1", "10.0.0.2").echoRequest(0x1234, 1)
            .payload(56).build()));
        final byte[] quoted = ipv4("10.0.0.2", "10.0.0.1").tcp(443, 40000, 77, 88, TH_ACK, 100).build();
        seeds.put("ipv4_icmp_unreach_quote", control(0, 1, 0, ipv4("192.0.2.1", "10.0.0.2")
            .icmpError(3, 4, quoted, 28).build()));
        seeds.put("ipv4_gre", control(5, 0, 0, ipv4("10.0.0.1", "10.0.0.2").protocol(47).payload(24).build()));
        seeds.put("ipv6_tcp", control(0, 2, 0, ipv6("2001:db8::1", "2001:db8::2")
            .tcp(40000, 22, 9, 0, TH_SYN, 65535, synOptions).build()));
        seeds.put("ipv6_ext_chain_fragment", control(0, 2, 0, ipv6("2001:db8::1", "2001:db8::2").hopByHop(5, 2, 0, 0)
            .destinationOptions(0x1E, 2, 1, 2).fragmentHeader(0, true, 99).tcp(1, 2, TH_SYN).payload(4).build()));
        seeds.put("ipv6_later_fragment", control(0, 2, 0, ipv6("2001:db8::1", "2001:db8::2")
            .fragmentHeader(1232, false, 99).protocol(6).payload(40).build()));
        seeds.put("ipv6_routing_ah_udp", control(1, 0, 0, ipv6("2001:db8::1", "2001:db8::2").routing(4)
            .authenticationHeader(3).udp(500, 4500).payload(20).build()));
        seeds.put("ipv6_icmpv6_echo", control(0, 2, 0, ipv6("2001:db8::1", "2001:db8::2").echoReply(7, 8)
            .payload(32).build()));
        final byte[] quoted6 = ipv6("2001:db8::2", "2001:db8::1").destinationOptions().udp(53, 5353).payload(100)
            .build();
        seeds.put("ipv6_icmpv6_too_big_quote", control(0, 2, 0, ipv6("2001:db8::fe", "2001:db8::2")
            .icmpError(2, 0, quoted6, quoted6.length).build()));
        seeds.put("ipv6_no_next_header", control(0, 0, 0, ipv6("::1", "::1").hopByHop().protocol(59).build()));
        return seeds;
    }

    /** Control header: offset, hardware-protocol selector, capture cut; original delta 0. */
    static byte[] control(final int offset, final int hwSelector, final int cut, final byte[] packet) {
        final byte[] input = new byte[PacketDecoderFuzzTest.HEADER + packet.length];
        input[0] = (byte) offset;
        input[1] = (byte) hwSelector;
        input[2] = (byte) (cut >> 8);
        input[3] = (byte) cut;
        System.arraycopy(packet, 0, input, PacketDecoderFuzzTest.HEADER, packet.length);
        return input;
    }

    public static void main(final String[] args) throws IOException {
        final Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (final Map.Entry<String, byte[]> seed : seeds().entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue());
        }
    }
}
