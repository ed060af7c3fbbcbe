package io.tandem.engine.metrics;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.exporter.HTTPServer;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.nativeio.nfqueue.NetlinkParseStatus;
import io.tandem.nativeio.nfqueue.NfQueueProcStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Exposes the engine's counters at {@code http://ADDRESS/metrics} in the Prometheus text format.
 *
 * <p>Theory of operation. Micrometer's {@link PrometheusMeterRegistry} (simpleclient flavour) holds
 * {@link FunctionCounter}s and {@link Gauge}s whose functions read the packet threads' plain counter
 * arrays when Prometheus scrapes; counters labelled by errno are emitted by a small simpleclient
 * {@link Collector} that lists only the non-zero ones. Nothing here runs on, or calls into, the
 * packet thread: the scrape thread of the simpleclient {@link HTTPServer} does all the work. The
 * kernel's own per-queue counters come from /proc/net/netfilter/nfnetlink_queue as the process
 * sees it, read at most once per scrape. Life cycle: {@link #start} binds the port (failure: a clear
 * exception, the engine refuses to start); {@link #close} stops the server.
 *
 * <p>Micrometer marks its simpleclient-based Prometheus registry deprecated in favour of the new
 * Prometheus Java client; the project deliberately uses the simpleclient flavour (its HTTP server and
 * collector API), hence the suppression.
 */
@SuppressWarnings("deprecation")
public final class MetricsServer implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<PacketCounters> queues;
    private final KernelQueueStats kernelStats = new KernelQueueStats();
    private HTTPServer server;

    public MetricsServer(final List<PacketAgent> agents) {
        this(agents, null);
    }

    /** With the journal's counters when {@code journal} is not null. */
    public MetricsServer(final List<PacketAgent> agents, final EngineJournal journal) {
        final List<PacketCounters> counters = new ArrayList<>();
        for (final PacketAgent a : agents) {
            counters.add(a.counters());
            registerQueue(a.counters());
            registerStates(a);
            registerRules(a);
        }
        this.queues = List.copyOf(counters);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (journal != null) {
            registerJournal(journal);
        }
        registry.getPrometheusRegistry().register(new ErrnoCollector());
        registry.getPrometheusRegistry().register(new SummaryCollector());
    }

    /** Binds {@code host:port} and serves /metrics on a daemon thread. */
    public void start(final String hostPort) {
        final int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("metrics address '" + hostPort + "' is not HOST:PORT");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        final int port = Integer.parseInt(hostPort.substring(colon + 1));
        try {
            server = new HTTPServer(new InetSocketAddress(host, port), registry.getPrometheusRegistry(), true);
        } catch (final IOException e) {
            throw new IllegalStateException("cannot serve metrics on " + hostPort + ": " + e.getMessage()
                    + " — choose another address with `set metrics \"HOST:PORT\"` or `set metrics none`", e);
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server == null ? -1 : server.getPort();
    }

    /** The text Prometheus would scrape (for tests and the shutdown summary). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        registry.close();
    }

    private void registerQueue(final PacketCounters c) {
        final Tags queue = Tags.of("queue", Integer.toString(c.queue()));
        for (final PacketCounter counter : PacketCounter.VALUES) {
            if (counter == PacketCounter.DUTY_CYCLES || counter == PacketCounter.DUTY_CYCLE_NANOS
                    || counter == PacketCounter.RECEIVE_CALLS) {
                continue; // exported as summaries by SummaryCollector
            }
            final Tags tags = counter.labelName() == null ? queue : queue.and(counter.labelName(), counter.labelValue());
            FunctionCounter.builder(counter.metricName(), c, x -> x.get(counter))
                    .description(counter.help()).tags(tags).register(registry);
        }
        for (final DecodeResult r : DecodeResult.values()) {
            if (r == DecodeResult.OK) {
                continue;
            }
            FunctionCounter.builder("tandem_decode_failures", c, x -> x.decodeFailures(r))
                    .description("Packets that failed to decode, by reason; they get the malformed policy's verdict")
                    .tags(queue.and("reason", r.reasonName())).register(registry);
        }
        for (final NetlinkParseStatus s : NetlinkParseStatus.values()) {
            if (s.isOk()) {
                continue;
            }
            FunctionCounter.builder("tandem_netlink_parse_failures", c, x -> x.netlinkParseFailures(s))
                    .description("Netlink messages from the kernel that could not be parsed, by reason")
                    .tags(queue.and("reason", s.reasonName())).register(registry);
        }
        final int q = c.queue();
        Gauge.builder("tandem_kernel_queue_length", kernelStats, k -> k.value(q, KernelQueueStats.Column.TOTAL))
                .description("Packets waiting in the kernel queue now (/proc/net/netfilter/nfnetlink_queue)")
                .tags(queue).register(registry);
        FunctionCounter.builder("tandem_kernel_queue_dropped", kernelStats, k -> k.value(q, KernelQueueStats.Column.DROPPED))
                .description("Packets the kernel dropped because the queue was full (fail-open off)")
                .tags(queue).register(registry);
        FunctionCounter.builder("tandem_kernel_queue_user_dropped", kernelStats,
                        k -> k.value(q, KernelQueueStats.Column.USER_DROPPED))
                .description("Packets the kernel dropped because the socket was full (fail-open off)")
                .tags(queue).register(registry);
        Gauge.builder("tandem_kernel_queue_id_sequence", kernelStats, k -> k.value(q, KernelQueueStats.Column.ID_SEQUENCE))
                .description("Last packet id the kernel assigned on this queue")
                .tags(queue).register(registry);
    }

    /** The pfsync counters (FreeBSD's pfsyncstats names) and the peer inbox; call once sync has started. */
    public void registerSync(final SyncAgent sync, final PeerInbox inbox) {
        final PfsyncStats stats = sync.stats();
        Gauge.builder("tandem_pfsync_in_sync", sync, x -> x.inSync() ? 1 : 0)
                .description("1 once the start-up bulk update completed (or its requests gave up), as FreeBSD's"
                        + " pfsync reports itself in sync").register(registry);
        FunctionCounter.builder("tandem_pfsync_bulk_states_received", sync, SyncAgent::bulkStatesReceived)
                .description("States received while the start-up bulk update was outstanding").register(registry);
        for (final PfsyncStats.Counter c : PfsyncStats.Counter.values()) {
            FunctionCounter.builder("tandem_pfsync_" + c.statName(), sync, x -> x.stat(c))
                    .description("pfsync: " + c.help() + " (FreeBSD pfsyncstats." + c.statName() + ")")
                    .register(registry);
        }
        for (int a = 0; a < PfsyncConstants.ACT_MAX; a++) {
            final int action = a;
            final String name = PfsyncConstants.actionName(a).toLowerCase(java.util.Locale.ROOT);
            FunctionCounter.builder("tandem_pfsync_actions", stats, x -> x.iacts[action])
                    .description("pfsync records by action and direction (pfsyncstats iacts/oacts)")
                    .tags(Tags.of("direction", "in", "action", name)).register(registry);
            FunctionCounter.builder("tandem_pfsync_actions", stats, x -> x.oacts[action])
                    .description("pfsync records by action and direction (pfsyncstats iacts/oacts)")
                    .tags(Tags.of("direction", "out", "action", name)).register(registry);
        }
        if (sync.authenticator() != null) {
            for (final io.tandem.engine.sync.auth.AuthResult r : io.tandem.engine.sync.auth.AuthResult.values()) {
                FunctionCounter.builder("tandem_pfsync_auth_frames", sync.authenticator(), a -> a.count(r))
                        .description("Frames by authentication result (set sync auth hmac-sha256); every rejection"
                                + " is also counted in badauth").tags(Tags.of("result", r.counterName())).register(registry);
            }
        }
        Gauge.builder("tandem_pfsync_peers", sync, x -> x.peers().active(System.currentTimeMillis(), 10_000))
                .description("pfsync peers heard from in the last 10 s").register(registry);
        FunctionCounter.builder("tandem_pfsync_bulk_requests_sent", sync, SyncAgent::bulkRequestsSent)
                .description("Bulk update requests (UPD_REQ 0/0) sent, retries included").register(registry);
        FunctionCounter.builder("tandem_pfsync_bulks_sent", sync, SyncAgent::bulksSent)
                .description("Bulk updates this node sent to peers that asked").register(registry);
        if (sync.deferrals() != null) {
            registerDeferral(sync.deferrals(), sync, inbox);
        }
        final String collisions = "Peers' states for a connection this node holds under another identity: won (ours"
                + " kept and sent back once), lost (ours gave way to the peer's), repeated (the loser sent again,"
                + " ignored)";
        labelled("tandem_pfsync_collisions", collisions, inbox, "result", "won", PeerInbox::collisionsWon);
        labelled("tandem_pfsync_collisions", collisions, inbox, "result", "lost", PeerInbox::collisionsLost);
        labelled("tandem_pfsync_collisions", collisions, inbox, "result", "repeated", PeerInbox::collisionsRepeated);
        FunctionCounter.builder("tandem_pfsync_corrections", inbox, PeerInbox::corrections)
                .description("Stale peer updates (behind what we had reported) answered with our version at once;"
                        + " at most one a second per state").register(registry);
        FunctionCounter.builder("tandem_pfsync_requests", inbox, PeerInbox::requested)
                .description("Single-state requests: asked (a peer updated a state we lack; UPD_REQ sent), answered (a"
                        + " peer's UPD_REQ answered with the full state)")
                .tags(Tags.of("kind", "asked")).register(registry);
        FunctionCounter.builder("tandem_pfsync_requests", inbox, PeerInbox::answered)
                .description("Single-state requests: asked (a peer updated a state we lack; UPD_REQ sent), answered (a"
                        + " peer's UPD_REQ answered with the full state)")
                .tags(Tags.of("kind", "answered")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::cleared)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "cleared")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::imported)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "imported")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::merged)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "merged")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::deleted)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "deleted")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::refused)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "refused")).register(registry);
        FunctionCounter.builder("tandem_pfsync_peer_states", inbox, PeerInbox::dropped)
                .description("Peer states applied: imported, merged, deleted, refused, dropped (inbox full)")
                .tags(Tags.of("result", "dropped")).register(registry);
    }

    /** Deferral of first packets ({@code set sync defer}): held, released by reason, hold-time histogram. */
    private void registerDeferral(final DeferredVerdicts d, final SyncAgent sync, final PeerInbox inbox) {
        FunctionCounter.builder("tandem_pfsync_deferred", d, DeferredVerdicts::deferred)
                .description("First packets held until a peer acknowledged their new state (pfsync deferral)")
                .register(registry);
        Gauge.builder("tandem_pfsync_deferred_held", d, DeferredVerdicts::held)
                .description("First packets held now").register(registry);
        Gauge.builder("tandem_pfsync_defer_limit", d, DeferredVerdicts::limit)
                .description("Most first packets held at once (set sync defer-limit)").register(registry);
        for (final DeferredVerdicts.Release r : DeferredVerdicts.Release.values()) {
            FunctionCounter.builder("tandem_pfsync_deferral_releases", d, x -> x.released(r))
                    .description("Held first packets by how they left: ack (a peer acknowledged the state), packet"
                            + " (a later packet of the state passed), timeout, limit (the oldest, to hold a new one),"
                            + " dropped (the state was removed), shutdown")
                    .tags(Tags.of("reason", r.label())).register(registry);
        }
        final String unmatched = "Acknowledgements that released nothing: no_hold (our state, nothing held: late"
                + " or duplicate), other_creator (another node's state), queue_full (lost between threads)";
        labelled("tandem_pfsync_deferral_unmatched_acks", unmatched, d, "kind", "no_hold", DeferredVerdicts::acksWithoutHold);
        labelled("tandem_pfsync_deferral_unmatched_acks", unmatched, sync, "kind", "other_creator", SyncAgent::acksForOthers);
        labelled("tandem_pfsync_deferral_unmatched_acks", unmatched, inbox, "kind", "queue_full", PeerInbox::acksDropped);
        registry.getPrometheusRegistry().register(new HoldTimeCollector(d));
    }

    /** One counter series {@code name{label=value}} read from {@code source}. */
    private <T> void labelled(final String name, final String help, final T source, final String label,
            final String value, final java.util.function.ToDoubleFunction<T> read) {
        FunctionCounter.builder(name, source, read).description(help).tags(Tags.of(label, value)).register(registry);
    }

    /** The hold time of deferred first packets as a Prometheus histogram (seconds). */
    private static final class HoldTimeCollector extends Collector {
        private final DeferredVerdicts d;

        HoldTimeCollector(final DeferredVerdicts d) {
            this.d = d;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            final String name = "tandem_pfsync_deferral_hold_seconds";
            final List<MetricFamilySamples.Sample> samples = new ArrayList<>();
            long cumulative = 0;
            for (int b = 0; b < d.holdBuckets(); b++) {
                cumulative += d.holdBucket(b);
                final String le = b < DeferredVerdicts.BUCKET_MICROS.length
                        ? Collector.doubleToGoString(DeferredVerdicts.BUCKET_MICROS[b] / 1e6) : "+Inf";
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", List.of("le"), List.of(le), cumulative));
            }
            samples.add(new MetricFamilySamples.Sample(name + "_count", List.of(), List.of(), cumulative));
            samples.add(new MetricFamilySamples.Sample(name + "_sum", List.of(), List.of(), d.holdNanosSum() / 1e9));
            return List.of(new MetricFamilySamples(name, Type.HISTOGRAM,
                    "How long deferred first packets were held before their verdict", samples));
        }
    }

    private void registerJournal(final EngineJournal journal) {
        final JournalHealth h = journal.health();
        FunctionCounter.builder("tandem_journal_records", h, JournalHealth::written)
                .description("State-change records written to the journal").register(registry);
        FunctionCounter.builder("tandem_journal_dropped", h, JournalHealth::dropped)
                .description("Records not journaled: in-flight ring full, or journal suspended for lack of disk")
                .register(registry);
        FunctionCounter.builder("tandem_journal_failures", h, JournalHealth::failed)
                .description("Journal appends that failed (Chronicle Queue errors)").register(registry);
        Gauge.builder("tandem_journal_suspended", h, x -> x.suspended() ? 1 : 0)
                .description("1 while the journal is suspended because the disk is nearly full").register(registry);
        Gauge.builder("tandem_journal_free_bytes", h, JournalHealth::usableBytes)
                .description("Free bytes on the journal's file system").register(registry);
        Gauge.builder("tandem_journal_recovered_states", journal,
                        j -> j.recovery() == null ? 0 : j.recovery().statesRestored())
                .description("States rebuilt from the journal at start").register(registry);
        Gauge.builder("tandem_journal_recovery_seconds", journal,
                        j -> j.recovery() == null ? 0 : j.recovery().elapsedMillis() / 1000.0)
                .description("How long recovery took at start").register(registry);
    }

    private void registerStates(final PacketAgent agent) {
        final Tags queue = Tags.of("queue", Integer.toString(agent.settings().queue()));
        final StateTable table = agent.states();
        final StateCounters c = table.counters();
        Gauge.builder(StateCounter.STATES_GAUGE_NAME, table, StateTable::size)
                .description("Live states in the table").tags(queue).register(registry);
        Gauge.builder("tandem_state_limit", table, StateTable::capacity)
                .description("Capacity of the state table (set limit states)").tags(queue).register(registry);
        for (final StateCounter counter : StateCounter.values()) {
            final Tags tags = counter.labelName() == null ? queue : queue.and(counter.labelName(), counter.labelValue());
            FunctionCounter.builder(counter.metricName(), c, x -> x.get(counter))
                    .description(counter.help()).tags(tags).register(registry);
        }
    }

    private void registerRules(final PacketAgent agent) {
        final Ruleset ruleset = agent.ruleset();
        final String q = Integer.toString(agent.settings().queue());
        for (int i = 0; i < ruleset.size(); i++) {
            final int rule = i;
            final Tags tags = Tags.of("queue", q, "rule", Integer.toString(rule),
                    "action", ruleset.isPass(rule) ? "pass" : "block");
            FunctionCounter.builder("tandem_rule_packets", ruleset, r -> r.packets(rule))
                    .description("Packets for which this rule was the deciding match (pf's rule counters)")
                    .tags(tags).register(registry);
            FunctionCounter.builder("tandem_rule_bytes", ruleset, r -> r.bytes(rule))
                    .description("Bytes of the packets this rule decided")
                    .tags(tags).register(registry);
        }
    }

    /** Reads /proc/net/netfilter/nfnetlink_queue at most every 500 ms, on the scrape thread. */
    static final class KernelQueueStats {
        enum Column { TOTAL, DROPPED, USER_DROPPED, ID_SEQUENCE }

        private List<NfQueueProcStats.Row> rows = List.of();
        private long readAtNanos;

        synchronized double value(final int queue, final Column column) {
            final long now = System.nanoTime();
            if (now - readAtNanos > 500_000_000L || readAtNanos == 0) {
                rows = NfQueueProcStats.read(NfQueueProcStats.PROCESS_PATH).rows();
                readAtNanos = now;
            }
            for (final NfQueueProcStats.Row row : rows) {
                if (row.queue() == queue) {
                    switch (column) {
                        case TOTAL: return row.queueTotal();
                        case DROPPED: return row.queueDropped();
                        case USER_DROPPED: return row.userDropped();
                        default: return row.idSequence();
                    }
                }
            }
            return Double.NaN;
        }
    }

    /** Netlink errors and failed sends, labelled by errno name; only non-zero series are listed. */
    private final class ErrnoCollector extends Collector {
        @Override
        public List<MetricFamilySamples> collect() {
            final List<MetricFamilySamples.Sample> errors = new ArrayList<>();
            final List<MetricFamilySamples.Sample> sends = new ArrayList<>();
            for (final PacketCounters c : queues) {
                final String q = Integer.toString(c.queue());
                for (int errno = 1; errno <= PacketCounters.MAX_ERRNO; errno++) {
                    final long e = c.netlinkErrors(errno);
                    if (e != 0) {
                        errors.add(new MetricFamilySamples.Sample("tandem_netlink_errors_total",
                                List.of("queue", "errno"), List.of(q, ErrnoNames.name(errno)), e));
                    }
                    final long s = c.sendErrors(errno);
                    if (s != 0) {
                        sends.add(new MetricFamilySamples.Sample("tandem_verdict_send_errors_total",
                                List.of("queue", "errno"), List.of(q, ErrnoNames.name(errno)), s));
                    }
                }
            }
            return List.of(
                    new MetricFamilySamples("tandem_netlink_errors", Type.COUNTER,
                            "NLMSG_ERROR answers from the kernel in the packet stream, by errno (ENOENT: verdict for an unknown id)",
                            errors),
                    new MetricFamilySamples("tandem_verdict_send_errors", Type.COUNTER,
                            "Failed send calls carrying verdicts, by errno", sends));
        }
    }

    /** Receive batch size and duty-cycle time as Prometheus summaries (count and sum only). */
    private final class SummaryCollector extends Collector {
        @Override
        public List<MetricFamilySamples> collect() {
            final List<MetricFamilySamples.Sample> batches = new ArrayList<>();
            final List<MetricFamilySamples.Sample> cycles = new ArrayList<>();
            for (final PacketCounters c : queues) {
                final List<String> names = List.of("queue");
                final List<String> values = List.of(Integer.toString(c.queue()));
                batches.add(new MetricFamilySamples.Sample("tandem_receive_batch_size_count", names, values,
                        c.get(PacketCounter.RECEIVE_CALLS)));
                batches.add(new MetricFamilySamples.Sample("tandem_receive_batch_size_sum", names, values,
                        c.get(PacketCounter.PACKETS_RECEIVED) + c.totalNetlinkErrors()));
                cycles.add(new MetricFamilySamples.Sample("tandem_duty_cycle_seconds_count", names, values,
                        c.get(PacketCounter.DUTY_CYCLES)));
                cycles.add(new MetricFamilySamples.Sample("tandem_duty_cycle_seconds_sum", names, values,
                        c.get(PacketCounter.DUTY_CYCLE_NANOS) / 1e9));
            }
            return List.of(
                    new MetricFamilySamples("tandem_receive_batch_size", Type.SUMMARY,
                            "Messages taken per recvmmsg call", batches),
                    new MetricFamilySamples("tandem_duty_cycle_seconds", Type.SUMMARY,
                            "Time the packet thread spends per busy duty cycle", cycles));
        }
    }
}
