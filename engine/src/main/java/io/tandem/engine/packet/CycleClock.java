package io.tandem.engine.packet;

/**
 * The packet thread's wall clock in milliseconds, taken from the monotonic clock it reads anyway.
 *
 * <p>Theory of operation. Each duty cycle reads {@link System#nanoTime()} once; {@link #millis(long)}
 * turns that reading into the cycle's wall-clock millisecond ({@code now}: state creation and expiry,
 * the table's slices, the journal's records). It reads {@link System#currentTimeMillis()} only when at
 * least {@link #REREAD_NANOS} of monotonic time have passed since its last reading (or the monotonic
 * reading went back), and otherwise returns that last reading. So the value never runs ahead of the
 * wall clock and is at most one millisecond behind it, and a thread that runs thousands of cycles a
 * second reads the wall clock about a thousand times a second instead of once per cycle (each reading
 * is a vDSO call). A step of the wall clock (NTP, {@code date -s}) shows within a millisecond.
 *
 * <p>Owner: the packet thread only; not thread-safe. Memory bound: two longs. Failure policy: none; it
 * cannot fail.
 */
final class CycleClock {
    /** Monotonic time after which the wall clock is read again. */
    static final long REREAD_NANOS = 1_000_000L;

    private boolean read;
    private long readNanos;
    private long readMillis;

    /**
     * @param nanos a {@link System#nanoTime()} reading of this cycle
     * @return the wall clock in milliseconds, at most one millisecond behind {@link System#currentTimeMillis()}
     */
    long millis(final long nanos) {
        final long elapsed = nanos - readNanos;
        if (!read || elapsed >= REREAD_NANOS || elapsed < 0) {
            readMillis = System.currentTimeMillis();
            readNanos = nanos;
            read = true;
        }
        return readMillis;
    }
}
