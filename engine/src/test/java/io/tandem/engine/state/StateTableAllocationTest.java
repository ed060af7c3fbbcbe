package io.tandem.engine.state;

import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.FIN;
import static io.tandem.engine.state.StatePackets.PSH;
import static io.tandem.engine.state.StatePackets.RST;
import static io.tandem.engine.state.StatePackets.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.testing.AllocationMeter;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The state table must not allocate on the packet path: after warm-up, over a million packets of
 * new flows (create), established flows (lookup + track), closing flows (FIN or RST) and the
 * expiry sweep allocate exactly 0 bytes on this thread.
 */
class StateTableAllocationTest {
    private static final int FLOWS = 4_096;
    private static final int WARM_UP = 400_000;
    private static final int MEASURED = 1_000_000;

    /** Per-flow progress: 0 = not created, 1..6 = packets sent so far. */
    private final int[] phase = new int[FLOWS];
    private final int[] generationSeen = new int[FLOWS];
    private final int[] slotOf = new int[FLOWS];
    private long now = 1_000_000;
    private long sink;

    @Test
    void packetPathAllocatesNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        final StateCounters counters = new StateCounters();
        final StateTable table = new StateTable(FLOWS * 2, 4, false, true, StateTimeouts.defaults(100_000),
            0x42, StateIds.initialBase(System.currentTimeMillis()), counters);
        final DecodedPacket p = new DecodedPacket();

        run(table, p, WARM_UP);
        final long createdBefore = counters.get(StateCounter.INSERTS_TCP);
        final int[] sent = new int[1];
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3, () -> sent[0] = run(table, p, MEASURED));
        final int packets = sent[0];

        assertEquals(0, allocated, "bytes allocated by " + packets + " packets; " + meter.rounds());
        assertTrue(packets >= MEASURED);
        assertTrue(counters.get(StateCounter.INSERTS_TCP) - createdBefore > 100_000);
        assertTrue(counters.get(StateCounter.REMOVED_EXPIRED) > 100_000);
        assertTrue(sink != 0);
    }

    /** Drives flows round-robin; each flow: SYN, SYN|ACK, ACK, data, then FIN/FIN/ACK/ACK or RST. */
    private int run(final StateTable table, final DecodedPacket p, final int packets) {
        int sent = 0;
        int f = 0;
        while (sent < packets) {
            final long a = 0x0a000000L | f;
            final int port = 1024 + (f & 0x3fff);
            final long b = 0x0b000001L;
            final boolean rstFlow = (f & 3) == 0;
            switch (phase[f]) {
                case 0:
                    if (slotOf[f] >= 0 && table.isLive(slotOf[f]) && table.generation(slotOf[f]) == generationSeen[f]) {
                        break; // the previous incarnation has not expired yet
                    }
                    StatePackets.setTcp(p, a, port, b, 80, SYN, 1000 + f, 0, 65535, 0, 7);
                    final int slot = table.lookup(p, 1) >= 0 ? -1 : table.create(p, 0, PfConstants.PF_IN, 1, now);
                    if (slot >= 0) {
                        slotOf[f] = slot;
                        generationSeen[f] = table.generation(slot);
                        phase[f] = 1;
                    }
                    sent++;
                    break;
                case 1:
                    StatePackets.setTcp(p, b, 80, a, port, SYN | ACK, 9000, 1001 + f, 65535, 0, 7);
                    sent += step(table, p, f);
                    break;
                case 2:
                    StatePackets.setTcp(p, a, port, b, 80, ACK, 1001 + f, 9001, 512, 0, -1);
                    sent += step(table, p, f);
                    break;
                case 3:
                    StatePackets.setTcp(p, a, port, b, 80, ACK | PSH, 1001 + f, 9001, 512, 1000, -1);
                    sent += step(table, p, f);
                    break;
                case 4:
                    if (rstFlow) {
                        StatePackets.setTcp(p, b, 80, a, port, RST | ACK, 9001, 2001 + f, 0, 0, -1);
                    } else {
                        StatePackets.setTcp(p, a, port, b, 80, FIN | ACK, 2001 + f, 9001, 512, 0, -1);
                    }
                    sent += step(table, p, f);
                    if (rstFlow) {
                        phase[f] = 0; // closed; the sweep removes it after tcp.closed
                    }
                    break;
                case 5:
                    StatePackets.setTcp(p, b, 80, a, port, FIN | ACK, 9001, 2002 + f, 512, 0, -1);
                    sent += step(table, p, f);
                    break;
                default:
                    StatePackets.setTcp(p, a, port, b, 80, ACK, 2002 + f, 9002, 512, 0, -1);
                    sent += step(table, p, f);
                    phase[f] = 0;
                    break;
            }
            f++;
            if (f == FLOWS) {
                f = 0;
                now += 5_000; // 5 s per round: closed states (90 s) expire after ~18 rounds
                sink += table.expire(now, FLOWS / 2);
            }
        }
        return sent;
    }

    private int step(final StateTable table, final DecodedPacket p, final int f) {
        final int slot = table.lookup(p, 1);
        if (slot < 0) {
            phase[f] = 0;
            return 1;
        }
        final int result = table.track(slot, p, table.lastLookupForward(), now);
        sink += result + table.seqLo(slot, StateTable.PEER_SRC);
        phase[f] = result == StateTable.PASS ? phase[f] + 1 : 0;
        return 1;
    }

    {
        java.util.Arrays.fill(slotOf, -1);
    }
}
