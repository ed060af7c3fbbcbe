package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.control.ControlServer;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalRecovery;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.metrics.MetricsServer;
import io.tandem.engine.metrics.PacketCounter;
import io.tandem.engine.metrics.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.SyncSettings;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.ClusterKeyFileException;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.nativeio.libc.Interfaces;
import io.tandem.nativeio.nfqueue.NfQueueSession;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem run}: bind the queue and filter until SIGTERM or SIGINT.
 *
 * <p>Life cycle: parse the configuration (exit 2 on error) → check that an iptables rule feeds the
 * queue (exit 1 with what to add, unless {@code --no-rule-check}) → start the metrics server →
 * start the PacketAgent and wait until the queue is bound (exit 1 with the reason: permissions,
 * queue owned by another process...) → wait for a signal → stop receiving, flush verdicts, unbind,
 * print a one-line summary, exit 0.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Bind the NFQUEUE given by `set queue` and filter packets by the ruleset until SIGTERM or",
            "SIGINT, which stop receiving, flush the verdicts already decided, unbind the queue and exit 0.",
            "Needs CAP_NET_ADMIN (root). Prints one line when the queue is bound, one summary line at exit."})
final class RunCommand implements Callable<Integer> {
    /** How long after start to warn if not a single packet arrived. */
    private static final long NO_TRAFFIC_WARNING_SECONDS = 10;

    @Mixin
    private ConfigOptions config;

    @Option(names = "--queue", paramLabel = "N", description = "Shortcut for --set \"queue N\".")
    private Integer queue;

    @Option(names = "--cpu", paramLabel = "N", description = "Shortcut for --set \"cpu N\": pin the packet thread.")
    private Integer cpu;

    @Option(names = "--metrics", paramLabel = "HOST:PORT|none",
            description = "Shortcut for --set 'metrics \"HOST:PORT\"' (or none).")
    private String metrics;

    @Option(names = "--no-rule-check",
            description = {"Start even when no iptables/ip6tables rule sends packets to the queue (by default",
                "Tandem refuses, since it would wait for packets that never come)."})
    private boolean noRuleCheck;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter err = spec.commandLine().getErr();
        final TandemConfig parsed;
        try {
            parsed = applyShortcuts(config.load());
        } catch (final ConfigException e) {
            err.println("tandem: " + e.getMessage());
            return TandemMain.EXIT_USAGE;
        }
        final Ruleset ruleset = parsed.compileRuleset(Interfaces::indexOf);
        for (final String warning : ruleset.warnings()) {
            err.println("tandem: warning: " + warning);
        }

        if (!Capabilities.effective(Capabilities.CAP_NET_ADMIN)) {
            err.println("tandem: CAP_NET_ADMIN is missing: binding an NFQUEUE needs it; run as root, or grant it"
                    + " (systemd: AmbientCapabilities=CAP_NET_ADMIN, see deploy/tandem.service)");
            return TandemMain.EXIT_FAILURE;
        }
        if (!noRuleCheck) {
            final IptablesRuleCheck.Result rules = IptablesRuleCheck.check(parsed.queue());
            if (rules == IptablesRuleCheck.Result.MISSING) {
                err.println("tandem: no iptables or ip6tables rule sends packets to queue " + parsed.queue()
                        + "; add one, e.g. `iptables -A FORWARD -j NFQUEUE --queue-num " + parsed.queue()
                        + " --queue-bypass`, or start with --no-rule-check");
                return TandemMain.EXIT_FAILURE;
            }
            if (rules == IptablesRuleCheck.Result.UNKNOWN) {
                err.println("tandem: warning: could not run iptables-save to check that a rule feeds queue "
                        + parsed.queue());
            }
        }

