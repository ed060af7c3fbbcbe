package io.tandem.engine.state;

import io.tandem.engine.decode.DecodedPacket;

/**
 * The expiry of a {@link StateTable}'s states, as pf's purge thread ({@code pf_purge_expired_states})
 * and NPF's connection G/C: deadlines from pf's timeout classes with adaptive scaling, and an
 * incremental sweep.
 *
 * <p><b>Deadlines.</b> A state's deadline is its last activity plus its timeout class's value, scaled
 * adaptively with the number of states (pf's {@code pf_state_expires()}, in whole seconds as pf).
 * It is computed on demand, because adaptive scaling moves it as the table fills and empties.
 * Closing TCP connections move to the short classes (tcp.finwait, tcp.closed) in the
 * {@link TcpTracker}, so they leave soon.
 *
 * <p><b>Sweep.</b> A cursor walks the slots, at most {@code budget} per {@link #expire} call and
 * wrapping at the end, so no call pauses in proportion to the table size; the caller (the packet
 * agent) sizes the budget so that the whole table is examined once per pf {@code interval}. A state
 * the sweep finds alive gets an expiry hint ({@link StateStore#expiryHint}): its deadline in whole
 * seconds. Until the hint has passed, later sweeps skip the state without reading its record — a
 * packet only moves the deadline later, and whatever could move it earlier (a new timeout class, new
 * timeout values) resets the hint. While adaptive scaling shortens the timeouts (more states than
 * {@code adaptive.start}) the hints are not trusted and every record is read, as before.
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> a cursor; the timeout values
 * live in {@link StateTimeouts}. <b>Failure policy:</b> a timeout class this engine does not have
 * (a FreeBSD peer's SCTP class, a damaged import) is replaced by the protocol's default when the
 * state is restored, and counted ({@link #knownTimeoutClass}); expiry never indexes past the table.
 */
final class StateExpiry {
    private final StateStore store;
    private StateTimeouts timeouts;
    private final StateCounters counters;
    private int cursor;

    StateExpiry(final StateStore store, final StateTimeouts timeouts, final StateCounters counters) {
        this.store = store;
        this.timeouts = timeouts;
        this.counters = counters;
    }

    /**
     * Examines at most {@code budget} slots from the cursor and removes from {@code table} the live
     * states whose deadline is at or before {@code nowMillis} (counted as expired).
     *
     * @return the number of states removed
     */
    int expire(final StateTable table, final long nowMillis, final int budget) {
        final int capacity = store.capacity;
        final int n = Math.max(0, Math.min(budget, capacity));
        int removed = 0;
        int c = cursor;
        // Hints hold while the deadlines cannot move earlier: not while adaptive scaling shortens them.
        final boolean useHints = !timeouts.scaling(store.size());
        final int nowHint = StateStore.hintSeconds(nowMillis);
        final int[] hints = store.expiryHint;
        for (int i = 0; i < n; i++) {
            if (store.live[c] && (!useHints || hints[c] <= nowHint)) {
                final long deadline = expiresAtMillis(c);
                if (deadline <= nowMillis) {
                    table.remove(c, StateRemoveReason.EXPIRED);
                    removed++;
                } else {
                    hints[c] = StateStore.hintSeconds(deadline);
                }
            }
            c++;
            if (c == capacity) {
                c = 0;
            }
        }
        cursor = c;
        counters.add(StateCounter.EXPIRE_SLOTS_EXAMINED, n);
        return removed;
    }

    /** New timeout values (a reload); deadlines follow at once, as they are computed on demand. */
    void timeouts(final StateTimeouts values) {
        this.timeouts = values;
        java.util.Arrays.fill(store.expiryHint, StateStore.CHECK_NOW); // a timeout may have become shorter
    }

    /** The state's deadline: last activity plus its class's timeout, adaptively scaled. */
    long expiresAtMillis(final int slot) {
        final long[] r = store.rec;
        final int b = StateStore.base(slot);
        return StateStore.lastActivity(r, b) + timeouts.scaledSeconds(StateStore.timeoutClass(r, b), store.size()) * 1000L;
    }

    /**
     * The timeout class a restored or imported state keeps: its own when it is one of pf's state
     * classes here, else its protocol's default, counted.
     */
    int knownTimeoutClass(final int protocol, final int timeout) {
        if (timeout >= 0 && timeout <= StateTimeouts.OTHER_MULTIPLE) {
            return timeout;
        }
        counters.increment(StateCounter.RESTORED_UNKNOWN_TIMEOUT);
        switch (protocol) {
            case DecodedPacket.PROTO_TCP:
                return StateTimeouts.TCP_ESTABLISHED;
            case DecodedPacket.PROTO_UDP:
                return StateTimeouts.UDP_MULTIPLE;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                return StateTimeouts.ICMP_ERROR_REPLY;
            default:
                return StateTimeouts.OTHER_MULTIPLE;
        }
    }
}
