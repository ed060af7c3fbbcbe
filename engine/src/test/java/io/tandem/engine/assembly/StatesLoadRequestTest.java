package io.tandem.engine.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.control.ControlServer;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRing;
import io.tandem.engine.packet.StateLoadMailbox;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.tools.StateJsonWriter;
import io.tandem.engine.tools.StateLoadReport;
import io.tandem.engine.tools.StateLoadReport.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * tandem states load against a packet thread: good lines are inserted, journaled as INSERT of origin
 * import; each bad line, collision, expired state and full table is counted by reason with FILE:LINE,
 * and nothing of a refused line reaches the table.
 */
@Timeout(60)
class StatesLoadRequestTest {
    private static final int CREATOR = 0x0c0ffee0;
    private static final int PEER = 0x0badcafe;
    private static final long NOW = 1_800_000_000_000L;

    /** The packet thread: owns the table, runs what it is given, serves the mailbox. */
    private final BlockingQueue<Consumer<StateTable>> work = new ArrayBlockingQueue<>(16);
    private volatile boolean running = true;
    private Thread packetThread;

    @AfterEach
    void stop() throws InterruptedException {
        running = false;
        if (packetThread != null) {
            packetThread.join(5000);
        }
    }

    private StateTable start(final int capacity, final StateLoadMailbox loads, final JournalRecorder recorder) {
        final StateTable t = new StateTable(capacity, 8, CREATOR, 1L << 40, new StateCounters());
        t.setListener(recorder);
        packetThread = new Thread(() -> {
            while (running) {
                final Consumer<StateTable> w = work.poll();
                if (w != null) {
                    w.accept(t);
                }
                loads.serve(t, recorder);
                Thread.onSpinWait();
            }
        });
        packetThread.start();
        return t;
    }

    private void onPacketThread(final Consumer<StateTable> w) throws InterruptedException {
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        work.put(t -> {
            w.accept(t);
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
    }

    private static String state(final int creator, final long id, final String src, final int sport,
            final long expireAt) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().creatorId(creator).id(id).af(2).proto(6).direction(PfConstants.PF_IN).timeoutClass(2)
                .addresses(0, io.tandem.engine.rules.Addresses.parseInet4(src), 0, 0xC612020AL).ports(sport, 443)
                .rule(1).peer(0, 1000, 2000, 0, 65535, 1460, 4, 7).peer(1, 5000, 6000, 0, 65535, 1460, 4, 7)
                .creationMillis(NOW - 5000).expireAtMillis(expireAt).lastActivityMillis(NOW - 1000)
                .counters(10, 9, 1000, 900);
        return StateJsonWriter.EXPORT.object(r, 0);
    }

    private static ControlServer.Body body(final List<String> lines) {
        final Iterator<String> it = lines.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    @Test
    void goodStatesAreLoadedAndJournaledAndEveryRefusalIsCountedWithItsLine(@TempDir final Path dir) throws Exception {
        try (JournalRing ring = JournalRing.open(dir, 1 << 20)) {
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), CREATOR, 60, 0, 0);
            final StateLoadMailbox loads = new StateLoadMailbox();
            final StateTable t = start(1000, loads, recorder);
            final long later = NOW + 86_400_000L;
            final List<String> lines = new ArrayList<>(List.of(
                    state(PEER, 1, "10.0.0.1", 40001, later),                        // 1 loaded
                    "",                                                              // 2 blank
                    "{not json",                                                     // 3 not_json
                    state(PEER, 2, "10.0.0.2", 40002, later).replace("\"proto\":6,", ""), // 4 bad_field
                    state(PEER, 1, "10.0.0.3", 40003, later),                        // 5 collision_id (line 1)
                    state(PEER, 3, "10.0.0.1", 40001, later),                        // 6 collision_key (line 1)
                    state(PEER, 4, "10.0.0.4", 40004, NOW - 1),                      // 7 expired
                    state(CREATOR, 5, "10.0.0.5", 40005, 0),                         // 8 loaded, never expires
                    state(0, 6, "10.0.0.6", 40006, later),                           // 9 bad_field: creatorid 0
                    state(PEER, 7, "10.0.0.7", 40007, later).replace("\"af\":\"inet\"", "\"af\":7"), // 10 bad_family
                    ControlServer.Body.LINE_TOO_LONG));                             // 11 too_long
            final StateLoadReport report = new StatesLoadRequest(loads, () -> NOW).run("s.jsonl", body(lines));
            assertEquals(2, report.loadedCount(), report.message());
            assertEquals(1, report.count(Reason.NOT_JSON));
            assertEquals(2, report.count(Reason.BAD_FIELD));
            assertEquals(1, report.count(Reason.BAD_FAMILY));
            assertEquals(1, report.count(Reason.COLLISION_ID));
            assertEquals(1, report.count(Reason.COLLISION_KEY));
            assertEquals(1, report.count(Reason.EXPIRED));
            assertEquals(1, report.count(Reason.TOO_LONG));
            assertFalse(report.ok());
            final String m = report.message();
            assertTrue(m.startsWith("states load s.jsonl: 11 lines, 2 states loaded, 1 expired skipped, 7 refused: "), m);
            assertTrue(m.contains("collision_id 1 (s.jsonl:5: state 0000000000000001/0badcafe is live here already"), m);
            assertTrue(m.contains("collision_key 1 (s.jsonl:6: state 0000000000000003/0badcafe: a live state has its key)"),
                    m);
            assertTrue(m.contains("not_json 1 (s.jsonl:3: "), m);
            assertTrue(m.contains("bad_field 2 (s.jsonl:4: missing or bad \"proto\""), m);
            final List<String> journaled = new ArrayList<>();
            ring.ring().read((type, buffer, index, length) -> {
                final JournalRecordFlyweight x = new JournalRecordFlyweight().wrap(buffer, index);
                journaled.add(JournalRecordType.of(x.type()) + " " + x.id() + " origin " + x.originKind());
            }, 100);
            assertEquals(List.of("INSERT 1 origin 2", "INSERT 5 origin 2"), journaled);
            onPacketThread(table -> {
                assertEquals(2, table.size());
                final int slot = table.findById(PEER, 1);
                assertTrue(slot >= 0);
                assertEquals(1, table.rule(slot));
                assertEquals(10, table.packets(slot, 0));
                assertEquals(0, table.seqLo(slot, 0), "TCP windows are re-learnt, as after recovery");
            });
        }
    }

    @Test
    void aFullTableIsReportedAndManyStatesGoInBatches() throws Exception {
        final StateLoadMailbox loads = new StateLoadMailbox();
        start(2000, loads, null);
        final List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            lines.add(state(PEER, 100 + i, "10.1." + (i >> 8) + "." + (i & 255), 30000 + i, NOW + 60_000));
        }
        final StateLoadReport report = new StatesLoadRequest(loads, () -> NOW).run("big", body(lines));
        assertEquals(2000, report.loadedCount());
        assertEquals(500, report.count(Reason.TABLE_FULL));
        assertTrue(report.message().contains("table_full 500 (big:2001: state 0000000000000834/0badcafe; big:2002"),
                report.message());
    }
}
