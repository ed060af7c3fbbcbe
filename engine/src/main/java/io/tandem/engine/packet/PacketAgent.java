package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.PacketDecoder;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.agent.AgentThreads;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.shard.QueueShards;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.DirectInsSender;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.verdict.AwaitedPackets;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.HeldVerdictSink;
import io.tandem.engine.verdict.VerdictBatcher;
import io.tandem.nativeio.libc.Doorbell;
import io.tandem.nativeio.libc.CpuAffinity;
import io.tandem.nativeio.libc.NetNamespace;
import io.tandem.nativeio.nfqueue.NetlinkParseStatus;
import io.tandem.nativeio.nfqueue.NfQueueSession;
import io.tandem.nativeio.nfqueue.NfqConstants;
import io.tandem.nativeio.nfqueue.NfqPacketParser;
import io.tandem.nativeio.nfqueue.NfqVerdictEncoder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The packet path of one NFQUEUE: receive → decode → rules → verdict.
 *
 * <p>Theory of operation. One agent per queue, an Agrona {@link Agent} run on its own thread
 * {@code tandem-queue-N} (pinned to a CPU when configured) by {@link AgentThreads}. In
 * {@link #onStart} the thread opens and binds the queue itself, through its {@link PacketQueue}
 * factory ({@link NfQueuePacketQueue} unless {@link #queue(Supplier)} injected another, as unit tests
 * do), so the socket lives in the thread's network namespace, and from then on it is the only thread
 * that touches the socket, the receive buffers, the decoder, the ruleset's counters, the verdict
 * batcher and the {@link PacketCounters}. Each duty cycle takes up to {@code batch} messages with
 * one non-blocking receive (NFQUEUE: one {@code recvmmsg}), walks every netlink message in every
 * datagram (packets, and NLMSG_ERROR answers to earlier verdicts, which the kernel interleaves with
 * packets), decodes each packet, then decides them in order — with a large table, after prefetching
 * their state lookups so that the cache misses overlap ({@link ReceivedBatch}) — and ends with one
 * {@code send} of all the cycle's verdicts. When nothing is queued it flushes and waits for at most
 * {@link #IDLE_POLL_MILLIS} ms while its table holds states (their expiry slices, trailing reports and
 * snapshot slices are due). That wait is part
 * of the duty cycle rather than an Agrona {@code IdleStrategy} (the runner's is a no-op): with sync on
 * or several queues it is a {@code poll(2)} on the queue socket and the doorbell, woken by a packet, a
 * peer's message or another queue thread, and bounded by the next held packet's timeout, which no
 * IdleStrategy can express; otherwise the next cycle's receive
 * waits itself ({@code recvmmsg} with {@code MSG_WAITFORONE}, limited by {@code SO_RCVTIMEO}): one
 * system call per wake-up instead of two. The journal thread, asleep until records come, is woken
 * once per cycle that journaled, before this thread waits (while first packets are held for a peer's
 * INS_ACK, at most once a millisecond: {@link #journalWakeDue}); after a short batch that journaled, this
 * thread first receives once more without waiting (waking a sleeping thread costs several microseconds,
 * and the batch's verdicts may have brought their answers, a SYN's SYN-ACK, into the queue during their
 * own {@code send}), and wakes it after that cycle. Each cycle that journaled for packets also tells the
 * journal thread so ({@link JournalRecorder#trafficJournaled}): while packets journal it naps on its own
 * timer instead of sleeping, and the wake is then a fence, not a wake-up of another CPU (measured here:
 * 21 µs at p50 per connection, on the packet path). A thread that has had nothing to do for
 * {@link #QUIET_AFTER_MILLIS} waits on the socket and the doorbell instead: up to
 * {@link #DEEP_IDLE_MILLIS} (the watchdog's heartbeat) when its table is empty, up to
 * {@link #QUIET_IDLE_MILLIS} when it holds states (the expiry and snapshot slices grow with the time
 * that passed), and no longer than its next trailing report to the peers. Its mailboxes (reload, state
 * commands, listings, dumps, loads) and {@link #stop()} ring the doorbell, so an idle engine wakes for
 * a packet or a request, and, with states, ten times a second. With {@code set busy-poll USEC} the thread does not wait
 * until USEC have passed since it last handled a packet (or a peer's message, or another queue's
 * hand-off): it polls, cycle after cycle, so that a packet arriving meanwhile is taken without the
 * wake-up of a sleeping thread (tens of microseconds on a virtual machine), and keeps its CPU busy.
 * With {@code set sync defer-poll USEC} (500 by default) it polls in the same way while it holds a first
 * packet for a peer's INS_ACK, for up to USEC after the latest hold ({@link #pollsForAcknowledgement}), so
 * that the acknowledgement, which the sync thread passes through the inbox and the doorbell, releases the
 * packet without waking this thread. With {@code set sync direct-ins} (the default, not with sync auth) the
 * INS of a state announced at once — a held first packet's — leaves from this thread's own pfsync socket
 * ({@link DirectInsSender}, fed by the journal's urgent lane), sent after the cycle's decisions and before
 * their verdicts and before any wait, instead of through a wake-up of the sync thread.
 *
 * <p>Decision: {@link PacketFilter} — state lookup and pf's TCP tracking first, the ruleset on a
 * miss (a forwarded packet crosses it {@code in} on its input interface and {@code out} on its
 * output interface), state creation for {@code keep state} rules. A packet that fails to decode gets
 * the configured malformed policy (default drop) and is counted under its {@link DecodeResult}
 * reason. With pfsync, the peers' messages are applied a bounded number per cycle, except that
 * before deciding what a receive (or another queue's hand-off) brought, the thread applies every
 * peer's INS its sync thread has already answered with INS_ACK ({@link PeerInbox#applyAcknowledged}):
 * a reply to the packet that peer held finds the state. With {@code set sync await-timeout}, a forwarded
 * packet the rules would drop for want of a state is held in {@link AwaitedPackets} instead, and each time
 * peers' messages have been applied the held packets that a newly arrived state now matches are decided
 * (before anything received since), so a reply that beat its peer's INS passes once the INS is in.
 * The thread also runs the table's slices — of the expiry sweep (sized so that the whole table is
 * examined once per {@code set timeout interval}) and of the journal's rolling snapshot — just before
 * it waits, so that the packet that ends the wait is decided first (as in pf, a state past its
 * deadline matches until a slice removes it), and at the start of a cycle when it has not waited for
 * {@link #IDLE_POLL_MILLIS}. With pfsync the trailing reports and their repeats that fell due
 * ({@link PeerInbox#reportDue}) run just before it waits too, and at the start of a cycle unless that
 * cycle follows a wait or looks again at once after a short batch; and every duty cycle answers a pending {@link StateSnapshotMailbox}
 * request, a chunk of a {@link StateDumpMailbox} dump and a {@link StateLoadMailbox} batch, so other
 * threads never touch the state table.
 *
 * <p>Several queues ({@code set queue FIRST:LAST}, {@link #shards}): one agent per queue, each with its
 * own state table, owning the flows {@link io.tandem.engine.shard.FlowOwner} assigns it. A packet
 * whose flow another agent owns is decoded here, handed to the owner ({@link QueueShards}) and held
 * in this queue (as a deferred packet is: no VERDICT_BATCH while any is out) until the owner's
 * verdict comes back; each duty cycle also decides the packets the others handed to this agent and
 * releases the verdicts they sent back, and rings the doorbells of the agents it posted to. A handed
 * packet whose new state is deferred (pfsync) is held by the owner's {@link DeferredVerdicts}, and its
 * verdict goes back when the peer acknowledges the state ({@link QueueShards.Links#returnVerdict}). So
 * every flow's packets are decided by one thread against one table, whichever queue the kernel put
 * them on.
 *
 * <p>Memory bound: everything on the packet path is allocated before the first receive; after
 * warm-up a cycle allocates nothing. Failure policy: setup errors end the agent and are reported by
 * {@link #awaitStarted}; errors the packet path expects (receive errors, malformed input) are counted
 * and the loop continues; anything else thrown from a duty cycle ends the agent and, through the
 * {@link AgentFailure} it was started with, the engine (exit 1) — a firewall must not stay up without
 * its packet thread. Either way {@link #onClose} flushes every decided verdict and unbinds the queue
 * before the thread ends.
 */
public final class PacketAgent implements Agent {
    /**
     * Longest wait for a packet of a thread that was busy within {@link #QUIET_AFTER_MILLIS} while the table
     * holds states (their expiry, reports and snapshots are due).
     */
    public static final int IDLE_POLL_MILLIS = 10;
    /**
     * Longest wait of an idle thread whose table is empty: nothing is due but the heartbeat the systemd
     * watchdog reads ({@link io.tandem.engine.agent.AgentLiveness#STALL_SECONDS}); a packet, a peer's
     * message, another queue's hand-off, a request in a mailbox or {@link #stop()} ends it at once.
     */
    public static final int DEEP_IDLE_MILLIS = 1000;
    /**
     * Longest wait of an idle thread whose table holds states: the states' expiry and the journal's
     * snapshot go on in slices sized by the time that passed (the expiry's per-cycle bound grows with it
     * too); the next trailing report to the peers and the next held packet's timeout bound the wait, and
     * anything that arrives ends it at once.
     */
    public static final int QUIET_IDLE_MILLIS = 100;
    /** How long a thread must have had nothing to do before it waits that long. */
    static final long QUIET_AFTER_MILLIS = 100;
    /**
     * Longest this thread puts off waking the journal thread while first packets are held for a peer's
     * INS_ACK ({@link #journalWakeDue}): the journal thread's own short park when records keep coming.
     */
    static final long HELD_JOURNAL_WAKE_NANOS = 1_000_000L;
    private static final long NOT_PUT_OFF = Long.MIN_VALUE;
    /** Most state slots one duty cycle's expiry slice examines, per {@link #IDLE_POLL_MILLIS} that passed. */
    private static final int MAX_EXPIRE_BUDGET = 8192;
    private static final int MIN_EXPIRE_BUDGET = 16;
    /** Most peer (pfsync) updates applied per duty cycle. */
    private static final int PEER_UPDATES_PER_CYCLE = 256;
    /** Most states examined for a trailing sync report per duty cycle. */
    private static final int TRAILING_REPORTS_PER_CYCLE = 256;

    private static final long PACKET_HDR_SEEN = 1L << NfqConstants.NFQA_PACKET_HDR;

    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENOBUFS = 105;

    private final PacketAgentSettings settings;
    private final PacketFilter filter;
    private final StateSnapshotMailbox snapshots = new StateSnapshotMailbox();
    /** A second mailbox, read only by the sync thread's bulk update, so a bulk never waits for an admin listing. */
    private final StateSnapshotMailbox bulkSnapshots = new StateSnapshotMailbox();
    private final PacketCounters counters;
    private long expireIntervalMillis;
    private final PacketDecoder decoder = new PacketDecoder();
    /** The cycle's received packets, decoded, then prefetched and decided in order ({@link ReceivedBatch}). */
    private final ReceivedBatch received = new ReceivedBatch();
    private final NfqPacketParser parser = new NfqPacketParser();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile RuntimeException startFailure;
    private Supplier<PacketQueue> queueFactory;
    private volatile PacketQueue queue;
    private volatile Thread thread;

    private VerdictBatcher batcher;
    private DeferredVerdicts deferrals;
    private int deferLimit;
    private long deferTimeoutMillis;
    private AwaitedPackets awaiting;
    private int awaitLimit;
    private long awaitTimeoutMillis;
    private final AwaitedPackets.Decider awaitDecider = new AwaitedPackets.Decider() {
        @Override
        public boolean hasState(final DecodedPacket p, final int hook, final int indev, final int outdev,
                final int metSlot, final long metId) {
            return filter.hasStateOtherThan(p, hook, indev, outdev, metSlot, metId);
        }

        @Override
        public int decide(final DecodedPacket p, final int hook, final int indev, final int outdev, final long bytes) {
            return filter.decideAwaited(p, hook, indev, outdev, bytes, now);
        }
    };
    /** Volatile: {@link #stop()} rings it from another thread. */
    private volatile Doorbell doorbell;
    private int deepIdleMillis = DEEP_IDLE_MILLIS;
    private long quietAfterMillis = QUIET_AFTER_MILLIS;
    private boolean ownDoorbell;
    private QueueShards.Links shards;
    private final QueueShards.Decider handedOffDecider = this::decideHandedOff;
    private QueueShards.VerdictSink returnedVerdicts;
    private EngineJournal journal;
    private JournalRecorder recorder;
    private PeerInbox inbox;
    /** This thread's own pfsync socket for the INS of states whose INS goes out at once; null: the sync thread sends. */
    private DirectInsSender directIns;
    private long lastPacketId;
    /** The last cycle found the queue empty: this cycle's receive waits ({@link PacketQueue#receiveWaiting}). */
    private boolean waitInReceive;
    /** A short batch's journal wake was put off for one more receive (see doWork). */
    private boolean journalWakeDeferred;
    /** When {@link #idle} first put off waking the journal thread for a held packet (nanoTime), and for how long it may. */
    private long journalWakePutOffNanos = NOT_PUT_OFF;
    private long heldJournalWakeNanos = HELD_JOURNAL_WAKE_NANOS;
    /** {@code set busy-poll} in nanoseconds, and when this thread last handled a packet or a message. */
    private final long busyPollNanos;
    /** {@code set sync defer-poll} in nanoseconds: how long after holding a first packet this thread polls. */
    private long deferPollNanos;
    /** Waits on the doorbell (and socket) in {@link #idle}: for tests. */
    private long doorbellWaits;
    private long lastWorkNanos;
    /** {@link #lastWorkNanos} on the cycle's wall clock ({@link #now}), for the idle wait's choice. */
    private long lastWorkMillis;
    /** The cycle's wall clock in milliseconds ({@link #clock}). */
    private long now;
    private final CycleClock clock = new CycleClock();
    private long lastExpireMillis;
    /**
     * The last cycle ran the table's slices just before it let this thread wait ({@link #idle}): the
     * cycle after the wait decides what woke it first and leaves the slices for its own end.
     */
    private boolean slicedBeforeWait;
    private int malformedVerdict;
    private final PacketThreadMailbox<FilterReload> reloads = new PacketThreadMailbox<>();
    private final PacketThreadMailbox<StateCommand> stateCommands = new PacketThreadMailbox<>();
    private final StateDumpMailbox dumps;
    private final StateLoadMailbox loads = new StateLoadMailbox();

    public PacketAgent(final PacketAgentSettings settings, final PacketFilter filter, final PacketCounters counters) {
        this.settings = settings;
        this.busyPollNanos = settings.busyPollMicros() * 1_000L;
        this.filter = filter;
        this.counters = counters;
        this.malformedVerdict = settings.acceptMalformed() ? VerdictBatcher.ACCEPT : VerdictBatcher.DROP;
        this.expireIntervalMillis = Math.max(1, filter.states().timeouts().seconds(StateTimeouts.INTERVAL)) * 1000L;
        this.queueFactory = () -> NfQueuePacketQueue.open(settings);
        this.dumps = new StateDumpMailbox(filter.states().capacity());
    }

    /**
     * Where the packet thread gets its queue: by default {@link NfQueuePacketQueue#open} with this
     * agent's settings; a test passes byte fixtures in memory. The factory is called once, on the
     * packet thread, in {@link #onStart}. Call before {@link #start()}.
     */
    public PacketAgent queue(final Supplier<PacketQueue> factory) {
        this.queueFactory = factory;
        return this;
    }

    /**
     * Journals this agent's state table: before binding the queue the packet thread rebuilds the
     * table from the journal, then records every change and writes the rolling snapshot. Call
     * before {@link #start()}.
     */
    public PacketAgent journal(final EngineJournal engineJournal) {
        this.journal = engineJournal;
        return this;
    }

    /**
     * One of several queue agents ({@code set queue FIRST:LAST}): this agent owns the flows
     * {@code links} assigns it and hands the others' packets over. Call before {@link #start()}.
     */
    public PacketAgent shards(final QueueShards.Links links) {
        this.shards = links;
        return this;
    }

    /** This agent's index among the queue agents, 0 when it is the only one. */
    public int shardIndex() {
        return shards == null ? 0 : shards.index();
    }

    /** Applies state learned from pfsync peers (drained every duty cycle). Call before {@link #start()}. */
    public PacketAgent peerInbox(final PeerInbox peerInbox) {
        this.inbox = peerInbox;
        return this;
    }

    /**
     * Sends the INS of a state whose INS goes out at once (a held first packet's) from this thread, through
     * {@code sender}, which the journal's urgent lane of this queue feeds ({@link DirectInsSender}); opened on
     * this thread at its start. Call before {@link #start()}.
     */
    public PacketAgent directInsSender(final DirectInsSender sender) {
        this.directIns = sender;
        return this;
    }

    /** This thread's own INS sender, or null. */
    public DirectInsSender directInsSender() {
        return directIns;
    }

    /**
     * pfsync deferral: hold the first packet of every new forwarded state until a peer acknowledges
     * the state, at most {@code limit} at once and {@code timeoutMillis} each ({@link DeferredVerdicts}).
     * Needs {@link #peerInbox}, through which acknowledgements arrive. Call before {@link #start()}.
     */
    public PacketAgent deferral(final int limit, final long timeoutMillis) {
        this.deferLimit = limit;
        this.deferTimeoutMillis = timeoutMillis;
        return this;
    }

    /**
     * {@code set sync defer-poll}: after holding a first packet, poll for the peer's INS_ACK for up to
     * {@code micros} instead of sleeping ({@link #pollsForAcknowledgement}); 0 (the default here) sleeps at
     * once. Call before {@link #start()}.
     */
    public PacketAgent deferralPoll(final int micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("defer-poll " + micros + " is negative");
        }
        this.deferPollNanos = micros * 1_000L;
        return this;
    }

    /**
     * Awaiting a peer's state: hold forwarded packets that match no state and that the rules drop, at most
     * {@code limit} at once and {@code timeoutMillis} each, in case a peer's state for them arrives
     * ({@link AwaitedPackets}). Needs {@link #peerInbox}, through which peers' states arrive. Call before
     * {@link #start()}.
     */
    public PacketAgent awaitPeerStates(final int limit, final long timeoutMillis) {
        this.awaitLimit = limit;
        this.awaitTimeoutMillis = timeoutMillis;
        return this;
    }

    /** Packets held awaiting a peer's state now (0 without awaiting); read from other threads, slightly stale. */
    public int awaitingHeld() {
        final AwaitedPackets a = awaiting;
        return a == null ? 0 : a.held();
    }

    /** The held first packets (null until the agent started, or without deferral); read-only from other threads. */
    public DeferredVerdicts deferrals() {
        return deferrals;
    }

    /** Starts the agent on a new thread named {@code tandem-queue-N}; a failure of it is only logged. */
    public Thread start() {
        return start(new AgentFailure(System.err));
    }

    /** Starts the agent on a new thread named {@code tandem-queue-N} under the engine's failure policy. */
    public Thread start(final AgentFailure failure) {
        final Thread t = AgentThreads.start(this, NoOpIdleStrategy.INSTANCE, failure, false);
        thread = t;
        return t;
    }

    @Override
    public String roleName() {
        return "tandem-queue-" + settings.queue();
    }

    /**
     * Waits until the queue is bound (or setup failed).
     *
     * @throws RuntimeException the setup failure, with its one-line explanation
     */
    public void awaitStarted(final long timeout, final TimeUnit unit) throws InterruptedException {
        if (!started.await(timeout, unit)) {
            throw new IllegalStateException("queue " + settings.queue() + " did not start within " + timeout + " " + unit);
        }
        final RuntimeException failure = startFailure;
        if (failure != null) {
            throw failure;
        }
    }

    /** Asks the loop to end; it flushes verdicts and unbinds. Safe from any thread, idempotent. */
    public void stop() {
        running = false;
        final Doorbell d = doorbell;
        if (d != null) {
            d.ring();
        }
    }

    /** For tests: how long the thread must have had nothing to do before it waits longer. Before start. */
    PacketAgent quietAfterMillis(final long millis) {
        this.quietAfterMillis = millis;
        return this;
    }

    /** For tests: the longest wait of an idle thread with an empty table ({@link #DEEP_IDLE_MILLIS}). Before start. */
    PacketAgent deepIdleMillis(final int millis) {
        this.deepIdleMillis = millis;
        return this;
    }

    /** Waits for the thread to finish its shutdown (flush, unbind, close). */
    public boolean awaitStopped(final long timeout, final TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    public PacketCounters counters() {
        return counters;
    }

    public PacketAgentSettings settings() {
        return settings;
    }

    public Ruleset ruleset() {
        return filter.ruleset();
    }

    /** The state table; read it from other threads only through {@link #snapshots()}. */
    public StateTable states() {
        return filter.states();
    }

    /** The mailbox through which other threads list the state table. */
    public StateSnapshotMailbox snapshots() {
        return snapshots;
    }

    /** The mailbox the pfsync bulk update reads the table through (one reader: the sync thread). */
    public StateSnapshotMailbox bulkSnapshots() {
        return bulkSnapshots;
    }

    /** The id of the packet thread (for ThreadMXBean allocation checks), -1 before {@link #start()}. */
    public long threadId() {
        final Thread t = thread;
        return t == null ? -1 : t.getId();
    }

    /**
     * The bound NFQUEUE session, or null before start, after a failed start, or when the queue is not
     * an NFQUEUE (for status output).
     */
    public NfQueueSession session() {
        return queue instanceof NfQueuePacketQueue nfqueue ? nfqueue.session() : null;
    }

    /** Where {@code tandem kill} and {@code tandem flush states} are handed to this agent's thread. */
    public PacketThreadMailbox<StateCommand> stateCommands() {
        return stateCommands;
    }

    /** Where {@code tandem states dump} reads a consistent snapshot of the table, chunk by chunk. */
    public StateDumpMailbox dumps() {
        return dumps;
    }

    /** Where {@code tandem states load} hands states to this agent's thread, a batch at a time. */
    public StateLoadMailbox loads() {
        return loads;
    }

    /** Where a reload is handed to this agent's thread ({@link PacketThreadMailbox}). */
    public PacketThreadMailbox<FilterReload> reloads() {
        return reloads;
    }

    /** Packet thread, between two batches: swaps in a reload's ruleset, timeouts and malformed verdict. */
    private void reload(final PacketThreadMailbox.Request<FilterReload> request) {
        try {
            final FilterReload r = request.payload();
            final int before = filter.ruleset().size();
            if (r.relink()) {
                filter.relink(r.ruleset());
                request.applied(r.ruleset().size() + " rules re-resolved, counters and states kept");
                return;
            }
            filter.reload(r.ruleset(), r.timeouts());
            expireIntervalMillis = Math.max(1, r.timeouts().seconds(StateTimeouts.INTERVAL)) * 1000L;
            malformedVerdict = r.acceptMalformed() ? VerdictBatcher.ACCEPT : VerdictBatcher.DROP;
            request.applied(r.ruleset().size() + " rules (were " + before + "), " + filter.states().size()
                    + " states kept");
        } catch (final RuntimeException e) {
            request.failed(e);
        }
    }

    /** The open queue, or null before start / after a failed start. */
    public PacketQueue packetQueue() {
        return queue;
    }

    /** On the agent's thread: enter the namespace, pin, recover the journal, bind the queue. */
    @Override
    public void onStart() {
        thread = Thread.currentThread();
        try {
            if (settings.netns() != null) {
                NetNamespace.enterForCurrentThread(settings.netns());
            }
            if (settings.cpu() >= 0) {
                CpuAffinity.pinCurrentThread(settings.cpu());
            }
            if (journal != null) {
                journal.recoverInto(filter.states(), System.currentTimeMillis(), shardIndex());
                recorder = journal.recorder(shardIndex());
            }
            queue = queueFactory.get();
            batcher = new VerdictBatcher(queue, new NfqVerdictEncoder(64 * 1024), counters,
                    settings.queue(), settings.batchVerdicts());
            returnedVerdicts = batcher::release;
            if (shards != null) {
                doorbell = shards.doorbell();
            }
            if (doorbell == null) {
                doorbell = Doorbell.open();
                ownDoorbell = true;
            }
            final Runnable ring = doorbell::ring;
            mailboxesRing(ring);
            if (directIns != null) {
                directIns.open(); // in this thread's network namespace; a failure leaves the INS to the sync thread
            }
            if (inbox != null) {
                inbox.wakeup(ring);
                final HeldVerdictSink sink = shards == null ? batcher : new HeldAcrossQueues(batcher, shards);
                if (deferLimit > 0) {
                    deferrals = new DeferredVerdicts(sink, filter.states(), deferLimit, deferTimeoutMillis);
                    filter.deferFirstPackets(deferrals);
                }
                if (awaitLimit > 0 && awaitTimeoutMillis > 0) {
                    awaiting = new AwaitedPackets(sink, counters, awaitLimit, awaitTimeoutMillis);
                    filter.states().setArrivalListener(awaiting);
                    filter.awaitPeerStates(true);
                    filter.announceNewStates(true); // the peers await ours alike (configured as this node)
                }
            }
        } catch (final RuntimeException e) {
            final PacketQueue opened = queue;
            if (opened != null) {
                // a later step failed: do not leave the queue bound without a reader
                queue = null;
                opened.close();
            }
            startFailure = e;
        }
        started.countDown();
    }

    /** On the agent's thread, last: release held packets, flush every decided verdict, unbind. */
    @Override
    public void onClose() {
        try {
            if (startFailure == null && queue != null) {
                if (deferrals != null) {
                    deferrals.releaseAll(System.nanoTime());
                }
                if (awaiting != null) {
                    awaiting.releaseAll();
                }
                batcher.flush();
                queue.close();
                if (directIns != null) {
                    directIns.close();
                }
                if (inbox != null) {
                    inbox.wakeup(null);
                }
                mailboxesRing(null);
                if (ownDoorbell) {
                    doorbell.close();
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Every mailbox of this thread rings {@code doorbell} after a request is posted ({@code null}: none). */
    private void mailboxesRing(final Runnable doorbell) {
        reloads.wakeup(doorbell);
        stateCommands.wakeup(doorbell);
        snapshots.wakeup(doorbell);
        bulkSnapshots.wakeup(doorbell);
        dumps.wakeup(doorbell);
        loads.wakeup(doorbell);
    }

    /**
     * One duty cycle; returns the number of messages handled. Ends the agent ({@link AgentThreads#STOP})
     * once {@link #stop()} was called or the setup failed.
     */
    @Override
    public int doWork() {
        if (!running || startFailure != null) {
            throw AgentThreads.STOP;
        }
        final PacketThreadMailbox.Request<FilterReload> reload = reloads.take();
        if (reload != null) {
            reload(reload);
        }
        final PacketThreadMailbox.Request<StateCommand> command = stateCommands.take();
        if (command != null) {
            try {
                command.applied(command.payload().run(filter.states(), filter.ruleset(), recorder));
            } catch (final RuntimeException e) {
                command.failed(e);
            }
        }
        final PacketQueue q = queue;
        final long nowNanos = System.nanoTime();
        now = clock.millis(nowNanos);
        // The table's slices run before this thread waits (idle), so a packet that ends a wait is not
        // decided after them; a thread that has not waited for IDLE_POLL_MILLIS runs them here.
        final boolean waited = slicedBeforeWait;
        slicedBeforeWait = false;
        if (!waited && now - lastExpireMillis >= IDLE_POLL_MILLIS) {
            tableSlices();
        }
        final int peerMessages = inbox == null ? 0
                : inbox.drain(filter.states(), recorder, deferrals, now, nowNanos, PEER_UPDATES_PER_CYCLE);
        if (peerMessages > 0) {
            lastWorkNanos = nowNanos;
            lastWorkMillis = now;
        }
        if (deferrals != null) {
            deferrals.expire(nowNanos);
        }
        if (awaiting != null) {
            awaiting.releaseArrived(awaitDecider);
            awaiting.expire(nowNanos);
        }
        if (inbox != null && !waited && !journalWakeDeferred) {
            // The trailing reports and their repeats (a journal record each, from cold state lines: tens of
            // microseconds when a few dozen fall due together) run where the table's slices do: before this
            // thread waits (idle), and here only in a cycle that neither follows a wait nor looks again at
            // once after a short batch (whose verdicts may have brought their answers, a SYN's SYN-ACK), so
            // that neither the packet that ends a wait nor that answer is decided after them.
            inbox.reportDue(now, TRAILING_REPORTS_PER_CYCLE);
        }
        int crossQueue = 0;
        if (shards != null) {
            crossQueue = shards.decideHandedOff(handedOffDecider, PEER_UPDATES_PER_CYCLE)
                    + shards.releaseReturned(returnedVerdicts);
        }
        snapshots.serve(filter.states(), now);
        bulkSnapshots.serve(filter.states(), now);
        dumps.serve(filter.states(), now);
        loads.serve(filter.states(), recorder);
        // Several queues: receive only when the batch fits with every owner; else the packets wait in the
        // kernel queue while the owners catch up (this cycle still decided and released theirs).
        final boolean waiting = waitInReceive;
        waitInReceive = false;
        final int received = shards != null && !shards.roomForBatch(settings.batchSize()) ? -EAGAIN
                : waiting ? q.receiveWaiting() : q.receive();
        if (received > 0 || crossQueue > 0) {
            lastWorkNanos = nowNanos;
            lastWorkMillis = now;
        }
        if (received > 0) {
            // The cycle's busy time starts at its start, or, when the receive waited, at the receive's return.
            long start = nowNanos;
            if (waiting) {
                start = System.nanoTime(); // the receive may have waited up to IDLE_POLL_MILLIS
                now = clock.millis(start);
                if (inbox != null && inbox.drain(filter.states(), recorder, deferrals, now, start,
                        PEER_UPDATES_PER_CYCLE) > 0) {
                    // peers' messages that came while this thread waited in the receive, which their
                    // doorbell does not end: in the table before the packets that came after them
                    lastWorkMillis = now;
                }
            }
            if (inbox != null) {
                inbox.applyAcknowledged(); // peers' INS we already acknowledged: in the table before their replies
            }
            if (awaiting != null) {
                awaiting.releaseArrived(awaitDecider);
            }
            for (int i = 0; i < received; i++) {
                final boolean truncated = q.truncated(i);
                if (truncated) {
                    counters.increment(PacketCounter.TRUNCATED_MESSAGES);
                }
                onDatagram(q.datagram(i), q.length(i), truncated);
            }
            decideReceived();
            sendInsNow(); // a held first packet's INS first: the peer's round trip starts before the verdicts' send
            batcher.flush();
            final boolean shortBatch = received < settings.batchSize() && peerMessages == 0 && crossQueue == 0;
            // Waking the sleeping journal thread costs this thread several microseconds (a futex wake, an
            // interrupt to another CPU), and the verdicts just sent may have brought their answers into the
            // queue meanwhile (a SYN's SYN-ACK from a nearby server): after a short batch that journaled, look
            // at the socket once more first, and wake the journal thread after that cycle or before sleeping.
            if (recorder != null) {
                recorder.trafficJournaled(start); // the journal thread naps, rather than sleeps, while packets journal
            }
            final boolean lookAgain = recorder != null && shortBatch && !journalWakeDeferred
                    && recorder.journalWakePending();
            journalWakeDeferred = lookAgain;
            if (recorder != null && !lookAgain) {
                recorder.wakeJournal();
            }
            if (shards != null) {
                shards.ringPosted();
            }
            counters.increment(PacketCounter.RECEIVE_CALLS);
            counters.increment(PacketCounter.DUTY_CYCLES);
            counters.add(PacketCounter.DUTY_CYCLE_NANOS, System.nanoTime() - start);
            if (shortBatch && !lookAgain) {
                // A short batch emptied the socket: wait now (it returns at once if packets came
                // meanwhile) rather than spend a recvmmsg that would only say EAGAIN.
                idle(q);
            }
            return received;
        }
        final int errno = -received;
        if (errno == EAGAIN) {
            batcher.flush();
            if (shards != null) {
                shards.ringPosted();
            }
            // peers' messages waiting (a bulk update), or other queues' packets and verdicts: no nap
            if (peerMessages == 0 && crossQueue == 0) {
                idle(q);
            }
        } else if (errno == ENOBUFS) {
            counters.increment(PacketCounter.ENOBUFS);
        } else if (errno != EINTR) {
            counters.increment(PacketCounter.RECEIVE_ERRORS);
            idle(q);
        }
        sendInsNow();
        return 0;
    }

    /** Sends the INS this cycle queued on this thread's own socket ({@link #directInsSender}); cheap when none. */
    private void sendInsNow() {
        if (directIns != null) {
            directIns.flush();
        }
    }

    /**
     * Waits for the next packet, at most {@link #IDLE_POLL_MILLIS} while the table holds states and no
     * longer than the oldest held packet's timeout; the doorbell (sync: a peer's acknowledgement or update
     * waiting in the inbox; several queues: another thread's hand-offs or verdicts; a mailbox request;
     * {@link #stop()}) ends the wait too. With no sync and one queue the wait is the next cycle's receive.
     * A thread that has had nothing to do for {@link #QUIET_AFTER_MILLIS} waits on its socket and
     * doorbell: up to {@link #DEEP_IDLE_MILLIS} with an empty table, up to {@link #QUIET_IDLE_MILLIS}
     * with states, and no longer than its next trailing report to the peers. An idle engine wakes for a
     * packet or a request, and for its states' slices ten times a second, not a hundred.
     */
    private void idle(final PacketQueue q) {
        sendInsNow(); // states created by hand-offs, held packets released, peers' messages: before any wait
        tableSlices(); // the expiry and snapshot slices for the time that passed, before the wait
        if (inbox != null) {
            inbox.reportDue(now, TRAILING_REPORTS_PER_CYCLE); // the reports due: journaled with the cycle's records
        }
        slicedBeforeWait = true;
        if (recorder != null && journalWakeDue()) {
            journalWakeDeferred = false;
            recorder.wakeJournal(); // this cycle's ordinary and snapshot records, before this thread may sleep
        }
        if (busyPollNanos > 0 && System.nanoTime() - lastWorkNanos < busyPollNanos) {
            return; // set busy-poll: keep polling, so that the next packet is taken without a wake-up
        }
        if (deferPollNanos > 0 && deferrals != null && deferrals.held() > 0
                && pollsForAcknowledgement(System.nanoTime())) {
            return; // set sync defer-poll: a first packet was just held; its INS_ACK is taken without a wake-up
        }
        // Nothing done for a while (by the cycle's clock, read at its start): wait longer, up to a second
        // with an empty table, a tenth of one with states, and no longer than the next trailing report.
        final boolean quiet = now - lastWorkMillis > quietAfterMillis;
        final boolean deep = quiet && filter.states().size() == 0;
        if (!quiet && shards == null && nothingHeld()) {
            // Nothing needs this thread before the next packet but its slices (one queue, no packet held
            // for a peer's answer): wait in the next cycle's receive itself, one system call per wake-up
            // instead of a poll and a receive. A peer's message then waits for the next packet or for
            // the receive's timeout (IDLE_POLL_MILLIS), and is applied before that packet is decided.
            waitInReceive = true;
            return;
        }
        int timeout = deep ? deepIdleMillis : quiet ? QUIET_IDLE_MILLIS : IDLE_POLL_MILLIS;
        if (quiet && inbox != null) {
            final long report = inbox.millisToNextReport(now);
            if (report >= 0) {
                timeout = (int) Math.min(timeout, report);
            }
        }
        if (deferrals != null) {
            final long next = deferrals.nanosToNextTimeout(System.nanoTime());
            if (next >= 0) {
                timeout = (int) Math.min(timeout, (next + 999_999) / 1_000_000);
            }
        }
        if (awaiting != null) {
            final long next = awaiting.nanosToNextTimeout(System.nanoTime());
            if (next >= 0) {
                timeout = (int) Math.min(timeout, (next + 999_999) / 1_000_000);
            }
        }
        if (shards != null && !shards.aboutToWait()) {
            return; // another queue thread posted meanwhile
        }
        doorbellWaits++;
        doorbell.await(q.fd(), timeout);
        if (shards != null) {
            shards.awake();
        }
    }

    /**
     * Whether {@link #idle} wakes the journal thread now. Not while first packets are held for a peer's
     * INS_ACK, for up to {@link #HELD_JOURNAL_WAKE_NANOS} (1 ms) from the first wait it put off: the hold
     * is a round trip through this node's sync thread (and, on a small machine, the peer's threads on the
     * same cores), and the journal thread's append would run beside it. The sync thread has the held
     * packets' INSERTs from the urgent lane; the records wait in the ring meanwhile, as every record does
     * until the journal thread runs, and the ring wakes it itself once a quarter of it is full. While
     * packets stay held (new connections keep coming) the thread is woken once per bound.
     */
    private boolean journalWakeDue() {
        if (deferrals == null || deferrals.held() == 0) {
            journalWakePutOffNanos = NOT_PUT_OFF;
            return true;
        }
        final long nowNanos = System.nanoTime();
        if (journalWakePutOffNanos == NOT_PUT_OFF) {
            journalWakePutOffNanos = nowNanos;
        }
        if (nowNanos - journalWakePutOffNanos < heldJournalWakeNanos) {
            return false;
        }
        journalWakePutOffNanos = NOT_PUT_OFF;
        return true;
    }

    /** For tests: how long a held packet may put off waking the journal thread (default {@link #HELD_JOURNAL_WAKE_NANOS}). */
    PacketAgent heldJournalWakeNanos(final long nanos) {
        this.heldJournalWakeNanos = nanos;
        return this;
    }

    /**
     * {@code set sync defer-poll}: whether {@link #idle} polls instead of waiting, because a first packet is
     * held for a peer's INS_ACK and the latest hold began less than the setting ago. The acknowledgement
     * (one peer round trip: about 0.1 to 0.5 ms here) then reaches a running thread, which takes it in its
     * next cycle, instead of one asleep that the sync thread's doorbell must wake (tens of microseconds on a
     * virtual machine whose vCPU halted). Bounded: at most the setting per held packet; and not at all
     * once a held packet left by its timeout, until a peer acknowledges one again
     * ({@link DeferredVerdicts#peersAnswer}): with no peer answering, polling would only burn the CPU.
     */
    boolean pollsForAcknowledgement(final long nowNanos) {
        return deferPollNanos > 0 && deferrals != null && deferrals.held() > 0 && deferrals.peersAnswer()
                && nowNanos - deferrals.lastHoldNanos() < deferPollNanos;
    }

    /** Waits on the doorbell (and socket) so far: for tests. */
    long doorbellWaits() {
        return doorbellWaits;
    }

    /** No packet is held for a peer's answer: no first packet deferred, none awaiting a peer's state. */
    private boolean nothingHeld() {
        return (deferrals == null || deferrals.held() == 0) && (awaiting == null || awaiting.held() == 0);
    }

    private void onDatagram(final UnsafeBuffer buffer, final int length, final boolean truncated) {
        int offset = 0;
        while (offset < length) {
            final NetlinkParseStatus status = parser.parse(buffer, offset, length, truncated);
            switch (status) {
                case OK_PACKET:
                    onPacket(buffer);
                    break;
                case OK_ERROR:
                    if (parser.errno() != 0) {
                        counters.incrementNetlinkError(parser.errno());
                    }
                    break;
                case OK_OTHER:
                    counters.increment(PacketCounter.OTHER_MESSAGES);
                    break;
                default:
                    counters.incrementNetlinkParseFailure(status);
                    if ((parser.attributesSeen() & PACKET_HDR_SEEN) != 0) {
                        // The header was readable: answer the packet so it does not sit in the queue.
                        accountPacketId(parser.packetId());
                        answered(parser.packetId(), malformedVerdict);
                    }
                    break;
            }
            final int next = parser.nextOffset();
            if (status.endsDatagram() || next <= offset) {
                return; // the message length was unusable: nothing more can be read from this datagram
            }
            offset = next;
        }
    }

    private void onPacket(final UnsafeBuffer buffer) {
        final long id = parser.packetId();
        accountPacketId(id);
        counters.increment(PacketCounter.PACKETS_RECEIVED);
        counters.add(PacketCounter.BYTES_RECEIVED, parser.capLen());

        final DecodeResult result = decoder.decode(buffer, parser.payloadOffset(), parser.payloadLength(),
                parser.capLen(), parser.hwProtocol(), received.next());
        if (result != DecodeResult.OK) {
            counters.incrementDecodeFailure(result);
            answered(id, malformedVerdict);
            return;
        }
        received.decoded(id, parser.hook(), parser.indev(), parser.outdev(), parser.capLen());
        if (received.full()) {
            decideReceived();
        }
    }

    /** A packet whose verdict is known before the batch is decided: it keeps its place in the verdict order. */
    private void answered(final long id, final int verdict) {
        received.answered(id, verdict);
        if (received.full()) {
            decideReceived();
        }
    }

    /**
     * Decides the packets received so far, in order: with a large table, their index words and
     * records are prefetched first ({@link ReceivedBatch#prefetch}).
     */
    private void decideReceived() {
        final int n = received.size();
        if (n == 0) {
            return;
        }
        received.prefetchLookups(filter.states());
        for (int k = 0; k < n; k++) {
            final int fixed = received.verdict(k);
            if (fixed != ReceivedBatch.UNDECIDED) {
                batcher.add(received.id(k), fixed);
            } else {
                decide(received.packet(k), received.id(k), received.hook(k), received.indev(k), received.outdev(k),
                        received.length(k), received.keyHash(k));
            }
        }
        received.clear();
    }

    /** One decoded packet of this queue: handed to the thread that owns its flow, or decided here. */
    private void decide(final DecodedPacket packet, final long id, final int hook,
            final int indev, final int outdev, final long length, final long keyHash) {
        if (shards != null) {
            final int owner = shards.owner(packet);
            if (owner != shards.index()) {
                if (shards.handOff(owner, packet, id, hook, indev, outdev, length)) {
                    counters.increment(PacketCounter.HANDOFF_SENT);
                    batcher.hold();
                } else {
                    counters.increment(PacketCounter.HANDOFF_REFUSED);
                    batcher.add(id, VerdictBatcher.DROP);
                }
                return;
            }
        }
        final int verdict = filter.decide(packet, hook, indev, outdev, length, now, keyHash);
        if (verdict == PacketFilter.HOLD) {
            deferrals.hold(filter.heldSlot(), id, System.nanoTime());
        } else if (verdict == PacketFilter.AWAIT) {
            awaiting.hold(packet, hook, indev, outdev, length, id, AwaitedPackets.OWN_QUEUE, System.nanoTime(),
                    filter.metSlot(), filter.metId());
        } else {
            batcher.add(id, verdict);
        }
    }

    /**
     * A packet another queue's agent received, for a flow this agent owns: decided against this table;
     * the verdict goes back to that agent — at once, or, when the packet's new state is deferred (pfsync),
     * when the deferral releases it ({@link HeldAcrossQueues}).
     */
    private int decideHandedOff(final DecodedPacket p, final int hook, final int indev,
            final int outdev, final long bytes, final long packetId, final int receiver) {
        counters.increment(PacketCounter.HANDOFF_DECIDED);
        if (inbox != null) {
            inbox.applyAcknowledged(); // as for a packet received here: the hand-off came after its INS_ACK
        }
        if (awaiting != null) {
            awaiting.releaseArrived(awaitDecider);
        }
        final int verdict = filter.decide(p, hook, indev, outdev, bytes, now);
        if (verdict == PacketFilter.HOLD) {
            deferrals.hold(filter.heldSlot(), packetId, receiver, System.nanoTime());
            return QueueShards.HELD;
        }
        if (verdict == PacketFilter.AWAIT) {
            awaiting.hold(p, hook, indev, outdev, bytes, packetId, receiver, System.nanoTime(), filter.metSlot(),
                    filter.metId());
            return QueueShards.HELD;
        }
        return verdict;
    }

    /**
     * Where the deferral of an agent with other queue agents sends verdicts: a packet of its own queue to
     * its batcher; a packet another agent handed over back to that agent ({@link QueueShards.Links#returnVerdict}).
     */
    private static final class HeldAcrossQueues implements io.tandem.engine.verdict.HeldVerdictSink {
        private final VerdictBatcher own;
        private final QueueShards.Links shards;

        HeldAcrossQueues(final VerdictBatcher own, final QueueShards.Links shards) {
            this.own = own;
            this.shards = shards;
        }

        @Override
        public void hold() {
            own.hold();
        }

        @Override
        public void release(final long packetId, final int verdict) {
            own.release(packetId, verdict);
        }

        @Override
        public void releaseTo(final int receiver, final long packetId, final int verdict) {
            shards.returnVerdict(receiver, packetId, verdict);
        }
    }

    /**
     * The slices of the table's background work, each sized by the time that passed since its last:
     * the expiry sweep and the journal's rolling snapshot.
     */
    private void tableSlices() {
        expireSlice();
        if (recorder != null) {
            recorder.snapshotSlice(filter.states(), now);
        }
    }

    /** Expires states in slices sized so that the table is swept once per timeout interval. */
    private void expireSlice() {
        final long elapsed = now - lastExpireMillis;
        if (elapsed <= 0) {
            return;
        }
        final long span = Math.min(elapsed, expireIntervalMillis);
        final long share = filter.states().capacity() * span / expireIntervalMillis;
        // a long wait (QUIET_IDLE_MILLIS) may not slow the sweep: the bound grows with the time that passed
        final long bound = MAX_EXPIRE_BUDGET * Math.max(1, span / IDLE_POLL_MILLIS);
        filter.expire(now, (int) Math.max(MIN_EXPIRE_BUDGET, Math.min(bound, share)));
        lastExpireMillis = now;
    }

    /** Ids are assigned per queue in order; a jump means messages were lost to a socket overrun. */
    private void accountPacketId(final long id) {
        if (lastPacketId != 0) {
            final long missing = (id - lastPacketId - 1) & 0xFFFF_FFFFL;
            if (missing != 0 && missing < 0x8000_0000L) {
                counters.increment(PacketCounter.PACKET_ID_GAPS);
                counters.add(PacketCounter.PACKET_ID_GAP_PACKETS, missing);
            }
        }
        lastPacketId = id;
    }
}
