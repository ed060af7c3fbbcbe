package io.tandem.engine.sync.auth;

import java.util.Arrays;
import java.util.function.LongSupplier;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Signs outgoing pfsync frames with the W.12 trailer and verifies incoming ones, including replay
 * protection.
 *
 * <p><b>Theory of operation.</b> The tag is HMAC-SHA-256 over the {@code len} bytes of the pfsync
 * frame followed by trailer bytes 0–15 (version, algorithm, key id, creatorid, sequence); these
 * lie back to back, so one pass covers {@code [frame, frame + len + 16)}.
 * <ul>
 *   <li><b>Sign</b> ({@link #sign}): after {@code PfsyncFrameEncoder.finish()} returned
 *       {@code len}, write the trailer at {@code frame + len} with the sending key (the first key
 *       of the {@link ClusterKeyFile}), our creatorid and the next sequence number, then the tag.
 *       The sequence is {@code max(previous + 1, wall clock in µs)}: it starts at the wall clock,
 *       as W.12 says, and strictly increases; unlike a bare "+1 per frame" it also stays near the
 *       wall clock, so a receiver that has restarted (and forgotten us) finds our next frame within
 *       max skew of its clock instead of rejecting us as {@link AuthResult#STALE_SENDER} until we
 *       restart too. With a fixed creatorid ({@code set hostid}) a restart continues above the old
 *       sequence unless the clock went back.</li>
 *   <li><b>Verify</b> ({@link #verify}): a ladder that counts, in the order of W.12 — bytes after
 *       EOF exactly 0 ({@link AuthResult#MISSING}, or {@link AuthResult#ACCEPTED_UNAUTHENTICATED}
 *       when {@code require} is false) or 48 (else {@link AuthResult#BAD_LENGTH}); version 1;
 *       algorithm 1; a key id we hold (either key during a rotation); the tag, compared in
 *       constant time; then the replay window. Only a frame whose tag checked out touches the
 *       replay table, so nobody without the key can fill, evict or advance it.</li>
 *   <li><b>Replay window</b> (the IPsec scheme, RFC 4303 §3.4.3, 64 frames): per sender
 *       (trailer creatorid) the highest sequence seen and a 64-bit bitmap of the 64 sequences
 *       below and including it. A higher sequence slides the window; one inside the window is
 *       accepted once; a repeat or anything 64 or more below the highest is
 *       {@link AuthResult#REPLAY}. A sender not in the table (every restart brings a new
 *       creatorid) is accepted only if {@code |sequence / 1000 − nowMillis| ≤ maxSkewMillis},
 *       else {@link AuthResult#STALE_SENDER}: replaying a recorded frame of a node that has gone
 *       works only within max skew of its recording.</li>
 * </ul>
 *
 * <p><b>Life cycle.</b> Built when sync starts (or the key file or creatorid changes) from a
 * loaded {@link ClusterKeyFile}; discarded with the sync agent. A new instance forgets all senders
 * and starts a new sequence; peers then see a known creatorid continue above its old sequence,
 * which is fine, or a new creatorid, which passes the skew check.
 *
 * <p><b>Synchronisation.</b> Owned by the sync agent's thread: the first thread that signs or
 * verifies becomes the owner and both methods assert it (tests run with {@code -ea}). Counters are
 * plain longs written by the owner; a metrics scrape may read them racily, as for
 * {@code PfsyncStats}.
 *
 * <p><b>Memory bound.</b> Fixed at construction: one {@link HmacSha256} (a SHA-256 state and
 * 160 bytes) per key (at most 2), a 2 KiB scratch array the frame is copied through, and the
 * sender table — {@code senderCapacity} (default 64) entries of 29 bytes in parallel arrays.
 * A new sender takes a free entry, else that of the least recently seen sender; if that one was
 * seen within max skew, W.12's "remember for at least max skew" is broken and the eviction is
 * counted ({@link #evictions()}). An evicted sender is subject to the skew check again, as after
 * a restart, which its clock-based sequence passes. Lookup is a linear scan: 64 entries cost less
 * than the HMAC.
 * {@link #sign} and {@link #verify} allocate nothing.
 *
 * <p><b>Failure policy.</b> {@link #verify} never throws on received bytes; every outcome is an
 * {@link AuthResult}, counted. {@link #sign} throws {@link IllegalArgumentException} when the
 * buffer has no room for the trailer (a programming error: the encoder reserves it). The
 * constructor throws on bad arguments.
 *
 * <p><b>Limit.</b> The key is shared: a valid tag proves that a cluster member sent the frame,
 * not which one; any member can claim any creatorid.
 */
public final class FrameAuthenticator {
    /** Trailer length: the value {@link #sign} returns and the bytes {@link #verify} expects after {@code len}. */
    public static final int TRAILER_LENGTH = PfsyncAuthTrailerFlyweight.LENGTH;
    /** Senders remembered by default (creatorids; each restart of a peer adds one). */
    public static final int DEFAULT_SENDER_CAPACITY = 64;
    /** W.12 default of {@code sync.auth.max_skew}. */
    public static final long DEFAULT_MAX_SKEW_MILLIS = 60_000;
    /** Frames below a sender's highest sequence that can still arrive once (the bitmap width). */
    public static final int REPLAY_WINDOW = 64;

    private static final AuthResult[] RESULTS = AuthResult.values();
    private static final int SCRATCH_LENGTH = 2048;
    private static final int TAG_LENGTH = PfsyncAuthTrailerFlyweight.TAG_LENGTH;
    private static final int SIGNED_PREFIX = PfsyncAuthTrailerFlyweight.SIGNED_PREFIX;

    private final int creatorId;
    private final boolean require;
    private final long maxSkewMillis;
    /** Key ids by index; index 0 is the sending key. */
    private final int[] keyIds;
    private final HmacSha256[] macs;
    private final LongSupplier wallClockMicros;
    private final PfsyncAuthTrailerFlyweight trailer = new PfsyncAuthTrailerFlyweight();
    private final byte[] scratch = new byte[SCRATCH_LENGTH];
    private final byte[] computedTag = new byte[TAG_LENGTH];
    private final byte[] receivedTag = new byte[TAG_LENGTH];
    private long nextSequence;

    // ---- sender table, one entry per index ----------------------------------------------------
    private final boolean[] senderUsed;
    private final int[] senderIds;
    private final long[] senderHighest;
    /** Bit i set: sequence {@code highest − i} was accepted. */
    private final long[] senderWindow;
    private final long[] senderLastSeenMillis;
    private int sendersInUse;

    // ---- counters (owner thread) --------------------------------------------------------------
    private final long[] counts = new long[RESULTS.length];
    private long signed;
    private long evictions;

    private Thread owner;

    /**
     * A table of {@link #DEFAULT_SENDER_CAPACITY} senders.
     *
     * @param keys            the cluster key file; its first key signs, every key verifies
     * @param creatorId       our creatorid (non-zero), written into every trailer
     * @param require         {@code sync.auth.require}: false accepts frames without a trailer
     * @param maxSkewMillis   {@code sync.auth.max_skew} (≥ 0): how far an unknown sender's sequence
     *                        may be from our clock, and how long a sender is certainly remembered
     * @param wallClockMicros wall-clock time in microseconds since the epoch, read here and at
     *                        every {@link #sign}; must not allocate ({@link #systemWallClockMicros()}
     *                        in production)
     */
    public FrameAuthenticator(final ClusterKeyFile keys, final int creatorId, final boolean require,
            final long maxSkewMillis, final LongSupplier wallClockMicros) {
        this(keys, creatorId, require, maxSkewMillis, wallClockMicros, DEFAULT_SENDER_CAPACITY);
    }

    /** As above, with {@code senderCapacity} (≥ 1) senders in the replay table. */
    public FrameAuthenticator(final ClusterKeyFile keys, final int creatorId, final boolean require,
            final long maxSkewMillis, final LongSupplier wallClockMicros, final int senderCapacity) {
        if (creatorId == 0) {
            throw new IllegalArgumentException("creatorid must be non-zero (W.6)");
        }
        if (maxSkewMillis < 0) {
            throw new IllegalArgumentException("max skew must be >= 0 ms: " + maxSkewMillis);
        }
        if (senderCapacity < 1) {
            throw new IllegalArgumentException("sender capacity must be >= 1: " + senderCapacity);
        }
        this.creatorId = creatorId;
        this.require = require;
        this.maxSkewMillis = maxSkewMillis;
        this.keyIds = new int[keys.size()];
        this.macs = new HmacSha256[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            keyIds[i] = keys.keyId(i);
            final byte[] secret = keys.secret(i);
            macs[i] = new HmacSha256(secret);
            Arrays.fill(secret, (byte) 0);
        }
        this.wallClockMicros = wallClockMicros;
        this.nextSequence = wallClockMicros.getAsLong();
        this.senderUsed = new boolean[senderCapacity];
        this.senderIds = new int[senderCapacity];
        this.senderHighest = new long[senderCapacity];
        this.senderWindow = new long[senderCapacity];
        this.senderLastSeenMillis = new long[senderCapacity];
    }

    /**
     * Wall-clock time in microseconds since the epoch, with millisecond granularity
     * ({@link System#currentTimeMillis()} × 1000): allocation-free, unlike {@code Instant.now()}.
     * The finer digits are not needed: the sequence only has to increase and be near the clock.
     */
    public static long systemWallClockMicros() {
        return System.currentTimeMillis() * 1000L;
    }

    // =========================================================================================
    // Send
    // =========================================================================================

    /**
     * Appends the trailer to a finished frame: bytes {@code [offset + pfsyncLen, offset + pfsyncLen + 48)}.
     *
     * @param frame     holds the frame; needs 48 bytes of room after it
     * @param offset    first byte of the pfsync header
     * @param pfsyncLen the header's {@code len} (header through EOF), as returned by {@code finish()}
     * @return {@link #TRAILER_LENGTH}: send {@code pfsyncLen + 48} bytes
     * @throws IllegalArgumentException when the buffer has no room for the trailer
     */
    public int sign(final MutableDirectBuffer frame, final int offset, final int pfsyncLen) {
        assert onOwnerThread() : "FrameAuthenticator used outside its owner thread";
        if (offset < 0 || pfsyncLen < 0 || offset > frame.capacity() - TRAILER_LENGTH - pfsyncLen) {
            throw new IllegalArgumentException("no room for the 48-byte trailer: offset " + offset + ", len "
                + pfsyncLen + ", capacity " + frame.capacity());
        }
        trailer.wrap(frame, offset + pfsyncLen)
            .version(PfsyncAuthTrailerFlyweight.VERSION_1)
            .algorithm(PfsyncAuthTrailerFlyweight.ALGORITHM_HMAC_SHA256)
            .keyId(keyIds[0])
            .creatorid(creatorId)
            .sequence(takeSequence());
        computeTag(macs[0], frame, offset, pfsyncLen + SIGNED_PREFIX);
        trailer.putTag(computedTag, 0);
        signed++;
        return TRAILER_LENGTH;
    }

    /** {@code max(next, clock)}, unsigned; the one after it will be at least one more. */
    private long takeSequence() {
        final long clock = wallClockMicros.getAsLong();
        final long sequence = Long.compareUnsigned(clock, nextSequence) > 0 ? clock : nextSequence;
        nextSequence = sequence + 1;
        return sequence;
    }

    // =========================================================================================
    // Receive
    // =========================================================================================

    /**
     * Checks a received frame's trailer and, if it is valid and new, records its sequence.
     *
     * @param buffer          holds the packet
     * @param offset          first byte of the pfsync header
     * @param ipPayloadLength bytes after the IP header; the caller has already checked that it is at
     *                        least {@code pfsyncLen} ({@code badlen} otherwise)
     * @param pfsyncLen       the header's {@code len}
     * @param nowMillis       the wall clock in milliseconds since the epoch (the duty cycle's reading)
     * @return the outcome, already counted; not {@link AuthResult#accepted()} means {@code badauth}, drop
     */
    public AuthResult verify(final DirectBuffer buffer, final int offset, final int ipPayloadLength,
            final int pfsyncLen, final long nowMillis) {
        assert onOwnerThread() : "FrameAuthenticator used outside its owner thread";
        final AuthResult result = check(buffer, offset, ipPayloadLength, pfsyncLen, nowMillis);
        counts[result.ordinal()]++;
        return result;
    }

    private AuthResult check(final DirectBuffer buffer, final int offset, final int ipPayloadLength,
            final int pfsyncLen, final long nowMillis) {
        if (offset < 0 || pfsyncLen < 0 || ipPayloadLength < pfsyncLen
                || offset > buffer.capacity() - ipPayloadLength) {
            return AuthResult.BAD_LENGTH;
        }
        final int trailerLength = ipPayloadLength - pfsyncLen;
        if (trailerLength == 0) {
            return require ? AuthResult.MISSING : AuthResult.ACCEPTED_UNAUTHENTICATED;
        }
        if (trailerLength != TRAILER_LENGTH) {
            return AuthResult.BAD_LENGTH;
        }
        trailer.wrap(buffer, offset + pfsyncLen);
        if (trailer.version() != PfsyncAuthTrailerFlyweight.VERSION_1) {
            return AuthResult.BAD_VERSION;
        }
        if (trailer.algorithm() != PfsyncAuthTrailerFlyweight.ALGORITHM_HMAC_SHA256) {
            return AuthResult.BAD_ALGORITHM;
        }
        final int key = keyIndex(trailer.keyId());
        if (key < 0) {
            return AuthResult.UNKNOWN_KEY;
        }
        computeTag(macs[key], buffer, offset, pfsyncLen + SIGNED_PREFIX);
        trailer.getTag(receivedTag, 0);
        if (!equalInConstantTime(computedTag, receivedTag)) {
            return AuthResult.BAD_TAG;
        }
        return acceptSequence(trailer.creatorid(), trailer.sequence(), nowMillis);
    }

    private int keyIndex(final int keyId) {
        for (int i = 0; i < keyIds.length; i++) {
            if (keyIds[i] == keyId) {
                return i;
            }
        }
        return -1;
    }

    /** HMAC of {@code buffer[index, index + length)} into {@link #computedTag}, through the scratch array. */
    private void computeTag(final HmacSha256 mac, final DirectBuffer buffer, final int index, final int length) {
        mac.start();
        int at = index;
        int left = length;
        while (left > 0) {
            final int n = Math.min(left, SCRATCH_LENGTH);
            buffer.getBytes(at, scratch, 0, n);
            mac.update(scratch, 0, n);
            at += n;
            left -= n;
        }
        mac.finish(computedTag, 0);
    }

    /** Compares all 32 bytes whatever the first difference, so the time taken reveals nothing. */
    private static boolean equalInConstantTime(final byte[] a, final byte[] b) {
        int difference = 0;
        for (int i = 0; i < TAG_LENGTH; i++) {
            difference |= a[i] ^ b[i];
        }
        return difference == 0;
    }

    /** The replay window; called only for a frame whose tag checked out. Sequences are unsigned. */
    private AuthResult acceptSequence(final int sender, final long sequence, final long nowMillis) {
        int slot = find(sender);
        if (slot < 0) {
            if (!withinSkew(sequence, nowMillis)) {
                return AuthResult.STALE_SENDER;
            }
            slot = claim(nowMillis);
            senderUsed[slot] = true;
            senderIds[slot] = sender;
            senderHighest[slot] = sequence;
            senderWindow[slot] = 1L;
            senderLastSeenMillis[slot] = nowMillis;
            return AuthResult.OK;
        }
        final long highest = senderHighest[slot];
        if (Long.compareUnsigned(sequence, highest) > 0) {
            final long ahead = sequence - highest;
            senderWindow[slot] = Long.compareUnsigned(ahead, REPLAY_WINDOW) >= 0
                ? 1L : senderWindow[slot] << ahead | 1L;
            senderHighest[slot] = sequence;
        } else {
            final long behind = highest - sequence;
            if (Long.compareUnsigned(behind, REPLAY_WINDOW) >= 0) {
                return AuthResult.REPLAY;
            }
            final long bit = 1L << behind;
            if ((senderWindow[slot] & bit) != 0) {
                return AuthResult.REPLAY;
            }
            senderWindow[slot] |= bit;
        }
        senderLastSeenMillis[slot] = nowMillis;
        return AuthResult.OK;
    }

    /** {@code |sequence µs / 1000 − now| ≤ max skew}; a negative (pre-1970) clock accepts no new sender. */
    private boolean withinSkew(final long sequence, final long nowMillis) {
        if (nowMillis < 0) {
            return false;
        }
        final long sentMillis = Long.divideUnsigned(sequence, 1000);   // 0 .. 1.8e16: no overflow below
        final long difference = sentMillis - nowMillis;
        return difference <= maxSkewMillis && -difference <= maxSkewMillis;
    }

    private int find(final int sender) {
        for (int i = 0; i < senderIds.length; i++) {
            if (senderUsed[i] && senderIds[i] == sender) {
                return i;
            }
        }
        return -1;
    }

    /** A free entry, else the least recently seen sender's; counts an eviction within max skew. */
    private int claim(final long nowMillis) {
        int oldest = -1;
        for (int i = 0; i < senderIds.length; i++) {
            if (!senderUsed[i]) {
                sendersInUse++;
                return i;
            }
            if (oldest < 0 || senderLastSeenMillis[i] < senderLastSeenMillis[oldest]) {
                oldest = i;
            }
        }
        if (nowMillis - senderLastSeenMillis[oldest] <= maxSkewMillis) {
            evictions++;
        }
        return oldest;
    }

    private boolean onOwnerThread() {
        final Thread current = Thread.currentThread();
        if (owner == null) {
            owner = current;
        }
        return owner == current;
    }

    // =========================================================================================
    // Counters and accessors (owner thread; scrapes may read racily)
    // =========================================================================================

    /** Frames that {@link #verify} judged {@code result}. */
    public long count(final AuthResult result) {
        return counts[result.ordinal()];
    }

    /** Frames {@link #verify} rejected: the caller's {@code badauth}. */
    public long rejected() {
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (!RESULTS[i].accepted()) {
                sum += counts[i];
            }
        }
        return sum;
    }

    /** Frames signed. */
    public long signed() {
        return signed;
    }

    /** Senders pushed out of a full table within max skew of their last frame. */
    public long evictions() {
        return evictions;
    }

    /** Senders in the replay table. */
    public int trackedSenders() {
        return sendersInUse;
    }

    /** The least sequence number the next signed frame can carry (it takes the clock if that is higher). */
    public long nextSequence() {
        return nextSequence;
    }

    /** Key id frames are signed with. */
    public int sendKeyId() {
        return keyIds[0];
    }

    public int creatorId() {
        return creatorId;
    }

    public boolean require() {
        return require;
    }

    public long maxSkewMillis() {
        return maxSkewMillis;
    }
}
