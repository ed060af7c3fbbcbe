package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.HashSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link StateTable#findById} against a model, through the identity index's two parts ({@link StateIndex}):
 * the recent window of the table's own creations and the map of everything else. A small table, so
 * that the window (a power of two at least the capacity) comes round many times, and states that
 * outlive it must be moved to the map to stay findable; plus states restored under this node's own
 * creator id, some with ids inside the window's range (a clock stepped back), which the window never
 * holds.
 */
class StateIdentityIndexTest {
    private static final int CREATOR = 0x1234abcd;
    private static final long BASE = StateIds.initialBase(1_700_000_000_000L);
    private static final long T0 = 1_700_000_000_000L;

    @ParameterizedTest(name = "capacity {0}, thread {1} of {2}")
    @CsvSource({"5, 0, 1", "8, 0, 1", "6, 1, 2", "7, 2, 3"})
    void everyLiveStateIsFoundByIdentityAndNoGoneOne(final int capacity, final int thread, final int threads) {
        final StateTable table = new StateTable(capacity, 16, CREATOR, BASE, new StateCounters());
        table.idSequence(thread, threads);
        final Random random = new Random(capacity * 31L + thread);
        final Map<Long, Integer> live = new HashMap<>(); // id → slot (all states have CREATOR here)
        final List<Long> gone = new ArrayList<>();
        final DecodedPacket p = new DecodedPacket();
        int port = 1;
        int restoredInWindowRange = 0;
        int outlived = 0;
        long firstCreated = -1;
        long createdCount = 0;
        final Set<Long> created = new HashSet<>();
        final Set<Long> liveCreated = new HashSet<>();
        final int window = Integer.highestOneBit(capacity * 2 - 1); // the window's size: a power of two ≥ capacity
        for (int op = 0; op < 20_000; op++) {
            final int kind = random.nextInt(10);
            if (kind < 5 && live.size() < capacity) {
                StatePackets.setUdp(p, StatePackets.A, port++ & 0xffff, StatePackets.B, 53);
                final int slot = table.create(p, 0, PfConstants.PF_OUT, 1, T0);
                assertTrue(slot >= 0, "created");
                final long id = table.id(slot);
                if (firstCreated < 0) {
                    firstCreated = id;
                    assertEquals(BASE + thread + 1, id, "the thread's first id");
                }
                assertEquals(0, (id - firstCreated) % threads, "ids interleave");
                assertEquals(thread, StateIds.threadOf(id, threads));
                createdCount++;
                created.add(id);
                liveCreated.add(id);
                live.put(id, slot);
            } else if (kind < 6 && live.size() < capacity) {
                // A restored state under our own creator id: from an earlier run, or with an id from this
                // run's range (a wall clock that stepped back) that this table numbered for a state now gone,
                // or that another thread numbers: never in the window.
                final int from = random.nextInt(3);
                final long id = from == 0 || gone.isEmpty() && threads == 1 ? BASE - 1 - random.nextInt(1000)
                    : from == 1 && !gone.isEmpty() ? gone.get(random.nextInt(gone.size()))
                    : threads > 1 ? BASE + 1 + (thread + 1) % threads + (long) threads * random.nextInt(capacity * 4)
                    : gone.get(random.nextInt(gone.size()));
                if (live.containsKey(id) || created.contains(id) && !gone.contains(id)) {
                    continue;
                }
                final int slot = table.restore(StatePackets.record(17, StatePackets.A, port++ & 0xffff, StatePackets.B,
                    53, CREATOR, id, T0, StateTimeouts.UDP_SINGLE), -1, T0, true);
                assertTrue(slot >= 0, "restored");
                live.put(id, slot);
                if (id > BASE) {
                    restoredInWindowRange++;
                }
            } else if (!live.isEmpty()) {
                // Remove a random live state; the oldest ones often survive many window rounds.
                final List<Long> ids = new ArrayList<>(live.keySet());
                final long id = ids.get(random.nextInt(Math.min(ids.size(), kind < 8 ? ids.size() : 2)));
                final int slot = live.remove(id);
                liveCreated.remove(id);
                assertEquals(slot, table.findById(CREATOR, id));
                table.remove(slot, StateRemoveReason.FLUSHED);
                gone.add(id);
            }
            if (op % 97 == 0) {
                for (final Map.Entry<Long, Integer> e : live.entrySet()) {
                    assertEquals((int) e.getValue(), table.findById(CREATOR, e.getKey()), "live id " + e.getKey());
                    assertEquals(-1, table.findById(CREATOR + 1, e.getKey()), "another creator's");
                    final long k = (e.getKey() - firstCreated) / threads; // creation number, if we numbered it
                    if (liveCreated.contains(e.getKey()) && k < createdCount - window) {
                        outlived++;
                    }
                }
                for (int g = Math.max(0, gone.size() - 50); g < gone.size(); g++) {
                    if (!live.containsKey(gone.get(g))) {
                        assertEquals(-1, table.findById(CREATOR, gone.get(g)), "gone id " + gone.get(g));
                    }
                }
            }
        }
        assertEquals(live.size(), table.size());
        assertTrue(restoredInWindowRange > 0, "restored ids inside the window's range were tried");
        assertTrue(outlived > 0, "states outlived the window");
    }
}
