package io.tandem.engine.journal;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.agent.AgentThreads;
import java.io.PrintStream;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;

/**
 * The journal thread: the single writer of the Chronicle Queue. It copies records from the
 * {@link JournalRing} into the journal, keeps the ring's pages ahead of the packet thread writable
 * ({@link JournalRing#keepWritableAhead}: a page fault of the ring's file on this thread, not on the
 * packet thread), checks the disk once per second ({@link JournalHealth}) and
 * applies retention ({@link JournalRetention}) once per minute.
 *
 * <p>Life cycle: an Agrona {@link Agent} on the thread {@code tandem-journal} ({@link AgentThreads}).
 * {@link #onStart} creates the Chronicle appender on that thread and first drains what a previous run
 * left in the ring (in order, so recovery sees every acknowledged change), then counts down
 * {@link #awaitReady}; {@link #close} asks it to stop, and {@link #onClose} drains the ring once more.
 * Idle strategy ({@link ParkUntilWoken}): when a cycle found nothing, the thread parks for 1 ms, twice,
 * in case records keep coming (a busy journal drains every millisecond and nobody wakes it); then, while
 * a packet thread journaled for packets within the last second ({@link JournalRing#trafficWithin}), it
 * naps {@link #napMillis} at a time (10 ms; with pfsync no longer than {@code set sync flush-delay}), so
 * that a trickle of new connections does not cost the packet thread a wake-up of this one per cycle —
 * tens of microseconds on a virtual machine, on the packet path; otherwise it sleeps
 * until a record comes: the packet thread that puts ordinary records into a ring wakes it once per duty
 * cycle ({@link JournalRing#wakeConsumerIfAsleep}), a record the sync agent must send at once (sync hints
 * IMMEDIATE) wakes it at once unless the urgent lane took it to the sync agent already, after which the
 * journal's urgent-append listener (the sync agent's doorbell) is rung — after any append too while the sync agent sleeps ({@link Journal#tailerAsleep}) —
 * and a short park ends early once a quarter of a ring waits
 * ({@link JournalRing#wakeConsumerIfFilling}), so a burst never fills the ring. The sleep ends by itself
 * only for the disk check, once a second: an idle engine's journal thread wakes once a second, not 100
 * (10-ms park) or 1,000 times (1-ms park, with pfsync on) as it did. Failure policy: append failures are counted by the
 * writer and the thread carries on; anything else thrown from a duty cycle ends the agent and,
 * through its {@link AgentFailure}, the engine (exit 1): acknowledged changes would otherwise pile up
 * unjournaled.
 */
