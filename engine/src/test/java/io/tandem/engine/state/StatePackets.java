package io.tandem.engine.state;

import io.tandem.engine.sync.SyncPolicy;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.journal.JournalRecordFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

/** Hand-filled {@link DecodedPacket} fixtures for state tests; the {@code set*} methods reuse a packet without allocating. */
public final class StatePackets {
    static final long A = 0x0a000001L; // 10.0.0.1, the initiator
    static final long B = 0x0a000002L; // 10.0.0.2, the responder
    static final long R = 0x0a0000feL; // 10.0.0.254, a router sending ICMP errors
    static final int A_PORT = 40000;
    static final int B_PORT = 80;

    static final int SYN = DecodedPacket.TH_SYN;
    static final int ACK = DecodedPacket.TH_ACK;
    static final int FIN = DecodedPacket.TH_FIN;
    static final int RST = DecodedPacket.TH_RST;
    static final int PSH = DecodedPacket.TH_PUSH;

    private StatePackets() {
    }

    /**
     * An exchange record of an IPv4 state for {@link StateTable#restore}: inbound, no interface, no
     * rule, halves and counters zero (set them on the record).
     */
    static JournalRecordFlyweight record(final int proto, final long src, final int sport, final long dst,
            final int dport, final int creator, final long id, final long created, final int timeoutClass) {
        return new JournalRecordFlyweight().wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0)
                .clear().af(2).proto(proto).direction(PfConstants.PF_IN).addresses(0, src, 0, dst)
                .ports(sport, dport).rule(-1).creatorId(creator).id(id).creationMillis(created)
                .timeoutClass(timeoutClass);
    }

    static DecodedPacket tcp(final long src, final int sport, final long dst, final int dport, final int flags,
            final long seq, final long ack, final int win, final int len, final int wscale) {
        final DecodedPacket p = new DecodedPacket();
        setTcp(p, src, sport, dst, dport, flags, seq, ack, win, len, wscale);
        return p;
    }

    static void setTcp(final DecodedPacket p, final long src, final int sport, final long dst, final int dport,
            final int flags, final long seq, final long ack, final int win, final int len, final int wscale) {
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_TCP;
        p.srcLo = src;
        p.dstLo = dst;
        p.l4Offset = 20;
        p.srcPort = sport;
        p.dstPort = dport;
        p.tcpFlags = flags;
        p.seq = seq & 0xffffffffL;
        p.ack = ack & 0xffffffffL;
        p.window = win;
        p.payloadLength = len;
        p.wscale = wscale;
        p.mss = (flags & SYN) != 0 ? 1460 : 0;
        p.ipLength = 40 + len;
    }

    public static DecodedPacket udp(final long src, final int sport, final long dst, final int dport) {
        final DecodedPacket p = new DecodedPacket();
        setUdp(p, src, sport, dst, dport);
        return p;
    }

    static void setUdp(final DecodedPacket p, final long src, final int sport, final long dst, final int dport) {
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.srcLo = src;
        p.dstLo = dst;
        p.l4Offset = 20;
        p.srcPort = sport;
        p.dstPort = dport;
        p.payloadLength = 32;
        p.ipLength = 60;
    }

    /** ICMP echo request (type 8) or reply (type 0). */
    static DecodedPacket icmpEcho(final long src, final long dst, final int id, final int type) {
        final DecodedPacket p = new DecodedPacket();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_ICMP;
        p.srcLo = src;
        p.dstLo = dst;
        p.l4Offset = 20;
        p.icmpType = type;
        p.icmpId = id;
        p.srcPort = id;
        p.dstPort = id;
        p.payloadLength = 56;
        p.ipLength = 84;
        return p;
    }

    /** ICMP destination unreachable from {@code src} to {@code dst}, quoting a packet innerSrc → innerDst. */
    static DecodedPacket icmpError(final long src, final long dst, final int innerProto, final long innerSrc,
            final int innerSport, final long innerDst, final int innerDport, final long innerSeq) {
        final DecodedPacket p = new DecodedPacket();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_ICMP;
        p.srcLo = src;
        p.dstLo = dst;
        p.l4Offset = 20;
        p.icmpType = 3;
        p.icmpCode = 1;
        p.icmpError = true;
        p.innerFamily = DecodedPacket.FAMILY_INET;
        p.innerProtocol = innerProto;
        p.innerSrcLo = innerSrc;
        p.innerDstLo = innerDst;
        p.innerSrcPort = innerSport;
        p.innerDstPort = innerDport;
        p.innerSeq = innerSeq & 0xffffffffL;
        p.ipLength = 56;
        return p;
    }

    static StateTable table(final int capacity) {
        return withSyncPolicy(new StateTable(capacity, 16, 0x1234abcd, StateIds.initialBase(1_700_000_000_000L),
            new StateCounters()));
    }

    /**
     * Attaches the pfsync policy before the first state, as the engine assembly does with sync on: the
     * bookkeeping the merge and split-path tests read (what was reported, when a peer updated a state).
     * Ordinary updates stay unreported until a test calls {@code enableSyncUpdates}.
     */
    static StateTable withSyncPolicy(final StateTable table) {
        SyncPolicy.of(table);
        return table;
    }

    static StateTable table(final int capacity, final boolean normalize, final StateTimeouts timeouts) {
        return withSyncPolicy(new StateTable(capacity, 16, false, normalize, timeouts, 0x1234abcd, 0, new StateCounters()));
    }
}
