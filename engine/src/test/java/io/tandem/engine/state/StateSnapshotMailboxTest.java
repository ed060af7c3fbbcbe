package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The mailbox through which other threads read the table: a request posted, answered by the packet
 * thread in one {@link StateSnapshotMailbox#serve} of at most {@link StateSnapshotMailbox#CHUNK} states,
 * the next chunk asked for from {@link StateSnapshotMailbox#nextFrom()} until -1; and the blocking
 * {@link StateSnapshotMailbox#read} over all chunks with a packet thread serving it.
 */
class StateSnapshotMailboxTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final int STATES = StateSnapshotMailbox.CHUNK + 904;

    private static StateTable tableWith(final int states) {
        final StateTable t = StatePackets.table(8192);
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < states; i++) {
            StatePackets.setUdp(p, StatePackets.A, 10_000 + i, StatePackets.B, 53);
            assertTrue(t.create(p, 0, PfConstants.PF_IN, 0, NOW) >= 0);
        }
        return t;
    }

    @Test
    void aRequestIsAnsweredOnceInChunksUntilNextFromIsMinusOne() {
        final StateTable table = tableWith(STATES);
        final StateSnapshotMailbox m = new StateSnapshotMailbox();
        assertFalse(m.serve(table, NOW), "nothing asked");
        m.post(0);
        assertFalse(m.answered());
        assertTrue(m.serve(table, NOW));
        assertFalse(m.serve(table, NOW), "answered once");
        assertTrue(m.answered());
        assertEquals(StateSnapshotMailbox.CHUNK, m.rowCount());
        assertTrue(m.nextFrom() > 0);
        assertEquals(NOW, m.answeredAtMillis());
        final Set<Long> ids = new HashSet<>();
        collect(m, ids);

        m.post(m.nextFrom());
        assertFalse(m.answered());
        assertTrue(m.serve(table, NOW + 1));
        assertEquals(904, m.rowCount());
        assertEquals(-1, m.nextFrom(), "the last chunk");
        collect(m, ids);
        assertEquals(STATES, ids.size(), "every state once");
    }

    @Test
    void aRowCarriesTheStatesFields() {
        final StateTable table = tableWith(1);
        final StateSnapshotMailbox m = new StateSnapshotMailbox();
        m.post(0);
        m.serve(table, NOW);
        assertEquals(1, m.rowCount());
        final long[] r = m.rows();
        assertEquals(DecodedPacket.FAMILY_INET, r[StateSnapshotMailbox.F_FAMILY]);
        assertEquals(DecodedPacket.PROTO_UDP, r[StateSnapshotMailbox.F_PROTO]);
        assertEquals(StatePackets.A, r[StateSnapshotMailbox.F_SRC_LO]);
        assertEquals(10_000, r[StateSnapshotMailbox.F_SRC_PORT]);
        assertEquals(53, r[StateSnapshotMailbox.F_DST_PORT]);
        assertEquals(0x1234abcdL, r[StateSnapshotMailbox.F_CREATOR_ID]);
    }

    @Test
    void readWalksEveryChunkWhileThePacketThreadServes() throws Exception {
        final StateTable table = tableWith(STATES);
        final StateSnapshotMailbox m = new StateSnapshotMailbox();
        final AtomicBoolean done = new AtomicBoolean();
        final Thread packetThread = new Thread(() -> {
            while (!done.get()) {
                m.serve(table, NOW);
                Thread.onSpinWait();
            }
        });
        packetThread.start();
        final Set<Long> ids = new HashSet<>();
        try {
            assertEquals(STATES, m.read((rows, offset, now) -> ids.add(rows[offset + StateSnapshotMailbox.F_ID]),
                    5000));
        } finally {
            done.set(true);
            packetThread.join();
        }
        assertEquals(STATES, ids.size());
    }

    @Test
    void readGivesUpWhenThePacketThreadDoesNotAnswer() {
        final StateSnapshotMailbox m = new StateSnapshotMailbox();
        assertThrows(IllegalStateException.class, () -> m.read((rows, offset, now) -> { }, 20));
    }

    private static void collect(final StateSnapshotMailbox m, final Set<Long> ids) {
        for (int i = 0; i < m.rowCount(); i++) {
            ids.add(m.rows()[i * StateSnapshotMailbox.FIELDS + StateSnapshotMailbox.F_ID]);
        }
    }
}
