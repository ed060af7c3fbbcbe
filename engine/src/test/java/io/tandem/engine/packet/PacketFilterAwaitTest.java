package io.tandem.engine.packet;

import static io.tandem.engine.packet.PacketFilterFixtures.ACK;
import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.FORWARD;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.RST;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.decode.PacketBuilder;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.packet.PacketFilterFixtures.Tcp;
import io.tandem.engine.testing.AllocationMeter;
import io.tandem.engine.verdict.AwaitedPackets;
import io.tandem.engine.verdict.HeldVerdictSink;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Awaiting a peer's state ({@link PacketFilter#awaitPeerStates}, {@link AwaitedPackets}) on the split path
 * of docs/pfsync.md: fwA passes the client's SYN and creates the state; the server's SYN-ACK reaches fwB
 * before the state does, and fwB — two real filters with {@code block all} here — holds it instead of
 * dropping it, and lets pf's checks decide it once fwA's state is imported (as {@code PeerInbox} imports it:
 * {@code StateTable.restore} with the windows kept).
 */
class PacketFilterAwaitTest {
    private static final String RULES = "block all\npass in on lan0 proto tcp\npass in on lan0 proto udp\n";
    private static final long MS = 1_000_000L;
    private static final long T0_NANOS = 9_000 * MS;

    private final Harness fwA = new Harness(RULES);
    private final Harness fwB = new Harness(RULES);
    private final List<String> verdicts = new ArrayList<>();
    private final HeldVerdictSink sink = new HeldVerdictSink() {
        @Override
        public void hold() {
        }

        @Override
        public void release(final long packetId, final int verdict) {
            verdicts.add(packetId + (verdict == ACCEPT ? " accept" : " drop"));
        }
    };
    private final AwaitedPackets awaiting = new AwaitedPackets(sink, fwB.counters, 3, 20);
    private final AwaitedPackets.Decider decider = new AwaitedPackets.Decider() {
        @Override
        public boolean hasState(final io.tandem.engine.decode.DecodedPacket p, final int hook, final int indev,
                final int outdev, final int metSlot, final long metId) {
            return fwB.filter.hasStateOtherThan(p, hook, indev, outdev, metSlot, metId);
        }

        @Override
        public int decide(final io.tandem.engine.decode.DecodedPacket p, final int hook, final int indev,
                final int outdev, final long bytes) {
            return fwB.filter.decideAwaited(p, hook, indev, outdev, bytes, fwB.now);
        }
    };

    PacketFilterAwaitTest() {
        fwB.filter.awaitPeerStates(true);
        fwB.states().setArrivalListener(awaiting);
    }

    /** fwB decides {@code bytes} (server to client: in on wan0, out on lan0); awaited ones are held under {@code id}. */
    private int atFwB(final byte[] bytes, final long id) {
        final int verdict = fwB.forward(bytes, WAN, LAN);
        if (verdict == PacketFilter.AWAIT) {
            awaiting.hold(fwB.packet, FORWARD, WAN, LAN, bytes.length, id, AwaitedPackets.OWN_QUEUE, T0_NANOS,
                    fwB.filter.metSlot(), fwB.filter.metId());
        }
        return verdict;
    }

