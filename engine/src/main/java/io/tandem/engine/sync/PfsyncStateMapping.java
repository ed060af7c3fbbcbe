package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncStatePeerFlyweight;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;

/**
 * Translates between Tandem's journal records (and state snapshot rows) and pfsync state records,
 * in both directions, without allocating.
 *
 * <p><b>Key slots (docs/pfsync-wire.md, "Key slots", from FreeBSD's source).</b> Tandem stores a
 * state as its initiator sent it: {@code src} address/port = the sender of the first packet,
 * {@code dst} = the responder, peer half 0 = initiator, counters index 0 = initiator to responder.
 * pf builds its key with {@code addr[pd->sidx]} = the packet's source, where {@code sidx = 0} for a
 * packet entering ({@code PF_IN}) and {@code 1} for one leaving ({@code PF_OUT}) (FreeBSD
 * {@code pf.c}: {@code pf_setup_pdesc}/{@code pf_test6} set {@code sidx}, {@code pf_state_key_setup}
 * fills the slots). So the initiator is in slot 0 of an inbound state and in slot 1 of an outbound
 * one, in both the WIRE and STACK keys (equal here: no NAT); {@code src} is the initiator's peer
 * ({@code pf_create_state}) and {@code packets[0]} counts the state's own direction ({@code pf_test}:
 * {@code dirndx = (dir == s->direction) ? 0 : 1}).
 *
 * <p><b>ICMP echo.</b> Tandem keys an echo state by its identifier in both ports, as FreeBSD up to 14
 * does ({@code pf_test_rule}: {@code sport = dport = icmp_id}). FreeBSD 15 keys it by
 * ({@code virtual_id}, {@code virtual_type}) instead ({@code pf_icmp_mapping}: the id in the
 * initiator's slot, {@code htons(ICMP_ECHO)} or {@code htons(ICMP6_ECHO_REQUEST)} in the other), so
 * format 1500 — FreeBSD 15 only — is sent that way. On receipt the identifier is taken from the
 * initiator's slot, which holds it in both conventions.
 *
 * <p>States are floating ({@code ifname "all"}). Times: pfsync carries ages and remaining lifetimes
 * in seconds, the journal absolute milliseconds; an outgoing {@code expire} is at least 1, an incoming
 * 0 means a full lifetime (the deadline is left 0 for the packet thread to fill). Owner: the sync
 * thread (one instance per thread).
 */
final class PfsyncStateMapping {
    /** ICMP type in the responder's key slot of an echo state, FreeBSD 15 convention. */
    static final int ICMP_ECHO = 8;
    /** ICMPv6 type in the responder's key slot of an echo state, FreeBSD 15 convention. */
    static final int ICMP6_ECHO_REQUEST = 128;

    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    /** Record format sent (1301, 1400, 1500); decides the ICMP echo key convention. */
    private final int format;

    /** A mapping for the FreeBSD 10 to 14 key conventions (format 1301 or 1400). */
    PfsyncStateMapping() {
        this(PfsyncConstants.FORMAT_1301);
    }

    /** A mapping whose outgoing keys follow the convention of the FreeBSD that reads {@code format}. */
    PfsyncStateMapping(final int format) {
        this.format = format;
    }

    /** pf's key slot of the initiator (the first packet's source): 0 for PF_IN, 1 for PF_OUT. */
    static int initiatorSlot(final int direction) {
        return direction == PfConstants.PF_OUT ? 1 : 0;
    }

