package io.tandem.engine.sync.wire;

import io.tandem.engine.state.PfConstants;

/**
 * Mutable holder of the state fields the engine models, filled by the caller before
 * {@link PfsyncFrameEncoder#appendState1301} (and the 1400/1500 variants) or read back from a
 * received record with {@link #read(PfsyncStateRecord)}. Preallocate one per owner thread and reuse
 * it; nothing here allocates after construction.
 *
 * <p>Fields we do not model (rule numbers, rt_addr, log, sync_flags, queue ids, dummynet pipes,
 * routing table, min_ttl, set_tos, max_mss, set_prio, route-to interface, tag name) are written by
 * the encoder as FreeBSD expects them from us (W.6): rule numbers {@code ff ff ff ff}, the rest zero.
 */
public final class PfsyncStateValues {
    /** One connection key: two addresses (hi/lo big-endian halves of a pf_addr) and two ports. */
    public static final class Key {
        public final long[] addrHi = new long[2];
        public final long[] addrLo = new long[2];
        public final int[] port = new int[2];

        /** Sets {@code addr[slot]} to an IPv4 address (first 4 bytes, rest zero). */
        public Key ipv4(final int slot, final int address) {
            addrHi[slot] = (address & 0xFFFF_FFFFL) << 32;
            addrLo[slot] = 0;
            return this;
        }

        public Key ipv6(final int slot, final long hi, final long lo) {
            addrHi[slot] = hi;
            addrLo[slot] = lo;
            return this;
        }

        public Key port(final int slot, final int value) {
            port[slot] = value;
            return this;
        }

        public Key set(final Key other) {
            for (int i = 0; i < 2; i++) {
                addrHi[i] = other.addrHi[i];
                addrLo[i] = other.addrLo[i];
                port[i] = other.port[i];
            }
            return this;
        }

        public void clear() {
            for (int i = 0; i < 2; i++) {
                addrHi[i] = 0;
                addrLo[i] = 0;
                port[i] = 0;
            }
        }

        public boolean sameAs(final Key other) {
            for (int i = 0; i < 2; i++) {
                if (addrHi[i] != other.addrHi[i] || addrLo[i] != other.addrLo[i] || port[i] != other.port[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One connection half ({@code pfsync_state_peer} without the scrub block, which we send as zero). */
    public static final class Peer {
        /** Unsigned 32-bit values held in longs. */
        public long seqlo;
        public long seqhi;
        public long seqdiff;
        public int maxWin;
        public int mss;
        public int state;
        public int wscale;

        public Peer set(final long seqlo, final long seqhi, final long seqdiff, final int maxWin, final int mss,
                final int state, final int wscale) {
            this.seqlo = seqlo;
            this.seqhi = seqhi;
            this.seqdiff = seqdiff;
            this.maxWin = maxWin;
            this.mss = mss;
            this.state = state;
            this.wscale = wscale;
            return this;
        }

        public Peer set(final Peer other) {
            return set(other.seqlo, other.seqhi, other.seqdiff, other.maxWin, other.mss, other.state, other.wscale);
        }

        public void clear() {
            set(0, 0, 0, 0, 0, 0, 0);
        }

        public boolean sameAs(final Peer o) {
            return seqlo == o.seqlo && seqhi == o.seqhi && seqdiff == o.seqdiff && maxWin == o.maxWin
                && mss == o.mss && state == o.state && wscale == o.wscale;
        }
    }

    /** State id: opaque 64 bits, non-zero. */
    public long id;
    /** Bound interface name as the peer knows it, or {@code all} for floating states (ASCII, ≤ 15 chars). */
    public final StringBuilder ifname = new StringBuilder(PfsyncConstants.IFNAMSIZ);
    /** key[0] = WIRE. */
    public final Key wireKey = new Key();
    /** key[1] = STACK; equal to WIRE without NAT. */
    public final Key stackKey = new Key();
    public final Peer src = new Peer();
    public final Peer dst = new Peer();
    /** Age in seconds (unsigned 32 bits). */
    public long creation;
    /** Seconds left (unsigned 32 bits); at least 1 when sending a full state. */
    public long expire;
    /** packets[0], packets[1] and bytes[0], bytes[1]: plain 64-bit counters. */
    public final long[] packets = new long[2];
    public final long[] bytes = new long[2];
    /** Opaque 32 bits, non-zero. */
    public int creatorid;
    /** Address family: 2, or 28 (FreeBSD) or 10 (Linux) for IPv6; always sent as 2 or 28. */
    public int af;
    public int proto;
    /** {@link PfConstants#PF_IN} or {@link PfConstants#PF_OUT}. */
    public int direction;
    /** {@code PFSTATE_*}; we send only {@link PfConstants#PFSTATE_ACK}, while the first packet is deferred. */
    public int stateFlags;
    /** {@code PFTM_*} class. */
    public int timeout;

    /** Zeroes every field. */
    public PfsyncStateValues clear() {
        id = 0;
        ifname.setLength(0);
        wireKey.clear();
        stackKey.clear();
        src.clear();
        dst.clear();
        creation = 0;
        expire = 0;
        packets[0] = 0;
        packets[1] = 0;
        bytes[0] = 0;
        bytes[1] = 0;
        creatorid = 0;
        af = 0;
        proto = 0;
        direction = 0;
        stateFlags = 0;
        timeout = 0;
        return this;
    }

    public PfsyncStateValues ifname(final CharSequence name) {
        ifname.setLength(0);
        ifname.append(name);
        return this;
    }

    /**
     * Fills this holder from a received record of any format (af stays the wire value 2 or 28;
     * for 1500 the WIRE af and proto). Allocation-free.
     */
    public PfsyncStateValues read(final PfsyncStateRecord record) {
        id = record.id();
        record.getIfname(ifname);
        record.wireKey().get(wireKey);
        record.stackKey().get(stackKey);
        record.src().get(src);
        record.dst().get(dst);
        creation = record.creation();
        expire = record.expire();
        packets[0] = record.packets(0);
        packets[1] = record.packets(1);
        bytes[0] = record.bytes(0);
        bytes[1] = record.bytes(1);
        creatorid = record.creatorid();
        af = record.af();
        proto = record.proto();
        direction = record.direction();
        stateFlags = record.stateFlags();
        timeout = record.timeout();
        return this;
    }

    /** True when every modelled field equals {@code other}'s (af compared by wire value). */
    public boolean sameAs(final PfsyncStateValues o) {
        return id == o.id && CharSequence.compare(ifname, o.ifname) == 0 && wireKey.sameAs(o.wireKey)
            && stackKey.sameAs(o.stackKey) && src.sameAs(o.src) && dst.sameAs(o.dst) && creation == o.creation
            && expire == o.expire && packets[0] == o.packets[0] && packets[1] == o.packets[1]
            && bytes[0] == o.bytes[0] && bytes[1] == o.bytes[1] && creatorid == o.creatorid
            && PfsyncConstants.wireAf(af) == PfsyncConstants.wireAf(o.af) && proto == o.proto
            && direction == o.direction && stateFlags == o.stateFlags && timeout == o.timeout;
    }
}
