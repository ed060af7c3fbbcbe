package io.tandem.engine.verdict;

/**
 * The entries of a hold ({@link DeferredVerdicts}, {@link AwaitedPackets}): packets without a verdict yet,
 * in the order they were held, each with its packet id, the time it was held and the queue thread that
 * received it; and where their verdicts go.
 *
 * <p>Theory of operation. Owned by one packet thread, like the hold that uses it. Entries live in a ring
 * of {@code limit} places; the hold keeps its own per-entry data in arrays indexed by the same place. A
 * packet may leave out of order, which leaves a hole; the head never rests on a hole (releasing the head
 * skips the holes behind it), so {@link #oldest} is the head itself. Memory bound: three arrays of
 * {@code limit}, allocated at construction. Failure policy: none needed; callers keep within the limit
 * ({@link #full}).
 */
final class HeldPacketRing {
    /** A held packet that arrived on this thread's own queue. */
    static final int OWN_QUEUE = -1;
    private static final long NONE = -1;

    private final int limit;
    private final long[] packetIds;
    private final long[] heldAtNanos;
    private final int[] receivers;
    private int head;
    /** Places from the head on, holes included. */
    private int used;
    private int held;

    HeldPacketRing(final int limit) {
        this.limit = limit;
        packetIds = new long[limit];
        heldAtNanos = new long[limit];
        receivers = new int[limit];
        java.util.Arrays.fill(packetIds, NONE);
    }

    /** No place is free: the oldest packet must leave before another is held. */
    boolean full() {
        return used == limit;
    }

    /** Takes the next place for a packet and returns it. Call only when not {@link #full}. */
    int add(final long packetId, final int receiver, final long nowNanos) {
        final int e = (head + used) % limit;
        packetIds[e] = packetId;
        heldAtNanos[e] = nowNanos;
        receivers[e] = receiver;
        used++;
        held++;
        return e;
    }

    /** The place of the oldest packet held, or -1 when none is. */
    int oldest() {
        return used > 0 ? head : -1;
    }

    /** The place the oldest packet holds now, to walk the ring in order with {@link #at}. */
    int first() {
        return head;
    }

    /** Places from {@link #first} on (holes included): how far a walk goes. */
    int span() {
        return used;
    }

    /** The {@code i}-th place from {@code first} ({@link #first} taken before the walk began). */
    int at(final int first, final int i) {
        return (first + i) % limit;
    }

    boolean isHeld(final int e) {
        return packetIds[e] != NONE;
    }

    long heldAtNanos(final int e) {
        return heldAtNanos[e];
    }

    int held() {
        return held;
    }

    /** Nanoseconds until the oldest packet has been held {@code timeoutNanos} (0 when it has), or -1. */
    long nanosToTimeout(final long timeoutNanos, final long nowNanos) {
        return used > 0 ? Math.max(0, heldAtNanos[head] + timeoutNanos - nowNanos) : -1;
    }

    /**
     * The packet in place {@code e} leaves with {@code verdict}: to this queue's {@code sink}, or back to the
     * queue thread that received it and handed it over ({@link HeldVerdictSink#releaseTo}). Frees the place.
     */
    void release(final int e, final HeldVerdictSink sink, final int verdict) {
        if (receivers[e] == OWN_QUEUE) {
            sink.release(packetIds[e], verdict);
        } else {
            sink.releaseTo(receivers[e], packetIds[e], verdict);
        }
        packetIds[e] = NONE;
        held--;
        if (e == head) {
            do {
                head = (head + 1) % limit;
                used--;
            } while (used > 0 && packetIds[head] == NONE);
        }
    }
}
