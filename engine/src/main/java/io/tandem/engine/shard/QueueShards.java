package io.tandem.engine.shard;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.nativeio.libc.Doorbell;

/**
 * The hand-off paths between the N queue threads of {@code set queue FIRST:LAST}: for every ordered
 * pair of threads a {@link PacketHandoff} (packets to the owner of their flow) and a
 * {@link VerdictReturns} (their verdicts back), and one {@link Doorbell} per thread that the others
 * ring when they posted to it.
 *
 * <p>Theory of operation. Built at assembly (main thread); each queue thread then works only through
 * its own {@link Links}, which is owned by that thread: it is the producer of its outgoing hand-offs
 * and verdicts and the consumer of the incoming ones, so every ring keeps one writer per side. A
 * thread hands off a packet only while fewer than {@link #RING} of its packets are out with that
 * owner, so the owner's verdict ring back can never be full — a packet the owner holds for pfsync
 * deferral stays counted until its verdict goes back ({@link Links#returnVerdict}). Doorbells are rung once per duty cycle
 * per thread posted to ({@link Links#ringPosted}), not per packet. A thread receives a batch only
 * when the whole batch would fit with every owner ({@link Links#roomForBatch}), so a slow owner
 * leaves packets waiting in the kernel queue rather than refused. Memory bound: N × (N − 1) rings of
 * {@link #RING} slots (about 0.4 MB each). Failure policy: a hand-off that does not fit anyway is
 * refused (the caller drops and counts the packet); nothing here blocks.
 */
public final class QueueShards implements AutoCloseable {
    /** Slots of each hand-off ring and verdict ring. */
    public static final int RING = 1024;

    private final int count;
    private final PacketHandoff[][] handoffs; // [from][to]
    private final VerdictReturns[][] returns; // [owner][receiver]
    private final Doorbell[] doorbells;
    /** 1 while thread i waits in poll (or is about to): only then is its doorbell worth a system call. */
    private final java.util.concurrent.atomic.AtomicIntegerArray waiting;

    public QueueShards(final int count) {
        this.count = count;
        handoffs = new PacketHandoff[count][count];
        returns = new VerdictReturns[count][count];
        doorbells = new Doorbell[count];
        waiting = new java.util.concurrent.atomic.AtomicIntegerArray(count);
        for (int a = 0; a < count; a++) {
            for (int b = 0; b < count; b++) {
                if (a != b) {
                    handoffs[a][b] = new PacketHandoff(RING);
                    returns[a][b] = new VerdictReturns(RING);
                }
            }
        }
        try {
            for (int i = 0; i < count; i++) {
                doorbells[i] = Doorbell.open();
            }
        } catch (final RuntimeException e) {
            close();
            throw e;
        }
    }

    public int count() {
        return count;
    }

    /** The view of thread {@code index}; call once per thread, use only on that thread. */
    public Links links(final int index) {
        return new Links(index);
    }

    @Override
    public void close() {
        for (final Doorbell d : doorbells) {
            if (d != null) {
                d.close();
            }
        }
    }

    /** A {@link Decider}'s answer: the packet is held (pfsync deferral); its verdict follows by {@link Links#returnVerdict}. */
    public static final int HELD = -1;

    /**
     * How a queue thread decides a packet handed to it (its {@code PacketFilter}): NF_DROP, NF_ACCEPT, or
     * {@link #HELD} when it holds the packet (pfsync deferral) and sends the verdict back later.
     */
    @FunctionalInterface
    public interface Decider {
        int decide(DecodedPacket packet, int hook, int indev, int outdev, long bytes, long packetId, int receiver);
    }

    /** Where a queue thread's returned verdicts go (its verdict batcher's release). */
    @FunctionalInterface
    public interface VerdictSink {
        void release(long packetId, int verdict);
    }

    /** One queue thread's ends of the rings. Owner: that thread. */
    public final class Links {
        private final int self;
        private final int[] outstanding = new int[count];
        private final boolean[] posted = new boolean[count];

        private Links(final int self) {
            this.self = self;
        }

        public int index() {
            return self;
        }

        public int count() {
            return count;
        }

        /** This thread's doorbell: the others ring it; the thread waits on it with its socket. */
        public Doorbell doorbell() {
            return doorbells[self];
        }

        /** The thread that owns the packet's flow. */
        public int owner(final DecodedPacket p) {
            return FlowOwner.of(p, count);
        }

        /** Whether another packet may go to {@code owner} now (fewer than {@link #RING} out with it). */
        public boolean mayHandOff(final int owner) {
            return outstanding[owner] < RING;
        }

