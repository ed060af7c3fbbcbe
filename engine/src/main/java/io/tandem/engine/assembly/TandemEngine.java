package io.tandem.engine.assembly;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.agent.AgentLiveness;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.control.ControlServer;
import io.tandem.engine.links.LinkWatcher;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalRecovery;
import io.tandem.engine.metrics.MetricsServer;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketThreadMailbox;
import io.tandem.engine.packet.StateCommand;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.privileges.PathCheck;
import io.tandem.engine.privileges.PrivilegeDrop;
import io.tandem.engine.privileges.PrivilegeException;
import io.tandem.engine.rules.InterfaceResolver;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.service.SystemdNotifier;
import io.tandem.engine.shard.QueueShards;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateIds;
import io.tandem.engine.sync.AwaitingView;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.DirectInsSender;
import io.tandem.engine.sync.PeerInboxes;
import io.tandem.engine.verdict.DeferralTotals;
import io.tandem.engine.sync.SyncPolicy;
import io.tandem.engine.warmup.PacketPathWarmup;
import io.tandem.engine.sync.RawPfsyncTransport;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.engine.sync.SyncSettings;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.ClusterKeyFileException;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.nativeio.nfqueue.NfQueueSession;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One Tandem engine, assembled from its configuration (in the spirit of Aeron's MediaDriver and its
 * Context): the single place that knows how the parts fit.
 *
 * <p>Theory of operation. {@link #assemble} (main thread) first does, as the engine was started, what
 * needs root: it reads the cluster key, checks the control socket's and the journal's directories
 * and binds the control socket and the metrics port (served later). Then it switches to
 * {@code set user} ({@link PrivilegeDrop}: every thread takes the user's ids, only this thread keeps
 * CAP_NET_ADMIN, and CAP_NET_RAW with sync). As that user it opens the journal — which starts the
 * journal thread — and builds, without starting them, the packet agent (its {@link PacketFilter},
 * state table, deferral and peer inbox) and the sync agent's settings and authenticator.
 * {@link #start}, on the same thread, starts the packet thread (it recovers the table from the
 * journal and binds the queue; the call returns once the queue is bound) and then the sync thread,
 * which tails the journal the packet thread writes: both copy this thread's credentials, so they
 * have the capabilities nfnetlink (checked on every message the packet thread sends, verdicts
 * included) and the raw pfsync socket need. Then this thread gives its capabilities up and the
 * metrics and control servers start serving, so their threads, and all started later, have none.
 * Threads and what each owns: {@code tandem-queue-N} the state table, the queue socket and the
 * verdicts; {@code tandem-journal} the Chronicle appender; {@code tandem-sync} the pfsync socket and
 * outbox; the servers' threads read only through mailboxes and counters. {@link #awaitStop} returns
 * when {@link #requestStop} is called (a signal) or an agent fails; {@link #stop} stops the threads
 * in reverse order (sync first, so its last frame still goes out; then the packet thread flushes
 * its verdicts and unbinds) and {@link #close} releases the servers and the journal. Under systemd,
 * the end of {@link #start} sends READY=1 and starts the watchdog, and {@link #stop} sends
 * STOPPING=1 ({@link SystemdNotifier}).
 *
 * <p>Failure policy: every agent runs under one {@link AgentFailure}; the first agent whose duty
 * cycle throws ends, the failure is logged in one line naming its thread, {@link #awaitStop} returns
 * and {@link #stop} reports exit status 1. Assembly and start errors are {@link EngineException}s
 * carrying their one-line message and exit status (2 for a configuration that cannot work, 1 for a
 * host that cannot run it). Memory: what the parts allocate at assembly; nothing afterwards.
 */
public final class TandemEngine implements AutoCloseable {
    private final TandemConfig config;
    private final PrintStream log;
    private final CountDownLatch stopRequested;
    private final AgentFailure failure;
    private final EngineJournal journal;
    private final int creatorId;
    private final FrameAuthenticator authenticator;
    private final PacketCounters counters;
    /** The queue threads' peer inboxes behind their router, or null without sync. */
    private final PeerInboxes peerInbox;
    private final PacketAgent packetAgent;
    /** One agent per queue of {@code set queue}; the first is {@link #packetAgent}. */
    private final List<PacketAgent> packetAgents;
    private final QueueShards shards;
    private MetricsServer metricsServer;
    private MetricsServer.Port metricsPort;
    private ControlServer controlServer;
    private PrivilegeDrop privileges;
    /** The packet path's warm-up, running from assembly until {@link #start} has awaited it; null without one. */
    private PacketPathWarmup warmup;
    private SyncAgent syncAgent;
    private ConfigReload reload;
    private LinkWatcher links;
    private volatile SystemdNotifier systemd;
    /** {@link #stop}'s status once it ran (guarded by this engine's monitor); null before. */
    private Integer stopStatus;

    private TandemEngine(final TandemConfig config, final PrintStream log, final CountDownLatch stopRequested,
            final AgentFailure failure,
            final EngineJournal journal, final int creatorId, final FrameAuthenticator authenticator,
            final PeerInboxes peerInbox, final List<PacketAgent> packetAgents, final QueueShards shards) {
        this.config = config;
        this.log = log;
        this.stopRequested = stopRequested;
        this.failure = failure;
        this.journal = journal;
        this.creatorId = creatorId;
        this.authenticator = authenticator;
        this.peerInbox = peerInbox;
        this.packetAgents = List.copyOf(packetAgents);
        this.packetAgent = packetAgents.get(0);
        this.counters = packetAgent.counters();
        this.shards = shards;
    }

    /**
     * Builds the engine for {@code config} with its compiled {@code ruleset}, as the user it was started as
     * ({@code set user} is not applied: tests and tools). Opens the journal (its thread starts); nothing else runs
     * yet.
     *
     * @param log where the engine writes its one-line messages (stderr for {@code tandem run})
     * @throws EngineException the journal cannot be opened, sync without a journal, an auth key problem
     */
    public static TandemEngine assemble(final TandemConfig config, final Ruleset ruleset, final PrintStream log)
            throws EngineException {
        return assemble(config, ruleset, log, PrivilegeDrop.keep());
    }

    /**
     * Builds the engine and switches to the user of {@code privileges} on the calling thread: first, as started
     * (root), it reads the cluster key, checks the control socket's and the journal's directories and binds the
     * control socket and the metrics port; then it switches users ({@link PrivilegeDrop#apply}); then, as that
     * user, it opens the journal (its thread starts) and builds the agents. Call {@link #start} on the same
     * thread: it holds the capabilities the packet and sync threads inherit.
     *
     * @throws EngineException the journal cannot be opened, sync without a journal, an auth key problem, a path
     *     that is not safe, a socket that cannot be bound, a user the engine cannot switch to
     */
    public static TandemEngine assemble(final TandemConfig config, final Ruleset ruleset, final PrintStream log,
            final PrivilegeDrop privileges) throws EngineException {
        return assemble(config, ruleset, log, privileges, startWarmup(config, ruleset));
    }

    /**
     * Starts the packet path's warm-up ({@code set warmup}; null when it is 0) on its own thread, to run beside
     * the rest of the start: {@code tandem run} calls it as soon as the ruleset is compiled, and hands it to
     * {@link #assemble(TandemConfig, Ruleset, PrintStream, PrivilegeDrop, PacketPathWarmup)}; {@link #start}
     * awaits it before the first queue is bound.
     */
    public static PacketPathWarmup startWarmup(final TandemConfig config, final Ruleset ruleset) {
        return config.warmupMillis() == 0 ? null
                : PacketPathWarmup.start(config, packetSettingsOf(config), ruleset, config.warmupMillis());
    }

    /** As {@link #assemble(TandemConfig, Ruleset, PrintStream, PrivilegeDrop)} with a warm-up already running (or null). */
    public static TandemEngine assemble(final TandemConfig config, final Ruleset ruleset, final PrintStream log,
            final PrivilegeDrop privileges, final PacketPathWarmup warmup) throws EngineException {
        final CountDownLatch stopRequested = new CountDownLatch(1);
        final AgentFailure failure = new AgentFailure(log, stopRequested::countDown);
        if (config.syncInterface() != null && config.journalDir() == null) {
            throw new EngineException("pfsync (set sync interface) needs the journal: it sends the changes the"
                    + " journal records; set `set journal dir`", EngineException.USAGE);
        }
        // As started: what only root may read, check or bind.
        final ClusterKeyFile keys = keysOf(config);
        ControlServer control = null;
        MetricsServer.Port metricsPort = null;
        try {
            if (config.controlSocket() != null) {
                final Path socket = Path.of(config.controlSocket());
                PathCheck.controlDirectory(socket, privileges);
                control = new ControlServer(socket, null, ControlServer.Limits.DEFAULT, log::println);
                control.bind();
            }
            if (config.metricsAddress() != null) {
                metricsPort = MetricsServer.bind(config.metricsAddress());
            }
            final String journalDir = config.journalDir() == null ? null
                    : PathCheck.journalDirectory(Path.of(config.journalDir()), privileges);
            log.println("tandem: " + privileges.apply() + (journalDir == null ? "" : "; journal " + journalDir));
        } catch (final PrivilegeException | IllegalStateException | IllegalArgumentException e) {
            closeBound(control, metricsPort);
            throw new EngineException(e.getMessage(), EngineException.FAILURE, e);
        }
        // As the user the engine runs as.
        EngineJournal journal = null;
        int creatorId = PacketFilter.creatorIdOf(config);
        final FrameAuthenticator authenticator;
        try {
            if (config.journalDir() != null) {
                journal = EngineJournal.open(Path.of(config.journalDir()), config.journalRoll(),
                        config.journalRetention(), config.journalSnapshotSeconds(), (int) config.hostId(), creatorId,
                        log, failure, config.queueCount());
                creatorId = journal.creatorId();
                if (config.syncInterface() != null) {
                    // the recorders also feed the urgent lanes, which the sync thread drains; the rest reaches it
                    // through the journal, whose thread then naps no longer than the sync thread's flush delay
                    journal.feedsPeers(config.syncFlushDelayMillis());
                }
            }
            authenticator = keys == null ? null : new FrameAuthenticator(keys, creatorId, config.syncAuthRequire(),
                    config.syncAuthMaxSkewSeconds() * 1000L, FrameAuthenticator::systemWallClockMicros);
        } catch (final JournalException e) {
            closeBound(control, metricsPort);
            throw new EngineException(e.getMessage(), EngineException.FAILURE, e);
        }
        final int queues = config.queueCount();
        final long idBase = StateIds.initialBase(System.currentTimeMillis());
        final PeerInboxes peerInbox = config.syncInterface() == null ? null
                : new PeerInboxes(java.util.stream.Stream.generate(PeerInbox::new).limit(queues).toList(), creatorId, idBase);
        final QueueShards shards;
        try {
            shards = queues > 1 ? new QueueShards(queues) : null;
        } catch (final RuntimeException e) {
            closeBound(control, metricsPort);
            throw new EngineException("cannot create the queue threads' doorbells: " + e.getMessage(),
                    EngineException.FAILURE, e);
        }
        final java.util.ArrayList<PacketAgent> agents = new java.util.ArrayList<>();
        for (int i = 0; i < queues; i++) {
            final PacketAgentSettings settings = packetSettingsOf(config).forQueueIndex(i);
            final PacketCounters counters = new PacketCounters(settings.queue());
            final PacketAgent a = new PacketAgent(settings, PacketFilter.fromConfig(config,
                    i == 0 ? ruleset : ruleset.withOwnCounters(), counters, creatorId, i, queues, idBase), counters)
                    .journal(journal).peerInbox(peerInbox == null ? null : peerInbox.inbox(i));
            if (shards != null) {
                a.shards(shards.links(i));
            }
            agents.add(a);
        }
        if (peerInbox != null) {
            // Each packet thread sends its held packets' INS itself, fed by its urgent lane (not with sync auth:
            // one signer per node keeps the W.12 sequence in the order frames leave).
            final boolean directIns = config.syncDirectIns() && authenticator == null && journal != null;
            for (int i = 0; i < agents.size(); i++) {
                if (directIns) {
                    final DirectInsSender sender = new DirectInsSender(syncSettingsOf(config, creatorId, null), log);
                    journal.urgentLanes().get(i).sender(sender);
                    agents.get(i).directInsSender(sender);
                }
            }
            for (final PacketAgent agent : agents) {
                SyncPolicy.of(agent.states()).enableSyncUpdates(config.syncMaxUpdates());
                if (config.syncDefer()) {
                    agent.deferral(config.syncDeferLimit(), config.syncDeferTimeoutMillis())
                            .deferralPoll(config.syncDeferPollMicros());
                }
                if (config.syncAwaitTimeoutMillis() > 0) {
                    agent.awaitPeerStates(config.syncAwaitLimit(), config.syncAwaitTimeoutMillis());
                }
            }
        }
        final TandemEngine engine = new TandemEngine(config, log, stopRequested, failure, journal, creatorId,
                authenticator, peerInbox, agents, shards);
        engine.controlServer = control;
        engine.metricsPort = metricsPort;
        engine.privileges = privileges;
        engine.warmup = warmup;
        return engine;
    }

    private static void closeBound(final ControlServer control, final MetricsServer.Port metricsPort) {
        if (control != null) {
            control.close();
        }
        if (metricsPort != null) {
            metricsPort.close();
        }
    }

    /** The cluster key of {@code set sync auth hmac-sha256}, read as started (it is root's, mode 0600), or null. */
    private static ClusterKeyFile keysOf(final TandemConfig c) throws EngineException {
        if (c.syncInterface() == null || !c.syncAuth()) {
            return null;
        }
        if (c.syncAuthKey() == null) {
            throw new EngineException("set sync auth hmac-sha256 needs the cluster key: set sync auth-key \"PATH\""
                    + " (see docs/pfsync-auth.md)", EngineException.USAGE);
        }
        try {
            return ClusterKeyFile.load(Path.of(c.syncAuthKey()));
        } catch (final ClusterKeyFileException e) {
            throw new EngineException(e.getMessage(), EngineException.FAILURE, e);
        }
    }

    /**
     * Awaits the packet path's warm-up ({@code set warmup}) and logs what it did; then starts the packet thread
     * (returns once the queue is bound) and, with sync, the sync thread — both from this
     * thread, so they inherit the capabilities {@link PrivilegeDrop} kept here — then gives up this thread's
     * capabilities and serves the metrics and control sockets bound at assembly; prints what was started.
     *
     * @throws EngineException the queue cannot be bound, the sync socket cannot open
     */
    public void start() throws EngineException, InterruptedException {
        if (warmup != null) {
            log.println("tandem: " + warmup.await().describe()); // before the first queue is bound
            warmup = null;
        }
        for (final PacketAgent a : packetAgents) {
            a.start(failure);
        }
        for (final PacketAgent a : packetAgents) {
            try {
                a.awaitStarted(30, TimeUnit.SECONDS);
            } catch (final RuntimeException e) {
                // With several queues, say which thread failed (its CPU is set cpu + its index).
                throw new EngineException(packetAgents.size() == 1 ? e.getMessage()
                        : "queue " + a.settings().queue() + (a.settings().cpu() < 0 ? "" : " (its thread on CPU "
                                + a.settings().cpu() + ": set cpu " + config.cpu() + " + " + a.shardIndex() + ")")
                                + ": " + e.getMessage(), EngineException.FAILURE, e);
            }
        }
        if (peerInbox != null) {
            startSync();
        }
        privileges.releaseStarterCapabilities();
        if (metricsPort != null) {
            metricsServer = new MetricsServer(packetAgents, journal);
            metricsServer.start(metricsPort);
            metricsPort = null;
            if (syncAgent != null) {
                metricsServer.registerSync(syncAgent);
            }
            AgentLiveness.register(metricsServer.counters(), failure.heartbeats());
        }
        if (controlServer != null) {
            controlServer.serveStates(packetAgents.stream().map(PacketAgent::snapshots).toList());
            registerStateTransfer(controlServer);
            if (syncAgent != null) {
                controlServer.register("sync", syncAgent::statusJson);
            }
            controlServer.start();
        }
        log.println("tandem: " + describe());
        if (journal != null) {
            log.println("tandem: " + describeRecovery(journal));
        }
        if (syncAgent != null) {
            log.println("tandem: pfsync v5 on " + config.syncInterface() + " to " + config.syncPeer()
                    + " (creatorid " + String.format("%08x", creatorId) + ", format " + config.syncFormat()
                    + ", maxupdates " + config.syncMaxUpdates() + ", defer " + (config.syncDefer()
                            ? config.syncDeferTimeoutMillis() + " ms, limit " + config.syncDeferLimit() + ", poll "
                                    + config.syncDeferPollMicros() + " us" : "no")
                    + ", await " + (config.syncAwaitTimeoutMillis() > 0
                            ? config.syncAwaitTimeoutMillis() + " ms, limit " + config.syncAwaitLimit() : "no")
                    + ", auth " + (config.syncAuth() ? "hmac-sha256" : "none") + ")");
        }
        systemd = SystemdNotifier.fromEnvironment(log); // a no-op unless started by systemd (Type=notify)
        systemd.ready("filtering queue " + config.valueText(io.tandem.engine.config.ConfigOption.QUEUE));
        systemd.startWatchdog(failure.heartbeats(), failure::failed);
        log.flush();
    }

    /**
     * {@code states dump} (a consistent snapshot of the table in the export format, one JSON line per
     * state, read through the packet thread's {@link io.tandem.engine.packet.StateDumpMailbox}) and
     * {@code states load NAME} (a body of export lines put into the table through its
     * {@link io.tandem.engine.packet.StateLoadMailbox}; answers {@code {"ok":...,"message":...}}).
     */
    private void registerStateTransfer(final ControlServer server) {
        server.registerLines("states dump", out -> {
            int n = 0;
            for (final PacketAgent a : packetAgents) {
                n += a.dumps().dump(r -> out.line(io.tandem.engine.tools.StateJsonWriter.EXPORT.object(r, 0)), 5_000);
            }
            log.println("tandem: states dump: " + n + (n == 1 ? " state" : " states") + " written");
            log.flush();
            return n;
        });
        final StatesLoadRequest loader = new StatesLoadRequest(
                packetAgents.stream().map(PacketAgent::loads).toList(), System::currentTimeMillis);
        server.registerWithBody("states load", (words, body) -> {
            final io.tandem.engine.tools.StateLoadReport report = loader.run(words, body);
            log.println("tandem: " + report.message());
            log.flush();
            return new ConfigReload.Outcome(report.ok(), report.message()).json();
        });
    }

    private void startSync() throws EngineException, InterruptedException {
        final SyncSettings settings = syncSettingsOf(config, creatorId, authenticator);
        syncAgent = new SyncAgent(journal.journal(), peerInbox,
                packetAgents.stream().map(PacketAgent::bulkSnapshots).toList(), settings, log)
                .urgentLanes(journal.urgentLanes())
                .directInsSenders(packetAgents.stream().map(PacketAgent::directInsSender)
                        .filter(java.util.Objects::nonNull).toList())
                .transport(() -> RawPfsyncTransport.open(settings.ifname, settings.peer));
        for (final PacketAgent a : packetAgents) {
            SyncPolicy.of(a.states()).watchPeers(syncAgent.peers()); // a takeover needs its carrier silent
        }
        try {
            syncAgent.start(failure);
        } catch (final IllegalStateException e) {
            syncAgent = null;
            throw new EngineException(e.getMessage(), EngineException.FAILURE, e);
        }
        if (packetAgent.deferrals() != null) {
            syncAgent.deferrals(DeferralTotals.of(packetAgents.stream().map(PacketAgent::deferrals).toList()));
        }
        if (config.syncAwaitTimeoutMillis() > 0) {
            final List<PacketAgent> agents = List.copyOf(packetAgents);
            syncAgent.awaiting(new AwaitingView(config.syncAwaitTimeoutMillis(), config.syncAwaitLimit(),
                    agents.stream().map(PacketAgent::counters).toList(),
                    () -> agents.stream().mapToInt(PacketAgent::awaitingHeld).sum()));
        }
    }

    /**
     * Turns on live reload (call after {@link #start}): {@code source} reads the configuration again,
     * {@code interfaces} resolves the rules' interface names. Answers the admin socket's {@code reload}
     * request; the caller connects {@code SIGHUP} to {@link ConfigReload#reload}.
     */
    public ConfigReload enableReload(final ConfigReload.Source source, final InterfaceResolver interfaces) {
        reload = new ConfigReload(config, source, interfaces,
                packetAgents.stream().map(PacketAgent::reloads).toList(), log);
        if (controlServer != null) {
            controlServer.register("reload", () -> reload.reload().json());
            controlServer.registerWithArguments("kill", words -> stateCommand(() -> StateCommand.parseKill(words)));
            controlServer.registerWithArguments("flush", words -> stateCommand(() -> {
                if (!"states".equals(words.trim())) {
                    throw new IllegalArgumentException("flush " + words.trim() + ": only `flush states` is known");
                }
                return StateCommand.flush();
            }));
        }
        if (metricsServer != null) {
            reload.registerCounters(metricsServer.counters());
        }
        final ConfigReload r = reload;
        links = new LinkWatcher(packetSettingsOf(config).netns(), () -> r.relink(packetAgent::ruleset), log).start();
        return reload;
    }

    /**
     * {@code tandem kill} / {@code tandem flush states}: parsed here (control thread), carried out on the
     * packet thread; answers {@code {"ok":...,"message":...}} and logs what was done.
     */
    private String stateCommand(final java.util.function.Supplier<StateCommand> parse) {
        final StateCommand command;
        try {
            command = parse.get();
        } catch (final IllegalArgumentException e) {
            return new ConfigReload.Outcome(false, e.getMessage()).json();
        }
        try {
            String done = null;
            for (final PacketAgent a : packetAgents) {
                final String one = a.stateCommands().apply(command, 5, TimeUnit.SECONDS);
                done = packetAgents.size() == 1 ? one
                        : (done == null ? "" : done + "; ") + "queue " + a.settings().queue() + ": " + one;
            }
            log.println("tandem: " + done);
            log.flush();
            return new ConfigReload.Outcome(true, done).json();
        } catch (final PacketThreadMailbox.ReloadException e) {
            return new ConfigReload.Outcome(false, command + ": " + e.getMessage()).json();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ConfigReload.Outcome(false, command + ": interrupted").json();
        }
    }

    /** The live reload, or null before {@link #enableReload}. */
    public ConfigReload reload() {
        return reload;
    }

    /** Asks the engine to stop (a signal arrived); {@link #awaitStop} returns. Safe from any thread. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Waits at most {@code timeout} for a stop request or an agent's failure; true if either came. */
    public boolean awaitStop(final long timeout, final TimeUnit unit) throws InterruptedException {
        return stopRequested.await(timeout, unit);
    }

    /** Waits for a stop request or an agent's failure. */
    public void awaitStop() throws InterruptedException {
        stopRequested.await();
    }

    /**
     * Stops the threads in reverse order of start and prints the one-line summary, once: a second call
     * (a shutdown hook after a signal handler's stop) returns the first call's status and prints nothing.
     *
     * @return the exit status: 0, or 1 when an agent failed or the packet thread did not stop in 10 s
     */
    public synchronized int stop() throws InterruptedException {
        if (stopStatus == null) {
            stopStatus = stopOnce();
        }
        return stopStatus;
    }

    private int stopOnce() throws InterruptedException {
        if (systemd != null) {
            systemd.stopping();
        }
        if (syncAgent != null) {
            syncAgent.close();
        }
        for (final PacketAgent a : packetAgents) {
            a.stop();
        }
        for (final PacketAgent a : packetAgents) {
            if (!a.awaitStopped(10, TimeUnit.SECONDS)) {
                log.println("tandem: the packet thread " + a.roleName() + " did not stop within 10 s");
                return EngineException.FAILURE;
            }
        }
        log.println("tandem: stopped: " + summary(packetAgents.stream().map(PacketAgent::counters).toList()));
        log.flush();
        return failure.failed() ? EngineException.FAILURE : 0;
    }

    /** Releases the servers and the journal (after {@link #stop}, or after a failed start). */
    @Override
    public void close() {
        if (links != null) {
            links.close();
        }
        if (syncAgent != null) {
            syncAgent.close();
        }
        for (final PacketAgent a : packetAgents) {
            a.stop();
        }
        try {
            for (final PacketAgent a : packetAgents) {
                if (a.threadId() >= 0 && !a.awaitStopped(10, TimeUnit.SECONDS)) {
                    log.println("tandem: the packet thread " + a.roleName() + " did not stop within 10 s");
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (shards != null) {
            shards.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (metricsPort != null) {
            metricsPort.close();
        }
        if (controlServer != null) {
            controlServer.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (systemd != null) {
            systemd.close();
        }
    }

    public AgentFailure failure() {
        return failure;
    }

    public PacketAgent packetAgent() {
        return packetAgent;
    }

    /** Every queue's agent, in queue order (one unless {@code set queue FIRST:LAST}). */
    public List<PacketAgent> packetAgents() {
        return packetAgents;
    }

    /** The sync agent, or null without sync (or before {@link #start}). */
    public SyncAgent syncAgent() {
        return syncAgent;
    }

    /** The journal, or null without {@code set journal dir}. */
    public EngineJournal journal() {
        return journal;
    }

    public PacketCounters counters() {
        return counters;
    }

    /** The packet agent's settings from the configuration. */
    public static PacketAgentSettings packetSettingsOf(final TandemConfig c) {
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
                c.busyPollMicros(),
                null);
    }

    /** The sync agent's settings from the configuration. */
    public static SyncSettings syncSettingsOf(final TandemConfig c, final int creatorId,
            final FrameAuthenticator authenticator) {
        final SyncSettings s = new SyncSettings();
        s.ifname = c.syncInterface();
        s.peer = c.syncPeer();
        s.creatorId = creatorId;
        s.format = c.syncFormat();
        s.mtu = c.syncMtu();
        s.flushDelayMillis = c.syncFlushDelayMillis();
        s.bulkFramesPerSecond = c.syncBulkRate();
        s.deferTimeoutMillis = c.syncDeferTimeoutMillis();
        s.authenticator = authenticator;
        return s;
    }

    private String describe() {
        final TandemConfig c = config;
        final NfQueueSession s = packetAgent.session(); // null for a queue a test injected
        final int n = packetAgents.size();
        return "bound queue " + c.valueText(io.tandem.engine.config.ConfigOption.QUEUE)
                + (n > 1 ? " (" + n + " packet threads, each owning its share of the flows)" : "")
                + " (copy range " + c.copyRange()
                + ", maxlen " + c.queueMaxlen()
                + (s == null ? ", not an NFQUEUE socket: " + packetAgent.packetQueue()
                        : ", fail-open " + (s.failOpenEnabled() ? "on" : "off")
                        + ", gso " + (s.gsoEnabled() ? "on" : "off")
                        + ", rcvbuf " + s.effectiveReceiveBuffer() + " bytes effective")
                + ", batch " + c.batch()
                + ", verdicts " + (c.verdictMode() == TandemConfig.VerdictMode.BATCH ? "batch" : "single")
                + (c.busyPollMicros() > 0 ? ", busy-poll " + c.busyPollMicros() + " us" : "")
                + ", cpu " + (c.cpu() < 0 ? "any" : n > 1 ? c.cpu() + "-" + (c.cpu() + n - 1) : Integer.toString(c.cpu()))
                + "); states: limit " + c.limitStates() + (n > 1 ? " (" + packetAgent.states().capacity()
                        + " per thread)" : "") + ", " + (c.statesIfBound() ? "if-bound" : "floating")
                + ", creatorid " + String.format("%08x", packetAgent.states().creatorId())
                + "; metrics " + (metricsServer == null ? "off" : "on http://" + c.metricsAddress() + "/metrics")
                + "; control " + (controlServer == null ? "off" : controlServer.path());
    }

    private static String describeRecovery(final EngineJournal j) {
        final JournalRecovery.Result r = j.recovery();
        return "journal " + j.path() + ": recovered " + r.statesRestored() + " states in " + r.elapsedMillis() + " ms ("
                + r.recordsRead() + " records replayed " + (r.fromCompleteEpoch()
                        ? "from snapshot epoch " + r.epochReplayed() : "from the start: no complete snapshot epoch yet")
                + ", " + r.recordsSkipped() + " invalid skipped, " + r.statesRefused() + " refused, "
                + j.leftoversDrained() + " in-flight records recovered from the ring)";
    }

    /** The one-line summary printed at exit. */
    public static String summary(final PacketCounters c) {
        return summary(List.of(c));
    }

    /** The one-line summary printed at exit, summed over the queues. */
    public static String summary(final List<PacketCounters> queues) {
        long received = 0, accepted = 0, dropped = 0, malformed = 0, netlink = 0, lost = 0, byState = 0;
        for (final PacketCounters c : queues) {
            received += c.get(PacketCounter.PACKETS_RECEIVED);
            accepted += c.get(PacketCounter.VERDICT_ACCEPT);
            dropped += c.get(PacketCounter.VERDICT_DROP);
            malformed += c.totalDecodeFailures();
            netlink += c.totalNetlinkErrors();
            lost += c.get(PacketCounter.PACKET_ID_GAP_PACKETS);
            byState += c.get(PacketCounter.STATE_MATCH_PASS);
        }
        return received + " packets, " + accepted + " accepted, " + dropped + " dropped, " + malformed + " malformed, "
                + netlink + " netlink errors, " + lost + " lost to overruns, " + byState + " passed by state"
                + (queues.size() > 1 ? " (" + queues.size() + " queues)" : "");
    }
}
