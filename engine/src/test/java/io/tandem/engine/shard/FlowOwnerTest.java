package io.tandem.engine.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.PacketBuilder;
import io.tandem.engine.decode.PacketDecoder;
import io.tandem.engine.decode.DecodeResult;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The owner of a flow: the same for both directions, for ICMP errors about it, and spread over the threads. */
class FlowOwnerTest {
    private static DecodedPacket decode(final byte[] bytes, final int ethertype) {
        final DecodedPacket p = new DecodedPacket();
        assertEquals(DecodeResult.OK, new PacketDecoder().decode(new UnsafeBuffer(bytes), 0, bytes.length,
                bytes.length, ethertype, p));
        return p;
    }

    @Test
    void bothDirectionsOfAFlowHaveOneOwnerForEveryThreadCount() {
        final SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            final long a = r.nextLong(1L << 32);
            final long b = r.nextLong(1L << 32);
            final int pa = r.nextInt(65536);
            final int pb = r.nextInt(65536);
            final int proto = r.nextBoolean() ? 6 : 17;
            for (int n = 2; n <= 5; n++) {
                assertEquals(FlowOwner.of(2, proto, 0, a, 0, b, pa, pb, n), FlowOwner.of(2, proto, 0, b, 0, a, pb, pa, n));
                final long hiA = r.nextLong();
                final long hiB = r.nextLong();
                assertEquals(FlowOwner.of(10, proto, hiA, a, hiB, b, pa, pb, n),
                        FlowOwner.of(10, proto, hiB, b, hiA, a, pb, pa, n));
            }
        }
    }

    @Test
    void decodedPacketsOfBothDirectionsAndTheirIcmpErrorsShareTheOwner() {
        final String c = "10.0.0.2";
        final String s = "10.0.1.2";
        final String router = "10.0.9.1";
        final int[] seen = new int[2];
        for (int port = 1000; port < 1200; port++) {
            final byte[] out = PacketBuilder.ipv4(c, s).tcp(port, 80, DecodedPacket.TH_SYN).build();
            final DecodedPacket request = decode(out, 0x0800);
            final DecodedPacket reply = decode(PacketBuilder.ipv4(s, c)
                    .tcp(80, port, DecodedPacket.TH_SYN | DecodedPacket.TH_ACK).build(), 0x0800);
            final DecodedPacket error = decode(PacketBuilder.ipv4(router, c).icmpError(3, 1, out, 28).build(), 0x0800);
            final int owner = FlowOwner.of(request, 2);
            assertEquals(owner, FlowOwner.of(reply, 2), "port " + port);
            assertTrue(error.icmpError);
            assertEquals(owner, FlowOwner.of(error, 2), "ICMP error about port " + port);
            seen[owner]++;
        }
        assertTrue(seen[0] > 60 && seen[1] > 60, "flows spread over both threads: " + seen[0] + "/" + seen[1]);
    }

    @Test
    void oneThreadOwnsEverything() {
        assertEquals(0, FlowOwner.of(2, 6, 0, 1, 0, 2, 3, 4, 1));
    }
}
