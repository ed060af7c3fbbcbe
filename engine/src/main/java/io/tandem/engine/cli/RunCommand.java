package io.tandem.engine.cli;

import io.tandem.engine.assembly.ConfigReload;
import io.tandem.engine.assembly.EngineException;
import io.tandem.engine.assembly.TandemEngine;
import io.tandem.engine.warmup.PacketPathWarmup;
import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.privileges.PrivilegeDrop;
import io.tandem.engine.privileges.PrivilegeException;
import io.tandem.nativeio.libc.Interfaces;
import io.tandem.nativeio.libc.ThreadCapabilities;
import io.tandem.nativeio.libc.SignalDisposition;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem run}: bind the queue and filter until SIGTERM or SIGINT.
 *
 * <p>Life cycle: parse the configuration (exit 2 on error) → check the capability and that an
 * iptables rule feeds the queue (exit 1 with what to add, unless {@code --no-rule-check}) → resolve
 * {@code set user} ({@link PrivilegeDrop}; exit 1 when there is no such user) → assemble and start the
 * engine on this thread ({@link TandemEngine}: it binds the sockets, switches to the user keeping
 * CAP_NET_ADMIN and CAP_NET_RAW for the packet and sync threads it starts from here; exit 1 with the
 * reason: permissions, an unsafe journal directory, queue owned by another process, journal in use...)
 * → wait for a signal or an engine thread's failure → stop
 * receiving, flush verdicts, unbind, print a one-line summary, exit 0 (1 after a thread's failure).
 * Meanwhile SIGHUP reloads the configuration from the same file and options ({@link ConfigReload}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        header = "Run the engine: filter NFQUEUE packets by a pf.conf ruleset.",
        description = {"Bind the NFQUEUE given by `set queue` (N, or FIRST:LAST for one packet thread per queue, with",
            "iptables --queue-balance FIRST:LAST) and filter packets by the ruleset until SIGTERM or",
            "SIGINT, which stop receiving, flush the verdicts already decided, unbind the queue and exit 0.",
            "Needs CAP_NET_ADMIN (root). Started as root, it binds its sockets, then runs as the user of",
            "`set user` (default tandem; `set user none` keeps root) with only CAP_NET_ADMIN, and CAP_NET_RAW",
            "for pfsync. Prints one line when the queue is bound, one summary line at exit.",
            "SIGHUP reloads FILE (and the --set options) as `pfctl -f` does: the rules, `set timeout` and",
            "`set malformed` change at once, every state is kept; see `tandem reload`."})
final class RunCommand implements Callable<Integer> {
    /** How long after start to warn if not a single packet arrived. */
    private static final long NO_TRAFFIC_WARNING_SECONDS = 10;

    @Mixin
    private ConfigOptions config;

    @Option(names = "--queue", paramLabel = "N|FIRST:LAST",
            description = "Shortcut for --set \"queue N\" (FIRST:LAST: one packet thread per queue of the range).")
    private String queue;

    @Option(names = "--cpu", paramLabel = "N",
            description = "Shortcut for --set \"cpu N\": pin the packet thread (with several queues, the i-th on N+i).")
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
        // set warmup: the packet path's warm-up starts now, beside the checks and the assembly below; the
        // engine awaits it before binding its queue (a start that fails meanwhile does not wait for it)
        final PacketPathWarmup warmup = TandemEngine.startWarmup(parsed, ruleset);

        if (!Capabilities.effective(Capabilities.CAP_NET_ADMIN)) {
            err.println("tandem: CAP_NET_ADMIN is missing: binding an NFQUEUE needs it; run as root, or grant it"
                    + " (systemd: AmbientCapabilities=CAP_NET_ADMIN, see deploy/tandem.service)");
            return TandemMain.EXIT_FAILURE;
        }
        if (!noRuleCheck) {
            final String queues = parsed.valueText(io.tandem.engine.config.ConfigOption.QUEUE);
            final int missing = IptablesRuleCheck.firstMissing(parsed.queue(), parsed.queueCount());
            if (missing >= 0) {
                err.println("tandem: no iptables or ip6tables rule sends packets to queue " + missing
                        + "; add one, before the engine and fail-closed: `deploy/iptables-install.sh "
                        + (parsed.queueCount() > 1 ? "--balance " : "--queue ") + queues
                        + "` (under systemd: tandem-rules.service; docs/operations.md,"
                        + " \"Install order\"), or start with --no-rule-check");
                return TandemMain.EXIT_FAILURE;
            }
            if (missing == IptablesRuleCheck.UNKNOWN) {
                err.println("tandem: warning: could not run iptables-save to check that a rule feeds queue "
                        + queues);
            }
        }
        err.flush();

        // `set user`: who the engine runs as once its sockets are bound; the packet and sync threads keep
        // CAP_NET_ADMIN (nfnetlink, every verdict) and, with pfsync, CAP_NET_RAW (its raw IP socket).
        final PrivilegeDrop privileges;
        try {
            privileges = PrivilegeDrop.forUser(parsed.user(), ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_ADMIN)
                    | (parsed.syncInterface() == null ? 0 : ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_RAW)));
        } catch (final PrivilegeException e) {
            err.println("tandem: " + e.getMessage());
            return TandemMain.EXIT_FAILURE;
        }

        // The engine's threads log to stderr, as the messages above.
        final PrintStream log = System.err;
        final TandemEngine engine;
        try {
            engine = TandemEngine.assemble(parsed, ruleset, log, privileges, warmup);
        } catch (final EngineException e) {
            err.println("tandem: " + e.getMessage());
            return e.exitStatus();
        }
        try (engine) {
            // SIGHUP reloads (pfctl -f); before the engine runs it is ignored, not the JVM's exit 129.
            final AtomicReference<ConfigReload> reload = new AtomicReference<>();
            // Under nohup SIGHUP arrives ignored, and the JVM would then never call the handler: a
            // reload by SIGHUP would silently do nothing. Set it back to default first, as C daemons do.
            try {
                if (SignalDisposition.unignore(SignalDisposition.SIGHUP)) {
                    log.println("tandem: SIGHUP was ignored by this process (inherited, e.g. from nohup); "
                            + "it reloads the configuration all the same");
                }
            } catch (final RuntimeException | LinkageError e) {
                log.println("tandem: warning: cannot read SIGHUP's disposition: " + e.getMessage());
            }
            if (!SignalHandlers.install(() -> {
                final ConfigReload r = reload.get();
                if (r == null) {
                    log.println("tandem: SIGHUP ignored: the engine is still starting");
                } else {
                    r.reload();
                }
            }, "HUP")) {
                log.println("tandem: warning: SIGHUP cannot be handled (ignored by this process, or not on this JVM);"
                        + " reload with `tandem reload`");
            }
            // Each signal on its own: a process started in the background by a shell ignores SIGINT, and
            // SIGTERM's handler must not be dropped for that (the hook would then stop the engine a second time).
            SignalHandlers.install(engine::requestStop, "INT");
            if (!SignalHandlers.install(engine::requestStop, "TERM")) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        engine.stop();
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "tandem-shutdown"));
            }
            try {
                engine.start();
            } catch (final EngineException e) {
                log.println("tandem: " + e.getMessage());
                return e.exitStatus();
            }
            reload.set(engine.enableReload(() -> applyShortcuts(config.load()), Interfaces::indexOf));
            if (!engine.awaitStop(NO_TRAFFIC_WARNING_SECONDS, TimeUnit.SECONDS)
                    && engine.packetAgents().stream().mapToLong(a -> a.counters().get(PacketCounter.PACKETS_RECEIVED))
                            .sum() == 0) {
                log.println("tandem: warning: no packet arrived on queue "
                        + parsed.valueText(io.tandem.engine.config.ConfigOption.QUEUE) + " in "
                        + NO_TRAFFIC_WARNING_SECONDS + " s; check that an iptables rule matches the traffic"
                        + " (iptables -vnL shows the NFQUEUE rule's counters)");
                log.flush();
            }
            engine.awaitStop();
            return engine.stop();
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
}
