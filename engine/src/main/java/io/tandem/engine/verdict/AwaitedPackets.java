package io.tandem.engine.verdict;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.StateArrivalListener;
import io.tandem.engine.state.StateTable;

/**
 * Forwarded packets that match no state and that the rules would drop, held a short while in case a
 * peer's state for them is on its way (docs/pfsync.md, "Awaiting a peer's state"). The receiving side's
 * half of closing the split path's first-packet race: the server's SYN-ACK that reaches fwB before the
 * client's INS from fwA waits here for the INS instead of being dropped, so fwA need not hold the SYN
 * (deferral) for the connection to open at once.
 *
 * <p>Theory of operation. Owned by the packet thread of one queue, like its state table and
 * {@link VerdictBatcher}; nothing here is touched by another thread. {@link #hold} copies the decoded
 * packet (the bytes stay in the kernel queue: NFQUEUE needs only the id for the verdict later). The
 * table tells this queue, as its {@link StateArrivalListener}, whenever a state arrives (a peer's import,
 * a state loaded or recovered); after the inbox has been applied the agent calls {@link #releaseArrived},
 * which looks every held packet up again — oldest first, so a flow's packets keep their order — and
 * has the ones that now find a state (other than an old one they met when held) decided by it
 * ({@link Decider#decide}: pf's checks pass or drop them). A packet leaves by exactly one of:
 * <ul>
 *   <li>a state arrived: decided by it (counted {@code passed} or {@code failed});</li>
 *   <li>{@link #expire}: held for {@code set sync await-timeout}; dropped, as the rules said;</li>
 *   <li>the limit: holding one more than {@code set sync await-limit} drops the oldest;</li>
 *   <li>{@link #releaseAll}: the engine stops; dropped.</li>
 * </ul>
 * What is held is decided by {@code PacketFilter} (forwarded, no state, dropped by a rule, and maybe a
 * first reply: a TCP SYN-ACK or RST, a UDP datagram, an ICMP echo reply; or a SYN-ACK meeting the old
 * connection of ports a client reused through a peer, closed both ways or failing pf's checks): this
 * class holds whatever it is given, and keeps a packet whose lookup still finds only the old state.
 *
 * <p>Memory bound: {@code limit} preallocated packets and per-entry arrays, allocated at construction;
 * nothing per packet. A release out of order leaves a hole that the head skips. The cost of an arrival
 * while packets are held is one lookup per held packet, at most {@code limit}. Failure policy: nothing
 * throws on the packet path; every packet is counted by how it left.
 */
public final class AwaitedPackets implements StateArrivalListener {
    /** A held packet that arrived on this thread's own queue. */
    public static final int OWN_QUEUE = HeldPacketRing.OWN_QUEUE;
    /** The filter's decision ({@code PacketFilter.AWAIT}) for a packet to hold here until its state arrives. */
    public static final int AWAIT = 3;

    /** How the packet thread looks a held packet up and decides it once a state is there. */
    public interface Decider {
        /**
         * True when a state now matches the packet (as the filter's lookup would find it) other than the
         * old state it met when it was held ({@code metSlot} and {@code metId}; {@code metSlot} −1: none).
         */
        boolean hasState(DecodedPacket p, int hook, int indev, int outdev, int metSlot, long metId);

        /** The decision of the state found, with pf's checks: {@link VerdictBatcher#ACCEPT} or {@link VerdictBatcher#DROP}. */
        int decide(DecodedPacket p, int hook, int indev, int outdev, long bytes);
    }

    private final HeldVerdictSink sink;
    private final PacketCounters counters;
    private final long timeoutNanos;

    private final HeldPacketRing ring;
    /** Per entry of the ring: the packet as decoded, and how it crossed (for deciding it again). */
    private final DecodedPacket[] packets;
    private final int[] hooks;
    private final int[] indevs;
    private final int[] outdevs;
    private final long[] lengths;
    /** Per entry: the slot and id of the old state the packet met when held (a reused connection's), or −1. */
    private final int[] metSlots;
    private final long[] metIds;
    /** A state arrived since the last {@link #releaseArrived}. */
    private boolean arrived;

