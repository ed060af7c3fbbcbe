package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateTable;

/** Fills a table with UDP states, as the packet thread would for passed packets (a test fixture). */
final class UdpStates {
    private UdpStates() {
    }

    /** Creates {@code n} states 198.18.1.1:{@code 10000 + i} → 198.18.2.1:53. */
    static void add(final StateTable table, final int n, final long now) {
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < n; i++) {
            p.reset();
            p.family = DecodedPacket.FAMILY_INET;
            p.protocol = DecodedPacket.PROTO_UDP;
            p.srcLo = 0xC6120101L;
            p.dstLo = 0xC6120201L;
            p.l4Offset = 20;
            p.srcPort = 10_000 + i;
            p.dstPort = 53;
            p.payloadLength = 32;
            p.ipLength = 60;
            assertTrue(table.create(p, 0, PfConstants.PF_IN, 0, now) >= 0);
        }
    }
}
