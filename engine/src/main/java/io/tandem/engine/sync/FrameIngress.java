package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import io.tandem.nativeio.ipraw.IpPacketInfo;
import io.tandem.nativeio.libc.Interfaces;
import java.util.function.IntConsumer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What peers tell this node: a received pfsync frame checked, decoded and turned into
 * {@link PeerInbox} messages for the packet thread that holds each state ({@link PeerInboxes}; spec C.1, C.5).
 *
 * <p>Theory of operation. {@link #acceptFrame} takes one received IPv4 packet, header included, and
 * checks in the order of spec C.1 and W.12: header complete ({@code hdrops}), arrived on the sync
 * interface ({@code badif}), TTL 255 ({@code badttl}), the authentication trailer when configured
 * ({@code badauth}, before a single record is read), then the decoder (version, lengths, sections,
 * records). {@link #acceptFrame6} does the same for an IPv6 payload (FreeBSD's {@code pfsync6_input}).
 * Each valid record becomes a message: full states (INS, UPD) and UPD_C, DEL_C, CLR and single-state
 * UPD_REQ go to the inbox; an INS with PFSTATE_ACK (the peer holds its first packet) is answered with
 * INS_ACK ({@link Acknowledger}) as soon as it is in the inbox, the inbox's thread applying it before it
 * decides any packet received afterwards ({@link PeerInbox#applyAcknowledged}) — where FreeBSD answers
 * after importing the state, which here would cost two more hand-offs between threads; an INS_ACK
 * naming one of our states goes to the inbox's acknowledgement
 * lane (another node's is counted and left alone); UPD_REQ 0/0 starts a bulk update
 * ({@link BulkUpdateSender}); BUS goes to the {@link BulkRequester}. Owner: the sync thread. Memory
 * bound: one 256-byte staging record. Failure policy: every bad frame or record is counted under
 * FreeBSD's pfsyncstats names and skipped; nothing a peer sends throws.
 */
final class FrameIngress {
    /** Queues INS_ACK(id, creatorid) for the peers, to go out at once (the sync agent's outbox). */
    @FunctionalInterface
    interface Acknowledger {
        void acknowledge(long id, int creatorId);
    }

    /** Offset of {@code len} (u16, big-endian) in the pfsync header. */
    private static final int PFSYNC_LEN_OFFSET = 2;

    private final PfsyncStats stats;
    private final SyncPeers peers;
    private final PfsyncFrameDecoder decoder;
    private final PfsyncStateMapping mapping;
    private final PeerInboxes inbox;
    private final FrameAuthenticator auth;
    private final BulkRequester requester;
    private final BulkUpdateSender bulk;
    private final int ownCreatorId;
    private final Acknowledger acknowledger;
    private final UnsafeBuffer inboundBuffer = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight inbound = new JournalRecordFlyweight().wrap(inboundBuffer, 0);
    private final Receiver receiver = new Receiver();

    private int ifindex;
    private long now;
    private IntConsumer sender;
    private volatile long acksForOthers;

    private AckQuorum quorum;

    FrameIngress(final PfsyncStats stats, final SyncPeers peers, final PfsyncStateMapping mapping,
            final PeerInboxes inbox, final FrameAuthenticator auth, final BulkRequester requester,
            final BulkUpdateSender bulk, final int ownCreatorId, final Acknowledger acknowledger) {
        this.stats = stats;
        this.peers = peers;
        this.decoder = new PfsyncFrameDecoder(stats);
        this.mapping = mapping;
        this.inbox = inbox;
        this.auth = auth;
        this.requester = requester;
        this.bulk = bulk;
        this.ownCreatorId = ownCreatorId;
        this.acknowledger = acknowledger;
    }

    /**
     * With several peers, an INS_ACK of ours reaches the packet thread only once every answering peer
     * acknowledged the state ({@link AckQuorum}); null (tests): the first one does.
     */
    void ackQuorum(final AckQuorum q) {
        this.quorum = q;
    }

    /** The sync interface's index: frames that arrive elsewhere are {@code badif}. */
    void syncInterface(final int index) {
        this.ifindex = index;
    }

    /** INS_ACKs naming another node's state (in a group of three or more): not ours to act on. */
    long acksForOthers() {
        return acksForOthers;
    }

    /**
     * One received IPv4 packet (header included).
     *
     * @param sender where a bulk update this frame asks for sends its first frames
     */
    void acceptFrame(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int source,
            final long nowMillis, final IntConsumer frameSender) {
        this.now = nowMillis;
        this.sender = frameSender;
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
        if (quorum != null) {
            quorum.heard(peers.current());
        }
        decoder.decode(buffer, ihl, payload, receiver);
    }

    /**
     * One received IPv6 payload (an IPv6 raw socket delivers no header: the arrival interface and hop
     * limit come as ancillary data), checked as FreeBSD's {@code pfsync6_input}: arrived on the sync
     * interface ({@code badif}), hop limit 255 ({@code badttl}), then as {@link #acceptFrame}. Counted in
     * {@code ipackets6} (FreeBSD 14's {@code pfsync6_input} counts {@code ipackets}; we keep the two apart).
     */
    void acceptFrame6(final UnsafeBuffer buffer, final int length, final int arrivedOn, final int hopLimit,
            final long sourceHi, final long sourceLo, final long nowMillis, final IntConsumer frameSender) {
        this.now = nowMillis;
        this.sender = frameSender;
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
        if (quorum != null) {
            quorum.heard(peers.current());
        }
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

    /** Turns decoded pfsync records into {@link PeerInbox} messages (spec C.5), on the sync thread. */
    private final class Receiver implements PfsyncRecordHandler {
        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
            final boolean insert = action == PfsyncConstants.ACT_INS || action == PfsyncConstants.ACT_INS_1400
                    || action == PfsyncConstants.ACT_INS_1500;
            peers.creator(s.creatorid());
            mapping.fromState(insert, s, now, inbound);
            if (insert && (s.stateFlags() & PfConstants.PFSTATE_ACK) != 0) {
                if (inbox.offerAcknowledged(peers.current(), inboundBuffer, 0)) {
                    acknowledger.acknowledge(inbound.id(), inbound.creatorId());
                }
            } else {
                inbox.offer(PeerInbox.fromPeer(PeerInbox.STATE, peers.current()), inboundBuffer, 0);
            }
            requester.onState(now);
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            peers.creator(updC.creatorid());
            mapping.fromUpdC(updC, now, inbound);
            inbox.offer(PeerInbox.fromPeer(PeerInbox.COMPRESSED, peers.current()), inboundBuffer, 0);
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
            if (creatorid != ownCreatorId) {
                acksForOthers++; // another node's state acknowledged to it (multicast group)
                return;
            }
            if (quorum != null && !quorum.acknowledged(id, peers.current(), now)) {
                return; // another answering peer has not acknowledged it yet
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
            if (requester.onBus(creatorid, endtime, status, now)) {
                // After the bulk's states (same ring, in order): reconcile what it did not contain.
                mapping.fromIdentity(JournalRecordType.UPDATE, creatorid, 0, 0, requester.firstRequestMillis(), inbound);
                inbox.offer(PeerInbox.BULK_END, inboundBuffer, 0);
            }
        }
    }
}
