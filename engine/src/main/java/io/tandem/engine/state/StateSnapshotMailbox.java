package io.tandem.engine.state;

/**
 * A one-slot mailbox through which another thread reads the state table without touching it.
 *
 * <p>Theory of operation. The state table has one writer, the packet thread, and no reader may walk
 * its arrays while it changes. A reader (the admin-socket thread serving {@code tandem states})
 * asks for the states from slot {@code from} on; the packet thread, once per duty cycle, sees the
 * request and copies up to {@link #CHUNK} live states — examining at most {@link #SCAN_LIMIT} slots
 * — into this mailbox's preallocated array, then publishes it. The reader copies the rows out and
 * asks for the next chunk from {@link #nextFrom()}, until it is -1. A listing is therefore not one
 * atomic snapshot: each chunk is consistent in itself, as {@code pfctl -ss} on a busy box is.
 *
 * <p>Synchronisation: a request is a sequence number published through the volatile
 * {@code requestSeq} (after the plain {@code requestFrom}); the answer is published through the
 * volatile {@code answerSeq} after the plain writes of the rows, so a reader that sees its own
 * sequence number sees the rows. The packet thread writes the rows only when a new request is
 * posted, and only the (single, synchronized) reader posts requests, so rows are never rewritten
 * while being read. Memory bound: the fixed row array. The packet thread never waits; the reader
 * waits at most one duty cycle per chunk. Failure policy: a reader that gives up (timeout) leaves
 * a request that is answered into the void; the next request supersedes it.
 */
public final class StateSnapshotMailbox {
    /** States per chunk. */
    public static final int CHUNK = 4096;
    /** Slots the packet thread examines per request at most (bounded work per duty cycle). */
    public static final int SCAN_LIMIT = 1 << 16;

    public static final int F_FAMILY = 0;
    public static final int F_PROTO = F_FAMILY + 1;
    public static final int F_SRC_HI = F_PROTO + 1;
    public static final int F_SRC_LO = F_SRC_HI + 1;
    public static final int F_DST_HI = F_SRC_LO + 1;
    public static final int F_DST_LO = F_DST_HI + 1;
    public static final int F_SRC_PORT = F_DST_LO + 1;
    public static final int F_DST_PORT = F_SRC_PORT + 1;
    public static final int F_IFINDEX = F_DST_PORT + 1;
    public static final int F_RULE = F_IFINDEX + 1;
    public static final int F_DIRECTION = F_RULE + 1;
    public static final int F_CREATOR_ID = F_DIRECTION + 1;
    public static final int F_ID = F_CREATOR_ID + 1;
    public static final int F_CREATED_MILLIS = F_ID + 1;
    public static final int F_LAST_ACTIVITY_MILLIS = F_CREATED_MILLIS + 1;
    public static final int F_EXPIRES_IN_SECONDS = F_LAST_ACTIVITY_MILLIS + 1;
    public static final int F_TIMEOUT_CLASS = F_EXPIRES_IN_SECONDS + 1;
    public static final int F_PACKETS_FWD = F_TIMEOUT_CLASS + 1;
    public static final int F_PACKETS_REV = F_PACKETS_FWD + 1;
    public static final int F_BYTES_FWD = F_PACKETS_REV + 1;
    public static final int F_BYTES_REV = F_BYTES_FWD + 1;
    /** First field of the initiator's peer; the responder's follows at {@code + PEER_FIELDS}. */
    public static final int F_PEER = F_BYTES_REV + 1;
    public static final int P_SEQLO = 0;
    public static final int P_SEQHI = P_SEQLO + 1;
    public static final int P_MAX_WIN = P_SEQHI + 1;
    public static final int P_MSS = P_MAX_WIN + 1;
    public static final int P_STATE = P_MSS + 1;
    public static final int P_WSCALE = P_STATE + 1;
    public static final int PEER_FIELDS = P_WSCALE + 1;
    /** Longs per state row. */
    public static final int FIELDS = F_PEER + 2 * PEER_FIELDS;

    private final long[] rows = new long[CHUNK * FIELDS];
    private int rowCount;
    private int nextFrom;
    private long nowMillis;

    private int requestFrom;
    private long servedSeq;
    private long readerSeq;
    private volatile long requestSeq;
    private volatile long answerSeq;

    /** The serving thread's doorbell, rung after each request is posted (the packet agent installs it). */
    private volatile Runnable wakeup = () -> { };

    /** Installs the serving thread's doorbell ({@code null}: none). */
    public void wakeup(final Runnable doorbell) {
        this.wakeup = doorbell == null ? () -> { } : doorbell;
    }

