package io.tandem.engine.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** The hand-off rings: order, bounds, wrap-around, and that a handed packet is a full copy. */
class HandoffRingsTest {
    @Test
    void packetsComeOutInOrderUntilTheRingIsFullAndAfterItWraps() {
        final PacketHandoff ring = new PacketHandoff(4);
        final DecodedPacket p = new DecodedPacket();
        long next = 1;
        long expect = 1;
        for (int round = 0; round < 10; round++) {
            while (ring.offer(p, next, 2, 3, 4, 100 + next)) {
                next++;
            }
            assertEquals(4, ring.available(), "full at its capacity");
            final int n = ring.available();
            for (int k = 0; k < n; k++) {
                final int slot = ring.slot(k);
                assertEquals(expect, ring.packetId(slot));
                assertEquals(100 + expect, ring.length(slot));
                assertEquals(3, ring.indev(slot));
                expect++;
            }
            ring.advance(n);
            assertEquals(0, ring.available());
        }
        assertThrows(IllegalArgumentException.class, () -> new PacketHandoff(3));
    }

    @Test
    void verdictsComeBackInOrderWithTheirIds() {
        final VerdictReturns ring = new VerdictReturns(8);
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 8; i++) {
                assertTrue(ring.offer(0xFFFF_FFF0L + i, i & 1));
            }
            assertFalse(ring.offer(1, 1), "full");
            for (int i = 0; i < 8; i++) {
                final long e = ring.entry(i);
                assertEquals(0xFFFF_FFF0L + i, VerdictReturns.packetId(e));
                assertEquals(i & 1, VerdictReturns.verdict(e));
            }
            ring.advance(8);
        }
    }

    @Test
    void copyFromCopiesEveryField() throws Exception {
        final DecodedPacket a = new DecodedPacket();
        int n = 1;
        for (final Field f : DecodedPacket.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true); // the decoder's package-private marks are copied too
            if (f.getType() == int.class) {
                f.setInt(a, n++);
            } else if (f.getType() == long.class) {
                f.setLong(a, 1000L * n++);
            } else if (f.getType() == boolean.class) {
                f.setBoolean(a, true);
            } else {
                throw new AssertionError("a field of a type copyFrom does not know: " + f);
            }
        }
        final DecodedPacket b = new DecodedPacket();
        b.copyFrom(a);
        for (final Field f : DecodedPacket.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                assertEquals(f.get(a), f.get(b), f.getName());
            }
        }
    }
}
