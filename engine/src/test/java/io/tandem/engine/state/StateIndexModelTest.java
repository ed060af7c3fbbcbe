package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Randomised inserts, deletes and lookups against a {@link HashMap} model: backward-shift deletion
 * must keep every remaining forward and backward key findable. A small key space makes duplicates
 * and long probe runs frequent; the table runs near full so the index's load stays high.
 */
class StateIndexModelTest {
    private static final int OPERATIONS = 100_000;
    private static final int CAPACITY = 2_000;

    record Key(int proto, long src, int sport, long dst, int dport) {
        Key reversed() {
            return new Key(proto, dst, dport, src, sport);
        }
    }

    @Test
    void indexAgreesWithModel() {
        final SplittableRandom random = new SplittableRandom(0x5eed);
        final StateTable table = StatePackets.table(CAPACITY, true, StateTimeouts.defaults(1_000_000));
        final Map<Key, Integer> model = new HashMap<>();
        final List<Key> live = new ArrayList<>();
        final DecodedPacket p = new DecodedPacket();
        int creates = 0;
        int removes = 0;
        int fulls = 0;
        int duplicates = 0;

        for (int op = 0; op < OPERATIONS; op++) {
            final int kind = random.nextInt(100);
            if (kind < 50) {
                final Key k = randomKey(random);
                fill(p, k);
                final int result = table.create(p, 0, PfConstants.PF_OUT, 1, 0);
                if (model.containsKey(k) || model.containsKey(k.reversed())) {
                    // pf's order: a full table is reported before a duplicate.
                    assertEquals(live.size() == CAPACITY ? StateTable.FAIL_FULL : StateTable.FAIL_DUPLICATE, result);
                    duplicates++;
                } else if (live.size() == CAPACITY) {
                    assertEquals(StateTable.FAIL_FULL, result);
                    fulls++;
                } else {
                    assertTrue(result >= 0, "create " + k);
                    model.put(k, result);
                    live.add(k);
                    creates++;
                }
            } else if (kind < 85) {
                if (live.isEmpty()) {
                    continue;
                }
                final int i = random.nextInt(live.size());
                final Key k = live.get(i);
                live.set(i, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                final int slot = model.remove(k);
                table.remove(slot, StateRemoveReason.FLUSHED);
                removes++;
            } else {
                final Key k = random.nextBoolean() || live.isEmpty() ? randomKey(random) : live.get(random.nextInt(live.size()));
                check(table, model, p, k);
                check(table, model, p, k.reversed());
            }
            if (op % 10_000 == 0) {
                checkAll(table, model, p);
            }
        }
        checkAll(table, model, p);
        assertEquals(model.size(), table.size());
        assertTrue(creates > 20_000 && removes > 20_000 && fulls > 0 && duplicates > 0,
            creates + " " + removes + " " + fulls + " " + duplicates);
    }

    private static void checkAll(final StateTable table, final Map<Key, Integer> model, final DecodedPacket p) {
        for (final Map.Entry<Key, Integer> e : model.entrySet()) {
            fill(p, e.getKey());
            assertEquals(e.getValue(), table.lookup(p, 1));
            assertTrue(table.lastLookupForward());
            fill(p, e.getKey().reversed());
            assertEquals(e.getValue(), table.lookup(p, 1));
            assertEquals(e.getKey().src() == e.getKey().dst() && e.getKey().sport() == e.getKey().dport(),
                table.lastLookupForward());
        }
    }

    private static void check(final StateTable table, final Map<Key, Integer> model, final DecodedPacket p,
            final Key k) {
        fill(p, k);
        final Integer forward = model.get(k);
        final Integer backward = model.get(k.reversed());
        final int expected = forward != null ? forward : backward != null ? backward : -1;
        assertEquals(expected, table.lookup(p, 1), k.toString());
    }

    private static Key randomKey(final SplittableRandom random) {
        final int proto = random.nextInt(4) == 0 ? 47 : DecodedPacket.PROTO_UDP;
        return new Key(proto, 0x0a000000L + random.nextInt(40), 1000 + random.nextInt(60),
            0x0a000000L + random.nextInt(40), 1000 + random.nextInt(60));
    }

    private static void fill(final DecodedPacket p, final Key k) {
        StatePackets.setUdp(p, k.src(), k.sport(), k.dst(), k.dport());
        p.protocol = k.proto();
    }
}
