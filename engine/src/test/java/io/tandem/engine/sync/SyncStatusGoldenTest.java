package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.HeldVerdictSink;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The status JSON of {@code tandem sync --json}, pinned: captured before the counter registry, so its
 * keys, their order and the counter each reads stay as they were.
 */
class SyncStatusGoldenTest {
    private static SyncAgent agent() {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = 0x0a0b0c0d;
        s.authenticator = new FrameAuthenticator(ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n"), 0x0a0b0c0d,
                true, 60_000, () -> 0L);
        final SyncAgent agent = new SyncAgent(null, new PeerInbox(), new StateSnapshotMailbox(), s,
                new PrintStream(OutputStream.nullOutputStream()));
        final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), 0x0a0b0c0d, 0,
                new io.tandem.engine.state.StateCounters());
        agent.deferrals(new DeferredVerdicts(new HeldVerdictSink() {
            @Override
            public void hold() {
            }

            @Override
            public void release(final long packetId, final int verdict) {
            }
        }, table, 3, 20));
        return agent;
    }

    @Test
    void freshAgent() throws Exception {
        assertEquals(golden("status.golden.json"), agent().statusJson());
    }

    @Test
    void everyCounterInItsPlace() throws Exception {
        final SyncAgent agent = agent();
        final PfsyncStats st = agent.stats();
        st.ipackets = 3001;
        st.ipackets6 = 3002;
        st.badif = 3003;
        st.badttl = 3004;
        st.hdrops = 3005;
        st.badver = 3006;
        st.badact = 3007;
        st.badlen = 3008;
        st.badauth = 3009;
        st.stale = 3010;
        st.badval = 3011;
        st.badstate = 3012;
        st.opackets = 3013;
        st.opackets6 = 3014;
        st.onomem = 3015;
        st.oerrors = 3016;
        for (int a = 0; a < st.iacts.length; a++) {
            st.iacts[a] = 4000 + a;
            st.oacts[a] = 5000 + a;
        }
        assertEquals(golden("status-primed.golden.json"), agent.statusJson());
    }

    private static String golden(final String name) throws Exception {
        try (InputStream in = SyncStatusGoldenTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
