package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.NOW_MILLIS;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Jazzer fuzz target for {@link FrameAuthenticator#verify}. In the normal test run it replays the
 * seed inputs under {@code FrameAuthenticatorFuzzTestInputs/verify/} (regression mode); with
 * {@code JAZZER_FUZZ=1} it fuzzes. The input is an IP payload: pfsync frame plus whatever follows.
 *
 * <p>Each input is verified with {@code len} taken from its pfsync header (as the sync agent
 * does) and, to reach the trailer checks whatever the header says, with {@code len} = input
 * length − 48. Properties: verify never throws and never reads outside the payload (a buffer
 * ending exactly at the payload, Agrona bounds checks on, and one inside junk give the same
 * result); the result equals an independent model of the W.12 ladder whose HMAC is the JDK's
 * {@code javax.crypto.Mac} — so a frame is accepted only if its tag is the HMAC of one of the
 * receiver's keys; a second delivery of an accepted frame is a replay and of a rejected one gives
 * the same result (rejections change no state); {@code require = false} differs only in accepting
 * a frame without trailer; the counters account for every call.
 */
class FrameAuthenticatorFuzzTest {
    private static final int OFFSET = 13;
    private static final long SKEW = 60_000;
    private static final String KEYS = KEY_ID + " " + KEY_HEX + "\n" + KEY2_ID + " " + KEY2_HEX + "\n";

    @FuzzTest(maxDuration = "20s")
    void verify(final byte[] input) {
        final int declaredLen = input.length >= 4 ? (input[2] & 0xFF) << 8 | input[3] & 0xFF : input.length;
        check(input, declaredLen);
        if (input.length >= FrameAuthenticator.TRAILER_LENGTH) {
            check(input, input.length - FrameAuthenticator.TRAILER_LENGTH);
        }
    }

    private static void check(final byte[] input, final int len) {
        final AuthResult expected = model(input, len);

        final FrameAuthenticator strict = receiver(true);
        final UnsafeBuffer tightBuffer = new UnsafeBuffer(input.clone());
        final AuthResult tight = strict.verify(tightBuffer, 0, input.length, len, NOW_MILLIS);
        assertNotNull(tight);
        assertEquals(expected, tight, "differs from the model");

        final byte[] loose = new byte[OFFSET + input.length + 64];
        Arrays.fill(loose, (byte) 0x5A);
        System.arraycopy(input, 0, loose, OFFSET, input.length);
        assertEquals(tight, receiver(true).verify(new UnsafeBuffer(loose), OFFSET, input.length, len, NOW_MILLIS),
            "bytes outside the payload changed the result");

        final AuthResult second = strict.verify(tightBuffer, 0, input.length, len, NOW_MILLIS);
        assertEquals(tight == AuthResult.OK ? AuthResult.REPLAY : tight, second);
        for (final AuthResult r : AuthResult.values()) {
            assertEquals((tight == r ? 1 : 0) + (second == r ? 1 : 0), strict.count(r), r.name());
        }
        assertEquals((tight.accepted() ? 0 : 1) + (second.accepted() ? 0 : 1), strict.rejected());
        assertEquals(tight == AuthResult.OK ? 1 : 0, strict.trackedSenders());

        final AuthResult lenient = receiver(false).verify(tightBuffer, 0, input.length, len, NOW_MILLIS);
        assertEquals(tight == AuthResult.MISSING ? AuthResult.ACCEPTED_UNAUTHENTICATED : tight, lenient);
    }

    /** W.12 written out again, independently of the code under test, with javax.crypto.Mac as the HMAC. */
    private static AuthResult model(final byte[] p, final int len) {
        if (len < 0 || len > p.length) {
            return AuthResult.BAD_LENGTH;
        }
        if (p.length == len) {
            return AuthResult.MISSING;
        }
        if (p.length - len != 48) {
            return AuthResult.BAD_LENGTH;
        }
        final ByteBuffer trailer = ByteBuffer.wrap(p, len, 48).slice();   // big-endian
        if (trailer.get(0) != 1) {
            return AuthResult.BAD_VERSION;
        }
        if (trailer.get(1) != 1) {
            return AuthResult.BAD_ALGORITHM;
        }
        final int keyId = trailer.getShort(2) & 0xFFFF;
        final String keyHex = keyId == KEY_ID ? KEY_HEX : keyId == KEY2_ID ? KEY2_HEX : null;
        if (keyHex == null) {
            return AuthResult.UNKNOWN_KEY;
        }
        final byte[] tag;
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hex(keyHex), "HmacSHA256"));
            mac.update(p, 0, len + 16);
            tag = mac.doFinal();
        } catch (final GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        if (!Arrays.equals(tag, Arrays.copyOfRange(p, len + 16, len + 48))) {
            return AuthResult.BAD_TAG;
        }
        final long sentMillis = Long.divideUnsigned(trailer.getLong(8), 1000);
        return Math.abs(sentMillis - NOW_MILLIS) <= SKEW ? AuthResult.OK : AuthResult.STALE_SENDER;
    }

    private static FrameAuthenticator receiver(final boolean require) {
        return new FrameAuthenticator(ClusterKeyFile.parse("fuzz", KEYS), 0x11111111, require, SKEW, () -> 0L);
    }

    /** The checked-in seeds are what the generator writes, and each gives its intended result. */
    @Test
    void seedsAreCurrentAndMeanWhatTheySay() throws IOException {
        for (final Map.Entry<String, FrameAuthenticatorFuzzSeeds.Seed> seed : FrameAuthenticatorFuzzSeeds.seeds()
                .entrySet()) {
            final String resource = "FrameAuthenticatorFuzzTestInputs/verify/" + seed.getKey();
            try (InputStream in = FrameAuthenticatorFuzzTest.class.getResourceAsStream(resource)) {
                assertNotNull(in, "missing seed " + resource + "; run FrameAuthenticatorFuzzSeeds");
                assertArrayEquals(seed.getValue().bytes(), in.readAllBytes(), "stale seed " + resource);
            }
            final byte[] bytes = seed.getValue().bytes();
            final int len = (bytes[2] & 0xFF) << 8 | bytes[3] & 0xFF;
            assertEquals(seed.getValue().expected(),
                receiver(true).verify(new UnsafeBuffer(bytes), 0, bytes.length, len, NOW_MILLIS), seed.getKey());
            verify(bytes);
        }
    }
}
