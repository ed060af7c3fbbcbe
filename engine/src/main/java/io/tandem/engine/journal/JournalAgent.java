package io.tandem.engine.journal;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The journal thread: the single writer of the Chronicle Queue. It copies records from the
 * {@link JournalRing} into the journal, checks the disk once per second ({@link JournalHealth}) and
 * applies retention ({@link JournalRetention}) once per minute.
 *
 * <p>Life cycle: {@link #start} creates the Chronicle appender on the new thread, first drains what
 * a previous run left in the ring (in order, so recovery sees every acknowledged change), then
 * counts down {@link #awaitReady}; {@link #close} drains the ring once more and stops. Idle strategy:
 * park 1 ms when the ring is empty (every record is already durable in the ring's mapped file), unless the packet thread unparks it for a record the sync agent
 * must send at once (sync hints IMMEDIATE or ACK), after which the journal's urgent-append listener (the
 * sync agent's doorbell) is rung. Failure policy: append failures are counted by the writer; the
 * thread never dies on them.
 */
public final class JournalAgent implements Runnable, AutoCloseable {
    private static final int DRAIN_LIMIT = 1024;
    private static final long HEALTH_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETENTION_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Journal journal;
    private final JournalRing ring;
    private final JournalHealth health;
    private final JournalRetention retention;
    private final PrintStream log;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long drainedAtStart;
    private Thread thread;

    public JournalAgent(final Journal journal, final JournalRing ring, final JournalHealth health,
            final JournalRetention retention, final PrintStream log) {
        this.journal = journal;
        this.ring = ring;
        this.health = health;
        this.retention = retention;
        this.log = log;
    }

    public void start() {
        thread = new Thread(this, "tandem-journal");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until the leftovers of a previous run are in the journal; returns how many there were. */
    public long awaitReady(final long timeout, final TimeUnit unit) throws InterruptedException {
        if (!ready.await(timeout, unit)) {
            throw new IllegalStateException("the journal thread did not start within " + timeout + " " + unit);
        }
        return drainedAtStart;
    }

    @Override
    public void run() {
        try (JournalWriter writer = new JournalWriter(journal, health, 0)) {
            long n = 0;
            int drained;
            while ((drained = ring.drainTo(writer, DRAIN_LIMIT)) > 0) {
                n += drained;
            }
            drainedAtStart = n;
            ring.consumer(Thread.currentThread());
            ready.countDown();
            long nextHealth = System.nanoTime();
            long nextRetention = System.nanoTime() + RETENTION_PERIOD_NANOS;
            while (running) {
                if (ring.drainTo(writer, DRAIN_LIMIT) == 0) {
                    LockSupport.parkNanos(1_000_000); // the packet thread unparks us for urgent records
                }
                if (writer.takeUrgent()) {
                    journal.urgentAppended();
                }
                final long now = System.nanoTime();
                if (now - nextHealth >= 0) {
                    health.check(log);
                    nextHealth = now + HEALTH_PERIOD_NANOS;
                }
                if (now - nextRetention >= 0) {
                    retention.protectFromIndex(writer.recoveryPointIndex());
                    retention.apply(log);
                    nextRetention = now + RETENTION_PERIOD_NANOS;
                }
            }
            while (ring.drainTo(writer, DRAIN_LIMIT) > 0) {
                // the last records of a clean stop
            }
        } finally {
            ready.countDown();
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