        EngineJournal journal = null;
        int creatorId = PacketFilter.creatorIdOf(parsed);
        if (parsed.journalDir() != null) {
            try {
                journal = EngineJournal.open(Path.of(parsed.journalDir()), parsed.journalRoll(), parsed.journalRetention(),
                        parsed.journalSnapshotSeconds(), (int) parsed.hostId(), creatorId, System.err);
            } catch (final JournalException e) {
                err.println("tandem: " + e.getMessage());
                return TandemMain.EXIT_FAILURE;
            }
            creatorId = journal.creatorId();
        }
        if (parsed.syncInterface() != null && journal == null) {
            err.println("tandem: pfsync (set sync interface) needs the journal: it sends the changes the journal"
                    + " records; set `set journal dir`");
            return TandemMain.EXIT_USAGE;
        }
        FrameAuthenticator authenticator = null;
        if (parsed.syncInterface() != null && parsed.syncAuth()) {
            if (parsed.syncAuthKey() == null) {
                err.println("tandem: set sync auth hmac-sha256 needs the cluster key: set sync auth-key \"PATH\""
                        + " (see docs/pfsync-auth.md)");
                return TandemMain.EXIT_USAGE;
            }
            try {
                final ClusterKeyFile keys = ClusterKeyFile.load(Path.of(parsed.syncAuthKey()));
                keys.permissionWarning().ifPresent(w -> err.println("tandem: warning: " + w));
                authenticator = new FrameAuthenticator(keys, creatorId, parsed.syncAuthRequire(),
                        parsed.syncAuthMaxSkewSeconds() * 1000L, FrameAuthenticator::systemWallClockMicros);
            } catch (final ClusterKeyFileException e) {
                err.println("tandem: " + e.getMessage());
                return TandemMain.EXIT_FAILURE;
            }
        }
        final PacketCounters counters = new PacketCounters(parsed.queue());
        final PeerInbox peerInbox = parsed.syncInterface() == null ? null : new PeerInbox();
        final PacketAgent agent = new PacketAgent(settingsOf(parsed),
                PacketFilter.fromConfig(parsed, ruleset, counters, creatorId), counters).journal(journal)
                .peerInbox(peerInbox);
        if (peerInbox != null) {
            agent.states().enableSyncUpdates(parsed.syncMaxUpdates());
            if (parsed.syncDefer()) {
                agent.deferral(parsed.syncDeferLimit(), parsed.syncDeferTimeoutMillis());
            }
        }
        SyncAgent syncAgent = null;
        MetricsServer metricsServer = null;
        ControlServer controlServer = null;
        try {
            if (parsed.metricsAddress() != null) {
                metricsServer = new MetricsServer(List.of(agent), journal);
                metricsServer.start(parsed.metricsAddress());
            }
            if (parsed.controlSocket() != null) {
                controlServer = new ControlServer(Path.of(parsed.controlSocket()), agent.snapshots());
                controlServer.start();
            }
            final CountDownLatch stopSignal = new CountDownLatch(1);
            if (!SignalHandlers.install(stopSignal::countDown, "TERM", "INT")) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    agent.stop();
                    awaitQuietly(agent);
                }, "tandem-shutdown"));
            }
            agent.start();
            try {
                agent.awaitStarted(30, TimeUnit.SECONDS);
            } catch (final RuntimeException e) {
                err.println("tandem: " + e.getMessage());
                return TandemMain.EXIT_FAILURE;
            }
            err.println("tandem: " + describe(parsed, agent, metricsServer, controlServer));
            if (journal != null) {
                err.println("tandem: " + describeRecovery(journal));
            }
            if (peerInbox != null) {
                syncAgent = new SyncAgent(journal.journal(), peerInbox, agent.bulkSnapshots(),
                        syncSettingsOf(parsed, creatorId, authenticator), System.err)
                        .urgentLane(journal.urgentLane());
                try {
                    syncAgent.start();
                } catch (final IllegalStateException e) {
                    err.println("tandem: " + e.getMessage());
                    agent.stop();
                    agent.awaitStopped(10, TimeUnit.SECONDS);
                    return TandemMain.EXIT_FAILURE;
                }
                syncAgent.deferrals(agent.deferrals());
                if (metricsServer != null) {
                    metricsServer.registerSync(syncAgent, peerInbox);
                }
                if (controlServer != null) {
                    controlServer.register("sync", syncAgent::statusJson);
                }
                err.println("tandem: pfsync v5 on " + parsed.syncInterface() + " to " + parsed.syncPeer()
                        + " (creatorid " + String.format("%08x", creatorId) + ", format " + parsed.syncFormat()
                        + ", maxupdates " + parsed.syncMaxUpdates() + ", defer " + (parsed.syncDefer()
                                ? parsed.syncDeferTimeoutMillis() + " ms, limit " + parsed.syncDeferLimit() : "no")
                        + ", auth "
                        + (parsed.syncAuth() ? "hmac-sha256" : "none") + ")");
            }
            err.flush();

            if (!stopSignal.await(NO_TRAFFIC_WARNING_SECONDS, TimeUnit.SECONDS)
                    && counters.get(PacketCounter.PACKETS_RECEIVED) == 0) {
                err.println("tandem: warning: no packet arrived on queue " + parsed.queue() + " in "
                        + NO_TRAFFIC_WARNING_SECONDS + " s; check that an iptables rule matches the traffic"
                        + " (iptables -vnL shows the NFQUEUE rule's counters)");
                err.flush();
            }
            stopSignal.await();
            if (syncAgent != null) {
                syncAgent.close();
            }
            agent.stop();
            if (!agent.awaitStopped(10, TimeUnit.SECONDS)) {
                err.println("tandem: the packet thread did not stop within 10 s");
                return TandemMain.EXIT_FAILURE;
            }
            err.println("tandem: stopped: " + summary(counters));
            err.flush();
            return TandemMain.EXIT_OK;
        } catch (final IllegalStateException | IllegalArgumentException e) {
            err.println("tandem: " + e.getMessage());
            agent.stop();
            return TandemMain.EXIT_FAILURE;
        } finally {
            if (metricsServer != null) {
                metricsServer.close();
            }
            if (controlServer != null) {
                controlServer.close();
            }
            if (journal != null) {
                journal.close();
            }
        }
    }

    private TandemConfig applyShortcuts(final TandemConfig base) throws ConfigException {
        TandemConfig c = base;
        if (queue != null) {
            c = c.withOverride("queue " + queue);
        }
        if (cpu != null) {
            c = c.withOverride("cpu " + cpu);
        }
        if (metrics != null) {
            c = c.withOverride("none".equals(metrics) ? "metrics none" : "metrics \"" + metrics + "\"");
        }
        return c;
    }

    static PacketAgentSettings settingsOf(final TandemConfig c) {
        return new PacketAgentSettings(
                c.queue(),
                c.cpu(),
                c.copyRange(),
                c.queueMaxlen(),
                c.failOpen(),
                c.gso(),
                c.rcvbuf(),
                c.batch(),
                c.verdictMode() == TandemConfig.VerdictMode.BATCH,
                c.malformedPolicy() == TandemConfig.MalformedPolicy.PASS,
                null);
    }

    private static String describe(final TandemConfig c, final PacketAgent agent, final MetricsServer m,
            final ControlServer control) {
        final NfQueueSession s = agent.session();
        return "bound queue " + c.queue()
                + " (copy range " + c.copyRange()
                + ", maxlen " + c.queueMaxlen()
                + ", fail-open " + (s.failOpenEnabled() ? "on" : "off")
                + ", gso " + (s.gsoEnabled() ? "on" : "off")
                + ", rcvbuf " + s.effectiveReceiveBuffer() + " bytes effective"
                + ", batch " + c.batch()
                + ", verdicts " + (c.verdictMode() == TandemConfig.VerdictMode.BATCH ? "batch" : "single")
                + ", cpu " + (c.cpu() < 0 ? "any" : Integer.toString(c.cpu()))
                + "); states: limit " + c.limitStates() + ", " + (c.statesIfBound() ? "if-bound" : "floating")
                + ", creatorid " + String.format("%08x", agent.states().creatorId())
                + "; metrics " + (m == null ? "off" : "on http://" + c.metricsAddress() + "/metrics")
                + "; control " + (control == null ? "off" : control.path());
    }

    private static String describeRecovery(final EngineJournal j) {
        final JournalRecovery.Result r = j.recovery();
        return "journal " + j.path() + ": recovered " + r.statesRestored() + " states in " + r.elapsedMillis() + " ms ("
                + r.recordsRead() + " records replayed " + (r.fromCompleteEpoch()
                        ? "from snapshot epoch " + r.epochReplayed() : "from the start: no complete snapshot epoch yet")
                + ", " + r.recordsSkipped() + " invalid skipped, " + r.statesRefused() + " refused, "
                + j.leftoversDrained() + " in-flight records recovered from the ring)";
    }

    static String summary(final PacketCounters c) {
        return c.get(PacketCounter.PACKETS_RECEIVED) + " packets, "
                + c.get(PacketCounter.VERDICT_ACCEPT) + " accepted, "
                + c.get(PacketCounter.VERDICT_DROP) + " dropped, "
                + c.totalDecodeFailures() + " malformed, "
                + c.totalNetlinkErrors() + " netlink errors, "
                + c.get(PacketCounter.PACKET_ID_GAP_PACKETS) + " lost to overruns, "
                + c.get(PacketCounter.STATE_MATCH_PASS) + " passed by state";
    }

    private static void awaitQuietly(final PacketAgent agent) {
        try {
            agent.awaitStopped(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The sync agent's settings from the configuration. */
    static SyncSettings syncSettingsOf(final TandemConfig c, final int creatorId,
            final FrameAuthenticator authenticator) {
        final SyncSettings s = new SyncSettings();
        s.ifname = c.syncInterface();
        s.peer = c.syncPeer();
        s.creatorId = creatorId;
        s.format = c.syncFormat();
        s.mtu = c.syncMtu();
        s.flushDelayMillis = c.syncFlushDelayMillis();
        s.bulkFramesPerSecond = c.syncBulkRate();
        s.authenticator = authenticator;
        return s;
    }
}
