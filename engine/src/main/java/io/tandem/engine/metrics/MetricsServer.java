package io.tandem.engine.metrics;

import io.tandem.engine.counters.CounterRegistry;
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
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentCounters;
import io.tandem.engine.sync.SyncAgent;
import io.tandem.engine.verdict.DeferralStats;
import io.tandem.nativeio.nfqueue.NfQueueProcStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Exposes the engine's counters at {@code http://ADDRESS/metrics} in the Prometheus text format.
 *
 * <p>Theory of operation. The counters to export are the entries of a {@link CounterRegistry}: each
 * part of the engine lists its own there once (name, help, labels, reader), and this endpoint turns
 * every entry — those added later, such as the sync agent's, too — into a Micrometer
 * {@link FunctionCounter} or {@link Gauge} of a {@link PrometheusMeterRegistry} (simpleclient
 * flavour) in one place ({@link #export}); its function reads the owner's plain counter when
 * Prometheus scrapes. What is not one series per entry is emitted by small simpleclient
 * {@link Collector}s: counters labelled by errno (only the non-zero ones are listed), the receive
 * batch and duty-cycle summaries, the deferral's hold-time histogram, and the rule counters, whose
 * series follow the ruleset in force (a reload changes them). Nothing here runs on, or
 * calls into, the packet thread: the scrape thread of the simpleclient {@link HTTPServer} does all
 * the work. The kernel's own per-queue counters come from /proc/net/netfilter/nfnetlink_queue as the
 * process sees it, read at most once per scrape (this endpoint adds those entries to the registry).
 * Life cycle: {@link #bind} binds the port (failure: a clear exception, the engine refuses to
 * start), {@link #start(Port)} serves it (the engine binds as root, serves after switching users);
 * {@link #close} stops the server.
 *
 * <p>Micrometer marks its simpleclient-based Prometheus registry deprecated in favour of the new
 * Prometheus Java client; the project deliberately uses the simpleclient flavour (its HTTP server and
 * collector API), hence the suppression.
 */
@SuppressWarnings("deprecation")
public final class MetricsServer implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CounterRegistry counters;
    private final List<PacketCounters> queues;
    private final KernelQueueStats kernelStats = new KernelQueueStats();
    private MetricsEndpoint server;

    public MetricsServer(final List<PacketAgent> agents) {
        this(agents, null);
    }

    /** With the journal's counters when {@code journal} is not null. */
    public MetricsServer(final List<PacketAgent> agents, final EngineJournal journal) {
        this(engineCounters(agents, journal), agents.stream().map(PacketAgent::counters).toList());
        registry.getPrometheusRegistry().register(new RuleCollector(agents));
    }

    /**
     * Exports every entry of {@code counters}, those added later too, and for each of {@code queues}
     * the kernel's queue statistics (added to {@code counters}), the errno counters and the summaries.
     */
    public MetricsServer(final CounterRegistry counters, final List<PacketCounters> queues) {
        this.counters = counters;
        this.queues = List.copyOf(queues);
        for (final PacketCounters c : this.queues) {
            registerKernelQueue(c.queue());
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        counters.subscribe(this::export);
        registry.getPrometheusRegistry().register(new ErrnoCollector());
        registry.getPrometheusRegistry().register(new SummaryCollector());
    }

    /** The counters of {@code agents} (packets, states) and of the {@code journal} (when not null). */
    public static CounterRegistry engineCounters(final List<PacketAgent> agents, final EngineJournal journal) {
        final CounterRegistry r = new CounterRegistry();
        for (final PacketAgent a : agents) {
            PacketAgentCounters.register(r, a);
        }
        if (journal != null) {
            journal.registerCounters(r);
        }
        return r;
    }

    /** The registry this endpoint exports. */
    public CounterRegistry counters() {
        return counters;
    }

    /** One entry as a Micrometer meter whose function reads it at scrape time. */
    private void export(final CounterRegistry.Meter m) {
        Tags tags = Tags.empty();
        for (final CounterRegistry.Label l : m.labels()) {
            tags = tags.and(l.name(), l.value());
        }
        if (m.kind() == CounterRegistry.Kind.COUNTER) {
            FunctionCounter.builder(m.name(), m, CounterRegistry.Meter::value).description(m.help()).tags(tags)
                    .register(registry);
        } else {
            Gauge.builder(m.name(), m, CounterRegistry.Meter::value).description(m.help()).tags(tags)
                    .strongReference(true).register(registry);
        }
    }

    /** Binds {@code host:port} and serves /metrics on a daemon thread. */
    public void start(final String hostPort) {
        start(bind(hostPort));
    }

    /**
     * A listening port that serves nothing yet: bound while the engine may still bind what only root can, served
     * by {@link #start(Port)} once it runs as its user.
     */
    public static final class Port {
        private final com.sun.net.httpserver.HttpServer server;
        private final String hostPort;

        private Port(final com.sun.net.httpserver.HttpServer server, final String hostPort) {
            this.server = server;
            this.hostPort = hostPort;
        }

        /** Closes a port that was never served (a start that failed after binding it). */
        public void close() {
            server.stop(0);
        }

        @Override
        public String toString() {
            return hostPort;
        }
    }

    /**
     * Binds {@code host:port}.
     *
     * @throws IllegalStateException it cannot be bound; the message says what to set instead
     */
    public static Port bind(final String hostPort) {
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
            return new Port(MetricsEndpoint.bind(new InetSocketAddress(host, port)), hostPort);
        } catch (final IOException e) {
            throw new IllegalStateException("cannot serve metrics on " + hostPort + ": " + e.getMessage()
                    + " — choose another address with `set metrics \"HOST:PORT\"` or `set metrics none`", e);
        }
    }

    /** Serves /metrics on {@code port} (from {@link #bind}) on daemon threads. */
    public void start(final Port port) {
        server = new MetricsEndpoint(port.server, this::scrape);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server == null ? -1 : server.port();
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

    /** The kernel's own counters of queue {@code q} (/proc/net/netfilter/nfnetlink_queue), read by the scrape thread. */
    private void registerKernelQueue(final int q) {
        final String queue = Integer.toString(q);
        counters.gauge("tandem_kernel_queue_length", "Packets waiting in the kernel queue now (/proc/net/netfilter/nfnetlink_queue)")
                .group(KERNEL_GROUP).label("queue", queue).read(() -> kernelStats.value(q, KernelQueueStats.Column.TOTAL));
        counters.counter("tandem_kernel_queue_dropped", "Packets the kernel dropped because the queue was full (fail-open off)")
                .group(KERNEL_GROUP).label("queue", queue).read(() -> kernelStats.value(q, KernelQueueStats.Column.DROPPED));
        counters.counter("tandem_kernel_queue_user_dropped", "Packets the kernel dropped because the socket was full (fail-open off)")
                .group(KERNEL_GROUP).label("queue", queue)
                .read(() -> kernelStats.value(q, KernelQueueStats.Column.USER_DROPPED));
        counters.gauge("tandem_kernel_queue_id_sequence", "Last packet id the kernel assigned on this queue")
                .group(KERNEL_GROUP).label("queue", queue)
                .read(() -> kernelStats.value(q, KernelQueueStats.Column.ID_SEQUENCE));
    }

    /**
     * The sync agent's counters ({@code sync.SyncCounters}: pfsync statistics, its inbox's, deferral),
     * included in this endpoint's registry, and the deferral's hold-time histogram; call once sync has
     * started and been given the deferral.
     */
    public void registerSync(final SyncAgent sync) {
        counters.include(sync.counters());
        if (sync.deferrals() != null) {
            registry.getPrometheusRegistry().register(new HoldTimeCollector(sync.deferrals()));
        }
    }

    /** The hold time of deferred first packets as a Prometheus histogram (seconds). */
    private static final class HoldTimeCollector extends Collector {
        private final DeferralStats d;

        HoldTimeCollector(final DeferralStats d) {
            this.d = d;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            final String name = "tandem_pfsync_deferral_hold_seconds";
            final List<MetricFamilySamples.Sample> samples = new ArrayList<>();
            long cumulative = 0;
            for (int b = 0; b < d.holdBuckets(); b++) {
                cumulative += d.holdBucket(b);
                final String le = b < DeferralStats.BUCKET_MICROS.length
                        ? Collector.doubleToGoString(DeferralStats.BUCKET_MICROS[b] / 1e6) : "+Inf";
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", List.of("le"), List.of(le), cumulative));
            }
            samples.add(new MetricFamilySamples.Sample(name + "_count", List.of(), List.of(), cumulative));
            samples.add(new MetricFamilySamples.Sample(name + "_sum", List.of(), List.of(), d.holdNanosSum() / 1e9));
            return List.of(new MetricFamilySamples(name, Type.HISTOGRAM,
                    "How long deferred first packets were held before their verdict", samples));
        }
    }

    /**
     * pf's rule counters, {@code tandem_rule_packets_total} and {@code tandem_rule_bytes_total}, labelled with the
     * queue, the rule's number and its action: one series per rule of the ruleset each packet agent has when
     * scraped ({@link PacketAgent#ruleset()}, a volatile the packet thread swaps at a reload). So after a reload
     * the series are those of the new rules (a rule gone is no longer listed, a new one is, an action that changed
     * is relabelled) and count from zero, as pf's do; rules recompiled after an interface change keep their
     * counts. Reads plain counters the packet thread writes, as every entry does.
     */
    private static final class RuleCollector extends Collector {
        private final List<PacketAgent> agents;

        RuleCollector(final List<PacketAgent> agents) {
            this.agents = List.copyOf(agents);
        }

        @Override
        public List<MetricFamilySamples> collect() {
            final List<MetricFamilySamples.Sample> packets = new ArrayList<>();
            final List<MetricFamilySamples.Sample> bytes = new ArrayList<>();
            final List<String> names = List.of("action", "queue", "rule"); // sorted, as Micrometer writes labels
            for (final PacketAgent a : agents) {
                final io.tandem.engine.rules.Ruleset r = a.ruleset();
                final String queue = Integer.toString(a.settings().queue());
                for (int i = 0; i < r.size(); i++) {
                    final List<String> values = List.of(r.isPass(i) ? "pass" : "block", queue, Integer.toString(i));
                    packets.add(new MetricFamilySamples.Sample("tandem_rule_packets_total", names, values,
                            r.packets(i)));
                    bytes.add(new MetricFamilySamples.Sample("tandem_rule_bytes_total", names, values, r.bytes(i)));
                }
            }
            return List.of(
                    new MetricFamilySamples("tandem_rule_packets", Type.COUNTER,
                            "Packets for which this rule was the deciding match (pf's rule counters)", packets),
                    new MetricFamilySamples("tandem_rule_bytes", Type.COUNTER,
                            "Bytes of the packets this rule decided", bytes));
        }
    }

    /** The group of the kernel's queue statistics in the registry. */
    public static final String KERNEL_GROUP = "kernel";

    /** Reads /proc/net/netfilter/nfnetlink_queue at most every 500 ms, on the scrape thread. */
    static final class KernelQueueStats {
        enum Column { TOTAL, DROPPED, USER_DROPPED, ID_SEQUENCE }

        private List<NfQueueProcStats.Row> rows = List.of();
        private long readAtNanos;

        /** The column's value for {@code queue}, or {@link CounterRegistry#ABSENT} when the queue has no row. */
        synchronized long value(final int queue, final Column column) {
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
            return CounterRegistry.ABSENT;
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
