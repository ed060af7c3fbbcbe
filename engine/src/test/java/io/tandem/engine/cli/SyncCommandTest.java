package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.engine.sync.SyncSettings;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.tools.JsonReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sync agent's status JSON parses, and {@code tandem sync} renders every part of it. */
class SyncCommandTest {
    private static SyncAgent agent(final FrameAuthenticator auth) {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = 0x0a0b0c0d;
        s.authenticator = auth;
        return new SyncAgent(null, new PeerInbox(), new StateSnapshotMailbox(), s,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void statusOfAFreshAgent() {
        final Map<String, Object> status = JsonReader.object(agent(null).statusJson());
        assertEquals("sync0", status.get("interface"));
        assertEquals("0a0b0c0d", status.get("creatorid"));
        assertEquals(false, status.get("in_sync"));
        final String text = SyncCommand.format(status);
        assertTrue(text.startsWith("pfsync v5 on sync0 to 198.18.3.2, creatorid 0a0b0c0d, format 1400, mtu 1500,"
                + " auth none\n"), text);
        assertTrue(text.contains("bulk update: not in sync (0 requests sent, 0 states received); sent 0 to peers"), text);
        assertTrue(text.contains("peers: none heard from yet"), text);
        for (final String counter : new String[] {"ipackets", "badif", "badttl", "hdrops", "badver", "badact",
            "badlen", "badauth", "stale", "badval", "badstate", "opackets", "onomem", "oerrors"}) {
            assertTrue(text.contains(" " + counter + "\n"), counter + " in\n" + text);
        }
        assertTrue(text.contains("peer messages applied: imported 0, merged 0"), text);
        assertTrue(text.contains("\ndeferral: off\nawaiting: off\n"), text);
    }

    @Test
    void statusWithAwaitingSaysWhatCameOfTheHeldPackets() {
        final SyncAgent a = agent(null);
        final io.tandem.engine.counters.PacketCounters q = new io.tandem.engine.counters.PacketCounters(7);
        q.add(io.tandem.engine.counters.PacketCounter.AWAITED, 9);
        q.add(io.tandem.engine.counters.PacketCounter.AWAIT_PASSED, 6);
        q.add(io.tandem.engine.counters.PacketCounter.AWAIT_FAILED, 1);
        q.add(io.tandem.engine.counters.PacketCounter.AWAIT_TIMEOUT, 1);
        a.awaiting(new io.tandem.engine.sync.AwaitingView(20, 128, List.of(q), () -> 1));
        final String text = SyncCommand.format(JsonReader.object(a.statusJson()));
        assertTrue(text.contains("awaiting: 9 packets held for a peer's state (timeout 20 ms, limit 128), 1 now\n"
                + "  decided by the state that came: passed 6, failed 1; dropped by timeout 1, by limit 0, at shutdown 0\n"),
                text);
    }

    @Test
    void theDeferralLineAddsStatesPastTheQuorumOnlyWhenThereAreAny() {
        final Map<String, Object> status = new java.util.LinkedHashMap<>(JsonReader.object(agent(null).statusJson()));
        status.put("deferral", JsonReader.object("{\"timeout_ms\":20,\"defer_limit\":128,\"held\":0,\"deferred\":24,"
                + "\"ack\":24,\"packet\":0,\"timeout\":0,\"limit\":0,\"dropped\":0,\"shutdown\":0,\"acks_without_hold\":0,"
                + "\"acks_for_others\":0,\"acks_lost\":0,\"hold_p50_us\":1000,\"hold_p99_us\":3000}"));
        status.put("answering_peers", 2L);
        status.put("acks_held_back", 7L);
        final String none = SyncCommand.format(status);
        assertTrue(none.contains("\n  released once 2 answering peers acknowledged; 7 acks held back for the others\n"),
                none);
        status.put("quorum_overflows", 3L);
        final String some = SyncCommand.format(status);
        assertTrue(some.contains("\n  released once 2 answering peers acknowledged; 7 acks held back for the others;"
                + " 3 released by the first ack (too many within one timeout to track)\n"), some);
    }

    @Test
    void theInsThePacketThreadsSentShowOnlyWhenThereAreAny() {
        final Map<String, Object> status = new java.util.LinkedHashMap<>(JsonReader.object(agent(null).statusJson()));
        assertFalse(SyncCommand.format(status).contains("packet threads"));
        status.put("ins_by_packet_threads", 12L);
        final String some = SyncCommand.format(status);
        assertTrue(some.contains("\nINS sent by the packet threads themselves: 12 (set sync direct-ins)\n"), some);
    }

    @Test
    void statusWithAuthenticationListsItsCounters() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n");
        final String json = agent(new FrameAuthenticator(keys, 0x0a0b0c0d, true, 60_000, () -> 0L)).statusJson();
        final Map<String, Object> status = JsonReader.object(json);
        assertEquals("hmac-sha256 (key 7)", status.get("auth"));
        assertTrue(((Map<?, ?>) status.get("auth_frames")).containsKey("bad_tag"), json);
    }
}
