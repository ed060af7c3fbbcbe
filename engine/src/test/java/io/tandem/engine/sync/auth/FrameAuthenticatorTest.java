package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.CREATOR;
import static io.tandem.engine.sync.auth.AuthTestSupport.DEL_C_FRAME;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.NOW_MILLIS;
import static io.tandem.engine.sync.auth.AuthTestSupport.SEQUENCE;
import static io.tandem.engine.sync.auth.AuthTestSupport.dump;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncDecodeResult;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Signing, the known-answer tag, and every verification outcome of W.12 in check order. */
class FrameAuthenticatorTest {
    private static final String KEYS = KEY_ID + " " + KEY_HEX + "\n";
    private static final String ROTATION_KEYS = KEY_ID + " " + KEY_HEX + "\n" + KEY2_ID + " " + KEY2_HEX + "\n";
    private static final int RECEIVER = 0x11111111;
    private static final int LEN = 40;
    private static final long SKEW = FrameAuthenticator.DEFAULT_MAX_SKEW_MILLIS;

    /** The senders' wall clock in microseconds; fixed unless a test moves it. */
    private long senderClock = SEQUENCE;
    /** The receivers' wall clock in milliseconds. */
    private long now = NOW_MILLIS;

    // ---- golden bytes --------------------------------------------------------------------------

    /**
     * The W.3 DEL_C frame (40 bytes) signed with key id 7 = bytes 00..1f, creatorid 0a0b0c0d,
     * sequence 1700000000000000 µs. The expected tag was computed outside Java, over the 56 bytes
     * frame || trailer[0..16):
     * <pre>
     * printf '%s' 050000280000000000000000000000000000000007000001000000000000002a0a0b0c0d0c000001\
     * 010100070a0b0c0d00060a24181e4000 | xxd -r -p \
     *   | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
     * </pre>
     * and cross-checked with Python's {@code hmac.new(bytes(range(32)), msg, hashlib.sha256)}.
     */
    @Test
    void signsTheKnownAnswer() {
        final byte[] expected = hex(DEL_C_FRAME
            + " 01 01 00 07"                 // trailer version 1, algorithm 1 (HMAC-SHA-256), key id 7
            + " 0a 0b 0c 0d"                 // sender's creatorid
            + " 00 06 0a 24 18 1e 40 00"     // sequence 1700000000000000
            + " 11dc162edce2fc51d69469700f1e92bd8b6b61653f28efc85155eb1084f8b7bf");  // HMAC-SHA-256
        assertEquals(88, expected.length);
        assertEquals(dump(expected), dump(signed(sender(KEYS), frame())));

        // The same bytes at an offset inside a larger heap buffer, and in a direct buffer.
        final byte[] big = new byte[13 + 88 + 7];
        System.arraycopy(frame(), 0, big, 13, LEN);
        assertEquals(FrameAuthenticator.TRAILER_LENGTH, sender(KEYS).sign(new UnsafeBuffer(big), 13, LEN));
        assertEquals(dump(expected), dump(Arrays.copyOfRange(big, 13, 13 + 88)));

        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(200));
        direct.putBytes(50, frame());
        sender(KEYS).sign(direct, 50, LEN);
        final byte[] out = new byte[88];
        direct.getBytes(50, out);
        assertEquals(dump(expected), dump(out));

