package io.tandem.engine.sync;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.agent.AgentThreads;
import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.UrgentRecordLane;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.nativeio.ipraw.Ipv6Address;
import io.tandem.engine.verdict.DeferralStats;
import io.tandem.nativeio.libc.Doorbell;
import io.tandem.nativeio.libc.NetNamespace;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The pfsync side of one node: its thread, its transport, and the parts that do the work.
 *
 * <p>Theory of operation. One thread, {@code tandem-sync} (an Agrona {@link Agent} run by
 * {@link AgentThreads}), owns the {@link PfsyncTransport} (by default {@link RawPfsyncTransport}: the raw
 * socket, protocol 240, TTL 255, bound to the sync interface; IPv4, or IPv6 — hop limit 255, group
 * {@code ff12::f0} or a unicast peer, as FreeBSD 14 and later — when {@code settings.peer} is an IPv6
 * address, counted in {@code opackets6}/{@code ipackets6}), opened through a factory on the thread
 * itself (after it entered the engine's network namespace, if any), a named journal tailer ({@code pfsync}: at the end on first use,
 * then resuming where it stopped, so changes journaled but unsent at a stop go out after the
 * restart) and the frame codec. Each loop it
 * <ol>
 *   <li>retries the bulk update it asked for ({@link BulkRequester}) and advances one it is sending
 *       ({@link BulkUpdateSender});</li>
 *   <li>turns local changes into outbox messages ({@link LocalChanges}): first the records the
 *       {@link UrgentRecordLane} brought early (a deferred first packet waits for its INS), then new
 *       journal records; a lane record whose INS its packet thread sent itself ({@link DirectInsSender},
 *       {@code set sync direct-ins}) is only noted, and the lanes are read again before each frame
 *       received, so that a held state is registered with the {@link AckQuorum} before its INS_ACK;</li>
 *   <li>sends the {@link SyncOutbox} when it is due: at once when asked, else {@code flushDelayMillis}
 *       after its first message (pf's 1-second timer), and whenever a frame is full;</li>
 *   <li>receives frames ({@link FrameIngress}: checks, authentication, decoding, inbox messages — with
 *       several queue threads, each to the inbox of the thread that holds the state: {@link PeerInboxes})
 *       while every inbox has room for a whole frame's records, so a burst (a bulk update) waits in the
 *       socket's 8 MiB receive buffer instead of being dropped, and rings the doorbells of the packet threads it gave messages to.</li>
 * </ol>
 * Every frame leaves through {@link FrameEgress}; with {@code set sync auth hmac-sha256} it carries the
 * W.12 trailer. Idle: wait up to 10 ms for a frame or the doorbell, which the journal thread and the
 * lane ring when a record is to be sent at once — a {@code poll(2)} inside the duty cycle (the runner's
 * IdleStrategy is a no-op), since no Agrona IdleStrategy can wait on a socket. With nothing done for
 * {@link #DEEP_IDLE_AFTER_NANOS} and no bulk update being sent, the wait lasts until the next thing due
 * on a clock (the outbox's flush, the bulk request's retry), at most {@link #DEEP_IDLE_MILLIS}
 * ({@link #idleWaitMillis}): the journal thread then rings the doorbell after any append
 * ({@link Journal#tailerAsleep}), and {@link #close()} rings it too, so an idle node's sync thread
 * wakes for a frame, a record or its own timer, not every 10 ms. Memory bound: the outbox's fixed
 * arrays, one send buffer (in {@link FrameEgress}) and one receive buffer. The status view is
 * {@link SyncStatus}, a reader of these parts. Failure policy: send errors count {@code oerrors} (the
 * first is logged); nothing a peer sends can stop the thread; anything else thrown from a duty cycle
 * ends the agent and, through the {@link AgentFailure} it was started with, the engine (exit 1).
 */
public final class SyncAgent implements Agent, AutoCloseable {
    private static final int MAX_FRAME_RECORDS = 128;
    /** Longest wait with nothing due (the watchdog's heartbeat; a frame, a record or close() ends it). */
    static final int DEEP_IDLE_MILLIS = 1000;
    /** The wait of a thread that did something lately (a frame or a record may follow at once). */
    static final int IDLE_POLL_MILLIS = 10;
    /** How long the thread must have had nothing to do before it waits longer (up to the next thing due). */
    static final long DEEP_IDLE_AFTER_NANOS = 30_000_000L;

    private final Journal journal;
    private final PeerInboxes inbox;
    private final SyncSettings settings;
    private final PrintStream log;
    private final PfsyncStats stats = new PfsyncStats();
    private final SyncPeers peers = new SyncPeers();
    private final PfsyncStateMapping mapping;
    private final PfsyncFrameEncoder encoder;
    private final SyncOutbox outbox;
    private final BulkUpdateSender bulk;
    private final UnsafeBuffer receiveBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private final BulkRequester requester;
    private final FrameIngress ingress;
    private final LocalChanges changes;
    private final FrameEgress sender;
    private final FrameAuthenticator auth;
    private final AckQuorum quorum;
    private final SyncStatus status;
    private final CounterRegistry counters = new CounterRegistry();
    private Supplier<PfsyncTransport> transportFactory;

    private java.util.List<UrgentRecordLane> lanes = java.util.List.of();
    private java.util.List<DirectInsSender> directSenders = java.util.List.of();
    private volatile DeferralStats deferrals;
    private volatile AwaitingView awaiting;
    /** Volatile: {@link #close()} rings it from another thread. */
    private volatile Doorbell doorbell;
    private long lastWorkNanos;

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile RuntimeException startFailure;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private Thread thread;
    private JournalReader reader;
    private PfsyncTransport transport;
    private long now;
    private volatile long unsendable;

    public SyncAgent(final Journal journal, final PeerInbox inbox, final StateSnapshotMailbox bulkMailbox,
            final SyncSettings settings, final PrintStream log) {
        this(journal, PeerInboxes.of(inbox), java.util.List.of(bulkMailbox), settings, log);
    }

    /**
     * The sync agent of several queue threads ({@code set queue FIRST:LAST}): peers' messages go to the
     * thread that holds each state ({@link PeerInboxes}); a bulk update reads every thread's table in turn.
     */
    public SyncAgent(final Journal journal, final PeerInboxes inbox, final java.util.List<StateSnapshotMailbox> bulkMailboxes,
            final SyncSettings settings, final PrintStream log) {
        this.journal = journal;
        this.inbox = inbox;
        this.settings = settings;
        this.log = log;
        this.auth = settings.authenticator;
        this.transportFactory = () -> RawPfsyncTransport.open(settings.ifname, settings.peer);
        this.mapping = new PfsyncStateMapping(settings.format);
        this.encoder = new PfsyncFrameEncoder(settings.mtu, Ipv6Address.looksLikeIpv6(settings.peer)
                ? PfsyncFrameEncoder.IPV6_HEADER_LENGTH : PfsyncFrameEncoder.IPV4_HEADER_LENGTH,
                auth == null ? 0 : FrameAuthenticator.TRAILER_LENGTH);
        this.sender = new FrameEgress(encoder, auth, stats, settings.mtu, settings.peer, log);
        this.outbox = new SyncOutbox(encoder, settings.format, mapping);
        this.bulk = new BulkUpdateSender(bulkMailboxes, encoder, outbox, mapping, settings.creatorId,
                settings.bulkFramesPerSecond);
        this.requester = new BulkRequester(encoder, log);
        this.ingress = new FrameIngress(stats, peers, mapping, inbox, auth, requester, bulk, settings.creatorId,
                this::acknowledge);
        this.changes = new LocalChanges(outbox, settings.creatorId);
        this.quorum = new AckQuorum(settings.deferTimeoutMillis);
        ingress.ackQuorum(quorum);
        changes.ackQuorum(quorum);
        this.status = new SyncStatus(this);
        SyncCounters.register(counters, this, inbox);
    }

    /**
     * This agent's counters ({@link SyncCounters}): what {@code tandem sync} shows and the metrics
     * endpoint exports (the engine's registry includes this one).
     */
    public CounterRegistry counters() {
        return counters;
    }

    public PfsyncStats stats() {
        return stats;
    }

    /**
     * One pfsyncstats counter as FreeBSD means it: {@code stale} and {@code badstate} are judged by
     * the packet thread (it owns the table), so its counts are added to the sync thread's.
     */
    public long stat(final PfsyncStats.Counter c) {
        long v = stats.get(c);
        if (c == PfsyncStats.Counter.OPACKETS || c == PfsyncStats.Counter.OPACKETS6
                || c == PfsyncStats.Counter.OERRORS) {
            for (final DirectInsSender d : directSenders) {
                v += d.stats().get(c); // the packet threads' own INS frames
            }
        }
        if (c == PfsyncStats.Counter.STALE) {
            return v + inbox.sum(PeerInbox::stale);
        }
        return c == PfsyncStats.Counter.BADSTATE ? v + inbox.sum(PeerInbox::badState) : v;
    }

    /** INS records the packet threads sent from their own sockets ({@link DirectInsSender}), in any state format. */
    public long insByPacketThreads() {
        long v = 0;
        for (final DirectInsSender d : directSenders) {
            final long[] o = d.stats().oacts;
            v += o[PfsyncConstants.ACT_INS] + o[PfsyncConstants.ACT_INS_1400] + o[PfsyncConstants.ACT_INS_1500];
        }
        return v;
    }

    /** Records sent of one pfsync action ({@code oacts}): this thread's and the packet threads' own. */
    public long sentActions(final int action) {
        long v = stats.oacts[action];
        for (final DirectInsSender d : directSenders) {
            v += d.stats().oacts[action];
        }
        return v;
    }

    public SyncPeers peers() {
        return peers;
    }

    public SyncSettings settings() {
        return settings;
    }

    /** Starts the sync thread; a failure of it is only logged. */
    public void start() throws InterruptedException {
        start(new AgentFailure(log));
    }

    /** Starts the sync thread under the engine's failure policy and waits until its transport is open. */
    public void start(final AgentFailure failure) throws InterruptedException {
        thread = AgentThreads.start(this, NoOpIdleStrategy.INSTANCE, failure, true);
        if (!started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the sync thread did not start");
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    @Override
    public String roleName() {
        return "tandem-sync";
    }

    /**
     * Where frames go and come from: a factory the sync thread calls in {@link #onStart} (after entering
     * the network namespace). By default the raw IP socket ({@link RawPfsyncTransport}); tests give a
     * transport in memory. Call before {@link #start()}.
     */
    public SyncAgent transport(final Supplier<PfsyncTransport> factory) {
        this.transportFactory = factory;
        return this;
    }

    /** On the sync thread: open the transport, the journal tailer and the doorbell; ask for a bulk update. */
    @Override
    public void onStart() {
        try {
            if (settings.netns != null) {
                NetNamespace.enterForCurrentThread(settings.netns);
            }
            transport = transportFactory.get();
            sender.transport(transport);
            ingress.syncInterface(transport.interfaceIndex());
            reader = JournalReader.resumable(journal, "pfsync");
            doorbell = Doorbell.open();
            journal.onUrgentAppend(doorbell::ring);
            for (final UrgentRecordLane lane : lanes) {
                lane.doorbell(doorbell::ring);
            }
        } catch (final RuntimeException e) {
            startFailure = new IllegalStateException("pfsync on " + settings.ifname + ": " + e.getMessage(), e);
            started.countDown();
            return;
        }
        started.countDown();
        now = System.currentTimeMillis();
        requester.start(now, sender);
    }

    /**
     * One duty cycle: bulk request and bulk send, local changes, the outbox, received frames; waits
     * for a frame or the doorbell when there was nothing to do. Ends the agent ({@link AgentThreads#STOP})
     * once {@link #close()} was called or the setup failed.
     */
    @Override
    public int doWork() {
        if (!running || startFailure != null) {
            throw AgentThreads.STOP;
        }
        now = System.currentTimeMillis();
        requester.tick(now, sender);
        final long bulksBefore = bulk.bulksSent();
        int work = bulk.step(now, sender);
        if (bulk.bulksSent() != bulksBefore) {
            log.println("tandem: pfsync: bulk update sent: " + bulk.lastBulkStates() + " states in "
                    + bulk.lastBulkMillis() + " ms");
        }
        final String aborted = bulk.takeAbortReason();
        if (aborted != null) {
            log.println("tandem: pfsync: bulk update aborted: " + aborted);
        }
        work += changes.readLanes(lanes, now, sender);
        work += changes.readJournal(reader, now, sender);
        if (outbox.due(now, settings.flushDelayMillis)) {
            work += outbox.flush(now, sender);
        }
        outbox.reportUnencodableOnce(log, "the sync thread");
        work += receive();
        if (work > 0) {
            lastWorkNanos = System.nanoTime();
        } else {
            final int wait = idleWaitMillis(now, System.nanoTime());
            if (wait <= IDLE_POLL_MILLIS) {
                poll(wait);
            } else {
                journal.tailerAsleep(true); // then one more look, so that a record appended meanwhile is not missed
                if (changes.readLanes(lanes, now, sender) + changes.readJournal(reader, now, sender) == 0) {
                    poll(wait);
                }
                journal.tailerAsleep(false);
            }
        }
        return work;
    }

    /**
     * How long a cycle that did nothing waits for a frame or the doorbell: 1 ms while a bulk update is
     * being sent (its pacing), {@link #IDLE_POLL_MILLIS} while the thread did something in the last
     * {@link #DEEP_IDLE_AFTER_NANOS}, else until the next thing due on a clock (the outbox's flush, the
     * bulk request's retry), at most {@link #DEEP_IDLE_MILLIS}. A waiting outbox or an unanswered bulk
     * request (a node started before its peer asks again every 5 s for a minute) no longer keeps the
     * thread waking every 10 ms, and after a bit of work it polls for 30 ms, not 100.
     *
     * @param now      the cycle's wall clock (ms)
     * @param nowNanos the monotonic clock (ns)
     */
    int idleWaitMillis(final long now, final long nowNanos) {
        if (bulk.active()) {
            return 1;
        }
        if (nowNanos - lastWorkNanos < DEEP_IDLE_AFTER_NANOS) {
            return IDLE_POLL_MILLIS;
        }
        final long flush = outbox.millisUntilDue(now, settings.flushDelayMillis);
        final long retry = requester.millisToNextTick(now);
        return (int) sooner(sooner(DEEP_IDLE_MILLIS, flush), retry);
    }

    /** {@code wait}, or {@code due} when that is sooner; a negative {@code due} means nothing is due. */
    private static long sooner(final long wait, final long due) {
        return due >= 0 ? Math.min(wait, due) : wait;
    }

    /** On the sync thread, last: send what the outbox holds, then close the tailer, doorbell and transport. */
    @Override
    public void onClose() {
        try {
            if (startFailure == null && reader != null) {
                outbox.flush(System.currentTimeMillis(), sender);
            }
        } finally {
            if (reader != null) {
                reader.close();
            }
            journal.onUrgentAppend(null);
            for (final UrgentRecordLane lane : lanes) {
                lane.doorbell(null);
            }
            if (doorbell != null) {
                doorbell.close();
            }
            sender.transport(null);
            if (transport != null) {
                transport.close();
            }
            stopped.countDown();
        }
    }

    /** Waits for a frame, at most {@code millis}; the journal thread's doorbell (a record to send at once) ends it too. */
    private void poll(final int millis) {
        doorbell.await(transport.fd(), millis);
    }

    /** True once a bulk update completed (or the requests gave up), as FreeBSD's "in sync". */
    public boolean inSync() {
        return requester.inSync();
    }

    /** True while this node waits for a bulk update it asked for. */
    public boolean requestingBulk() {
        return requester.requesting();
    }

    public long bulkStatesReceived() {
        return requester.statesReceived();
    }

    public long bulkRequestsSent() {
        return requester.requestsSent();
    }

    public long bulkEndsRejected() {
        return requester.endsRejected();
    }

    /** Bulk updates this node sent to peers, and the size and duration of the last one. */
    public long bulksSent() {
        return bulk.bulksSent();
    }

    public long lastBulkStatesSent() {
        return bulk.lastBulkStates();
    }

    public long lastBulkMillis() {
        return bulk.lastBulkMillis();
    }

    /** Local changes the encoder refused (a bug if ever non-zero; each is logged). */
    public long unsendable() {
        return unsendable;
    }

    /** The status view (control socket request {@code sync}, printed by {@code tandem sync}): {@link SyncStatus}. */
    public String statusJson() {
        return status.json();
    }

    /** The frame authenticator, or null in plain (FreeBSD-compatible) mode. */
    public FrameAuthenticator authenticator() {
        return auth;
    }

    private int receive() {
        int n = 0;
        while (n < 64 && inbox.hasRoomFor(MAX_FRAME_RECORDS)) {
            final int length = transport.receive(receiveBuffer);
            if (length <= 0) {
                break;
            }
            n++;
            if (!directSenders.isEmpty()) {
                // a packet thread may have sent an INS since this loop read the lanes, and this frame may be its
                // INS_ACK: the lane's note of it (for the AckQuorum) is taken first
                changes.readLanes(lanes, now, sender);
            }
            if (transport.ipv6()) {
                acceptFrame6(receiveBuffer, length, transport.lastInterfaceIndex(), transport.lastHopLimit(),
                        transport.lastSourceHi(), transport.lastSourceLo());
            } else {
                acceptFrame(receiveBuffer, length, transport.lastInterfaceIndex(), transport.lastSourceAddress());
            }
            // Held packets wait on acknowledgements, here and at the peer: answer this frame's INS and
            // pass on its INS_ACKs now, not after up to 63 more frames (a burst of updates would delay
            // them by a frame's decoding each)
            if (outbox.hasInsAcks()) {
                outbox.flush(now, sender);
            }
            if (inbox.takeAckOffered()) {
                inbox.wake();
            }
        }
        if (n > 0) {
            inbox.wake(); // the packet thread may be waiting for a packet; peers' messages are here
            if (outbox.due(now, settings.flushDelayMillis)) {
                outbox.flush(now, sender); // requests and the like queued to go at once
            }
        }
        return n;
    }

    /** A peer's INS asked for INS_ACK and is in the inbox ({@link FrameIngress}): queued to go out at once. */
    private void acknowledge(final long id, final int creatorId) {
        if (!outbox.offerInsAck(id, creatorId, now)) {
            outbox.flush(now, sender);
            outbox.offerInsAck(id, creatorId, now);
        }
    }

    /**
     * Takes the records deferral waits on straight from the recorders too: every queue thread's lane, in
     * thread order. Call before {@link #start()}.
     */
    public SyncAgent urgentLanes(final java.util.List<UrgentRecordLane> l) {
        this.lanes = java.util.List.copyOf(l);
        return this;
    }

    /**
     * The packet threads' own INS senders ({@link DirectInsSender}), whose frames {@link #stat} and
     * {@link #sentActions} count with this thread's. Call before {@link #start}.
     */
    public SyncAgent directInsSenders(final java.util.List<DirectInsSender> senders) {
        this.directSenders = java.util.List.copyOf(senders);
        return this;
    }

    /**
     * The packet threads' held first packets ({@link io.tandem.engine.verdict.DeferralTotals} over several),
     * for the status view and counters (set once the packet agents started).
     */
    public void deferrals(final DeferralStats held) {
        if (held == null || held == deferrals) {
            return;
        }
        if (deferrals != null) {
            throw new IllegalStateException("the deferral is handed to the sync agent once");
        }
        this.deferrals = held;
        SyncCounters.registerDeferral(counters, held, this, inbox);
    }

    /** The packet threads' awaiting of peers' states, for the status view (set once they started). */
    public void awaiting(final AwaitingView view) {
        this.awaiting = view;
    }

    /** The view given by {@link #awaiting(AwaitingView)}, or null when awaiting is off. */
    public AwaitingView awaiting() {
        return awaiting;
    }

    /** The held first packets given by {@link #deferrals(DeferralStats)}, or null without deferral. */
    public DeferralStats deferrals() {
        return deferrals;
    }

    /**
     * Local state records sent without their TCP windows because the sync thread read them more than a
     * second after they were journaled ({@link LocalChanges}: after a restart, or a sync thread behind).
     */
    public long agedRecords() {
        return changes.agedRecords();
    }

    /**
     * Queued records left out of every frame because their values are no valid state ({@link SyncOutbox#unencodable}):
     * this thread's and the packet threads' own senders'. Always 0 unless something upstream is wrong.
     */
    public long unencodableRecords() {
        long v = outbox.unencodable();
        for (final DirectInsSender d : directSenders) {
            v += d.unencodable();
        }
        return v;
    }

    /** INS_ACKs held back until every answering peer acknowledged the state ({@link AckQuorum}). */
    public long acksHeldBack() {
        return quorum.heldBack();
    }

    /** Peers a held first packet waits for ({@link AckQuorum}; read racily by the metrics thread). */
    public long answeringPeers() {
        return quorum.answeringPeers();
    }

    /**
     * States of held first packets the {@link AckQuorum} could not remember (more than it holds sent
     * within one defer timeout): released by the first peer's INS_ACK, not every answering peer's.
     */
    public long quorumOverflows() {
        return quorum.overflows();
    }

    /** The {@link AckQuorum} (written by the sync thread only). Package-private for tests. */
    AckQuorum ackQuorum() {
        return quorum;
    }

    /** INS_ACKs naming another node's state (in a group of three or more): not ours to act on. */
    public long acksForOthers() {
        return ingress.acksForOthers();
    }

    /** One received IPv6 payload ({@link FrameIngress#acceptFrame6}). Package-private for tests. */
    void acceptFrame6(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int hopLimit,
            final long sourceHi, final long sourceLo) {
        ingress.acceptFrame6(buffer, length, arrivedOn, hopLimit, sourceHi, sourceLo, now, sender);
    }

    /** One received IPv4 packet ({@link FrameIngress#acceptFrame}). Package-private: the fuzz target feeds it. */
    void acceptFrame(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int source) {
        ingress.acceptFrame(buffer, length, arrivedOn, source, now, sender);
    }

    /** Stops the sync thread (it sends what its outbox holds first) and waits up to 5 s for it. */
    @Override
    public void close() {
        running = false;
        final Doorbell d = doorbell;
        if (d != null) {
            d.ring();
        }
        if (thread != null) {
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
