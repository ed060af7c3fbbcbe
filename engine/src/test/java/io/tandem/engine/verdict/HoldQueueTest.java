package io.tandem.engine.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StatePackets;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.testing.AllocationMeter;
import io.tandem.nativeio.nfqueue.NfqConstants;
import io.tandem.nativeio.nfqueue.NfqVerdictEncoder;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Held packets moved to a hold queue ({@code set hold-queue}): a real {@link VerdictBatcher} whose netlink
 * messages are read back with their queue numbers, fed by a real {@link DeferredVerdicts}. The run of
 * verdicts on the queue goes on past a held packet; the held one is moved with NF_QUEUE before any batch
 * that covers its id; its verdict goes to the hold queue under that queue's id, whether the release comes
 * before or after its arrival there; arrivals are matched in order and by the packet; what is not ours is
 * dropped; a move the kernel failed is counted and not answered.
 */
class HoldQueueTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000 * MS;
    private static final int QUEUE = 7;
    private static final int HOLD = 9;

    private final List<String> sent = new ArrayList<>();
    private final PacketCounters counters = new PacketCounters(QUEUE);
    private final VerdictBatcher batcher = new VerdictBatcher(this::capture, new NfqVerdictEncoder(64 * 1024),
            counters, QUEUE, true, HOLD, 4);
    private final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), 0x0a0b0c0d, 0,
            new StateCounters());
    private final DeferredVerdicts held = new DeferredVerdicts(batcher, table, 8, 20);
    private int nextPort = 1000;

    /** Reads the messages back: "q7 V 3 accept", "q7 B 14 accept", "q7 V 3 queue9" (VERDICT, VERDICT_BATCH). */
    private long capture(final long address, final int length) {
        final UnsafeBuffer b = new UnsafeBuffer(address, length);
        int o = 0;
        while (o + 16 <= length) {
            final int len = b.getInt(o, java.nio.ByteOrder.nativeOrder());
            final int type = b.getShort(o + 4, java.nio.ByteOrder.nativeOrder()) & 0xFFFF;
            final int queue = b.getShort(o + 18, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF; // nfgenmsg res_id
            final int verdict = b.getInt(o + 24, java.nio.ByteOrder.BIG_ENDIAN);
            final long id = b.getInt(o + 28, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
            final String what = verdict == VerdictBatcher.ACCEPT ? "accept" : verdict == VerdictBatcher.DROP ? "drop"
                    : (verdict & 0xFFFF) == NfqConstants.NF_QUEUE ? "queue" + (verdict >>> 16) : "?" + verdict;
            sent.add("q" + queue + (type == NfqConstants.TYPE_VERDICT_BATCH ? " B " : " V ") + id + " " + what);
            o += (len + 3) & ~3;
        }
        return length;
    }

    private List<String> flushed() {
        batcher.flush();
        final List<String> out = List.copyOf(sent);
        sent.clear();
        return out;
    }

    private int newState() {
        return table.create(StatePackets.udp(0xC6120110L, nextPort++, 0xC612020AL, 53), 0, 0, PfConstants.PF_IN, 0,
                T0 / MS, true);
    }

    /** A decoded UDP packet from port {@code port}, as the decoder fills one. */
    private static DecodedPacket udp(final int port) {
        final DecodedPacket p = new DecodedPacket();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.srcLo = 0xC6120110L;
        p.dstLo = 0xC612020AL;
        p.srcPort = port;
        p.dstPort = 53;
        p.ipLength = 64;
        return p;
    }

    @Test
    void theRunOfVerdictsGoesOnPastAHeldPacketWhichIsMovedFirst() {
        batcher.add(1, VerdictBatcher.ACCEPT);
        batcher.add(2, VerdictBatcher.ACCEPT);
        held.hold(newState(), 3, udp(1000), T0);
        for (long id = 4; id <= 9; id++) {
            batcher.add(id, VerdictBatcher.ACCEPT);
        }
        // the move precedes the batch whose id (9) is above the held one's (3): the kernel takes 3 out first
        assertEquals(List.of("q7 V 3 queue9", "q7 B 9 accept"), flushed());
        assertEquals(0, batcher.held(), "nothing held in the queue itself");
        assertEquals(1, counters.get(PacketCounter.HOLD_QUEUE_MOVED));
    }

    @Test
    void aVerdictGivenAfterTheArrivalGoesToTheHoldQueueUnderItsId() {
        final int slot = newState();
        held.hold(slot, 3, udp(1000), T0);
        flushed();
        batcher.arrivedOnHoldQueue(1, udp(1000));
        assertEquals(List.of(), flushed(), "no verdict before the release");
        held.releaseAcknowledged(slot, T0 + MS);
        assertEquals(List.of("q9 V 1 accept"), flushed());
        assertEquals(0, batcher.movedToHoldQueue());
    }

    @Test
    void aVerdictGivenBeforeTheArrivalWaitsForIt() {
        final int slot = newState();
        held.hold(slot, 3, udp(1000), T0);
        held.releaseAcknowledged(slot, T0 + MS);
        assertEquals(List.of("q7 V 3 queue9"), flushed(), "the id on the hold queue is not known yet");
        assertTrue(batcher.awaitingHoldQueueArrival());
        batcher.arrivedOnHoldQueue(41, udp(1000));
        assertEquals(List.of("q9 V 41 accept"), flushed());
        assertFalse(batcher.awaitingHoldQueueArrival());
        assertEquals(0, batcher.movedToHoldQueue());
    }

    @Test
    void arrivalsAreMatchedInOrderAndReleasesComeInAnyOrder() {
        final int a = newState();
        final int b = newState();
        final int c = newState();
        held.hold(a, 10, udp(1000), T0);
        held.hold(b, 11, udp(1001), T0);
        held.hold(c, 12, udp(1002), T0);
        flushed();
        batcher.arrivedOnHoldQueue(5, udp(1000));
        batcher.arrivedOnHoldQueue(6, udp(1001));
        held.releaseAcknowledged(c, T0 + MS); // c has not arrived yet: its verdict waits
        held.releaseAcknowledged(b, T0 + MS);
        assertEquals(List.of("q9 V 6 accept"), flushed());
        batcher.arrivedOnHoldQueue(7, udp(1002));
        table.remove(a, io.tandem.engine.state.StateRemoveReason.EXPIRED); // a's state went: its packet is dropped
        assertEquals(List.of("q9 V 7 accept", "q9 V 5 drop"), flushed());
        assertEquals(0, batcher.movedToHoldQueue());
    }

    @Test
    void aPacketOnTheHoldQueueThatThisThreadDidNotMoveIsDropped() {
        held.hold(newState(), 3, udp(1000), T0);
        flushed();
        batcher.arrivedOnHoldQueue(1, udp(4242));
        assertEquals(List.of("q9 V 1 drop"), flushed());
        assertEquals(1, counters.get(PacketCounter.HOLD_QUEUE_UNMATCHED));
        assertEquals(1, batcher.movedToHoldQueue(), "ours is still expected");
        batcher.arrivedOnHoldQueue(2, null); // undecodable: not ours either
        assertEquals(List.of("q9 V 2 drop"), flushed());
        assertEquals(2, counters.get(PacketCounter.HOLD_QUEUE_UNMATCHED));
    }

    @Test
    void aMoveTheKernelFailedIsCountedAsLostAndItsReleaseSendsNothing() {
        final int a = newState();
        final int b = newState();
        held.hold(a, 10, udp(1000), T0);
        held.hold(b, 11, udp(1001), T0);
        flushed();
        batcher.arrivedOnHoldQueue(1, udp(1001)); // 10's packet never came: the kernel dropped the move
        assertEquals(1, counters.get(PacketCounter.HOLD_QUEUE_LOST));
        held.releaseAcknowledged(a, T0 + MS);
        held.releaseAcknowledged(b, T0 + MS);
        assertEquals(List.of("q9 V 1 accept"), flushed());
        assertEquals(0, batcher.movedToHoldQueue());
    }

    @Test
    void beyondItsLimitAPacketIsHeldInTheQueueAsWithoutAHoldQueue() {
        for (int i = 0; i < 4; i++) {
            held.hold(newState(), 10 + i, udp(1000 + i), T0);
        }
        final int fifth = newState();
        held.hold(fifth, 14, udp(1004), T0);
        batcher.add(15, VerdictBatcher.ACCEPT);
        batcher.add(16, VerdictBatcher.ACCEPT);
        assertEquals(List.of("q7 V 10 queue9", "q7 V 11 queue9", "q7 V 12 queue9", "q7 V 13 queue9",
                "q7 V 15 accept", "q7 V 16 accept"), flushed(), "14 stays in the queue: single verdicts meanwhile");
        assertEquals(1, batcher.held());
        held.releaseAcknowledged(fifth, T0 + MS);
        assertEquals(List.of("q7 V 14 accept"), flushed());
        assertEquals(0, batcher.held());
    }

    @Test
    void aPacketNotDecodedIsHeldInTheQueue() {
        held.hold(newState(), 3, T0); // no decoded packet: it cannot be recognised on the hold queue
        batcher.add(4, VerdictBatcher.ACCEPT);
        assertEquals(List.of("q7 V 4 accept"), flushed());
        assertEquals(1, batcher.held());
        assertEquals(0, counters.get(PacketCounter.HOLD_QUEUE_MOVED));
    }

    @Test
    void theFingerprintTellsFlowsAndTcpSegmentsApart() {
        final DecodedPacket a = udp(1000);
        final DecodedPacket b = udp(1000);
        assertEquals(HoldQueuePackets.fingerprint(a), HoldQueuePackets.fingerprint(b));
        b.srcPort = 1001;
        assertNotEquals(HoldQueuePackets.fingerprint(a), HoldQueuePackets.fingerprint(b));
        b.srcPort = 1000;
        b.dstHi = 1;
        assertNotEquals(HoldQueuePackets.fingerprint(a), HoldQueuePackets.fingerprint(b));
        final DecodedPacket syn = udp(1000);
        syn.protocol = DecodedPacket.PROTO_TCP;
        syn.tcpFlags = DecodedPacket.TH_SYN;
        syn.seq = 77;
        final DecodedPacket retransmit = udp(1000);
        retransmit.protocol = DecodedPacket.PROTO_TCP;
        retransmit.tcpFlags = DecodedPacket.TH_SYN;
        retransmit.seq = 78;
        assertNotEquals(HoldQueuePackets.fingerprint(syn), HoldQueuePackets.fingerprint(retransmit));
        assertNotEquals(HoldQueuePackets.fingerprint(a), HoldQueuePackets.fingerprint(syn));
    }

    @Test
    void movingArrivingAndReleasingAllocateNothing() {
        final VerdictBatcher quiet = new VerdictBatcher((address, length) -> length, new NfqVerdictEncoder(64 * 1024),
                new PacketCounters(QUEUE), QUEUE, true, HOLD, 4);
        final DeferredVerdicts deferrals = new DeferredVerdicts(quiet, table, 8, 20);
        final int[] slots = new int[4];
        final DecodedPacket[] packets = new DecodedPacket[4];
        for (int i = 0; i < 4; i++) {
            slots[i] = newState();
            packets[i] = udp(2000 + i);
        }
        final long[] id = {100};
        final long[] holdId = {1};
        final Runnable work = () -> {
            for (int round = 0; round < 250_000; round++) { // 1M packets moved, matched and released
                for (int i = 0; i < 4; i++) {
                    table.deferred(slots[i], true);
                    deferrals.hold(slots[i], id[0]++, packets[i], T0);
                }
                deferrals.releaseAcknowledged(slots[3], T0 + MS); // before its arrival: the verdict waits
                for (int i = 0; i < 4; i++) {
                    quiet.arrivedOnHoldQueue(holdId[0]++, packets[i]);
                }
                for (int i = 2; i >= 0; i--) {
                    deferrals.releaseAcknowledged(slots[i], T0 + MS);
                }
                if ((round & 15) == 0) {
                    quiet.flush();
                }
            }
            quiet.flush();
        };
        work.run();
        final AllocationMeter meter = new AllocationMeter();
        assertEquals(0, meter.measure(3, work), meter.rounds());
        assertEquals(0, quiet.movedToHoldQueue());
        assertEquals(0, quiet.held());
    }
}