        assertEquals(AuthResult.OK, verify(receiver(KEYS), expected));
    }

    // ---- round trips ---------------------------------------------------------------------------

    @Test
    void roundTripsFramesOfEverySize() {
        final FrameAuthenticator sender = sender(KEYS);
        final FrameAuthenticator receiver = receiver(KEYS);
        final SplittableRandom random = new SplittableRandom(12);
        // Sizes around the 2048-byte scratch array the frame is copied through, up to the u16 len.
        for (final int size : new int[] {0, 1, 40, 1452, 2031, 2032, 2033, 2048, 4096, 5000, 65535}) {
            final byte[] frame = new byte[size];
            random.nextBytes(frame);
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(size + 48));
            direct.putBytes(0, frame);
            sender.sign(direct, 0, size);
            assertEquals(AuthResult.OK, receiver.verify(direct, 0, size + 48, size, now), "size " + size);
            final byte[] heap = new byte[size + 48];
            direct.getBytes(0, heap);
            assertEquals(AuthResult.REPLAY, verify(receiver, heap, size), "size " + size);
        }
        assertEquals(11, sender.signed());
        assertEquals(11, receiver.count(AuthResult.OK));
        assertEquals(11, receiver.count(AuthResult.REPLAY));
    }

    /** Through the real codec: encoder with a reserved trailer, sign, verify, decode the first len bytes. */
    @Test
    void worksWithTheWireCodec() {
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV4_HEADER_LENGTH,
            PfsyncConstants.AUTH_TRAILER_LENGTH);
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_DEL_C);
        for (int id = 1; encoder.fits(PfsyncConstants.ACT_DEL_C); id++) {
            encoder.appendDelC(id, CREATOR);
        }
        final int len = encoder.finish();
        final int sent = len + sender(KEYS).sign(encoder.buffer(), 0, len);
        assertEquals(1500 - 20, sent, "a full frame plus trailer fills the MTU");

        assertEquals(AuthResult.OK, receiver(KEYS).verify(encoder.buffer(), 0, sent, len, now));
        final PfsyncStats stats = new PfsyncStats();
        final int[] records = new int[1];
        final PfsyncDecodeResult decoded = new PfsyncFrameDecoder(stats).decode(encoder.buffer(), 0, len,
            new CountingHandler(records));
        assertEquals(PfsyncDecodeResult.OK, decoded);
        assertEquals(0, stats.badlen);
        assertEquals(encoder.recordCount(PfsyncConstants.ACT_DEL_C), records[0]);
    }

    // ---- the ladder, in order ------------------------------------------------------------------

    @Test
    void trailerMustBeAbsentOrExactly48Bytes() {
        final FrameAuthenticator receiver = receiver(KEYS);
        final byte[] packet = signed(sender(KEYS), frame());
        final UnsafeBuffer buffer = new UnsafeBuffer(packet);
        assertEquals(AuthResult.MISSING, receiver.verify(buffer, 0, LEN, LEN, now));
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, 0, LEN + 47, LEN, now), "truncated trailer");
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, 0, LEN + 20, LEN, now), "FreeBSD 9's EOF body");
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(new UnsafeBuffer(Arrays.copyOf(packet, 89)), 0, 89, LEN,
            now), "one byte too many");
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, 0, LEN - 1, LEN, now), "payload shorter than len");
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, 1, 88, LEN, now), "runs past the buffer");
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, -1, 88, LEN, now));
        assertEquals(AuthResult.BAD_LENGTH, receiver.verify(buffer, 0, 88, -48, now));
        assertEquals(AuthResult.OK, receiver.verify(buffer, 0, 88, LEN, now));
        assertEquals(1, receiver.count(AuthResult.MISSING));
        assertEquals(7, receiver.count(AuthResult.BAD_LENGTH));
    }

    @Test
    void versionThenAlgorithmThenKeyId() {
        final FrameAuthenticator receiver = receiver(KEYS);
        final byte[] good = signed(sender(KEYS), frame());

        assertEquals(AuthResult.BAD_VERSION, verify(receiver, patch(good, LEN, 2)));
        assertEquals(AuthResult.BAD_VERSION, verify(receiver, patch(good, LEN, 0)));
        assertEquals(AuthResult.BAD_VERSION, verify(receiver, patch(patch(good, LEN, 2), LEN + 1, 2)), "version first");
        assertEquals(AuthResult.BAD_ALGORITHM, verify(receiver, patch(good, LEN + 1, 2)));
        assertEquals(AuthResult.BAD_ALGORITHM, verify(receiver, patch(patch(good, LEN + 1, 0), LEN + 3, 9)),
            "algorithm before key id");
        assertEquals(AuthResult.UNKNOWN_KEY, verify(receiver, patch(good, LEN + 3, KEY_ID + 1)));
        assertEquals(AuthResult.UNKNOWN_KEY, verify(receiver, patch(good, LEN + 2, 1)), "key id is 16 bits");
        assertEquals(AuthResult.OK, verify(receiver, good), "none of the above touched the replay table");
    }

    @Test
    void anyChangedBitFailsTheTag() {
        final byte[] good = signed(sender(ROTATION_KEYS), frame());
        final FrameAuthenticator receiver = receiver(ROTATION_KEYS);
        // Every bit of the frame, of the signed trailer prefix except version/algorithm/key id
        // (checked earlier), and of the tag.
        int flipped = 0;
        for (int i = 0; i < good.length; i++) {
            if (i >= LEN && i < LEN + 4) {
                continue;
            }
            for (int bit = 0; bit < 8; bit++) {
                final byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertEquals(AuthResult.BAD_TAG, verify(receiver, bad), "byte " + i + " bit " + bit);
                flipped++;
            }
        }
        assertEquals(flipped, receiver.count(AuthResult.BAD_TAG));
        // Signed with key 7, relabelled as key 8: a known key, the wrong tag.
        assertEquals(AuthResult.BAD_TAG, verify(receiver, patch(good, LEN + 3, KEY2_ID)));
        assertEquals(0, receiver.trackedSenders(), "a bad tag never reaches the replay table");
        assertEquals(AuthResult.OK, verify(receiver, good));
    }

    @Test
    void randomTrailersNeverVerify() {
        final FrameAuthenticator receiver = receiver(ROTATION_KEYS);
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            final byte[] packet = new byte[random.nextInt(0, 200) + 48];
            random.nextBytes(packet);
            final int trailer = packet.length - 48;
            packet[trailer] = 1;
            packet[trailer + 1] = 1;
            packet[trailer + 2] = 0;
            packet[trailer + 3] = (byte) (random.nextBoolean() ? KEY_ID : KEY2_ID);
            assertEquals(AuthResult.BAD_TAG, receiver.verify(new UnsafeBuffer(packet), 0, packet.length, trailer, now));
        }
    }

    // ---- replay window -------------------------------------------------------------------------

    @Test
    void repeatsAreReplays() {
        final FrameAuthenticator receiver = receiver(KEYS);
        final byte[] packet = signed(sender(KEYS), frame());
        assertEquals(AuthResult.OK, verify(receiver, packet));
        assertEquals(AuthResult.REPLAY, verify(receiver, packet));
        assertEquals(AuthResult.REPLAY, verify(receiver, packet));
        assertEquals(2, receiver.count(AuthResult.REPLAY));
        assertEquals(1, receiver.trackedSenders());
    }

    @Test
    void outOfOrderWithinTheWindowIsAcceptedOnce() {
        final List<byte[]> f = frames(sender(KEYS), 12);
        final FrameAuthenticator receiver = receiver(KEYS);
        assertEquals(AuthResult.OK, verify(receiver, f.get(10)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(5)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(7)));
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(5)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(9)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(11)), "slides the window by one");
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(7)));
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(10)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(6)));
    }

    @Test
    void framesOlderThanTheWindowAreReplays() {
        final List<byte[]> f = frames(sender(KEYS), 131);
        final FrameAuthenticator receiver = receiver(KEYS);
        assertEquals(AuthResult.OK, verify(receiver, f.get(65)));
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(1)), "64 below the highest: outside the window");
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(0)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(2)), "63 below: the oldest slot of the window");
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(2)));
        // A jump of 64 or more empties the window.
        assertEquals(AuthResult.OK, verify(receiver, f.get(130)));
        assertEquals(AuthResult.REPLAY, verify(receiver, f.get(66)));
        assertEquals(AuthResult.OK, verify(receiver, f.get(67)));
    }

    @Test
    void theWindowWorksAcrossTheSignBitOfTheUnsignedSequence() {
        senderClock = Long.MAX_VALUE - 1;
        final List<byte[]> f = frames(sender(KEYS), 4);     // MAX-1, MAX, MIN, MIN+1
        final FrameAuthenticator receiver = new FrameAuthenticator(keys(KEYS), RECEIVER, true, Long.MAX_VALUE,
            () -> 0L);
        assertEquals(AuthResult.OK, receiver.verify(new UnsafeBuffer(f.get(3)), 0, 88, LEN, now));
        assertEquals(AuthResult.OK, receiver.verify(new UnsafeBuffer(f.get(0)), 0, 88, LEN, now));
        assertEquals(AuthResult.REPLAY, receiver.verify(new UnsafeBuffer(f.get(0)), 0, 88, LEN, now));
        assertEquals(AuthResult.OK, receiver.verify(new UnsafeBuffer(f.get(2)), 0, 88, LEN, now));
    }

    /** The window moves only after the tag checked out: a forged frame cannot push genuine ones out. */
    @Test
    void onlyAuthenticFramesMoveTheWindow() {
        final List<byte[]> f = frames(sender(KEYS), 2);
        final FrameAuthenticator receiver = receiver(KEYS);
        assertEquals(AuthResult.OK, verify(receiver, f.get(0)));
        final byte[] forged = f.get(1).clone();
        forged[LEN + 8] = 0x7F;                             // sequence far ahead, tag not recomputed
        assertEquals(AuthResult.BAD_TAG, verify(receiver, forged));
        final byte[] forgedTag = f.get(1).clone();
        forgedTag[LEN + 20] ^= 1;                           // genuine sequence, bad tag
        assertEquals(AuthResult.BAD_TAG, verify(receiver, forgedTag));
        assertEquals(AuthResult.OK, verify(receiver, f.get(1)), "neither forgery marked sequence + 1 as seen");
    }

    // ---- unknown senders and the skew ----------------------------------------------------------

    @Test
    void unknownSenderMustBeWithinMaxSkew() {
        final FrameAuthenticator receiver = receiver(KEYS);
        senderClock = (NOW_MILLIS + SKEW + 1) * 1000;
        assertEquals(AuthResult.STALE_SENDER, verify(receiver, signed(sender(KEYS), frame())), "61 s ahead");
        senderClock = (NOW_MILLIS - SKEW - 1) * 1000;
        assertEquals(AuthResult.STALE_SENDER, verify(receiver, signed(sender(KEYS), frame())), "61 s behind");
        assertEquals(0, receiver.trackedSenders(), "a stale sender is not remembered");
        assertEquals(2, receiver.count(AuthResult.STALE_SENDER));

        senderClock = (NOW_MILLIS - SKEW) * 1000;
        assertEquals(AuthResult.OK, verify(receiver, signed(sender(KEYS), frame())), "exactly max skew behind");
        senderClock = (NOW_MILLIS + SKEW) * 1000 + 999;
        final FrameAuthenticator other = new FrameAuthenticator(keys(KEYS), CREATOR + 1, true, SKEW, () -> senderClock);
        assertEquals(AuthResult.OK, verify(receiver, signed(other, frame())), "max skew ahead, to the millisecond");
    }

    @Test
    void aKnownSenderIsNotHeldToTheSkew() {
        final FrameAuthenticator sender = sender(KEYS);
        final FrameAuthenticator receiver = receiver(KEYS);
        assertEquals(AuthResult.OK, verify(receiver, signed(sender, frame())));
        now += 10 * SKEW;                                   // the sender's clock stands still
        assertEquals(AuthResult.OK, verify(receiver, signed(sender, frame())));
    }

    /**
     * A receiver that restarts forgets every sender. The sender's sequence follows its clock, so a
     * long-running sender is still within the skew of the new receiver; with a bare "+1 per frame"
     * it would stay near its start time and be rejected as stale until it restarted too.
     */
    @Test
    void aRestartedReceiverAcceptsALongRunningSender() {
        final FrameAuthenticator sender = sender(KEYS);
        assertEquals(AuthResult.OK, verify(receiver(KEYS), signed(sender, frame())));
        senderClock += 3_600_000_000L;                      // one hour later
        now += 3_600_000L;
        final byte[] packet = signed(sender, frame());
        assertEquals(AuthResult.OK, verify(receiver(KEYS), packet), "fresh receiver, sender up for an hour");
        assertEquals(SEQUENCE + 3_600_000_000L, sequenceOf(packet));
    }

    @Test
    void sequenceStartsAtTheClockAndStrictlyIncreases() {
        final FrameAuthenticator sender = sender(KEYS);
        assertEquals(SEQUENCE, sender.nextSequence());
        assertEquals(SEQUENCE, sequenceOf(signed(sender, frame())));
        assertEquals(SEQUENCE + 1, sequenceOf(signed(sender, frame())), "clock unchanged: +1");
        senderClock = SEQUENCE + 1000;
        assertEquals(SEQUENCE + 1000, sequenceOf(signed(sender, frame())), "clock ahead: the clock");
        senderClock = SEQUENCE - 5_000_000;
        assertEquals(SEQUENCE + 1001, sequenceOf(signed(sender, frame())), "clock stepped back: still +1");
        assertEquals(SEQUENCE + 1002, sender.nextSequence());
        assertEquals(4, sender.signed());
    }

    // ---- sender table --------------------------------------------------------------------------

    @Test
    void fullTableEvictsTheLeastRecentlySeen() {
        final FrameAuthenticator receiver = new FrameAuthenticator(keys(KEYS), RECEIVER, true, SKEW,
            () -> SEQUENCE, 2);
        final byte[] a = signed(senderWithId(1), frame());
        final byte[] b = signed(senderWithId(2), frame());
        final byte[] c = signed(senderWithId(3), frame());
        assertEquals(AuthResult.OK, verify(receiver, a));
        now += 1;
        assertEquals(AuthResult.OK, verify(receiver, b));
        now += 1;
        assertEquals(AuthResult.OK, verify(receiver, c));
        assertEquals(2, receiver.trackedSenders());
        assertEquals(1, receiver.evictions(), "a was seen 2 ms ago: within max skew");
        assertEquals(AuthResult.REPLAY, verify(receiver, b), "b is still remembered");
        assertEquals(AuthResult.REPLAY, verify(receiver, c), "c is remembered");
        // a was forgotten: its replay is judged like a new sender's, within the skew (the
        // documented price of a full table; only key holders can fill it).
        now += 1;
        assertEquals(AuthResult.OK, verify(receiver, a));
        assertEquals(2, receiver.evictions(), "b went");

        // Senders not seen for more than max skew are reused without counting an eviction.
        now += SKEW + 10;
        senderClock = now * 1000;
        assertEquals(AuthResult.OK, verify(receiver, signed(senderWithId(4), frame())));
        assertEquals(2, receiver.evictions());
    }

    // ---- rotation and roll-out ------------------------------------------------------------------

    @Test
    void rotationAcceptsEitherKeyAndSendsWithTheFirst() {
        final FrameAuthenticator oldSender = sender(ROTATION_KEYS);                        // 7 first
        final FrameAuthenticator newSender = new FrameAuthenticator(
            keys(KEY2_ID + " " + KEY2_HEX + "\n" + KEY_ID + " " + KEY_HEX), CREATOR + 1, true, SKEW, () -> senderClock);
        final byte[] withOld = signed(oldSender, frame());
        final byte[] withNew = signed(newSender, frame());
        assertEquals(KEY_ID, withOld[LEN + 3]);
        assertEquals(KEY2_ID, withNew[LEN + 3]);
        assertEquals(KEY2_ID, newSender.sendKeyId());

        final FrameAuthenticator both = receiver(ROTATION_KEYS);
        assertEquals(AuthResult.OK, verify(both, withOld));
        assertEquals(AuthResult.OK, verify(both, withNew));

        final FrameAuthenticator oldOnly = receiver(KEYS);
        assertEquals(AuthResult.OK, verify(oldOnly, withOld));
        assertEquals(AuthResult.UNKNOWN_KEY, verify(oldOnly, withNew));
        final FrameAuthenticator newOnly = receiver(KEY2_ID + " " + KEY2_HEX);
        assertEquals(AuthResult.UNKNOWN_KEY, verify(newOnly, withOld));
        assertEquals(AuthResult.OK, verify(newOnly, withNew));
    }

    @Test
    void requireFalseAcceptsMissingTrailersButStillChecksPresentOnes() {
        final FrameAuthenticator lenient = new FrameAuthenticator(keys(KEYS), RECEIVER, false, SKEW, () -> SEQUENCE);
        final byte[] good = signed(sender(KEYS), frame());
        assertEquals(AuthResult.ACCEPTED_UNAUTHENTICATED, lenient.verify(new UnsafeBuffer(frame()), 0, LEN, LEN, now));
        assertTrue(AuthResult.ACCEPTED_UNAUTHENTICATED.accepted());
        final byte[] badTag = good.clone();
        badTag[87] ^= 1;
        assertEquals(AuthResult.BAD_TAG, verify(lenient, badTag));
        assertEquals(AuthResult.BAD_LENGTH, lenient.verify(new UnsafeBuffer(good), 0, 87, LEN, now));
        assertEquals(AuthResult.UNKNOWN_KEY, verify(lenient, patch(good, LEN + 3, 99)));
        assertEquals(AuthResult.OK, verify(lenient, good));
        assertEquals(AuthResult.REPLAY, verify(lenient, good));
        assertEquals(4, lenient.rejected());
        assertFalse(lenient.require());
    }

    // ---- counters, ownership, arguments ----------------------------------------------------------

    @Test
    void countersAddUp() {
        final FrameAuthenticator receiver = receiver(KEYS);
        final List<byte[]> f = frames(sender(KEYS), 3);
        verify(receiver, f.get(0));
        verify(receiver, f.get(0));
        verify(receiver, f.get(1));
        receiver.verify(new UnsafeBuffer(frame()), 0, LEN, LEN, now);
        verify(receiver, patch(f.get(2), LEN, 9));
        long total = 0;
        for (final AuthResult r : AuthResult.values()) {
            total += receiver.count(r);
        }
        assertEquals(5, total);
        assertEquals(2, receiver.count(AuthResult.OK));
        assertEquals(3, receiver.rejected());
        assertEquals(1, receiver.count(AuthResult.MISSING));
        assertEquals(1, receiver.count(AuthResult.BAD_VERSION));
        assertEquals(1, receiver.count(AuthResult.REPLAY));
        for (final AuthResult r : AuthResult.values()) {
            assertEquals(r == AuthResult.OK || r == AuthResult.ACCEPTED_UNAUTHENTICATED, r.accepted(), r.name());
            assertTrue(r.counterName().matches("[a-z_]+"), r.name());
            assertFalse(r.help().isEmpty());
        }
    }

    @Test
    void signNeedsRoomForTheTrailer() {
        final FrameAuthenticator sender = sender(KEYS);
        assertThrows(IllegalArgumentException.class, () -> sender.sign(new UnsafeBuffer(new byte[87]), 0, LEN));
        assertThrows(IllegalArgumentException.class, () -> sender.sign(new UnsafeBuffer(new byte[88]), 1, LEN));
        assertThrows(IllegalArgumentException.class, () -> sender.sign(new UnsafeBuffer(new byte[88]), 0, -1));
        assertEquals(0, sender.signed());
        assertEquals(48, sender.sign(new UnsafeBuffer(new byte[88]), 0, LEN));
    }

    @Test
    void assertsItsOwnerThread() throws InterruptedException {
        final FrameAuthenticator receiver = receiver(KEYS);
        receiver.verify(new UnsafeBuffer(frame()), 0, LEN, LEN, now);
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread other = new Thread(() -> {
            try {
                receiver.verify(new UnsafeBuffer(frame()), 0, LEN, LEN, now);
            } catch (final Throwable t) {
                thrown.set(t);
            }
        });
        other.start();
        other.join();
        assertTrue(thrown.get() instanceof AssertionError, "tests run with -ea; got " + thrown.get());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new FrameAuthenticator(keys(KEYS), 0, true, SKEW, () -> 0L));
        assertThrows(IllegalArgumentException.class, () -> new FrameAuthenticator(keys(KEYS), 1, true, -1, () -> 0L));
        assertThrows(IllegalArgumentException.class,
            () -> new FrameAuthenticator(keys(KEYS), 1, true, SKEW, () -> 0L, 0));
    }

    @Test
    void systemClockIsMicroseconds() {
        final long micros = FrameAuthenticator.systemWallClockMicros();
        assertTrue(Math.abs(micros / 1000 - System.currentTimeMillis()) < 10_000, Long.toString(micros));
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static ClusterKeyFile keys(final String text) {
        return ClusterKeyFile.parse("test.key", text);
    }

    private FrameAuthenticator sender(final String keyFile) {
        return new FrameAuthenticator(keys(keyFile), CREATOR, true, SKEW, () -> senderClock);
    }

    private FrameAuthenticator senderWithId(final int creatorId) {
        return new FrameAuthenticator(keys(KEYS), creatorId, true, SKEW, () -> senderClock);
    }

    private static FrameAuthenticator receiver(final String keyFile) {
        return new FrameAuthenticator(keys(keyFile), RECEIVER, true, SKEW, () -> SEQUENCE);
    }

    private static byte[] frame() {
        return hex(DEL_C_FRAME);
    }

    private static byte[] signed(final FrameAuthenticator sender, final byte[] frame) {
        final byte[] packet = Arrays.copyOf(frame, frame.length + FrameAuthenticator.TRAILER_LENGTH);
        sender.sign(new UnsafeBuffer(packet), 0, frame.length);
        return packet;
    }

    private static List<byte[]> frames(final FrameAuthenticator sender, final int count) {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(signed(sender, frame()));
        }
        return frames;
    }

    /** Verifies a packet holding the 40-byte test frame and whatever follows it. */
    private AuthResult verify(final FrameAuthenticator receiver, final byte[] packet) {
        return verify(receiver, packet, LEN);
    }

    private AuthResult verify(final FrameAuthenticator receiver, final byte[] packet, final int len) {
        return receiver.verify(new UnsafeBuffer(packet), 0, packet.length, len, now);
    }

    private static byte[] patch(final byte[] packet, final int index, final int value) {
        final byte[] copy = packet.clone();
        copy[index] = (byte) value;
        return copy;
    }

    private static long sequenceOf(final byte[] packet) {
        return new PfsyncAuthTrailerFlyweight().wrap(new UnsafeBuffer(packet), packet.length - 48).sequence();
    }

    /** Counts DEL_C records. */
    private static final class CountingHandler implements PfsyncRecordHandler {
        private final int[] records;

        CountingHandler(final int[] records) {
            this.records = records;
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord state) {
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            records[0]++;
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
        }
    }
}