    /**
     * @param sink          where verdicts go (the queue's {@link VerdictBatcher}, or its sink across queues)
     * @param counters      the queue's counters
     * @param limit         most packets held at once ({@code set sync await-limit}), at least 1
     * @param timeoutMillis longest hold ({@code set sync await-timeout}), at least 1
     */
    public AwaitedPackets(final HeldVerdictSink sink, final PacketCounters counters, final int limit,
            final long timeoutMillis) {
        if (limit < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("await limit and timeout must be at least 1: " + limit + ", "
                    + timeoutMillis);
        }
        this.sink = sink;
        this.counters = counters;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        ring = new HeldPacketRing(limit);
        packets = new DecodedPacket[limit];
        for (int i = 0; i < limit; i++) {
            packets[i] = new DecodedPacket();
        }
        hooks = new int[limit];
        indevs = new int[limit];
        outdevs = new int[limit];
        lengths = new long[limit];
        metSlots = new int[limit];
        metIds = new long[limit];
    }

    /**
     * Holds a packet (a copy of {@code p}) until a state for it arrives or its time is up; when
     * {@code limit} packets are held already, the oldest is dropped first. {@code receiver} is the queue
     * thread that received it ({@link #OWN_QUEUE}, or the thread that handed it over, which keeps it in
     * its queue meanwhile). {@code metSlot} and {@code metId} name the old state it met, whose presence does
     * not release it (−1 and 0: none).
     */
    public void hold(final DecodedPacket p, final int hook, final int indev, final int outdev, final long length,
            final long packetId, final int receiver, final long nowNanos, final int metSlot, final long metId) {
        while (ring.full()) {
            finish(ring.oldest(), VerdictBatcher.DROP, PacketCounter.AWAIT_LIMIT);
        }
        final int e = ring.add(packetId, receiver, nowNanos);
        packets[e].copyFrom(p);
        hooks[e] = hook;
        indevs[e] = indev;
        outdevs[e] = outdev;
        lengths[e] = length;
        metSlots[e] = metSlot;
        metIds[e] = metId;
        counters.increment(PacketCounter.AWAITED);
        if (receiver == OWN_QUEUE) {
            sink.hold();
        }
    }

    @Override
    public void stateArrived(final StateTable table, final int slot) {
        arrived = ring.held() > 0;
    }

    /**
     * After the peers' messages were applied: when a state arrived meanwhile, every held packet that now
     * finds one is decided by it, oldest first. Returns how many left.
     */
    public int releaseArrived(final Decider decider) {
        if (!arrived) {
            return 0;
        }
        arrived = false;
        int n = 0;
        // Entries keep their places while others leave (the head only skips holes), so the walk's range
        // stays valid; deciding a packet holds no new one.
        final int first = ring.first();
        final int span = ring.span();
        for (int i = 0; i < span && ring.held() > 0; i++) {
            final int e = ring.at(first, i);
            if (!ring.isHeld(e) || !decider.hasState(packets[e], hooks[e], indevs[e], outdevs[e], metSlots[e], metIds[e])) {
                continue;
            }
            final boolean pass = decider.decide(packets[e], hooks[e], indevs[e], outdevs[e], lengths[e])
                    == VerdictBatcher.ACCEPT;
            finish(e, pass ? VerdictBatcher.ACCEPT : VerdictBatcher.DROP,
                    pass ? PacketCounter.AWAIT_PASSED : PacketCounter.AWAIT_FAILED);
            n++;
        }
        return n;
    }

    /** Drops the packets held for the timeout; returns how many. */
    public int expire(final long nowNanos) {
        int n = 0;
        for (int e = ring.oldest(); e >= 0 && nowNanos - ring.heldAtNanos(e) >= timeoutNanos; e = ring.oldest()) {
            finish(e, VerdictBatcher.DROP, PacketCounter.AWAIT_TIMEOUT);
            n++;
        }
        return n;
    }

    /** Drops every held packet: the engine stops. */
    public void releaseAll() {
        for (int e = ring.oldest(); e >= 0; e = ring.oldest()) {
            finish(e, VerdictBatcher.DROP, PacketCounter.AWAIT_SHUTDOWN);
        }
    }

    /** Nanoseconds until the oldest held packet's timeout (0 when due), or -1 when nothing is held. */
    public long nanosToNextTimeout(final long nowNanos) {
        return ring.nanosToTimeout(timeoutNanos, nowNanos);
    }

    /** Packets held now. */
    public int held() {
        return ring.held();
    }

    private void finish(final int e, final int verdict, final PacketCounter why) {
        ring.release(e, sink, verdict);
        counters.increment(why);
    }
}
