package io.tandem.engine.assembly;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigOption;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.packet.FilterReload;
import io.tandem.engine.packet.PacketThreadMailbox;
import io.tandem.engine.rules.InterfaceResolver;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateTimeouts;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Live reload, as {@code pfctl -f}: reads the configuration again from where it came from, and swaps
 * the ruleset and the options that can change at run time into the running engine atomically on the
 * packet thread, keeping every state. Triggered by {@code SIGHUP} and by {@code tandem reload}
 * (the admin socket's {@code reload} request).
 *
 * <p><b>What changes.</b> The rules (with macros and interfaces resolved again), every
 * {@code set timeout} value and {@code set malformed}. Every other option sizes or binds something
 * at start (the queue, the table's capacity, the journal, pfsync, the servers...): a reload that
 * changes one is refused as a whole, naming the options, and the engine keeps running on its
 * configuration. States are kept and detached from the old rule numbers (pf keeps a state after
 * its rule is gone).
 *
 * <p><b>Threads.</b> Any thread may call {@link #reload} (a signal thread, the control thread);
 * calls are serialised. Parsing and compiling happen on the caller's thread; only the swap runs on
 * the packet thread ({@link PacketThreadMailbox}), between two receive batches, so no packet is lost or
 * decided half by the old and half by the new rules. <b>Memory:</b> the new ruleset, built per
 * reload; the old one is garbage once swapped out. <b>Failure policy:</b> a configuration that does
 * not parse, compile or keep the restart-only options, or that the packet thread does not take in
 * time, changes nothing; the reason is logged in one line, counted ({@link #failed}) and answered to
 * {@code tandem reload}, which exits 1.
 */
public final class ConfigReload {
    /** Where the configuration is read from again: the file and the command line's overrides. */
    @FunctionalInterface
    public interface Source {
        TandemConfig load() throws ConfigException;
    }

    /** The result of one reload, as logged and as answered to {@code tandem reload}. */
    public record Outcome(boolean ok, String message) {
        /** One JSON object: {@code {"ok":true,"message":"..."}}. */
        public String json() {
            final StringBuilder b = new StringBuilder("{\"ok\":").append(ok).append(",\"message\":\"");
            for (int i = 0; i < message.length(); i++) {
                final char c = message.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append("\"}").toString();
        }
    }

    /** How long the packet thread has to take a reload (it takes it within one duty cycle). */
    static final long APPLY_TIMEOUT_MILLIS = 5_000;

    private final Source source;
    private final InterfaceResolver interfaces;
    private final List<PacketThreadMailbox<FilterReload>> mailboxes;
    private final PrintStream log;
    private volatile TandemConfig running;
    private volatile long succeeded;
    private volatile long failed;
    private volatile long lastSuccessMillis;
    private volatile long relinked;
    private volatile boolean lastOk = true;

    public ConfigReload(final TandemConfig running, final Source source, final InterfaceResolver interfaces,
            final PacketThreadMailbox<FilterReload> mailbox, final PrintStream log) {
        this(running, source, interfaces, List.of(mailbox), log);
    }

    /**
     * A reload applied to every queue thread's mailbox ({@code set queue FIRST:LAST}): each gets the same
     * rules with counters of its own ({@link Ruleset#withOwnCounters}).
     */
    public ConfigReload(final TandemConfig running, final Source source, final InterfaceResolver interfaces,
            final List<PacketThreadMailbox<FilterReload>> mailboxes, final PrintStream log) {
        this.running = running;
        this.source = source;
        this.interfaces = interfaces;
        this.mailboxes = List.copyOf(mailboxes);
        this.log = log;
        this.lastSuccessMillis = System.currentTimeMillis();
    }

    /** Reads, checks and applies the configuration; logs and returns the outcome. */
    public synchronized Outcome reload() {
        final Outcome outcome = attempt();
        lastOk = outcome.ok();
        if (outcome.ok()) {
            succeeded++;
            lastSuccessMillis = System.currentTimeMillis();
            log.println("tandem: " + outcome.message());
        } else {
            failed++;
            log.println("tandem: " + outcome.message());
        }
        log.flush();
        return outcome;
    }

    private Outcome attempt() {
        final TandemConfig current = running;
        final TandemConfig next;
        try {
            next = source.load();
        } catch (final ConfigException e) {
            return refused(current, e.getMessage());
        } catch (final RuntimeException e) {
            return refused(current, "cannot read the configuration: " + e.getMessage());
        }
        final List<String> restartOnly = restartOnlyChanges(current, next);
        if (!restartOnly.isEmpty()) {
            return refused(current, "changed option" + (restartOnly.size() == 1 ? " " : "s ")
                    + String.join(", ", restartOnly) + " can only change with a restart");
        }
        final Ruleset ruleset;
        try {
            ruleset = next.compileRuleset(interfaces);
        } catch (final RuntimeException e) {
            return refused(current, e.getMessage());
        }
        for (final String warning : ruleset.warnings()) {
            log.println("tandem: warning: " + warning);
        }
        try {
            final String summary = applyToEveryThread(next, ruleset, false);
            running = next;
            return new Outcome(true, "reloaded " + next.source() + ": " + summary
                    + (mailboxes.size() > 1 ? " (the first of " + mailboxes.size() + " queue threads; each reloaded)" : ""));
        } catch (final PacketThreadMailbox.ReloadException e) {
            return refused(current, e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return refused(current, "interrupted");
        }
    }

    private static Outcome refused(final TandemConfig current, final String reason) {
        return new Outcome(false, "reload failed: " + reason + "; still running the configuration loaded from "
                + current.source());
    }

    /**
     * The options whose value differs between {@code running} and {@code next} and that only a restart
     * can change, as {@code set NAME} texts in the order of {@link ConfigOption}.
     */
    public static List<String> restartOnlyChanges(final TandemConfig running, final TandemConfig next) {
        final List<String> changed = new ArrayList<>();
        for (final ConfigOption o : ConfigOption.values()) {
            if (!reloadable(o) && !readAtStartOnly(o) && !running.valueText(o).equals(next.valueText(o))) {
                changed.add(o.optionName());
            }
        }
        return changed;
    }

    /**
     * True for the options that act only while the engine starts, so that a reload accepts a change to them
     * and the next start uses it: {@code set warmup}.
     */
    public static boolean readAtStartOnly(final ConfigOption o) {
        return o == ConfigOption.WARMUP;
    }

    /** True for the options a reload applies: {@code set timeout ...} and {@code set malformed}. */
    public static boolean reloadable(final ConfigOption o) {
        return o == ConfigOption.MALFORMED || o.optionName().startsWith("timeout ");
    }

    /**
     * An interface appeared, went or was renamed ({@code links.LinkWatcher}): the rules of the running
     * configuration are compiled again, and if an {@code on IF} now resolves differently than in
     * {@code current} (the packet thread's ruleset), the new compilation is swapped in with the old
     * counters and every state kept attached ({@link FilterReload#relink}). Logged with the interfaces
     * that changed, e.g. {@code lan1 0->7}; nothing happens when none did.
     *
     * @return true when the rules were swapped
     */
    public synchronized boolean relink(final java.util.function.Supplier<Ruleset> current) {
        final TandemConfig config = running;
        final Ruleset now = current.get();
        final Ruleset next;
        try {
            next = config.compileRuleset(interfaces);
        } catch (final RuntimeException e) {
            log.println("tandem: re-resolving interfaces failed: " + e.getMessage());
            return false;
        }
        if (next.sameAs(now) || !next.sameRules(now)) {
            return false; // nothing moved (or a reload is replacing the rules: it resolved them itself)
        }
        final List<String> changes = next.interfaceChanges(now);
        try {
            applyToEveryThread(config, next, true);
        } catch (final PacketThreadMailbox.ReloadException e) {
            log.println("tandem: re-resolving interfaces failed: " + e.getMessage());
            return false;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        relinked++;
        log.println("tandem: interfaces changed (" + String.join(", ", changes) + "): rules re-resolved");
        log.flush();
        return true;
    }

    /**
     * Hands {@code ruleset} (the first thread's; each other thread gets a copy with counters of its own) and
     * {@code config}'s timeouts and malformed policy to every queue thread; returns the first thread's summary.
     */
    private String applyToEveryThread(final TandemConfig config, final Ruleset ruleset, final boolean relink)
            throws PacketThreadMailbox.ReloadException, InterruptedException {
        String summary = null;
        for (int i = 0; i < mailboxes.size(); i++) {
            final String done = mailboxes.get(i).apply(new FilterReload(i == 0 ? ruleset : ruleset.withOwnCounters(),
                    StateTimeouts.of(config.timeouts()), config.malformedPolicy() == TandemConfig.MalformedPolicy.PASS,
                    relink), APPLY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            summary = summary == null ? done : summary;
        }
        return summary;
    }

    /** Times an interface change re-resolved the rules. */
    public long relinked() {
        return relinked;
    }

    /** The configuration in force (the last one applied). */
    public TandemConfig running() {
        return running;
    }

    /** The registry group of the reload counters. */
    public static final String COUNTER_GROUP = "config";

    /**
     * Adds the reload's counters to {@code registry}: reloads by result, whether the last one was
     * applied, when the last one was, and interface re-resolutions.
     */
    public void registerCounters(final io.tandem.engine.counters.CounterRegistry registry) {
        registry.counter("tandem_config_reloads", "Reloads of the configuration (SIGHUP, tandem reload), by result")
                .group(COUNTER_GROUP).key("reloads_ok").label("result", "ok").read(() -> succeeded);
        registry.counter("tandem_config_reloads", "Reloads of the configuration (SIGHUP, tandem reload), by result")
                .group(COUNTER_GROUP).key("reloads_failed").label("result", "failed").read(() -> failed);
        registry.gauge("tandem_config_last_reload_successful",
                "1 when the last reload was applied (or none was tried since the start), 0 when it was refused")
                .group(COUNTER_GROUP).key("last_reload_successful").read(() -> lastOk ? 1 : 0);
        registry.gauge("tandem_config_last_reload_success_timestamp_seconds",
                "Unix time of the last applied reload, or of the start")
                .group(COUNTER_GROUP).key("last_reload_success").divisor(1000).read(() -> lastSuccessMillis);
        registry.counter("tandem_interface_resolutions",
                "Times an interface that appeared, went or was renamed made the rules resolve their interfaces again")
                .group(COUNTER_GROUP).key("interface_resolutions").read(() -> relinked);
    }

    /** Reloads applied. */
    public long succeeded() {
        return succeeded;
    }

    /** Reloads refused (the running configuration stayed). */
    public long failed() {
        return failed;
    }

    /** Wall-clock time of the last applied reload, or of the start. */
    public long lastSuccessMillis() {
        return lastSuccessMillis;
    }
}