    /**
     * fwA's only state arrives at fwB the way {@code PeerInbox} imports a peer's INS (restored with its
     * windows, which are trusted: the peer just created it); then the agent's release step runs.
     */
    private void fwAsStateArrives() {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0).clear()
                .copyFrom(fwA.states(), fwA.onlyState());
        final int slot = fwB.states().restore(r, -1, fwB.now, true);
        assertEquals(true, slot >= 0, "imported");
        fwB.states().trustWindows(slot);
        awaiting.releaseArrived(decider);
    }

    @Test
    void aSynAckThatBeatsTheInsIsHeldAndPassedByTheStateWhenItArrives() {
        final Tcp c = Tcp.v4();
        assertEquals(ACCEPT, fwA.forward(c.syn(), LAN, WAN), "fwA creates the state");
        assertEquals(PacketFilter.AWAIT, atFwB(c.synAck(), 7), "fwB has no state yet: held, not dropped");
        assertEquals(1, awaiting.held());
        assertEquals(List.of(), verdicts);
        fwAsStateArrives();
        assertEquals(List.of("7 accept"), verdicts);
        assertEquals(0, awaiting.held());
        assertEquals(1, fwB.count(PacketCounter.AWAIT_PASSED));
        // the SYN-ACK taught fwB's state the server's half: the client's ACK and the server's data pass there too
        assertEquals(ACCEPT, fwB.forward(c.c(ACK, 0), LAN, WAN));
        assertEquals(ACCEPT, fwB.forward(c.s(ACK, 100), WAN, LAN));
    }

    @Test
    void aPacketTheArrivingStateRejectsIsDroppedAndCountedAsFailed() {
        final Tcp c = Tcp.v4();
        fwA.forward(c.syn(), LAN, WAN);
        // a SYN-ACK that acknowledges nothing the client sent: pf's checks drop it once the state is there
        assertEquals(PacketFilter.AWAIT, atFwB(c.raw(false, 5000, c.cseq + 5_000_000, PacketFilterFixtures.SYN | ACK,
                65535, 0), 8));
        fwAsStateArrives();
        assertEquals(List.of("8 drop"), verdicts);
        assertEquals(1, fwB.count(PacketCounter.AWAIT_FAILED));
    }

    @Test
    void withoutAStateAHeldPacketIsDroppedAtItsTimeout() {
        final Tcp c = Tcp.v4();
        assertEquals(PacketFilter.AWAIT, atFwB(c.synAck(), 9));
        assertEquals(0, awaiting.expire(T0_NANOS + 19 * MS));
        assertEquals(1 * MS, awaiting.nanosToNextTimeout(T0_NANOS + 19 * MS));
        assertEquals(1, awaiting.expire(T0_NANOS + 20 * MS));
        assertEquals(List.of("9 drop"), verdicts);
        assertEquals(1, fwB.count(PacketCounter.AWAIT_TIMEOUT));
        assertEquals(-1, awaiting.nanosToNextTimeout(T0_NANOS + 20 * MS));
    }

    @Test
    void anArrivalReleasesOnlyItsOwnFlowsPacketsInTheirOrderAndTheLimitDropsTheOldest() {
        final String s4 = PacketFilterFixtures.S4;
        final String c4 = PacketFilterFixtures.C4;
        fwA.forward(PacketFilterFixtures.udp4(c4, 1000, s4, 53), LAN, WAN); // fwA: the request's state
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1001), 1); // another flow's reply
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1000), 2);
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1000), 3);
        assertEquals(3, awaiting.held());
        fwAsStateArrives();
        assertEquals(List.of("2 accept", "3 accept"), verdicts, "the other flow's packet stays");
        assertEquals(1, awaiting.held());
        // limit 3: the fourth packet held drops the oldest (the other flow's)
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1001), 4);
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1001), 5);
        atFwB(PacketFilterFixtures.udp4(s4, 53, c4, 1001), 6);
        assertEquals(List.of("2 accept", "3 accept", "1 drop"), verdicts);
        assertEquals(1, fwB.count(PacketCounter.AWAIT_LIMIT));
        awaiting.releaseAll();
        assertEquals(List.of("2 accept", "3 accept", "1 drop", "4 drop", "5 drop", "6 drop"), verdicts);
        assertEquals(3, fwB.count(PacketCounter.AWAIT_SHUTDOWN));
        assertEquals(6, fwB.count(PacketCounter.AWAITED));
    }

    /** A connection's handshake through fwA alone (the split path's client side). */
    private void handshakeThroughFwA(final Tcp c) {
        assertEquals(ACCEPT, fwA.forward(c.syn(), LAN, WAN));
        assertEquals(ACCEPT, fwA.forward(c.synAck(), WAN, LAN));
        assertEquals(ACCEPT, fwA.forward(c.c(ACK, 0), LAN, WAN));
    }

    /**
     * A reused connection's SYN-ACK, held at fwB under {@code id}: an unrelated arrival that finds only the
     * old state leaves it held; fwA's new state, superseding the old one as {@code PeerInbox} does when the
     * same creator reuses a connection, passes it; the new connection then goes on at fwB.
     */
    private void oldStateKeepsItHeldAndTheNewOnePassesIt(final Tcp reused, final int oldOnB, final long id) {
        awaiting.stateArrived(fwB.states(), oldOnB);
        awaiting.releaseArrived(decider);
        assertEquals(List.of(), verdicts, "the old state alone does not decide it");
        assertEquals(1, awaiting.held());
        fwB.states().remove(oldOnB, io.tandem.engine.state.StateRemoveReason.FLUSHED);
        fwAsStateArrives();
        assertEquals(List.of(id + " accept"), verdicts);
        assertEquals(1, fwB.count(PacketCounter.AWAIT_PASSED));
        assertEquals(ACCEPT, fwB.forward(reused.s(ACK, 10), WAN, LAN), "the new connection goes on at fwB");
    }

    /**
     * A client reuses its ports through fwA while fwB still holds the old connection, closed both ways:
     * the new SYN-ACK would fail pf's checks against the old state, so fwB awaits the new state instead
     * — through an unrelated arrival that finds only the old state — and passes it once fwA's new state
     * supersedes the old one (as {@code PeerInbox} does when the same creator reuses a connection).
     */
    @Test
    void aSynAckMeetingAClosedConnectionAwaitsThePeersNewStateForTheReusedPorts() {
        final Tcp old = Tcp.v4();
        // the old connection ran and closed through fwA alone; fwB learned its final state
        handshakeThroughFwA(old);
        assertEquals(ACCEPT, fwA.forward(old.c(PacketFilterFixtures.FIN | ACK, 0), LAN, WAN));
        assertEquals(ACCEPT, fwA.forward(old.s(PacketFilterFixtures.FIN | ACK, 0), WAN, LAN));
        assertEquals(ACCEPT, fwA.forward(old.c(ACK, 0), LAN, WAN));
        fwAsStateArrives();
        final int oldOnB = fwB.onlyState();
        assertEquals(true, fwB.states().peerState(oldOnB, 0) >= io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2
                && fwB.states().peerState(oldOnB, 1) >= io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2,
                "fwB holds the old connection closed both ways");

        final Tcp reused = new Tcp(PacketFilterFixtures.C4, 40000, PacketFilterFixtures.S4, 80, 900_000, 7_000_000);
        assertEquals(ACCEPT, fwA.forward(reused.syn(), LAN, WAN), "fwA: the SYN replaces the closed state");
        assertEquals(PacketFilter.AWAIT, atFwB(reused.synAck(), 21), "fwB: not checked against the old state");
        oldStateKeepsItHeldAndTheNewOnePassesIt(reused, oldOnB, 21);
    }

    /**
     * The same reuse before fwB learned that the old connection closed (its closing update still on its
     * way): fwB holds the old connection established, and the new SYN-ACK fails pf's checks against it.
     * It is awaited, not dropped, and passed once fwA's new state supersedes the old one; without awaiting
     * it is dropped, and an in-window packet of the old connection is still decided by its state.
     */
    @Test
    void aSynAckFailingTheChecksOfAStillOpenOldConnectionAwaitsTheReusedPortsNewState() {
        final Tcp old = Tcp.v4();
        handshakeThroughFwA(old);
        fwAsStateArrives();
        final int oldOnB = fwB.onlyState();
        assertEquals(io.tandem.engine.state.PfConstants.TCPS_ESTABLISHED, fwB.states().peerState(oldOnB, 0),
                "fwB holds the old connection established");
        assertEquals(ACCEPT, fwB.forward(old.s(ACK, 100), WAN, LAN), "the old connection's own packets pass at fwB");
        // the client resets the old connection through fwA (fwB does not hear of it) and reuses its ports
        assertEquals(ACCEPT, fwA.forward(old.c(RST | ACK, 0), LAN, WAN));
        final Tcp reused = new Tcp(PacketFilterFixtures.C4, 40000, PacketFilterFixtures.S4, 80, 900_000, 7_000_000);
        assertEquals(ACCEPT, fwA.forward(reused.syn(), LAN, WAN), "fwA: the SYN replaces the reset state");

        fwB.filter.awaitPeerStates(false);
        assertEquals(DROP, fwB.forward(new Tcp(PacketFilterFixtures.C4, 40000, PacketFilterFixtures.S4, 80, 900_000,
                7_000_000).synAck(), WAN, LAN), "without awaiting, pf's checks drop it");
        fwB.filter.awaitPeerStates(true);
        final long stateDrops = fwB.count(PacketCounter.STATE_MATCH_DROP);
        assertEquals(PacketFilter.AWAIT, atFwB(reused.synAck(), 31), "with awaiting, held");
        assertEquals(stateDrops, fwB.count(PacketCounter.STATE_MATCH_DROP), "held, not counted as a state's drop");
        oldStateKeepsItHeldAndTheNewOnePassesIt(reused, oldOnB, 31);
    }

    @Test
    void onlyForwardedRuleDropsThatMayBeRepliesAreAwaited() {
        final Tcp c = Tcp.v4();
        assertEquals(DROP, fwB.forward(new Tcp(PacketFilterFixtures.S4, 80, PacketFilterFixtures.C4, 40000, 1, 1).syn(),
                WAN, LAN), "a bare SYN is nobody's reply");
        assertEquals(DROP, fwB.forward(c.raw(false, 1, 1, ACK, 65535, 10), WAN, LAN),
                "an ACK segment comes after the first reply (or is an ACK scan)");
        assertEquals(PacketFilter.AWAIT, fwB.forward(PacketBuilder.ipv4(PacketFilterFixtures.S4, PacketFilterFixtures.C4)
                .icmp(0, 0, 0x12340001).build(), WAN, LAN), "an echo reply");
        assertEquals(DROP, fwB.forward(PacketBuilder.ipv4(PacketFilterFixtures.S4, PacketFilterFixtures.C4)
                .icmp(8, 0, 0x12340001).build(), WAN, LAN), "an echo request is nobody's reply");
        assertEquals(PacketFilter.AWAIT, fwB.forward(PacketBuilder.ipv6(PacketFilterFixtures.S6, PacketFilterFixtures.C6)
                .icmp(129, 0, 0x12340001).build(), WAN, LAN), "an ICMPv6 echo reply");
        assertEquals(DROP, fwB.localIn(c.synAck(), WAN), "for this host: its reply never crosses a peer");
        assertEquals(PacketFilter.AWAIT, fwB.forward(c.raw(false, 1, 1, RST | ACK, 0, 0), WAN, LAN),
                "a RST may be the reply (connection refused)");
        assertEquals(PacketFilter.AWAIT, fwB.forward(PacketFilterFixtures.udp4(PacketFilterFixtures.S4, 53,
                PacketFilterFixtures.C4, 1000), WAN, LAN), "a UDP reply");
        assertEquals(ACCEPT, fwB.forward(c.syn(), LAN, WAN), "passed by a rule: not held");
        assertEquals(DROP, fwB.forward(c.raw(true, 1_000_000_000L, 1, ACK, 65535, 10), LAN, WAN),
                "dropped by a state's checks, not by a rule: not held");
        final byte[] icmpError = PacketBuilder.ipv4("192.0.2.99", PacketFilterFixtures.C4)
                .icmpError(3, 1, PacketFilterFixtures.udp4(PacketFilterFixtures.C4, 2000, "198.51.100.1", 53), 28).build();
        assertEquals(DROP, fwB.forward(icmpError, WAN, LAN), "an ICMP error quoting no state");
        final Harness off = new Harness(RULES);
        assertEquals(DROP, off.forward(c.synAck(), WAN, LAN), "without await-timeout the rules drop it at once");
    }

    @Test
    void holdingLookingUpAndReleasingAllocateNothing() {
        final Tcp c = Tcp.v4();
        fwA.forward(c.syn(), LAN, WAN);
        final byte[] synAck = c.synAck();
        fwB.forward(synAck, WAN, LAN); // decodes into fwB.packet, which the rounds hold again and again
        final AwaitedPackets silent = new AwaitedPackets(new HeldVerdictSink() {
            @Override
            public void hold() {
            }

            @Override
            public void release(final long packetId, final int verdict) {
            }
        }, fwB.counters, 3, 20);
        final long[] id = {100};
        final AllocationMeter meter = new AllocationMeter();
        assertEquals(0, meter.measure(3, () -> {
            for (int i = 0; i < 1000; i++) {
                silent.hold(fwB.packet, FORWARD, WAN, LAN, synAck.length, id[0]++, AwaitedPackets.OWN_QUEUE, T0_NANOS,
                        -1, 0);
                silent.stateArrived(fwB.states(), 0);
                silent.releaseArrived(decider); // no state: looked up, stays
                silent.expire(T0_NANOS + 20 * MS);
            }
        }), meter.rounds());
        assertEquals(0, silent.held(), "each held packet timed out in its round");
        assertEquals(fwB.count(PacketCounter.AWAITED), fwB.count(PacketCounter.AWAIT_TIMEOUT));
    }
}
