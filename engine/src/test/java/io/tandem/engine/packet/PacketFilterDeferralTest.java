package io.tandem.engine.packet;

import io.tandem.engine.decode.PacketBuilder;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.state.PfConstants;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.HeldVerdictSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which packets pfsync deferral holds ({@link PacketFilter#deferFirstPackets}): the forwarded packet
 * that creates a state, never a multicast or broadcast one, never one for or from this host; a later
 * packet of the state releases the held one first.
 */
class PacketFilterDeferralTest {
    private final List<String> verdicts = new ArrayList<>();
    private final PacketFilterFixtures.Harness h = new PacketFilterFixtures.Harness(String.join("\n",
            "block all", "pass proto udp", "pass proto icmp", ""));
    private final DeferredVerdicts held = new DeferredVerdicts(new HeldVerdictSink() {
        @Override
        public void hold() {
        }

        @Override
        public void release(final long packetId, final int verdict) {
            verdicts.add(packetId + (verdict == ACCEPT ? " accept" : " drop"));
        }
    }, h.states(), 16, 20);

    PacketFilterDeferralTest() {
        h.filter.deferFirstPackets(held);
    }

    private byte[] udp(final String src, final String dst, final int sport) {
        return PacketBuilder.ipv4(src, dst).udp(sport, 53).payload(20).build();
    }

    @Test
    void theForwardedPacketThatCreatesAStateIsHeldAndMarked() {
        assertEquals(PacketFilter.HOLD, h.forward(udp(C4, S4, 1000), LAN, WAN));
        final int slot = h.filter.heldSlot();
        assertEquals(PfConstants.PFSTATE_ACK, h.states().stateFlags(slot));
        held.hold(slot, 1, 0);
        // The next packet of the connection (the client sends again) releases the first one, then passes.
        assertEquals(ACCEPT, h.forward(udp(C4, S4, 1000), LAN, WAN));
        assertEquals(List.of("1 accept"), verdicts);
        assertEquals(0, h.states().stateFlags(slot));
        assertEquals(1, held.released(DeferredVerdicts.Release.PACKET));
    }

    @Test
    void multicastBroadcastAndLocalPacketsAreNeverHeld() {
        assertEquals(ACCEPT, h.forward(udp(C4, "224.0.0.251", 1001), LAN, WAN), "multicast");
        assertEquals(ACCEPT, h.forward(udp(C4, "255.255.255.255", 1002), LAN, WAN), "limited broadcast");
        assertEquals(ACCEPT, h.forward(PacketBuilder.ipv6("2001:db8:1::1", "ff02::fb").udp(5353, 5353)
                .payload(8).build(), LAN, WAN), "IPv6 multicast");
        assertEquals(ACCEPT, h.localIn(udp(C4, S4, 1003), LAN), "for this host");
        assertEquals(ACCEPT, h.localOut(udp(S4, C4, 1004), LAN), "from this host");
        assertEquals(5, h.states().size(), "each made a state, none holds its packet");
        for (int s = h.states().nextLive(0); s >= 0; s = h.states().nextLive(s + 1)) {
            assertEquals(0, h.states().stateFlags(s));
        }
    }

    @Test
    void withoutDeferralNothingIsHeld() {
        final PacketFilterFixtures.Harness plain = new PacketFilterFixtures.Harness("pass proto udp\n");
        assertEquals(ACCEPT, plain.forward(udp(C4, S4, 1000), LAN, WAN));
        assertEquals(0, plain.states().stateFlags(plain.onlyState()));
    }
}
