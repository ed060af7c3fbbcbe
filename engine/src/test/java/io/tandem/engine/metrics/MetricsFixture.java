package io.tandem.engine.metrics;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.engine.sync.SyncSettings;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.HeldVerdictSink;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An engine's counter sources without a kernel: a packet agent (not started), a journal, a sync agent with deferral and authentication. */
final class MetricsFixture implements AutoCloseable {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    final PacketCounters counters = new PacketCounters(7);
    final Ruleset ruleset;
    final PacketFilter filter;
    final PacketAgent agent;
    final EngineJournal journal;
    final PeerInbox inbox = new PeerInbox();
    final SyncAgent sync;
    final DeferredVerdicts deferrals;

    MetricsFixture(final Path journalDir) throws Exception {
        final TandemConfig config = ConfigParser.parse("metrics.conf",
                "set queue 7\nset limit states 64\nblock all\npass proto { icmp icmp6 } no state\npass proto tcp\n");
        ruleset = config.compileRuleset(name -> 0);
        filter = PacketFilter.fromConfig(config, ruleset, counters);
        agent = new PacketAgent(new PacketAgentSettings(7, -1, 256, 8192, true, true, 8 << 20, 64, true, false, 0, null),
                filter, counters);
        journal = EngineJournal.open(journalDir, "hourly", 10, 60, 0, 1, QUIET);
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = 0x0a0b0c0d;
        s.authenticator = new FrameAuthenticator(ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n"), 0x0a0b0c0d,
                true, 60_000, () -> 0L);
        sync = new SyncAgent(null, inbox, new StateSnapshotMailbox(), s, QUIET);
        deferrals = new DeferredVerdicts(new HeldVerdictSink() {
            @Override
            public void hold() {
            }

            @Override
            public void release(final long packetId, final int verdict) {
            }
        }, agent.states(), 3, 20);
        sync.deferrals(deferrals);
    }

    /** Gives every counter the fixture can reach a value of its own, so a reader wired to the wrong source shows. */
    /** The agents' liveness series, as the engine adds them once its threads run: queue 7, journal, sync. */
    void registerAgents(final MetricsServer m) {
        final io.tandem.engine.agent.AgentHeartbeats beats = new io.tandem.engine.agent.AgentHeartbeats();
        beats.register("tandem-queue-7");
        beats.register("tandem-journal");
        beats.register("tandem-sync");
        io.tandem.engine.agent.AgentLiveness.register(m.counters(), beats);
    }

    void prime() {
        long v = 1000;
        for (final io.tandem.engine.counters.PacketCounter c : io.tandem.engine.counters.PacketCounter.VALUES) {
            counters.add(c, v++);
        }
        for (final io.tandem.engine.decode.DecodeResult r : io.tandem.engine.decode.DecodeResult.values()) {
            for (long i = 0; i < r.ordinal() + 1; i++) {
                counters.incrementDecodeFailure(r);
            }
        }
        for (final io.tandem.nativeio.nfqueue.NetlinkParseStatus st : io.tandem.nativeio.nfqueue.NetlinkParseStatus.values()) {
            for (long i = 0; i < st.ordinal() + 2; i++) {
                counters.incrementNetlinkParseFailure(st);
            }
        }
        v = 2000;
        for (final io.tandem.engine.state.StateCounter c : io.tandem.engine.state.StateCounter.values()) {
            agent.states().counters().add(c, v++);
        }
        final io.tandem.engine.sync.wire.PfsyncStats st = sync.stats();
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
    }

    /** The tandem_ lines of a scrape without their values: HELP, TYPE and each series' name and labels, sorted. */
    static List<String> shape(final String scrape) {
        final List<String> lines = new ArrayList<>();
        for (final String line : scrape.split("\n")) {
            if (line.startsWith("# HELP tandem_") || line.startsWith("# TYPE tandem_")) {
                lines.add(line);
            } else if (line.startsWith("tandem_")) {
                lines.add(line.substring(0, line.lastIndexOf(' ')));
            }
        }
        lines.sort(null);
        return lines;
    }

    @Override
    public void close() {
        journal.close();
    }
}