    /** A journal record as pfsync state values. */
    void toValues(final JournalRecordFlyweight r, final long now, final PfsyncStateValues values) {
        values.clear();
        values.id = r.id();
        values.creatorid = r.creatorId();
        values.af = r.af();
        values.proto = r.proto();
        values.direction = r.direction() == 2 ? 2 : 1;
        values.timeout = r.timeoutClass();
        // PFSTATE_ACK: the INS of a state whose first packet is held asks the peers for INS_ACK (spec D.4).
        values.stateFlags = r.type() == JournalRecordType.INSERT.code() ? r.stateFlags() & PfConstants.PFSTATE_ACK : 0;
        keys(values, r.af(), r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), r.srcPort(), r.dstPort());
        values.src.set(r.seqLo(0), r.seqHi(0), r.seqDiff(0), r.maxWin(0), r.mss(0), r.peerState(0), r.wscale(0));
        values.dst.set(r.seqLo(1), r.seqHi(1), r.seqDiff(1), r.maxWin(1), r.mss(1), r.peerState(1), r.wscale(1));
        values.creation = Math.max(0, (now - r.creationMillis()) / 1000);
        values.expire = Math.max(1, (r.expireAtMillis() - now) / 1000);
        values.packets[0] = r.packets(0);
        values.packets[1] = r.packets(1);
        values.bytes[0] = r.bytes(0);
        values.bytes[1] = r.bytes(1);
    }

    /** A snapshot row (bulk update) as pfsync state values. */
    void rowToValues(final long[] r, final int o, final long at, final PfsyncStateValues values) {
        values.clear();
        values.id = r[o + StateSnapshotMailbox.F_ID];
        values.creatorid = (int) r[o + StateSnapshotMailbox.F_CREATOR_ID];
        final int af = (int) r[o + StateSnapshotMailbox.F_FAMILY];
        values.af = af;
        values.proto = (int) r[o + StateSnapshotMailbox.F_PROTO];
        values.direction = r[o + StateSnapshotMailbox.F_DIRECTION] == 2 ? 2 : 1;
        values.timeout = (int) r[o + StateSnapshotMailbox.F_TIMEOUT_CLASS];
        keys(values, af, r[o + StateSnapshotMailbox.F_SRC_HI], r[o + StateSnapshotMailbox.F_SRC_LO],
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

    /** Interface "all" (floating) and both keys in pf's slot convention; {@code values.direction} first. */
    private void keys(final PfsyncStateValues values, final int af, final long srcHi, final long srcLo,
            final long dstHi, final long dstLo, final int srcPort, final int dstPort) {
        values.ifname.append("all");
        final int srcSlot = initiatorSlot(values.direction);
        final int dstSlot = 1 - srcSlot;
        if (af == 2) {
            values.wireKey.ipv4(srcSlot, (int) srcLo).ipv4(dstSlot, (int) dstLo);
        } else {
            values.wireKey.ipv6(srcSlot, srcHi, srcLo).ipv6(dstSlot, dstHi, dstLo);
        }
        values.wireKey.port(srcSlot, srcPort).port(dstSlot, dstPort);
        if (format == PfsyncConstants.FORMAT_1500 && isIcmp(values.proto)) {
            values.wireKey.port(dstSlot, values.proto == PfsyncConstants.IPPROTO_ICMP ? ICMP_ECHO : ICMP6_ECHO_REQUEST);
        }
        values.stackKey.set(values.wireKey);
    }

    private static boolean isIcmp(final int proto) {
        return proto == PfsyncConstants.IPPROTO_ICMP || proto == PfsyncConstants.IPPROTO_ICMPV6;
    }

    /** A peer's full state (INS or UPD, any format) as an inbox record. */
    void fromState(final boolean insert, final PfsyncStateRecord s, final long now, final JournalRecordFlyweight out) {
        final int af = PfsyncConstants.linuxAf(s.af());
        final int srcSlot = initiatorSlot(s.direction());
        final int dstSlot = 1 - srcSlot;
        identity(out, insert ? JournalRecordType.INSERT : JournalRecordType.UPDATE, s.creatorid(), s.id(), now)
                .af(af).proto(s.proto()).direction(s.direction()).timeoutClass(s.timeout());
        if (af == 2) {
            out.addresses(0, s.wireKey().addrIpv4(srcSlot) & 0xFFFF_FFFFL, 0, s.wireKey().addrIpv4(dstSlot) & 0xFFFF_FFFFL);
        } else {
            out.addresses(s.wireKey().addrHi(srcSlot), s.wireKey().addrLo(srcSlot), s.wireKey().addrHi(dstSlot),
                    s.wireKey().addrLo(dstSlot));
        }
        final int srcPort = s.wireKey().port(srcSlot);
        out.ports(srcPort, isIcmp(s.proto()) ? srcPort : s.wireKey().port(dstSlot)).rule(-1);
        peers(out, s.src(), s.dst());
        out.creationMillis(now - s.creation() * 1000)
                .expireAtMillis(s.expire() == 0 ? 0 : now + s.expire() * 1000)
                .counters(s.packets(0), s.packets(1), s.bytes(0), s.bytes(1))
                .seal(crc);
    }

    /** A peer's UPD_C as an inbox record: identity, both halves, timeout class (its expire is ignored, A.5.1). */
    void fromUpdC(final PfsyncUpdCFlyweight u, final long now, final JournalRecordFlyweight out) {
        identity(out, JournalRecordType.UPDATE, u.creatorid(), u.id(), now).timeoutClass(u.timeout());
        peers(out, u.src(), u.dst());
        out.seal(crc);
    }

    /** An identity-only inbox record (DEL_C, UPD_REQ, CLR with {@code ifindex}). */
    void fromIdentity(final JournalRecordType type, final int creatorid, final long id, final int ifindex,
            final long now, final JournalRecordFlyweight out) {
        identity(out, type, creatorid, id, now).ifindex(ifindex).seal(crc);
    }

    private static JournalRecordFlyweight identity(final JournalRecordFlyweight out, final JournalRecordType type,
            final int creatorid, final long id, final long now) {
        return out.clear().type(type.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(creatorid)
                .wallTimeMillis(now).creatorId(creatorid).id(id);
    }

    private static void peers(final JournalRecordFlyweight out, final PfsyncStatePeerFlyweight src,
            final PfsyncStatePeerFlyweight dst) {
        out.peer(0, src.seqlo(), src.seqhi(), src.seqdiff(), src.maxWin(), src.mss(), src.state(), src.wscale())
                .peer(1, dst.seqlo(), dst.seqhi(), dst.seqdiff(), dst.maxWin(), dst.mss(), dst.state(), dst.wscale());
    }
}