        /**
         * Whether a whole receive batch of {@code batch} packets could be handed to any owner now. When it
         * could not, the thread leaves the packets in the kernel queue (the place for a backlog) until the
         * owners have caught up, instead of receiving packets it would have to refuse.
         */
        public boolean roomForBatch(final int batch) {
            for (int o = 0; o < count; o++) {
                if (o != self && outstanding[o] + batch > RING) {
                    return false;
                }
            }
            return true;
        }

        /** Hands the packet to {@code owner}; false when its ring is full or too many are out with it. */
        public boolean handOff(final int owner, final DecodedPacket p, final long packetId, final int hook,
                final int indev, final int outdev, final long length) {
            if (!mayHandOff(owner) || !handoffs[self][owner].offer(p, packetId, hook, indev, outdev, length)) {
                return false;
            }
            outstanding[owner]++;
            posted[owner] = true;
            return true;
        }

        /**
         * Decides the packets the other threads handed to this one (at most {@code budget}) and sends each
         * verdict back to the thread that received the packet.
         *
         * @return packets decided
         * @throws IllegalStateException a verdict found its ring full, which the bound on packets out with
         *     an owner rules out: a bug, which ends the thread (and the engine) by the failure policy
         */
        public int decideHandedOff(final Decider decider, final int budget) {
            int done = 0;
            for (int from = 0; from < count && done < budget; from++) {
                if (from == self) {
                    continue;
                }
                final PacketHandoff in = handoffs[from][self];
                final int n = Math.min(in.available(), budget - done);
                if (n == 0) {
                    continue;
                }
                final VerdictReturns back = returns[self][from];
                for (int k = 0; k < n; k++) {
                    final int slot = in.slot(k);
                    final int verdict = decider.decide(in.packet(slot), in.hook(slot), in.indev(slot),
                            in.outdev(slot), in.length(slot), in.packetId(slot), from);
                    if (verdict != HELD && !back.offer(in.packetId(slot), verdict)) {
                        throw new IllegalStateException("the verdict ring back to queue thread " + from + " is full");
                    }
                }
                in.advance(n);
                posted[from] = true;
                done += n;
            }
            return done;
        }

        /**
         * The verdict of a packet {@code receiver} handed to this thread, which held it ({@link #HELD}):
         * back to the receiver. The packet still counts as out with this thread there, so the ring has room.
         *
         * @throws IllegalStateException the ring is full, which the bound rules out (a bug: the thread ends)
         */
        public void returnVerdict(final int receiver, final long packetId, final int verdict) {
            if (!returns[self][receiver].offer(packetId, verdict)) {
                throw new IllegalStateException("the verdict ring back to queue thread " + receiver + " is full");
            }
            posted[receiver] = true;
        }

        /** Gives every verdict the owners sent back to {@code sink}; returns how many. */
        public int releaseReturned(final VerdictSink sink) {
            int done = 0;
            for (int owner = 0; owner < count; owner++) {
                if (owner == self) {
                    continue;
                }
                final VerdictReturns in = returns[owner][self];
                final int n = in.available();
                for (int k = 0; k < n; k++) {
                    final long e = in.entry(k);
                    sink.release(VerdictReturns.packetId(e), VerdictReturns.verdict(e));
                }
                if (n > 0) {
                    in.advance(n);
                    outstanding[owner] -= n;
                    done += n;
                }
            }
            return done;
        }

        /**
         * Rings the doorbell of every thread this one posted packets or verdicts to since the last call, if
         * that thread waits (or is about to): a busy thread sees the rings in its next duty cycle anyway,
         * so it costs no system call. The full fence orders the rings' published tails before the read of
         * the flag; {@link #aboutToWait} orders the flag before its read of the rings, so one of the two
         * sides always sees the other (a Dekker pair).
         */
        public void ringPosted() {
            boolean fenced = false;
            for (int i = 0; i < count; i++) {
                if (posted[i]) {
                    posted[i] = false;
                    if (!fenced) {
                        java.lang.invoke.VarHandle.fullFence();
                        fenced = true;
                    }
                    if (waiting.get(i) != 0) {
                        doorbells[i].ring();
                    }
                }
            }
        }

        /**
         * Before this thread waits in poll: marks it waiting, then looks once more for packets or verdicts
         * the others posted. False when there are some: do not wait (a poster that did not see the mark
         * did not ring). Call {@link #awake} after the wait.
         */
        public boolean aboutToWait() {
            waiting.set(self, 1);
            for (int other = 0; other < count; other++) {
                if (other != self && (handoffs[other][self].available() > 0 || returns[other][self].available() > 0)) {
                    waiting.set(self, 0);
                    return false;
                }
            }
            return true;
        }

        /** After the wait: posters need not ring any more. */
        public void awake() {
            waiting.set(self, 0);
        }
    }
}
