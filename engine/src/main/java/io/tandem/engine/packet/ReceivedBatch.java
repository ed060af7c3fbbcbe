package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.StateTable;

/**
 * The packets of one receive batch, decoded first and decided afterwards, so that their state
 * lookups' cache misses overlap instead of following one another.
 *
 * <p>Theory of operation. With many states the table is far larger than the caches: a lookup costs
 * a miss in the key index and one or two in the state's record, each a memory round trip that one
 * packet's decision waits for. The packet thread therefore decodes every packet of a receive batch
 * into an entry here ({@link #next}, {@link #decoded}); a packet that did not decode keeps the verdict
 * it already has ({@link #answered}), so that verdicts still leave in packet order. Then
 * {@link #prefetch} reads, for every decoded packet, the index word at its key's home position, and
 * after that every record those words name: independent loads, which the CPU runs in parallel. Then
 * the thread decides the entries in order, and finds them in the cache; each lookup reuses the key
 * hash the prefetch took ({@link #keyHash}), so the prefetch costs only its loads. The prefetch
 * changes nothing; a key that is not at its home position (a collision, a miss) is simply not
 * warmed. Even with a thousand states it pays: their records no longer fit the first-level cache.
 *
 * <p>Owner: the packet thread. Memory bound: {@link #CAPACITY} decoded packets and their metadata,
 * allocated at construction; nothing is allocated per packet. Failure policy: none needed; the caller
 * decides the batch when it is {@link #full}.
 */
public final class ReceivedBatch {
    /** Most entries: the largest receive batch (64 datagrams), with room for datagrams of several packets. */
    public static final int CAPACITY = 256;
    /** An entry's verdict before it is decided. */
    public static final int UNDECIDED = -1;

    private final DecodedPacket[] packets = new DecodedPacket[CAPACITY];
    private final long[] ids = new long[CAPACITY];
    private final int[] hooks = new int[CAPACITY];
    private final int[] indevs = new int[CAPACITY];
    private final int[] outdevs = new int[CAPACITY];
    private final long[] lengths = new long[CAPACITY];
    private final int[] verdicts = new int[CAPACITY];
    private final int[] hashes = new int[CAPACITY];
    /** Each entry's key hash as {@link #prefetch} took it (unsigned), or {@link StateTable#NO_KEY_HASH}. */
    private final long[] keyHashes = new long[CAPACITY];
    private int count;

    public ReceivedBatch() {
        for (int i = 0; i < CAPACITY; i++) {
            packets[i] = new DecodedPacket();
        }
    }

    /** The packet object the next entry is decoded into (call {@link #decoded} or {@link #answered} next). */
    public DecodedPacket next() {
        return packets[count];
    }

    /** The packet in {@link #next} decoded: an entry to decide. */
    public void decoded(final long id, final int hook, final int indev, final int outdev, final long length) {
        final int k = count++;
        ids[k] = id;
        hooks[k] = hook;
        indevs[k] = indev;
        outdevs[k] = outdev;
        lengths[k] = length;
        verdicts[k] = UNDECIDED;
        keyHashes[k] = StateTable.NO_KEY_HASH;
    }

    /** A packet whose verdict is known already (it did not decode): an entry that keeps its place in order. */
    public void answered(final long id, final int verdict) {
        final int k = count++;
        ids[k] = id;
        verdicts[k] = verdict;
    }

    public boolean full() {
        return count == CAPACITY;
    }

    public int size() {
        return count;
    }

    public void clear() {
        count = 0;
    }

    /**
     * {@link #prefetch} when the table holds any state and the batch more than one packet. The hashes
     * it takes are not extra work: the lookups reuse them ({@link #keyHash}). Even a small table gains:
     * its records (two cache lines a state) outgrow the first-level cache at a few hundred states.
     */
    public void prefetchLookups(final StateTable table) {
        if (count > 1 && table.size() > 0) {
            prefetch(table);
        }
    }

    /** Reads every undecided packet's index word, then the records they name (see the class comment). */
    public void prefetch(final StateTable table) {
        int m = 0;
        for (int k = 0; k < count; k++) {
            if (verdicts[k] == UNDECIDED) {
                final int h = table.lookupHash(packets[k], indevs[k]);
                hashes[m++] = h;
                keyHashes[k] = h & 0xFFFF_FFFFL;
            }
        }
        table.prefetch(hashes, m);
    }

    public DecodedPacket packet(final int k) {
        return packets[k];
    }

    public long id(final int k) {
        return ids[k];
    }

    public int hook(final int k) {
        return hooks[k];
    }

    public int indev(final int k) {
        return indevs[k];
    }

    public int outdev(final int k) {
        return outdevs[k];
    }

    public long length(final int k) {
        return lengths[k];
    }

    /**
     * The hash of the entry's key that {@link #prefetch} took for {@code table} (unsigned), for
     * {@link io.tandem.engine.packet.PacketFilter#decide(DecodedPacket, int, int, int, long, long, long)};
     * {@link StateTable#NO_KEY_HASH} when the batch was not prefetched. Valid for that table only.
     */
    public long keyHash(final int k) {
        return keyHashes[k];
    }

    /** The entry's verdict if it has one already, else {@link #UNDECIDED}. */
    public int verdict(final int k) {
        return verdicts[k];
    }
}
