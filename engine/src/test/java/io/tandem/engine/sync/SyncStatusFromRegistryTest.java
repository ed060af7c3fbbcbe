package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.counters.CounterRegistry.Meter;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.tools.JsonReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem sync}'s counters are the sync agent's registry entries: each object of the status is
 * its group's entries under their keys, in their order, with their values — so the status and the
 * metrics cannot list different counters.
 */
class SyncStatusFromRegistryTest {
    private static SyncAgent agent() {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = 0x0a0b0c0d;
        s.authenticator = new FrameAuthenticator(ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n"), 0x0a0b0c0d,
                true, 60_000, () -> 0L);
        return new SyncAgent(null, new PeerInbox(), new StateSnapshotMailbox(), s,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachObjectIsItsGroup() {
        final SyncAgent agent = agent();
        agent.stats().badttl = 17;
        agent.stats().iacts[3] = 5;
        agent.stats().oacts[3] = 6;
        final CounterRegistry counters = agent.counters();
        final Map<String, Object> status = JsonReader.object(agent.statusJson());
        for (final String[] view : new String[][] {{"stats", SyncCounters.STATS}, {"inbox", SyncCounters.INBOX},
            {"auth_frames", SyncCounters.AUTH}}) {
            final Map<String, Object> shown = (Map<String, Object>) status.get(view[0]);
            final List<Meter> group = counters.group(view[1]);
            assertEquals(group.stream().map(Meter::key).toList(), new ArrayList<>(shown.keySet()), view[0]);
            for (final Meter m : group) {
                assertEquals(m.read(), (Long) shown.get(m.key()), m.id());
            }
        }
        assertEquals(17L, ((Map<String, Object>) status.get("stats")).get("badttl"));
        final Map<String, Object> actions = (Map<String, Object>) status.get("actions");
        final List<Meter> byDirection = counters.group(SyncCounters.ACTIONS);
        assertEquals(2 * actions.size(), byDirection.size());
        for (final Meter m : byDirection) {
            final List<Object> inOut = (List<Object>) actions.get(m.key());
            assertEquals(m.read(), (Long) inOut.get("in".equals(m.label("direction")) ? 0 : 1), m.id());
        }
        assertEquals(List.of(5L, 6L), actions.get("upd"));
        for (final Meter m : counters.group(SyncCounters.GROUP)) {
            if (!m.key().equals("peers")) {
                final Object shown = status.get(m.key());
                assertTrue(shown != null, m.key() + " in the status");
                assertEquals(m.read(), shown instanceof Boolean b ? (b ? 1L : 0L) : shown, m.id());
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void anEntryAddedToAGroupIsShown() {
        final SyncAgent agent = agent();
        agent.counters().counter("tandem_pfsync_test_only", "a counter only this test adds")
                .group(SyncCounters.STATS).key("test_only").read(() -> 99);
        final Map<String, Object> stats = (Map<String, Object>) JsonReader.object(agent.statusJson()).get("stats");
        assertEquals(99L, stats.get("test_only"));
    }
}
