package io.tandem.engine.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dump is the table as it was when the packet thread started it — exactly those states, each
 * once — although the table keeps changing between its chunks: states removed ahead of the cursor
 * are copied as they go, states created meanwhile are left out wherever their slot is.
 */
@Timeout(60)
class StateDumpMailboxTest {
    private static final int CREATOR = 0x0c0ffee0;
    private final DecodedPacket p = new DecodedPacket();
    private int flows;

    private int create(final StateTable t, final long now) {
        final int i = flows++;
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.l4Offset = 20;
        p.ipLength = 100;
        p.srcLo = 0x0A000000L + i;
        p.dstLo = 0xC612020AL;
        p.srcPort = 10000 + (i & 0x3fff);
        p.dstPort = 53;
        return t.create(p, 0, PfConstants.PF_OUT, 0, now);
    }

    private static Set<Long> liveIds(final StateTable t) {
        final Set<Long> ids = new HashSet<>();
        for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
            ids.add(t.id(s));
        }
        return ids;
    }

    @Test
    void theDumpHoldsExactlyTheStatesLiveAtItsStartWhileTheTableChanges() throws Exception {
        final StateTable t = new StateTable(100_000, 4, CREATOR, 1L << 40, new StateCounters());
        for (int i = 0; i < 20_000; i++) {
            assertTrue(create(t, 1000) >= 0);
        }
        final StateDumpMailbox dumps = new StateDumpMailbox(t.capacity());
        final List<Long> dumped = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return dumps.dump(r -> dumped.add(r.id()), 10_000);
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
        final Random random = new Random(7);
        Set<Long> atStart = null;
        long now = 1000;
        while (!reader.isDone()) {
            final Set<Long> before = liveIds(t);
            final boolean wasActive = dumps.active();
            dumps.serve(t, now++);
            if (atStart == null && (dumps.active() || reader.isDone()) && !wasActive) {
                atStart = before;
            }
            // the table changes between chunks: removals on both sides of the cursor, new states in freed slots
            for (int k = 0; k < 300; k++) {
                final int slot = random.nextInt(t.capacity());
                if (t.isLive(slot)) {
                    t.remove(slot, StateRemoveReason.CLOSED);
                }
            }
            for (int k = 0; k < 200; k++) {
                create(t, now);
            }
            Thread.sleep(1);
        }
        assertEquals(atStart.size(), (int) reader.get());
        assertEquals(atStart.size(), dumped.size(), "each state once");
        assertEquals(atStart, new HashSet<>(dumped));
    }

    @Test
    void tooManyStatesRemovedAheadOfTheCursorFailTheDumpInsteadOfLosingThem() throws Exception {
        final StateTable t = new StateTable(100_000, 4, CREATOR, 1L << 40, new StateCounters());
        for (int i = 0; i < 20_000; i++) {
            create(t, 1000);
        }
        final StateDumpMailbox dumps = new StateDumpMailbox(t.capacity());
        final CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return dumps.dump(r -> { }, 10_000);
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
        boolean removed = false;
        while (!reader.isDone()) {
            dumps.serve(t, 1000);
            if (dumps.active() && !removed) {
                for (int slot = 10_000; slot < 20_000; slot++) { // far ahead of the first chunk
                    t.remove(slot, StateRemoveReason.CLOSED);
                }
                removed = true;
            }
            Thread.sleep(1);
        }
        final ExecutionException e = assertThrows(ExecutionException.class, reader::get);
        assertTrue(e.getCause().getMessage().contains("try again"), e.getCause().getMessage());
        assertTrue(!dumps.active());
    }

    @Test
    void aDumpNobodyReadsOnIsEndedByThePacketThread() {
        final StateTable t = new StateTable(1000, 4, CREATOR, 1L << 40, new StateCounters());
        create(t, 1000);
        final StateDumpMailbox dumps = new StateDumpMailbox(t.capacity());
        assertTrue(!dumps.serve(t, 0));
        // a reader posts START and vanishes: simulated through the package-private request path
        final Thread reader = new Thread(() -> {
            try {
                dumps.dump(r -> {
                    throw new java.io.IOException("client gone");
                }, 100_000);
            } catch (final Exception e) {
                // expected
            }
        });
        reader.start();
        long now = 0;
        while (!dumps.active() && reader.isAlive()) {
            dumps.serve(t, now);
        }
        for (int i = 0; i < 1000 && dumps.active(); i++) {
            dumps.serve(t, now += 1000); // the reader's CANCEL, or the abandon timeout, ends it
        }
        assertTrue(!dumps.active());
    }
}
