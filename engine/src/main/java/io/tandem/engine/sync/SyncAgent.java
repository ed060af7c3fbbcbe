package io.tandem.engine.sync;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDeleteReason;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.UrgentRecordLane;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import io.tandem.nativeio.ipraw.IpPacketInfo;
import io.tandem.nativeio.ipraw.Ipv4Address;
import io.tandem.nativeio.ipraw.Ipv6Address;
import io.tandem.nativeio.ipraw.RawIp6Socket;
import io.tandem.nativeio.ipraw.RawIpSocket;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.nativeio.libc.Doorbell;
import io.tandem.nativeio.libc.Interfaces;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.NetNamespace;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The pfsync side of one node: sends this node's state changes to its peers, and hands the peers'
 * messages to the packet thread.
 *
 * <p>Theory of operation. One thread, {@code tandem-sync}, owns the raw socket (protocol 240, TTL
 * 255, bound to the sync interface; IPv4, or IPv6 — hop limit 255, group {@code ff12::f0} or a
 * unicast peer, as FreeBSD 14 and later — when {@code settings.peer} is an IPv6 address, counted in
 * {@code opackets6}/{@code ipackets6}), a named journal tailer ({@code pfsync}: at the end on first use,
 * then resuming where it stopped, so changes journaled but unsent at a stop go out after the
 * restart), the {@link SyncOutbox}
 * and the frame codec. Each loop it
 * <ol>
 *   <li>reads new journal records. Local changes (origin = a rule) are queued: INSERT as INS, UPDATE
 *       as UPD_C (UPD when marked {@link SyncHints#FULL}), DELETE as DEL_C. Changes that came from a
 *       peer are never echoed, except those the packet thread marked {@link SyncHints#REPLY} (our
 *       version answering a stale update, a request, a key collision). {@link SyncHints#ACK} queues an
 *       INS_ACK; a SYNC_REQUEST record queues UPD_REQ for a state a peer named but we lack. Marks
 *       {@link SyncHints#IMMEDIATE} (maxupdates reached, split path, answers) send the frame in this
 *       loop — all immediate requests of one loop share frames (spec A.8.2);</li>
 *   <li>sends the outbox when it is due: at once when asked, else {@code flushDelayMillis} after its
 *       first message (pf's 1-second timer), and whenever a frame is full;</li>
 *   <li>advances a bulk update it is sending ({@link BulkUpdateSender}) and the one it asked for
 *       (UPD_REQ 0/0 at start, retried every 5 s without progress, up to 12 times; BUS START/END
 *       accepted only while asking; in sync after END or after giving up, as FreeBSD);</li>
 *   <li>receives frames: counted {@code badif} if they arrived on another interface, {@code badttl}
 *       with a TTL other than 255 (FreeBSD's {@code pfsyncstats} names), then decoded; each valid
 *       record becomes a {@link PeerInbox} message for the packet thread, which owns the state table.
 *       Frames are read only while the inbox has room for a whole frame's records, so a burst (a
 *       bulk update) waits in the socket's 8 MiB receive buffer instead of being dropped.</li>
 * </ol>
 * With {@code set sync auth hmac-sha256} every frame sent carries the W.12 trailer, and every frame
 * received is verified ({@link FrameAuthenticator}: trailer, key, tag, replay window) before a
 * single record is decoded; a rejected frame counts {@code badauth} and is dropped whole.
 * Idle: poll the socket for up to 10 ms. Memory bound: the outbox's fixed arrays, one send and one
 * receive buffer. Failure policy: send errors count {@code oerrors} (the first is logged); a record
 * the encoder refuses is counted and skipped; nothing a peer sends can stop the thread.
 */
public final class SyncAgent implements Runnable, AutoCloseable {
    private static final long BULK_RETRY_MILLIS = 5000;
    private static final int BULK_MAX_RETRIES = 12;
    private static final int JOURNAL_RECORDS_PER_LOOP = 1024;
    private static final int MAX_FRAME_RECORDS = 128;
    /** Offset of {@code len} (u16, big-endian) in the pfsync header. */
    private static final int PFSYNC_LEN_OFFSET = 2;

    private final Journal journal;
    private final PeerInbox inbox;
    private final SyncSettings settings;
    private final PrintStream log;
    private final PfsyncStats stats = new PfsyncStats();
    private final SyncPeers peers = new SyncPeers();
    private final PfsyncStateMapping mapping;
    private final PfsyncFrameEncoder encoder;
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(stats);
    private final SyncOutbox outbox;
    private final BulkUpdateSender bulk;
    private final UnsafeBuffer receiveBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer inboundBuffer = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight inbound = new JournalRecordFlyweight().wrap(inboundBuffer, 0);
    private final Receiver receiver = new Receiver();
    private final IntConsumer sender = this::sendFrame;
    private final int peerAddress;
    /** pfsync over IPv6 (FreeBSD 14+): the peer is an IPv6 address, {@code peer6[0]}/{@code [1]} its halves. */
    private final boolean ipv6;
    private final long[] peer6;
    private final FrameAuthenticator auth;

    private static final int LANE_SEQUENCES = 1024;
    private UrgentRecordLane lane;
    private final JournalRecordFlyweight laneRecord = new JournalRecordFlyweight();
    private final org.agrona.concurrent.MessageHandler laneHandler = this::onLaneRecord;
    /** Journal sequence numbers of records taken from the lane, oldest first (the tailer skips them). */
    private final long[] laneSequences = new long[LANE_SEQUENCES];
    private int laneHead;
    private int laneCount;
    private volatile DeferredVerdicts deferrals;
    private Doorbell doorbell;
    private volatile long acksForOthers;

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile RuntimeException startFailure;
    private volatile boolean running = true;
    private Thread thread;
    private RawIpSocket socket;
    private RawIp6Socket socket6;
    private int ifindex;
    private long now;

    // Bulk update, requester side (W.10).
    private boolean requesting;
    private long requestSentMillis;
    private long lastProgressMillis;
    private long firstRequestMillis;
    private int requestRetries;
    private volatile boolean inSync;
    private volatile long bulkStatesReceived;
    private volatile long bulkRequestsSent;
    private volatile long bulkEndsRejected;
    private volatile long unsendable;

    public SyncAgent(final Journal journal, final PeerInbox inbox, final StateSnapshotMailbox bulkMailbox,
            final SyncSettings settings, final PrintStream log) {
        this.journal = journal;
        this.inbox = inbox;
        this.settings = settings;
        this.log = log;
        this.ipv6 = Ipv6Address.looksLikeIpv6(settings.peer);
        this.peer6 = ipv6 ? Ipv6Address.parse(settings.peer) : null;
        this.peerAddress = ipv6 ? 0 : Ipv4Address.parse(settings.peer);
        this.auth = settings.authenticator;
        this.mapping = new PfsyncStateMapping(settings.format);
        this.encoder = new PfsyncFrameEncoder(settings.mtu,
                ipv6 ? PfsyncFrameEncoder.IPV6_HEADER_LENGTH : PfsyncFrameEncoder.IPV4_HEADER_LENGTH,
                auth == null ? 0 : FrameAuthenticator.TRAILER_LENGTH);
        this.sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(settings.mtu + 64));
        this.outbox = new SyncOutbox(encoder, settings.format, mapping);
        this.bulk = new BulkUpdateSender(bulkMailbox, encoder, outbox, mapping, settings.creatorId,
                settings.bulkFramesPerSecond);
    }

    public PfsyncStats stats() {
        return stats;
    }

    /**
     * One pfsyncstats counter as FreeBSD means it: {@code stale} and {@code badstate} are judged by
     * the packet thread (it owns the table), so its counts are added to the sync thread's.
     */
    public long stat(final PfsyncStats.Counter c) {
        final long v = stats.get(c);
        if (c == PfsyncStats.Counter.STALE) {
            return v + inbox.stale();
        }
        return c == PfsyncStats.Counter.BADSTATE ? v + inbox.badState() : v;
    }

    public SyncPeers peers() {
        return peers;
    }

    public SyncSettings settings() {
        return settings;
    }

    public void start() throws InterruptedException {
        thread = new Thread(this, "tandem-sync");
        thread.setDaemon(true);
        thread.start();
        if (!started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the sync thread did not start");
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    @Override
    public void run() {
        final JournalReader reader;
        try {
            if (settings.netns != null) {
                NetNamespace.enterForCurrentThread(settings.netns);
            }
            if (ipv6) {
                openIpv6();
            } else {
                socket = RawIpSocket.openIpv4(PfsyncConstants.IPPROTO_PFSYNC);
                ifindex = socket.bindToDevice(settings.ifname);
                socket.setMulticastInterface(ifindex);
                socket.setReceiveBuffer(8 << 20);
                if (Ipv4Address.isMulticast(peerAddress)) {
                    socket.joinGroup(peerAddress, ifindex);
                }
            }
            reader = JournalReader.resumable(journal, "pfsync");
            doorbell = Doorbell.open();
            journal.onUrgentAppend(doorbell::ring);
            if (lane != null) {
                lane.doorbell(doorbell::ring);
            }
        } catch (final RuntimeException e) {
            startFailure = new IllegalStateException("pfsync on " + settings.ifname + ": " + e.getMessage(), e);
            started.countDown();
            return;
        }
        started.countDown();
        try (reader) {
            now = System.currentTimeMillis();
            requesting = true;
            firstRequestMillis = now;
            sendBulkRequest();
            while (running) {
                now = System.currentTimeMillis();
                bulkRequesterTick();
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
                work += readUrgentLane();
                work += readLocalChanges(reader);
                if (outbox.due(now, settings.flushDelayMillis)) {
                    work += outbox.flush(now, sender);
                }
                work += receive();
                if (work == 0) {
                    poll(bulk.active() ? 1 : 10);
                }
            }
            outbox.flush(System.currentTimeMillis(), sender);
        } finally {
            journal.onUrgentAppend(null);
            if (lane != null) {
                lane.doorbell(null);
            }
            doorbell.close();
            if (socket != null) {
                socket.close();
            }
            if (socket6 != null) {
                socket6.close();
            }
        }
    }

    /** The IPv6 transport: next header 240, hop limit 255, on the sync interface; joins ff12::f0 if that is the peer. */
    private void openIpv6() {
        socket6 = RawIp6Socket.openIpv6(PfsyncConstants.IPPROTO_PFSYNC);
        ifindex = socket6.bindToDevice(settings.ifname);
        socket6.setMulticastInterface(ifindex);
        socket6.setReceiveBuffer(8 << 20);
        if (Ipv6Address.isMulticast(peer6[0])) {
            socket6.joinGroup(peer6[0], peer6[1], ifindex);
        }
    }

    /** Waits for a frame, at most {@code millis}; the journal thread's doorbell (a record to send at once) ends it too. */
    private void poll(final int millis) {
        doorbell.await(ipv6 ? socket6.fd() : socket.fd(), millis);
    }

    private void bulkRequesterTick() {
        if (!requesting || now - Math.max(requestSentMillis, lastProgressMillis) < BULK_RETRY_MILLIS) {
            return;
        }
        if (requestRetries >= BULK_MAX_RETRIES) {
            requesting = false;
            inSync = true;
            log.println("tandem: pfsync: no bulk update after " + (BULK_MAX_RETRIES + 1)
                    + " requests; declaring this node ready (as FreeBSD does)");
        } else {
            requestRetries++;
            sendBulkRequest();
        }
    }

    /** UPD_REQ {id 0, creatorid 0}: "send me everything" (W.10). */
    private void sendBulkRequest() {
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_UPD_REQ);
        encoder.appendUpdReq(0, 0);
        sendFrame(encoder.finish());
        requestSentMillis = now;
        bulkRequestsSent++;
    }

    /**
     * Records of the {@link UrgentRecordLane} (the INS of a held first packet, an owed INS_ACK), acted on
     * at once; their sequence numbers are kept so that the journal tailer skips them later.
     */
    private int readUrgentLane() {
        return lane == null ? 0 : lane.drain(laneHandler, LANE_SEQUENCES);
    }

    private void onLaneRecord(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length) {
        if (length != JournalRecordFlyweight.LENGTH) {
            return;
        }
        laneRecord.wrap(buffer, index);
        if (laneCount == LANE_SEQUENCES) {
            laneHead = (laneHead + 1) % LANE_SEQUENCES; // forget the oldest: at worst it is sent twice
            laneCount--;
        }
        laneSequences[(laneHead + laneCount++) % LANE_SEQUENCES] = laneRecord.sequence();
        handleLocalRecord(laneRecord);
    }

    /** True when the journal tailer reached a record already taken from the lane (drops older entries). */
    private boolean takenFromLane(final long sequence) {
        while (laneCount > 0 && laneSequences[laneHead] < sequence) {
            laneHead = (laneHead + 1) % LANE_SEQUENCES;
            laneCount--;
        }
        if (laneCount > 0 && laneSequences[laneHead] == sequence) {
            laneHead = (laneHead + 1) % LANE_SEQUENCES;
            laneCount--;
            return true;
        }
        return false;
    }

    private int readLocalChanges(final JournalReader reader) {
        int n = 0;
        JournalReadStatus st;
        while (n < JOURNAL_RECORDS_PER_LOOP && (st = reader.next()) != JournalReadStatus.END) {
            if (st != JournalReadStatus.OK) {
                continue;
            }
            n++;
            final JournalRecordFlyweight r = reader.record();
            if (laneCount > 0 && takenFromLane(r.sequence())) {
                continue;
            }
            handleLocalRecord(r);
        }
        return n;
    }

    /** One local change (from the journal or the urgent lane): what it means for the outbox. */
    private void handleLocalRecord(final JournalRecordFlyweight r) {
        final int hints = r.syncHints();
        final int type = r.type();
        final boolean local = r.originKind() == JournalRecorder.ORIGIN_RULE;
        if (type == JournalRecordType.SYNC_REQUEST.code()) {
            offer(() -> outbox.offerRequest(r.id(), r.creatorId(), now));
            return;
        }
        if ((hints & SyncHints.ACK) != 0 && type == JournalRecordType.INSERT.code()) {
            offer(() -> outbox.offerInsAck(r.id(), r.creatorId(), now));
        }
        if (!local && (hints & SyncHints.REPLY) == 0) {
            return; // learned from a peer (or imported): never echoed
        }
        if (type == JournalRecordType.INSERT.code()) {
            offer(() -> outbox.offerState(r, SyncOutbox.Q_INS, now));
        } else if (type == JournalRecordType.UPDATE.code()) {
            final int q = (hints & SyncHints.FULL) != 0 ? SyncOutbox.Q_UPD : SyncOutbox.Q_UPD_C;
            offer(() -> outbox.offerState(r, q, now));
        } else if (type == JournalRecordType.DELETE.code() && local && announcesDelete(r, settings.creatorId)) {
            offer(() -> outbox.offerDelete(r.id(), r.creatorId(), now));
        } else {
            return;
        }
        if ((hints & SyncHints.IMMEDIATE) != 0) {
            outbox.requestImmediate();
        }
    }

    /**
     * Whether a local removal is sent as DEL_C. A peer's state that merely <i>expired</i> here is not:
     * its creator refreshes it with every update it sends and announces its end itself, and our copy
     * can time out up to a second before the original (updates are sent at most once a second), so
     * announcing it would delete the creator's live state. Closed (FIN/RST seen here), reused and
     * flushed states are announced whoever created them, as pf does.
     */
    static boolean announcesDelete(final JournalRecordFlyweight r, final int ownCreatorId) {
        return r.creatorId() == ownCreatorId || r.reason() != JournalDeleteReason.EXPIRED.code();
    }

    /** Queues a message; a full outbox is sent first, then the message is queued again. */
    private void offer(final java.util.function.BooleanSupplier queue) {
        if (!queue.getAsBoolean()) {
            outbox.flush(now, sender);
            queue.getAsBoolean();
        }
    }

    private void sendFrame(final int pfsyncLength) {
        if (socket == null && socket6 == null) {
            stats.oerrors++; // not started (the fuzz target drives the receive path alone)
            return;
        }
        final int length = auth == null ? pfsyncLength : pfsyncLength + auth.sign(encoder.buffer(), 0, pfsyncLength);
        sendBuffer.putBytes(0, encoder.buffer(), 0, length);
        final int sent = ipv6 ? socket6.sendTo(sendBuffer, 0, length, peer6[0], peer6[1], ifindex)
                : socket.sendTo(sendBuffer, 0, length, peerAddress);
        if (sent < 0) {
            if (stats.oerrors++ == 0) {
                log.println("tandem: pfsync: sending to " + settings.peer + " failed: "
                        + NativeException.errnoName(-sent) + " (counted as oerrors; reported once)");
            }
        } else {
            if (ipv6) {
                stats.opackets6++;
            } else {
                stats.opackets++;
            }
            encoder.countOutput(stats);
        }
    }

    /** True once a bulk update completed (or the requests gave up), as FreeBSD's "in sync". */
    public boolean inSync() {
        return inSync;
    }

    /** True while this node waits for a bulk update it asked for. */
    public boolean requestingBulk() {
        return requesting;
    }

    public long bulkStatesReceived() {
        return bulkStatesReceived;
    }

    public long bulkRequestsSent() {
        return bulkRequestsSent;
    }

    public long bulkEndsRejected() {
        return bulkEndsRejected;
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

    /**
     * The status view (control socket request {@code sync}, printed by {@code tandem sync}): one JSON
     * object with the configuration, the bulk-update state, the peers heard from, FreeBSD's
     * pfsyncstats counters with per-action in/out counts, and what the packet thread did with peer
     * messages. Called on the control thread; counters are read without locking (each is a plain
     * long written by one thread; a value may be a few microseconds old).
     */
    public String statusJson() {
        final long t = System.currentTimeMillis();
        final StringBuilder b = new StringBuilder(2048);
        b.append("{\"interface\":\"").append(settings.ifname).append("\",\"peer\":\"").append(settings.peer)
                .append("\",\"creatorid\":\"").append(String.format("%08x", settings.creatorId))
                .append("\",\"format\":").append(settings.format).append(",\"mtu\":").append(settings.mtu)
                .append(",\"auth\":\"").append(authName()).append('"')
                .append(",\"in_sync\":").append(inSync).append(",\"requesting_bulk\":").append(requesting)
                .append(",\"bulk_requests_sent\":").append(bulkRequestsSent)
                .append(",\"bulk_states_received\":").append(bulkStatesReceived)
                .append(",\"bulk_ends_rejected\":").append(bulkEndsRejected)
                .append(",\"bulks_sent\":").append(bulk.bulksSent())
                .append(",\"last_bulk_states\":").append(bulk.lastBulkStates())
                .append(",\"last_bulk_ms\":").append(bulk.lastBulkMillis())
                .append(",\"peers\":[");
        boolean first = true;
        for (final SyncPeers.Peer p : peers.peers()) {
            b.append(first ? "" : ",").append("{\"address\":\"").append(p.address()).append("\",\"frames\":")
                    .append(p.frames()).append(",\"last_frame_ms_ago\":").append(t - p.lastFrameMillis())
                    .append(",\"creatorids\":[");
            for (int i = 0; i < p.creatorIds().size(); i++) {
                b.append(i == 0 ? "" : ",").append('"').append(String.format("%08x", p.creatorIds().get(i))).append('"');
            }
            b.append("]}");
            first = false;
        }
        b.append("],\"stats\":{");
        first = true;
        for (final PfsyncStats.Counter c : PfsyncStats.Counter.values()) {
            b.append(first ? "" : ",").append('"').append(c.statName()).append("\":").append(stat(c));
            first = false;
        }
        b.append("},\"actions\":{");
        for (int a = 0; a < PfsyncConstants.ACT_MAX; a++) {
            b.append(a == 0 ? "" : ",").append('"').append(PfsyncConstants.actionName(a).toLowerCase(java.util.Locale.ROOT))
                    .append("\":[").append(stats.iacts[a]).append(',').append(stats.oacts[a]).append(']');
        }
        b.append("},\"inbox\":{\"imported\":").append(inbox.imported()).append(",\"merged\":").append(inbox.merged())
                .append(",\"deleted\":").append(inbox.deleted()).append(",\"cleared\":").append(inbox.cleared())
                .append(",\"refused\":").append(inbox.refused()).append(",\"dropped\":").append(inbox.dropped())
                .append(",\"requested\":").append(inbox.requested()).append(",\"answered\":").append(inbox.answered())
                .append(",\"corrections\":").append(inbox.corrections())
                .append(",\"collisions_won\":").append(inbox.collisionsWon())
                .append(",\"collisions_lost\":").append(inbox.collisionsLost())
                .append(",\"collisions_repeated\":").append(inbox.collisionsRepeated())
                .append('}');
        final DeferredVerdicts d = deferrals;
        if (d != null) {
            b.append(",\"deferral\":{\"timeout_ms\":").append(d.timeoutMillis()).append(",\"defer_limit\":").append(d.limit())
                    .append(",\"held\":").append(d.held()).append(",\"deferred\":").append(d.deferred());
            for (final DeferredVerdicts.Release r : DeferredVerdicts.Release.values()) {
                b.append(",\"").append(r.label()).append("\":").append(d.released(r));
            }
            b.append(",\"acks_without_hold\":").append(d.acksWithoutHold())
                    .append(",\"acks_for_others\":").append(acksForOthers)
                    .append(",\"acks_lost\":").append(inbox.acksDropped())
                    .append(",\"hold_p50_us\":").append(d.holdQuantileMicros(0.5))
                    .append(",\"hold_p99_us\":").append(d.holdQuantileMicros(0.99)).append('}');
        }
        if (auth != null) {
            b.append(",\"auth_frames\":{");
            for (final AuthResult r : AuthResult.values()) {
                b.append(r.ordinal() == 0 ? "" : ",").append('"').append(r.counterName()).append("\":")
                        .append(auth.count(r));
            }
            b.append('}');
        }
        b.append('}');
        return b.toString();
    }

    private String authName() {
        return auth == null ? "none" : "hmac-sha256 (key " + auth.sendKeyId() + (auth.require() ? "" : ", not required")
                + ")";
    }

    /** The frame authenticator, or null in plain (FreeBSD-compatible) mode. */
    public FrameAuthenticator authenticator() {
        return auth;
    }

    private int receive() {
        int n = 0;
        while (n < 64 && inbox.hasRoomFor(MAX_FRAME_RECORDS)) {
            final int length = ipv6 ? socket6.receive(receiveBuffer) : socket.receive(receiveBuffer);
            if (length <= 0) {
                break;
            }
            n++;
            if (ipv6) {
                acceptFrame6(receiveBuffer, length, socket6.lastInterfaceIndex(), socket6.lastHopLimit(),
                        socket6.lastSourceHi(), socket6.lastSourceLo());
            } else {
                acceptFrame(receiveBuffer, length, socket.lastInterfaceIndex(), socket.lastSourceAddress());
            }
        }
        if (n > 0) {
            inbox.wake(); // the packet thread may be waiting for a packet; peers' messages are here
        }
        return n;
    }

    /** Takes the records deferral waits on straight from the recorder too. Call before {@link #start()}. */
    public SyncAgent urgentLane(final UrgentRecordLane l) {
        this.lane = l;
        return this;
    }

    /** The packet thread's held first packets, for the status view (set once the packet agent started). */
    public void deferrals(final DeferredVerdicts held) {
        this.deferrals = held;
    }

    /** The held first packets given by {@link #deferrals(DeferredVerdicts)}, or null without deferral. */
    public DeferredVerdicts deferrals() {
        return deferrals;
    }

    /** INS_ACKs naming another node's state (in a group of three or more): not ours to act on. */
    public long acksForOthers() {
        return acksForOthers;
    }

    /**
     * One received IPv6 payload (an IPv6 raw socket delivers no header: the arrival interface and hop limit
     * come as ancillary data), checked as FreeBSD's {@code pfsync6_input}: arrived on the sync interface
     * ({@code badif}), hop limit 255 ({@code badttl}), then as {@link #acceptFrame}. Counted in
     * {@code ipackets6} (FreeBSD 14's {@code pfsync6_input} counts {@code ipackets}; we keep the two apart).
     * Package-private for tests.
     */
    void acceptFrame6(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int hopLimit,
            final long sourceHi, final long sourceLo) {
        if (arrivedOn != ifindex) {
            stats.ipackets6++;
            stats.badif++;
            return;
        }
        if (hopLimit != PfsyncConstants.PFSYNC_DFLTTL) {
            stats.ipackets6++;
            stats.badttl++;
            return;
        }
        final int payload = verified(buffer, 0, length);
        if (payload < 0) {
            stats.ipackets6++;
            return;
        }
        peers.frame(sourceHi, sourceLo, true, now);
        decoder.decodeIpv6(buffer, 0, payload, receiver);
    }

    /**
     * W.12: with authentication on, the trailer is checked before anything is applied; returns the bytes to
     * decode ({@code len} when the trailer verified, else all of them), or -1 after counting {@code badauth}.
     */
    private int verified(final UnsafeBuffer buffer, final int offset, final int payload) {
        if (auth == null || payload < PFSYNC_LEN_OFFSET + 2) {
            return payload;
        }
        final int pfsyncLength = buffer.getShort(offset + PFSYNC_LEN_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (payload < pfsyncLength) {
            return payload;
        }
        final AuthResult verdict = auth.verify(buffer, offset, payload, pfsyncLength, now);
        if (!verdict.accepted()) {
            stats.badauth++;
            return -1;
        }
        return verdict == AuthResult.OK ? pfsyncLength : payload;
    }

    /**
     * One received IPv4 packet (header included), in the order of spec C.1 and W.12: header complete
     * ({@code hdrops}), arrived on the sync interface ({@code badif}), TTL 255 ({@code badttl}), the
     * authentication trailer when configured ({@code badauth}), then the decoder (version, lengths,
     * sections, records) and the {@link Receiver}. Package-private: the fuzz target feeds it directly.
     */
    void acceptFrame(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int source) {
        if (!IpPacketInfo.headerComplete(buffer, 0, length)) {
            stats.ipackets++;
            stats.hdrops++;
            return;
        }
        if (arrivedOn != ifindex) {
            stats.ipackets++;
            stats.badif++;
            return;
        }
        if (IpPacketInfo.ttl(buffer, 0) != PfsyncConstants.PFSYNC_DFLTTL) {
            stats.ipackets++;
            stats.badttl++;
            return;
        }
        final int ihl = IpPacketInfo.headerLength(buffer, 0);
        final int total = Math.min(length, IpPacketInfo.totalLength(buffer, 0));
        final int payload = verified(buffer, ihl, Math.max(0, total - ihl));
        if (payload < 0) {
            stats.ipackets++;
            return;
        }
        peers.frame(source, now);
        decoder.decode(buffer, ihl, payload, receiver);
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Turns decoded pfsync records into {@link PeerInbox} messages (spec C.5), on the sync thread. */
    private final class Receiver implements PfsyncRecordHandler {
        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
            final boolean insert = action == PfsyncConstants.ACT_INS || action == PfsyncConstants.ACT_INS_1400
                    || action == PfsyncConstants.ACT_INS_1500;
            peers.creator(s.creatorid());
            mapping.fromState(insert, s, now, inbound);
            inbox.offer(PeerInbox.STATE, inboundBuffer, 0);
            if (requesting) {
                bulkStatesReceived++;
                lastProgressMillis = now; // progress re-arms the failure timer (spec E.2 [ENG])
            }
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            peers.creator(updC.creatorid());
            mapping.fromUpdC(updC, now, inbound);
            inbox.offer(PeerInbox.COMPRESSED, inboundBuffer, 0);
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            peers.creator(creatorid);
            mapping.fromIdentity(JournalRecordType.DELETE, creatorid, id, 0, now, inbound);
            inbox.offer(PeerInbox.DELETE, inboundBuffer, 0);
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
            int local = 0;
            if (clr.ifnameLength() > 0 && !clr.ifnameEquals("all")) {
                local = Interfaces.indexOf(clr.ifname());
                if (local <= 0) {
                    stats.badval++; // a name we cannot map: skip the record (W.6)
                    return;
                }
            }
            mapping.fromIdentity(JournalRecordType.CLEAR, clr.creatorid(), 0, local, now, inbound);
            inbox.offer(PeerInbox.CLEAR, inboundBuffer, 0);
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
            if (creatorid != settings.creatorId) {
                acksForOthers++; // another node's state acknowledged to it (multicast group)
                return;
            }
            // Ours: the packet thread releases the held first packet, or counts an ack without a hold.
            inbox.offerAck(creatorid, id);
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
            if (id == 0 && creatorid == 0) {
                bulk.request(now, sender);
                return;
            }
            mapping.fromIdentity(JournalRecordType.UPDATE, creatorid, id, 0, now, inbound);
            inbox.offer(PeerInbox.REQUEST, inboundBuffer, 0);
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
            if (!requesting) {
                return; // FreeBSD accepts BUS only while a request is outstanding
            }
            lastProgressMillis = now;
            if (status != PfsyncConstants.PFSYNC_BUS_END) {
                return;
            }
            if (now / 1000 - endtime >= firstRequestMillis / 1000 - 1) {
                requesting = false;
                inSync = true;
                log.println(String.format("tandem: pfsync: bulk update from %08x complete: in sync (%d states)",
                        creatorid, bulkStatesReceived));
            } else {
                bulkEndsRejected++;
            }
        }
    }
}
