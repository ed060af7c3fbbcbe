package io.tandem.engine.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StatePackets;
import io.tandem.engine.state.StateRemoveReason;
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
 * Held first packets ({@link DeferredVerdicts}) and the verdicts they get, through a real
 * {@link VerdictBatcher} whose netlink messages are read back: every way out of the hold, the limit,
 * the order, no VERDICT_BATCH while a packet is held, and no allocation.
 */
class DeferredVerdictsTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000 * MS;

    private final List<String> sent = new ArrayList<>();
    private final NfqVerdictEncoder encoder = new NfqVerdictEncoder(64 * 1024);
    private final VerdictBatcher batcher = new VerdictBatcher(this::capture, encoder, new PacketCounters(7), 7, true);
    private final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), 0x0a0b0c0d, 0,
            new StateCounters());
    private final DeferredVerdicts held = new DeferredVerdicts(batcher, table, 3, 20);
    private int nextPort = 1000;

    /** Reads the netlink messages back: "V id accept", "B id drop" (VERDICT, VERDICT_BATCH). */
    private long capture(final long address, final int length) {
        final UnsafeBuffer b = new UnsafeBuffer(address, length);
        int o = 0;
        while (o + 16 <= length) {
            final int len = b.getInt(o, java.nio.ByteOrder.nativeOrder());
            final int type = b.getShort(o + 4, java.nio.ByteOrder.nativeOrder()) & 0xFFFF;
            // nlmsghdr 16, nfgenmsg 4, then NFQA_VERDICT_HDR: nla 4 + verdict u32 BE + id u32 BE
            final int verdict = b.getInt(o + 24, java.nio.ByteOrder.BIG_ENDIAN);
            final long id = b.getInt(o + 28, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
            sent.add((type == NfqConstants.TYPE_VERDICT_BATCH ? "B " : "V ") + id + " "
                    + (verdict == VerdictBatcher.ACCEPT ? "accept" : "drop"));
            o += (len + 3) & ~3;
        }
        return length;
    }

    private int newState() {
        return table.create(StatePackets.udp(0xC6120110L, nextPort++, 0xC612020AL, 53), 0, 0, PfConstants.PF_IN, 0,
                T0 / MS, true);
    }

    private List<String> flushed() {
        batcher.flush();
        final List<String> out = List.copyOf(sent);
        sent.clear();
        return out;
    }

    @Test
    void anAcknowledgedPacketIsAcceptedAndItsStateNoLongerMarked() {
        final int slot = newState();
        assertEquals(PfConstants.PFSTATE_ACK, table.stateFlags(slot));
        held.hold(slot, 41, T0);
        assertEquals(List.of(), flushed(), "no verdict while held");
        assertTrue(held.releaseAcknowledged(slot, T0 + MS / 2));
        assertEquals(List.of("V 41 accept"), flushed());
        assertEquals(0, table.stateFlags(slot));
        assertEquals(1, held.released(DeferredVerdicts.Release.ACK));
        assertEquals(0, held.held());
        assertEquals(500, held.holdQuantileMicros(0.5), "0.5 ms falls in the <= 500 us bucket");
        assertTrue(!held.releaseAcknowledged(slot, T0 + MS), "a second ack finds nothing held");
        assertEquals(1, held.acksWithoutHold());
        assertTrue(!held.releaseAcknowledged(-1, T0 + MS), "nor does an ack for an unknown state");
        assertEquals(2, held.acksWithoutHold());
    }

    @Test
    void withoutAnAckThePacketPassesAtTheTimeoutInOrder() {
        final int a = newState();
        final int b = newState();
        final int c = newState();
        held.hold(a, 1, T0);
        held.hold(b, 2, T0 + MS);
        held.hold(c, 3, T0 + 2 * MS);
        held.releaseAcknowledged(b, T0 + 3 * MS); // out of order: leaves a hole
        assertEquals(List.of("V 2 accept"), flushed());
        assertEquals(0, held.expire(T0 + 19 * MS));
        assertEquals(MS, held.nanosToNextTimeout(T0 + 19 * MS));
        assertEquals(1, held.expire(T0 + 20 * MS));
        assertEquals(List.of("V 1 accept"), flushed());
        assertEquals(1, held.expire(T0 + 22 * MS), "the hole is skipped");
        assertEquals(List.of("V 3 accept"), flushed());
        assertEquals(2, held.released(DeferredVerdicts.Release.TIMEOUT));
        assertEquals(-1, held.nanosToNextTimeout(T0 + 22 * MS));
    }

    @Test
    void peersAnswerUntilAHeldPacketLeavesByItsTimeoutAndAgainFromTheNextAcknowledgement() {
        assertTrue(held.peersAnswer(), "before any release");
        final int a = newState();
        held.hold(a, 1, T0);
        held.releaseAcknowledged(a, T0 + MS);
        assertTrue(held.peersAnswer());
        final int b = newState();
        held.hold(b, 2, T0 + 2 * MS);
        assertEquals(1, held.expire(T0 + 22 * MS));
        assertTrue(!held.peersAnswer(), "a timeout: nobody answered");
        held.hold(newState(), 3, T0 + 23 * MS);
        final int d = newState();
        held.hold(d, 4, T0 + 23 * MS);
        held.hold(newState(), 5, T0 + 23 * MS);
        held.hold(newState(), 6, T0 + 23 * MS); // beyond the limit of 3: the oldest (3) passes, not an answer
        assertEquals(1, held.released(DeferredVerdicts.Release.LIMIT));
        assertTrue(!held.peersAnswer(), "the limit says nothing of the peers");
        held.releaseAcknowledged(d, T0 + 24 * MS);
        assertTrue(held.peersAnswer(), "an acknowledgement again");
    }

    @Test
    void beyondTheLimitTheOldestPassesAndTheNumberHeldNeverExceedsIt() {
        for (int i = 0; i < 10; i++) {
            held.hold(newState(), 100 + i, T0 + i * MS);
            assertTrue(held.held() <= 3, "held " + held.held());
        }
        assertEquals(7, held.released(DeferredVerdicts.Release.LIMIT));
        final List<String> out = flushed();
        assertEquals(List.of("V 100 accept", "V 101 accept", "V 102 accept", "V 103 accept", "V 104 accept",
                "V 105 accept", "V 106 accept"), out, "oldest first");
        held.releaseAll(T0 + 10 * MS);
        assertEquals(List.of("V 107 accept", "V 108 accept", "V 109 accept"), flushed());
        assertEquals(3, held.released(DeferredVerdicts.Release.SHUTDOWN));
    }

    @Test
    void aStateRemovedWhileItsPacketIsHeldDropsThePacket() {
        final int slot = newState();
        held.hold(slot, 9, T0);
        table.remove(slot, StateRemoveReason.EXPIRED);
        assertEquals(List.of("V 9 drop"), flushed());
        assertEquals(1, held.released(DeferredVerdicts.Release.DROPPED));
        assertEquals(0, held.held());
    }

    @Test
    void aLaterPacketOfTheStateReleasesTheHeldOneFirst() {
        final int slot = newState();
        held.hold(slot, 5, T0);
        held.releaseForPacket(slot, T0 + MS);
        batcher.add(6, VerdictBatcher.ACCEPT);
        assertEquals(List.of("V 5 accept", "V 6 accept"), flushed());
        assertEquals(1, held.released(DeferredVerdicts.Release.PACKET));
    }

    @Test
    void noVerdictBatchCoversAHeldPacket() {
        batcher.add(1, VerdictBatcher.ACCEPT);
        batcher.add(2, VerdictBatcher.ACCEPT);
        final int slot = newState();
        held.hold(slot, 3, T0); // closes the run 1..2 as a batch: every id in it is below 3
        for (long id = 4; id <= 9; id++) {
            batcher.add(id, VerdictBatcher.ACCEPT);
        }
        final List<String> whileHeld = flushed();
        assertEquals("B 2 accept", whileHeld.get(0));
        for (int i = 1; i < whileHeld.size(); i++) {
            assertTrue(whileHeld.get(i).startsWith("V "), "single verdicts while 3 is held: " + whileHeld);
        }
        held.releaseAcknowledged(slot, T0 + MS);
        for (long id = 10; id <= 14; id++) {
            batcher.add(id, VerdictBatcher.ACCEPT);
        }
        assertEquals(List.of("V 3 accept", "B 14 accept"), flushed(), "batches again once nothing is held");
    }

    @Test
    void holdingAndReleasingAllocatesNothing() {
        final VerdictBatcher quiet = new VerdictBatcher((address, length) -> length, new NfqVerdictEncoder(64 * 1024),
                new PacketCounters(7), 7, true);
        final DeferredVerdicts held = new DeferredVerdicts(quiet, table, 3, 20);
        final int[] slots = new int[4];
        for (int i = 0; i < 4; i++) {
            slots[i] = newState();
        }
        final long[] id = {1000};
        final long[] now = {T0};
        final Runnable work = () -> {
            for (int i = 0; i < 250_000; i++) { // 1M holds: each way out once per round
                for (final int s : slots) {
                    now[0] += 1000;
                    table.deferred(s, true);
                    held.hold(s, id[0]++, now[0]); // the fourth evicts the first (limit 3)
                }
                held.releaseAcknowledged(slots[1], now[0]);
                held.releaseForPacket(slots[2], now[0]);
                held.expire(now[0] + 30 * MS); // slots[3]
                if ((i & 15) == 0) {
                    quiet.flush();
                }
            }
            quiet.flush();
        };
        work.run();
        final AllocationMeter meter = new AllocationMeter();
        assertEquals(0, meter.measure(3, work), meter.rounds());
        assertTrue(held.deferred() >= 2_000_000, "held " + held.deferred());
        for (final DeferredVerdicts.Release r : new DeferredVerdicts.Release[] {DeferredVerdicts.Release.LIMIT,
            DeferredVerdicts.Release.ACK, DeferredVerdicts.Release.PACKET, DeferredVerdicts.Release.TIMEOUT}) {
            assertEquals(held.deferred() / 4, held.released(r), r + ": every way out was taken");
        }
    }

    /**
     * Several queue threads: a first packet another thread received and handed over is held here, in the
     * owner's deferral, but answered by its receiver — its verdict goes back there ({@code releaseTo}),
     * never into this queue's batcher, and it does not stop this queue's batching.
     */
    @Test
    void aPacketHandedOverByAnotherQueueThreadGoesBackToItWhenReleased() {
        final List<String> returned = new ArrayList<>();
        final DeferredVerdicts owner = new DeferredVerdicts(new HeldVerdictSink() {
            @Override
            public void hold() {
                batcher.hold();
            }

            @Override
            public void release(final long packetId, final int verdict) {
                batcher.release(packetId, verdict);
            }

            @Override
            public void releaseTo(final int receiver, final long packetId, final int verdict) {
                returned.add(receiver + " " + packetId + " " + (verdict == VerdictBatcher.ACCEPT ? "accept" : "drop"));
            }
        }, table, 3, 20);
        final int handed = newState();
        final int dropped = newState();
        final int own = newState();
        owner.hold(handed, 51, 1, T0);
        owner.hold(dropped, 52, 1, T0);
        owner.hold(own, 53, T0);
        batcher.add(54, VerdictBatcher.ACCEPT);
        batcher.add(55, VerdictBatcher.ACCEPT);
        assertEquals(List.of("V 54 accept", "V 55 accept"), flushed(), "one packet of this queue is held: no batch");
        assertTrue(owner.releaseAcknowledged(handed, T0 + MS));
        table.remove(dropped, StateRemoveReason.EXPIRED);
        assertEquals(List.of("1 51 accept", "1 52 drop"), returned, "to the receiving thread, as pf would answer");
        assertEquals(List.of(), flushed(), "nothing of theirs in this queue");
        owner.releaseAcknowledged(own, T0 + MS);
        assertEquals(List.of("V 53 accept"), flushed());
        batcher.add(56, VerdictBatcher.ACCEPT);
        batcher.add(57, VerdictBatcher.ACCEPT);
        assertEquals(List.of("B 57 accept"), flushed(), "nothing of this queue held: batching again");
        assertEquals(3, owner.deferred());
        assertEquals(2, owner.released(DeferredVerdicts.Release.ACK));
        assertEquals(1, owner.released(DeferredVerdicts.Release.DROPPED));
    }
}