    /**
     * Called by the packet thread once per duty cycle: answers a pending request, if any.
     *
     * @return true when a request was served
     */
    public boolean serve(final StateTable table, final long now) {
        final long seq = requestSeq;
        if (seq == servedSeq) {
            return false;
        }
        final int from = requestFrom;
        final int capacity = table.capacity();
        final int scanEnd = (int) Math.min(capacity, (long) from + SCAN_LIMIT);
        int n = 0;
        int s = from;
        for (; s < scanEnd && n < CHUNK; s++) {
            if (table.isLive(s)) {
                copy(table, s, n * FIELDS, now);
                n++;
            }
        }
        rowCount = n;
        nextFrom = s >= capacity ? -1 : s;
        nowMillis = now;
        servedSeq = seq;
        answerSeq = seq;
        return true;
    }

    private void copy(final StateTable t, final int slot, final int o, final long now) {
        rows[o + F_FAMILY] = t.family(slot);
        rows[o + F_PROTO] = t.protocol(slot);
        rows[o + F_SRC_HI] = t.srcHi(slot);
        rows[o + F_SRC_LO] = t.srcLo(slot);
        rows[o + F_DST_HI] = t.dstHi(slot);
        rows[o + F_DST_LO] = t.dstLo(slot);
        rows[o + F_SRC_PORT] = t.srcPort(slot);
        rows[o + F_DST_PORT] = t.dstPort(slot);
        rows[o + F_IFINDEX] = t.ifindex(slot);
        rows[o + F_RULE] = t.rule(slot);
        rows[o + F_DIRECTION] = t.direction(slot);
        rows[o + F_CREATOR_ID] = t.creatorId(slot) & 0xFFFF_FFFFL;
        rows[o + F_ID] = t.id(slot);
        rows[o + F_CREATED_MILLIS] = t.creationMillis(slot);
        rows[o + F_LAST_ACTIVITY_MILLIS] = t.lastActivityMillis(slot);
        rows[o + F_EXPIRES_IN_SECONDS] = t.expiresInSeconds(slot, now);
        rows[o + F_TIMEOUT_CLASS] = t.timeoutClass(slot);
        rows[o + F_PACKETS_FWD] = t.packets(slot, 0);
        rows[o + F_PACKETS_REV] = t.packets(slot, 1);
        rows[o + F_BYTES_FWD] = t.bytes(slot, 0);
        rows[o + F_BYTES_REV] = t.bytes(slot, 1);
        for (int peer = 0; peer < 2; peer++) {
            final int p = o + F_PEER + peer * PEER_FIELDS;
            rows[p + P_SEQLO] = t.seqLo(slot, peer);
            rows[p + P_SEQHI] = t.seqHi(slot, peer);
            rows[p + P_MAX_WIN] = t.maxWin(slot, peer);
            rows[p + P_MSS] = t.mss(slot, peer);
            rows[p + P_STATE] = t.peerState(slot, peer);
            rows[p + P_WSCALE] = t.wscale(slot, peer);
        }
    }

    /** What a reader gets back: the rows of one chunk. */
    public interface ChunkConsumer {
        /** Called once per state with the mailbox's rows and the row's offset; copy what you need. */
        void accept(long[] rows, int offset, long nowMillis);
    }

    /**
     * Reader side: walks the whole table chunk by chunk, handing each state row to {@code consumer}.
     *
     * @param timeoutMillis how long to wait for the packet thread per chunk
     * @return the number of states read
     * @throws IllegalStateException when the packet thread does not answer in time
     */
    public synchronized int read(final ChunkConsumer consumer, final long timeoutMillis) throws InterruptedException {
        int from = 0;
        int total = 0;
        while (from >= 0) {
            post(from);
            final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (!answered()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the packet thread did not answer within " + timeoutMillis + " ms");
                }
                Thread.sleep(1);
            }
            for (int i = 0; i < rowCount; i++) {
                consumer.accept(rows, i * FIELDS, nowMillis);
            }
            total += rowCount;
            from = nextFrom;
        }
        return total;
    }

    /**
     * Non-blocking reader side, for a reader that must keep doing other work (the sync thread's bulk
     * update): asks for the chunk starting at slot {@code from}; poll {@link #answered()}, then read
     * {@link #rows()}, {@link #rowCount()}, {@link #nextFrom()}. One reader per mailbox.
     */
    public void post(final int from) {
        requestFrom = from;
        requestSeq = ++readerSeq;
        wakeup.run();
    }

    /** True once the packet thread answered the last {@link #post}. */
    public boolean answered() {
        return answerSeq == readerSeq;
    }

    /** The answered chunk's rows ({@link #FIELDS} longs each); valid until the next {@link #post}. */
    public long[] rows() {
        return rows;
    }

    public int rowCount() {
        return rowCount;
    }

    /** Where the next chunk starts, or -1 when the answered chunk was the last. */
    public int nextFrom() {
        return nextFrom;
    }

    /** The packet thread's clock when it answered. */
    public long answeredAtMillis() {
        return nowMillis;
    }
}