public final class JournalAgent implements Agent, AutoCloseable {
    private static final int DRAIN_LIMIT = 1024;
    /** The park while records may keep coming: short, so a busy journal never falls behind. */
    private static final long BUSY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Empty cycles after the last record, each followed by a short park, before the thread sleeps until the next record. */
    static final int BUSY_PARKS = 2;
    /** How recently a packet thread must have journaled for packets for this thread to nap rather than sleep. */
    static final long NAP_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The default nap ({@link #napMillis}). */
    public static final int NAP_MILLIS = 10;
    private static final long HEALTH_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETENTION_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Journal journal;
    /** One ring per queue thread; drained in turn. */
    private final java.util.List<JournalRing> rings;
    private final JournalHealth health;
    private final JournalRetention retention;
    private final PrintStream log;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    /** The nap while traffic journals ({@link #napMillis}); 0: never nap, sleep until woken. */
    private volatile long napNanos = TimeUnit.MILLISECONDS.toNanos(NAP_MILLIS);
    private volatile long drainedAtStart;
    private volatile long duplicatesSkippedAtStart;
    private volatile RuntimeException startFailure;
    private JournalWriter writer;
    private long nextHealth;
    private long nextRetention;

    public JournalAgent(final Journal journal, final JournalRing ring, final JournalHealth health,
            final JournalRetention retention, final PrintStream log) {
        this(journal, java.util.List.of(ring), health, retention, log);
    }

    /** A journal thread draining the rings of several queue threads ({@code set queue FIRST:LAST}). */
    public JournalAgent(final Journal journal, final java.util.List<JournalRing> rings, final JournalHealth health,
            final JournalRetention retention, final PrintStream log) {
        this.journal = journal;
        this.rings = java.util.List.copyOf(rings);
        this.health = health;
        this.retention = retention;
        this.log = log;
    }

    /** Starts the journal thread; a failure of it is only logged. */
    public void start() {
        start(new AgentFailure(log));
    }

    /** Starts the journal thread under the engine's failure policy. */
    public void start(final AgentFailure failure) {
        AgentThreads.start(this, new ParkUntilWoken(), failure, true);
    }

    /**
     * How long the thread naps, at most, while packet threads journal for packets (any thread; takes effect
     * at its next nap): {@link #NAP_MILLIS} by default; with pfsync no longer than the sync thread's flush
     * delay, since the records reach the sync thread through the journal. 0: never nap.
     */
    public JournalAgent napMillis(final int millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("nap: " + millis + " ms");
        }
        this.napNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        return this;
    }

    /** The longest nap (tests). */
    long napNanos() {
        return napNanos;
    }

    /**
     * After a cycle that found nothing: parks 1 ms for each of the first {@link #BUSY_PARKS} empty cycles
     * (every ring told, {@link JournalRing#consumerParked}, so that a filling ring's producer unparks it),
     * then, while a packet thread journaled for packets within {@link #NAP_WINDOW_NANOS}, naps
     * {@link #napMillis} at a time in the same way, and otherwise sleeps until a record comes or the disk
     * check is due. Before sleeping it tells every ring
     * ({@link JournalRing#consumerAsleep}, and {@link JournalRing#consumerParked} too, so that a
     * ring filling within one producer cycle — a mass kill, a state load — still wakes it), fences, and looks at the rings once more; a producer publishes,
     * fences, then looks at the flag ({@link JournalRing#wakeConsumerIfAsleep}), so one of the two always
     * sees the other and no record waits for the sleep's end. An urgent record's unpark ends either wait
     * at once (the permit), and so does {@link #close}.
     */
    private final class ParkUntilWoken implements IdleStrategy {
        /** Empty cycles in a row, counted up to {@link #BUSY_PARKS}. */
        private int emptyCycles;

        @Override
        public void idle(final int workCount) {
            if (workCount > 0) {
                emptyCycles = 0;
                return;
            }
            idle();
        }

        @Override
        public void idle() {
            if (emptyCycles < BUSY_PARKS) {
                emptyCycles++;
                parkTellingRings(BUSY_PARK_NANOS);
                return;
            }
            final long nap = napNanos;
            if (nap > 0 && running && trafficJournaling(System.nanoTime())) {
                naps++;
                parkTellingRings(nap);
                return;
            }
            for (int i = 0; i < rings.size(); i++) {
                rings.get(i).consumerParked(true); // a ring filling within one producer cycle still wakes it
                rings.get(i).consumerAsleep(true);
            }
            VarHandle.fullFence();
            boolean waiting = !running;
            for (int i = 0; i < rings.size(); i++) {
                waiting |= rings.get(i).size() > 0;
            }
            if (!waiting) {
                final long untilHealth = nextHealth - System.nanoTime();
                LockSupport.parkNanos(Math.min(Math.max(untilHealth, 0), HEALTH_PERIOD_NANOS));
            }
            for (int i = 0; i < rings.size(); i++) {
                rings.get(i).consumerAsleep(false);
                rings.get(i).consumerParked(false);
            }
        }

        /** A short park, every ring told ({@link JournalRing#consumerParked}) so that a filling ring's producer unparks it. */
        private void parkTellingRings(final long nanos) {
            for (int i = 0; i < rings.size(); i++) {
                rings.get(i).consumerParked(true);
            }
            LockSupport.parkNanos(nanos);
            for (int i = 0; i < rings.size(); i++) {
                rings.get(i).consumerParked(false);
            }
        }

        private boolean trafficJournaling(final long nowNanos) {
            for (int i = 0; i < rings.size(); i++) {
                if (rings.get(i).trafficWithin(nowNanos, NAP_WINDOW_NANOS)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void reset() {
            emptyCycles = 0;
        }

        @Override
        public String alias() {
            return "park-until-woken";
        }
    }

    @Override
    public String roleName() {
        return "tandem-journal";
    }

    /** Waits until the leftovers of a previous run are in the journal; returns how many there were. */
    public long awaitReady(final long timeout, final TimeUnit unit) throws InterruptedException {
        if (!ready.await(timeout, unit)) {
            throw new IllegalStateException("the journal thread did not start within " + timeout + " " + unit);
        }
        if (startFailure != null) {
            throw startFailure;
        }
        return drainedAtStart;
    }

    /** On the journal thread: open the writer, move what a previous run left in the ring into the journal. */
    @Override
    public void onStart() {
        try {
            writer = new JournalWriter(journal, health, 0);
            // A journal thread killed between appending a batch and releasing it from its ring left that
            // batch in both: the journal's last records are looked up so that it is not appended twice.
            final org.agrona.collections.LongHashSet journaled = lastSequences(journal, DRAIN_LIMIT * rings.size());
            final long[] skipped = {0};
            long n = 0;
            int drained;
            for (final JournalRing ring : rings) {
                while ((drained = ring.drainTo(writer, DRAIN_LIMIT, journaled, skipped)) > 0) {
                    n += drained;
                }
                ring.consumer(Thread.currentThread());
            }
            duplicatesSkippedAtStart = skipped[0];
            drainedAtStart = n - skipped[0];
            nextHealth = System.nanoTime();
            nextRetention = System.nanoTime() + RETENTION_PERIOD_NANOS;
        } catch (final RuntimeException e) {
            startFailure = e;
        } finally {
            ready.countDown();
        }
    }

    /** The sequence numbers of the journal's last {@code count} valid records (start only: allocates). */
    static org.agrona.collections.LongHashSet lastSequences(final Journal journal, final int count) {
        final org.agrona.collections.LongHashSet out = new org.agrona.collections.LongHashSet(count * 2);
        try (JournalReader r = JournalReader.backwardFromEnd(journal)) {
            for (int read = 0; read < count; ) {
                final JournalReadStatus s = r.next();
                if (s == JournalReadStatus.END) {
                    break;
                }
                if (s == JournalReadStatus.OK) {
                    out.add(r.record().sequence());
                    read++;
                }
            }
        }
        return out;
    }

    /** Naps taken so far ({@link #napMillis}): for tests. */
    long naps() {
        return naps;
    }

    private volatile long naps;

    /** Records of the ring that were in the journal already at start (see {@link #onStart}). */
    public long duplicatesSkippedAtStart() {
        return duplicatesSkippedAtStart;
    }

    /** One duty cycle: records from the ring, the urgent doorbell, the disk check and retention when due. */
    @Override
    public int doWork() {
        if (!running || startFailure != null) {
            throw AgentThreads.STOP;
        }
        int drained = 0;
        final long now = System.nanoTime();
        for (int i = 0; i < rings.size(); i++) {
            final JournalRing ring = rings.get(i);
            drained += ring.drainTo(writer, DRAIN_LIMIT);
            ring.keepWritableAhead(now); // a page fault of the ring's file here, not on the packet thread
        }
        if (writer.takeUrgent()) {
            journal.urgentAppended();
        } else if (drained > 0) {
            journal.appended(); // a sleeping tailer (an idle sync agent) is woken by the first record
        }
        if (now - nextHealth >= 0) {
            health.check(log);
            nextHealth = now + HEALTH_PERIOD_NANOS;
        }
        if (now - nextRetention >= 0) {
            retention.protectFromIndex(writer.recoveryPointIndex());
            retention.apply(log);
            nextRetention = now + RETENTION_PERIOD_NANOS;
        }
        return drained;
    }

    /** On the journal thread, last: the records of a clean stop, then the writer. */
    @Override
    public void onClose() {
        try {
            if (writer != null) {
                try {
                    for (final JournalRing ring : rings) {
                        while (ring.drainTo(writer, DRAIN_LIMIT) > 0) {
                            // the last records of a clean stop
                        }
                    }
                } finally {
                    writer.close();
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        running = false;
        for (final JournalRing ring : rings) {
            ring.wakeConsumer(); // out of its sleep now, not at the next disk check
        }
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
