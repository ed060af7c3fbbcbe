package io.tandem.engine.sync;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import io.tandem.nativeio.ipraw.IpPacketInfo;
import io.tandem.nativeio.ipraw.Ipv4Address;
import io.tandem.nativeio.ipraw.RawIpSocket;
import io.tandem.nativeio.libc.NetNamespace;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The pfsync side of one node: sends this node's state changes to its peers and hands the peers'
 * changes to the packet thread. FIRST VERSION: INS/UPD (format 1301) and DEL_C both ways over
 * IPv4 unicast or multicast on the sync interface, and the bulk update (UPD_REQ 0/0 at start,
 * BUS START, full UPDs, BUS END); no UPD_C compression, deferral or authentication yet.
 *
 * <p>Theory of operation. One thread, {@code tandem-sync}, owns the raw socket (protocol 240, TTL
 * 255, bound to the sync interface), a reader positioned at the end of the journal, the frame
 * encoder and decoder. Each cycle it (1) reads new journal records: local INSERT/UPDATE/DELETE
 * (origin = a rule; records that came from a peer are never sent back) become pending INS/UPD/DEL_C
 * messages, an update replacing a pending message of the same state (coalescing); (2) sends the
 * pending messages as frames in the A.6 section order, up to the MTU, at most
 * {@link #FLUSH_DELAY_MILLIS} after the first was queued; (3) receives frames, counting those
 * that arrive on another interface ({@code badif}) or with a TTL other than 255 ({@code badttl})
 * under FreeBSD's {@code pfsyncstats} names, decodes the rest and offers each record to the
 * {@link PeerInbox} as a journal-format record — the packet thread applies it, so the state table
 * keeps one writer. Idle: poll the socket for 10 ms. Memory bound: fixed pending arrays (a full one
 * forces a flush) and one receive buffer.
 */
public final class SyncAgent implements Runnable, AutoCloseable {
    public static final int FLUSH_DELAY_MILLIS = 100;
    private static final int MAX_PENDING_STATES = 256;
    private static final int MAX_PENDING_DELETES = 1024;
    private static final int MTU = 1500;

    private final Journal journal;
    private final StateSnapshotMailbox snapshots;
    private final int creatorIdForBus;
    private final PeerInbox inbox;
    private final String ifname;
    private final int peerAddress;
    private final String netns;
    private final PrintStream log;
    private final PfsyncStats stats = new PfsyncStats();
    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(MTU);
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(stats);
    private final PfsyncStateValues values = new PfsyncStateValues();
    private final UnsafeBuffer receiveBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(MTU + 64));
    private final byte[] inboundStaging = new byte[JournalRecordFlyweight.LENGTH];
    private final UnsafeBuffer inboundBuffer = new UnsafeBuffer(inboundStaging);
    private final JournalRecordFlyweight inbound = new JournalRecordFlyweight().wrap(inboundBuffer, 0);
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    private final Handler handler = new Handler();

    private final byte[][] pendingStates = new byte[MAX_PENDING_STATES][JournalRecordFlyweight.LENGTH];
    private final UnsafeBuffer[] pendingViews = new UnsafeBuffer[MAX_PENDING_STATES];
    private final int[] pendingAction = new int[MAX_PENDING_STATES];
    private final JournalRecordFlyweight pending = new JournalRecordFlyweight();
    private int pendingStateCount;
    private final long[] pendingDeleteIds = new long[MAX_PENDING_DELETES];
    private final int[] pendingDeleteCreators = new int[MAX_PENDING_DELETES];
    private int pendingDeleteCount;
    private long firstPendingMillis;

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile RuntimeException startFailure;
    private volatile boolean running = true;
    private Thread thread;
    private RawIpSocket socket;

    // Bulk update, requester side (W.10): ask at start, retry every 5 s, at most 12 times.
    private static final long BULK_RETRY_MILLIS = 5000;
    private static final int BULK_MAX_RETRIES = 12;
    private boolean requesting;
    private long requestSentMillis;
    private long firstRequestMillis;
    private int requestRetries;
    private volatile boolean inSync;
    private volatile long bulkStatesReceived;
    // Responder side: a peer asked for everything.
    private boolean bulkAsked;
    private long bulkAskedMillis;
    private int bulkSent;
    private int ifindex;
    private long now;

    public SyncAgent(final Journal journal, final PeerInbox inbox, final StateSnapshotMailbox snapshots,
            final int creatorId, final String ifname, final String peer, final String netns, final PrintStream log) {
        this.creatorIdForBus = creatorId;
        this.journal = journal;
        this.snapshots = snapshots;
        this.inbox = inbox;
        this.ifname = ifname;
        this.peerAddress = Ipv4Address.parse(peer);
        this.netns = netns;
        this.log = log;
    }

    {
        for (int i = 0; i < MAX_PENDING_STATES; i++) {
            pendingViews[i] = new UnsafeBuffer(pendingStates[i]);
        }
    }

    public PfsyncStats stats() {
        return stats;
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
            if (netns != null) {
                NetNamespace.enterForCurrentThread(netns);
            }
            socket = RawIpSocket.openIpv4(PfsyncConstants.IPPROTO_PFSYNC);
            ifindex = socket.bindToDevice(ifname);
            socket.setMulticastInterface(ifindex);
            if (Ipv4Address.isMulticast(peerAddress)) {
                socket.joinGroup(peerAddress, ifindex);
            }
            reader = JournalReader.fromEnd(journal);
        } catch (final RuntimeException e) {
            startFailure = new IllegalStateException("pfsync on " + ifname + ": " + e.getMessage(), e);
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
                if (requesting && now - requestSentMillis >= BULK_RETRY_MILLIS) {
                    if (requestRetries >= BULK_MAX_RETRIES) {
                        requesting = false;
                        inSync = true;
                        log.println("tandem: pfsync: no bulk update after " + BULK_MAX_RETRIES
                                + " requests; declaring this node ready (as FreeBSD does)");
                    } else {
                        requestRetries++;
                        sendBulkRequest();
                    }
                }
                if (bulkAsked) {
                    bulkAsked = false;
                    sendBulk();
                }
                int work = readLocalChanges(reader);
                if ((pendingStateCount > 0 || pendingDeleteCount > 0)
                        && now - firstPendingMillis >= FLUSH_DELAY_MILLIS) {
                    flush();
                    work++;
                }
                work += receive();
                if (work == 0) {
                    socket.poll(10);
                }
            }
            flush();
        } finally {
            socket.close();
        }
    }

    private int readLocalChanges(final JournalReader reader) {
        int n = 0;
        JournalReadStatus st;
        while (n < 256 && (st = reader.next()) != JournalReadStatus.END) {
            if (st != JournalReadStatus.OK) {
                continue;
            }
            n++;
            final JournalRecordFlyweight r = reader.record();
            if (r.originKind() != JournalRecorder.ORIGIN_RULE) {
                continue; // learned from a peer (or imported): never echoed
            }
            final int type = r.type();
            if (type == JournalRecordType.INSERT.code()) {
                queueState(r, PfsyncConstants.ACT_INS);
            } else if (type == JournalRecordType.UPDATE.code()) {
                queueState(r, PfsyncConstants.ACT_UPD);
            } else if (type == JournalRecordType.DELETE.code()) {
                queueDelete(r.id(), r.creatorId());
            }
        }
        return n;
    }

    private void queueState(final JournalRecordFlyweight r, final int action) {
        for (int i = 0; i < pendingStateCount; i++) {
            pending.wrap(pendingViews[i], 0);
            if (pending.id() == r.id() && pending.creatorId() == r.creatorId()) {
                r.buffer().getBytes(r.offset(), pendingStates[i], 0, JournalRecordFlyweight.LENGTH);
                return; // coalesced: the newest content, the first action (an INS stays an INS)
            }
        }
        if (pendingStateCount == MAX_PENDING_STATES) {
            flush();
        }
        markPending();
        r.buffer().getBytes(r.offset(), pendingStates[pendingStateCount], 0, JournalRecordFlyweight.LENGTH);
        pendingAction[pendingStateCount++] = action;
    }

    private void queueDelete(final long id, final int creator) {
        for (int i = 0; i < pendingStateCount; i++) {
            pending.wrap(pendingViews[i], 0);
            if (pending.id() == id && pending.creatorId() == creator) {
                final int last = --pendingStateCount;
                System.arraycopy(pendingStates[last], 0, pendingStates[i], 0, JournalRecordFlyweight.LENGTH);
                pendingAction[i] = pendingAction[last];
                break;
            }
        }
        if (pendingDeleteCount == MAX_PENDING_DELETES) {
            flush();
        }
        markPending();
        pendingDeleteIds[pendingDeleteCount] = id;
        pendingDeleteCreators[pendingDeleteCount++] = creator;
    }

    private void markPending() {
        if (pendingStateCount == 0 && pendingDeleteCount == 0) {
            firstPendingMillis = now;
        }
    }

    /** Sends everything pending, in as many frames as it takes, sections in A.6 order. */
    private void flush() {
        int ins = 0;
        int upd = 0;
        int del = 0;
        while (ins < pendingStateCount || upd < pendingStateCount || del < pendingDeleteCount) {
            encoder.beginFrame();
            ins = appendStates(PfsyncConstants.ACT_INS, ins);
            upd = appendStates(PfsyncConstants.ACT_UPD, upd);
            while (del < pendingDeleteCount && encoder.fits(PfsyncConstants.ACT_DEL_C)) {
                encoder.beginSection(PfsyncConstants.ACT_DEL_C);
                if (!encoder.appendDelC(pendingDeleteIds[del], pendingDeleteCreators[del])) {
                    break;
                }
                del++;
            }
            if (encoder.isEmpty()) {
                break;
            }
            sendFrame(encoder.finish());
        }
        pendingStateCount = 0;
        pendingDeleteCount = 0;
    }

    /** Appends the pending states of one action from index {@code from}; returns where it stopped. */
    private int appendStates(final int action, final int from) {
        int i = from;
        for (; i < pendingStateCount; i++) {
            if (pendingAction[i] != action) {
                continue;
            }
            if (!encoder.fits(action)) {
                return i;
            }
            pending.wrap(pendingViews[i], 0);
            toValues(pending);
            encoder.beginSection(action);
            if (!encoder.appendState1301(values)) {
                return i;
            }
        }
        return i;
    }

    /** A journal record as pfsync state values (pf's key slot convention: inbound → source in slot 1). */
    private void toValues(final JournalRecordFlyweight r) {
        values.clear();
        values.id = r.id();
        values.creatorid = r.creatorId();
        values.af = r.af();
        values.proto = r.proto();
        values.direction = r.direction() == 2 ? 2 : 1;
        values.timeout = r.timeoutClass();
        keys(r.af(), r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), r.srcPort(), r.dstPort());
        values.src.set(r.seqLo(0), r.seqHi(0), r.seqDiff(0), r.maxWin(0), r.mss(0), r.peerState(0), r.wscale(0));
        values.dst.set(r.seqLo(1), r.seqHi(1), r.seqDiff(1), r.maxWin(1), r.mss(1), r.peerState(1), r.wscale(1));
        values.creation = Math.max(0, (now - r.creationMillis()) / 1000);
        values.expire = Math.max(1, (r.expireAtMillis() - now) / 1000);
        values.packets[0] = r.packets(0);
        values.packets[1] = r.packets(1);
        values.bytes[0] = r.bytes(0);
        values.bytes[1] = r.bytes(1);
    }

    /** UPD_REQ {id 0, creatorid 0}: "send me everything" (W.10). */
    private void sendBulkRequest() {
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_UPD_REQ);
        encoder.appendUpdReq(0, 0);
        sendFrame(encoder.finish());
        requestSentMillis = now;
    }

    /**
     * Answers a bulk request: BUS START, every live state as a full UPD (read through the packet
     * thread's snapshot mailbox, paced at one frame per 2 ms so the link and the peer keep up), BUS
     * END with the whole seconds elapsed since the request.
     */
    private void sendBulk() {
        sendBus(PfsyncConstants.PFSYNC_BUS_START);
        bulkSent = 0;
        encoder.beginFrame();
        try {
            snapshots.read((rows, o, snapshotNow) -> {
                rowToValues(rows, o, snapshotNow);
                encoder.beginSection(PfsyncConstants.ACT_UPD);
                if (!encoder.appendState1301(values)) {
                    sendFrame(encoder.finish());
                    pause(2);
                    encoder.beginFrame();
                    encoder.beginSection(PfsyncConstants.ACT_UPD);
                    encoder.appendState1301(values);
                }
                bulkSent++;
            }, 5000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (final IllegalStateException e) {
            log.println("tandem: pfsync: bulk update aborted: " + e.getMessage());
            return;
        }
        if (!encoder.isEmpty()) {
            sendFrame(encoder.finish());
        }
        now = System.currentTimeMillis();
        sendBus(PfsyncConstants.PFSYNC_BUS_END);
        log.println("tandem: pfsync: bulk update sent: " + bulkSent + " states");
    }

    private void sendBus(final int status) {
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_BUS);
        final long endtime = status == PfsyncConstants.PFSYNC_BUS_END ? Math.max(0, (now - bulkAskedMillis) / 1000) : 0;
        encoder.appendBus(creatorIdForBus, endtime, status);
        sendFrame(encoder.finish());
    }

    private void sendFrame(final int length) {
        sendBuffer.putBytes(0, encoder.buffer(), 0, length);
        final int sent = socket.sendTo(sendBuffer, 0, length, peerAddress);
        if (sent < 0) {
            if (stats.oerrors++ == 0) {
                log.println("tandem: pfsync: sending to " + Ipv4Address.format(peerAddress) + " failed: "
                        + io.tandem.nativeio.libc.NativeException.errnoName(-sent) + " (counted as oerrors; reported once)");
            }
        } else {
            stats.opackets++;
            encoder.countOutput(stats);
        }
    }

    private static void pause(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Interface "all" (floating) and both keys, in pf's slot convention: for an inbound state the
     * initiator (source) is in slot 1, for an outbound one in slot 0. Set {@code values.direction} first.
     */
    private void keys(final int af, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
            final int srcPort, final int dstPort) {
        values.ifname.append("all");
        final int srcSlot = values.direction == 1 ? 1 : 0;
        final int dstSlot = 1 - srcSlot;
        if (af == 2) {
            values.wireKey.ipv4(srcSlot, (int) srcLo).ipv4(dstSlot, (int) dstLo);
        } else {
            values.wireKey.ipv6(srcSlot, srcHi, srcLo).ipv6(dstSlot, dstHi, dstLo);
        }
        values.wireKey.port(srcSlot, srcPort).port(dstSlot, dstPort);
        values.stackKey.set(values.wireKey);
    }

    /** A snapshot row as pfsync state values (same conventions as {@link #toValues}). */
    private void rowToValues(final long[] r, final int o, final long at) {
        values.clear();
        values.id = r[o + StateSnapshotMailbox.F_ID];
        values.creatorid = (int) r[o + StateSnapshotMailbox.F_CREATOR_ID];
        final int af = (int) r[o + StateSnapshotMailbox.F_FAMILY];
        values.af = af;
        values.proto = (int) r[o + StateSnapshotMailbox.F_PROTO];
        values.direction = r[o + StateSnapshotMailbox.F_DIRECTION] == 2 ? 2 : 1;
        values.timeout = (int) r[o + StateSnapshotMailbox.F_TIMEOUT_CLASS];
        keys(af, r[o + StateSnapshotMailbox.F_SRC_HI], r[o + StateSnapshotMailbox.F_SRC_LO],
                r[o + StateSnapshotMailbox.F_DST_HI], r[o + StateSnapshotMailbox.F_DST_LO],
                (int) r[o + StateSnapshotMailbox.F_SRC_PORT], (int) r[o + StateSnapshotMailbox.F_DST_PORT]);
        peerValues(values.src, r, o + StateSnapshotMailbox.F_PEER);
        peerValues(values.dst, r, o + StateSnapshotMailbox.F_PEER + StateSnapshotMailbox.PEER_FIELDS);
        values.creation = Math.max(0, (at - r[o + StateSnapshotMailbox.F_CREATED_MILLIS]) / 1000);
        values.expire = Math.max(1, r[o + StateSnapshotMailbox.F_EXPIRES_IN_SECONDS]);
        values.packets[0] = r[o + StateSnapshotMailbox.F_PACKETS_FWD];
        values.packets[1] = r[o + StateSnapshotMailbox.F_PACKETS_REV];
        values.bytes[0] = r[o + StateSnapshotMailbox.F_BYTES_FWD];
        values.bytes[1] = r[o + StateSnapshotMailbox.F_BYTES_REV];
    }

    private static void peerValues(final PfsyncStateValues.Peer peer, final long[] r, final int p) {
        peer.set(r[p + StateSnapshotMailbox.P_SEQLO], r[p + StateSnapshotMailbox.P_SEQHI], 0,
                (int) r[p + StateSnapshotMailbox.P_MAX_WIN], (int) r[p + StateSnapshotMailbox.P_MSS],
                (int) r[p + StateSnapshotMailbox.P_STATE], (int) r[p + StateSnapshotMailbox.P_WSCALE]);
    }

    /** True once a bulk update completed (or the requests gave up), as FreeBSD's "in sync". */
    public boolean inSync() {
        return inSync;
    }

    public long bulkStatesReceived() {
        return bulkStatesReceived;
    }

    private int receive() {
        int n = 0;
        while (n < 64) {
            final int length = socket.receive(receiveBuffer);
            if (length <= 0) {
                return n;
            }
            n++;
            if (!IpPacketInfo.headerComplete(receiveBuffer, 0, length)) {
                stats.hdrops++;
                continue;
            }
            if (socket.lastInterfaceIndex() != ifindex) {
                stats.badif++;
                continue;
            }
            if (IpPacketInfo.ttl(receiveBuffer, 0) != PfsyncConstants.PFSYNC_DFLTTL) {
                stats.badttl++;
                continue;
            }
            final int ihl = IpPacketInfo.headerLength(receiveBuffer, 0);
            final int total = Math.min(length, IpPacketInfo.totalLength(receiveBuffer, 0));
            decoder.decode(receiveBuffer, ihl, total - ihl, handler);
        }
        return n;
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

    /** Turns decoded pfsync records into journal-format records for the packet thread. */
    private final class Handler implements PfsyncRecordHandler {
        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
            final boolean insert = action == PfsyncConstants.ACT_INS || action == PfsyncConstants.ACT_INS_1400
                    || action == PfsyncConstants.ACT_INS_1500;
            final int af = PfsyncConstants.linuxAf(s.af());
            final int srcSlot = s.direction() == 2 ? 0 : 1;
            final int dstSlot = 1 - srcSlot;
            inbound.clear().type(insert ? JournalRecordType.INSERT.code() : JournalRecordType.UPDATE.code())
                    .originKind(JournalRecorder.ORIGIN_PEER).origin(s.creatorid())
                    .wallTimeMillis(now).creatorId(s.creatorid()).id(s.id())
                    .af(af).proto(s.proto()).direction(s.direction()).timeoutClass(s.timeout());
            if (af == 2) {
                inbound.addresses(0, s.wireKey().addrIpv4(srcSlot) & 0xFFFF_FFFFL, 0,
                        s.wireKey().addrIpv4(dstSlot) & 0xFFFF_FFFFL);
            } else {
                inbound.addresses(s.wireKey().addrHi(srcSlot), s.wireKey().addrLo(srcSlot),
                        s.wireKey().addrHi(dstSlot), s.wireKey().addrLo(dstSlot));
            }
            inbound.ports(s.wireKey().port(srcSlot), s.wireKey().port(dstSlot)).rule(-1)
                    .peer(0, s.src().seqlo(), s.src().seqhi(), s.src().seqdiff(), s.src().maxWin(), s.src().mss(),
                            s.src().state(), s.src().wscale())
                    .peer(1, s.dst().seqlo(), s.dst().seqhi(), s.dst().seqdiff(), s.dst().maxWin(), s.dst().mss(),
                            s.dst().state(), s.dst().wscale())
                    .creationMillis(now - s.creation() * 1000)
                    .expireAtMillis(s.expire() == 0 ? 0 : now + s.expire() * 1000)
                    .counters(s.packets(0), s.packets(1), s.bytes(0), s.bytes(1))
                    .seal(crc);
            inbox.offer(inboundBuffer, 0);
            if (requesting) {
                bulkStatesReceived++;
            }
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            inbound.clear().type(JournalRecordType.DELETE.code()).originKind(JournalRecorder.ORIGIN_PEER)
                    .origin(creatorid).wallTimeMillis(now).creatorId(creatorid).id(id).seal(crc);
            inbox.offer(inboundBuffer, 0);
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
            // Not yet handled (first version).
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
            // Deferral is not implemented yet.
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            // Compressed updates are not handled yet; FreeBSD peers send them (first version).
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
            if (id == 0 && creatorid == 0) {
                bulkAsked = true; // answered from the main loop, after this frame
                bulkAskedMillis = now;
            }
            // UPD_REQ for one state: not answered yet (first version).
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
            if (!requesting) {
                return; // FreeBSD accepts BUS only while a request is outstanding
            }
            if (status == PfsyncConstants.PFSYNC_BUS_END && now / 1000 - endtime >= firstRequestMillis / 1000 - 1) {
                requesting = false;
                inSync = true;
                log.println(String.format("tandem: pfsync: bulk update from %08x complete: in sync", creatorid));
            }
        }
    }

}
