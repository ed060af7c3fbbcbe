package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * The key index's hash ({@link StateIndex}: NH under secret keys, then a finaliser): keys that differ
 * in one field only — the flood a scanner or a load generator sends — spread over the index as random
 * keys would, and two indexes (two tables, two runs) hash the same key differently.
 */
class StateIndexHashTest {
    private static final int KEYS = 1 << 16;
    /** A random function puts 2^16 keys into 1 - 1/e (63.2%) of 2^16 buckets; 60% leaves room for chance. */
    private static final double MIN_SHARE = 0.60;

    @Test
    void keysDifferingInOneFieldSpreadLikeRandomOnes() {
        final StateIndex index = new StateIndex(new StateStore(16, 1));
        final long v6Hi = 0x2001_0db8_0000_0000L;
        assertSpread("source port", k -> index.hashOf(2, 6, 0, 0, 0x0a000001L, 0, 0x0a000002L, k, 80));
        assertSpread("destination port", k -> index.hashOf(2, 17, 0, 0, 0x0a000001L, 0, 0x0a000002L, 40000, k));
        assertSpread("IPv4 source", k -> index.hashOf(2, 6, 0, 0, 0x0a000000L + k, 0, 0x0a000002L, 40000, 80));
        assertSpread("IPv4 destination, /16 steps",
            k -> index.hashOf(2, 6, 0, 0, 0x0a000001L, 0, (long) k << 16, 40000, 80));
        assertSpread("IPv6 source, high word", k -> index.hashOf(10, 6, 0, v6Hi + ((long) k << 16), 1, v6Hi, 2, 40000, 80));
        assertSpread("interface", k -> index.hashOf(2, 6, k, 0, 0x0a000001L, 0, 0x0a000002L, 40000, 80));
    }

    @Test
    void twoIndexesHashTheSameKeysDifferently() {
        final StateIndex a = new StateIndex(new StateStore(16, 1));
        final StateIndex b = new StateIndex(new StateStore(16, 1));
        int same = 0;
        for (int port = 1; port <= 1000; port++) {
            if (a.hashOf(2, DecodedPacket.PROTO_TCP, 0, 0, 0x0a000001L, 0, 0x0a000002L, port, 80)
                    == b.hashOf(2, DecodedPacket.PROTO_TCP, 0, 0, 0x0a000001L, 0, 0x0a000002L, port, 80)) {
                same++;
            }
        }
        assertTrue(same < 3, same + " of 1000 keys hash alike under two indexes' secret keys");
    }

    private static void assertSpread(final String field, final java.util.function.IntUnaryOperator hashOfKey) {
        final BitSet buckets = new BitSet(KEYS);
        final BitSet fingerprints = new BitSet(KEYS);
        for (int k = 0; k < KEYS; k++) {
            final int h = hashOfKey.applyAsInt(k);
            buckets.set(h & (KEYS - 1));
            fingerprints.set(h >>> 16);
        }
        assertTrue(buckets.cardinality() >= MIN_SHARE * KEYS,
            field + ": low bits fill " + buckets.cardinality() + " of " + KEYS + " buckets");
        assertTrue(fingerprints.cardinality() >= MIN_SHARE * KEYS,
            field + ": high bits take " + fingerprints.cardinality() + " of " + KEYS + " values");
    }
}
