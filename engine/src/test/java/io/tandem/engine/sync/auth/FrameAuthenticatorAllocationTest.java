package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.DEL_C_FRAME;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.NOW_MILLIS;
import static io.tandem.engine.sync.auth.AuthTestSupport.SEQUENCE;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.testing.AllocationMeter;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Signing and verifying must not allocate: after warm-up, a million iterations — two senders
 * (different keys, one of them over a direct buffer with a frame longer than the scratch array)
 * each signing a frame that the receiver accepts, then sees replayed, tampered with, and without
 * its trailer — allocate exactly 0 bytes on this thread.
 */
class FrameAuthenticatorAllocationTest {
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 1_000_000;
    private static final String KEYS = KEY_ID + " " + KEY_HEX + "\n" + KEY2_ID + " " + KEY2_HEX + "\n";
    private static final int SMALL = 40;
    private static final int LARGE = 2500;

    private final long[] clock = {SEQUENCE};
    private final FrameAuthenticator senderA = new FrameAuthenticator(ClusterKeyFile.parse("a", KEYS), 0x0A0B0C0D,
        true, 60_000, () -> clock[0]);
    private final FrameAuthenticator senderB = new FrameAuthenticator(
        ClusterKeyFile.parse("b", KEY2_ID + " " + KEY2_HEX + "\n" + KEY_ID + " " + KEY_HEX), 0x01020304,
        true, 60_000, () -> clock[0]);
    private final FrameAuthenticator receiver = new FrameAuthenticator(ClusterKeyFile.parse("r", KEYS), 0x11111111,
        true, 60_000, () -> SEQUENCE);
    private final UnsafeBuffer small = new UnsafeBuffer(new byte[SMALL + 48]);
    private final UnsafeBuffer large = new UnsafeBuffer(ByteBuffer.allocateDirect(LARGE + 48));
    private final UnsafeBuffer tampered = new UnsafeBuffer(new byte[SMALL + 48]);

    @Test
    void signingAndVerifyingAllocateNothing() {
        small.putBytes(0, hex(DEL_C_FRAME));
        for (int i = 0; i < LARGE; i++) {
            large.putByte(i, (byte) i);
        }
        run(WARM_UP);
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3, () -> run(MEASURED));
        assertEquals(0, allocated, "bytes allocated by " + MEASURED + " iterations; " + meter.rounds());

        final long iterations = receiver.count(AuthResult.MISSING);
        assertEquals(2 * iterations, receiver.count(AuthResult.OK));
        assertEquals(2 * iterations, receiver.count(AuthResult.REPLAY));
        assertEquals(iterations, receiver.count(AuthResult.BAD_TAG));
        assertEquals(2 * iterations, senderA.signed() + senderB.signed());
    }

    private void run(final int iterations) {
        final long now = NOW_MILLIS;
        for (int i = 0; i < iterations; i++) {
            clock[0] += i & 1;                              // the clock moves every other frame
            senderA.sign(small, 0, SMALL);
            receiver.verify(small, 0, SMALL + 48, SMALL, now);
            receiver.verify(small, 0, SMALL + 48, SMALL, now);

            senderB.sign(large, 0, LARGE);
            receiver.verify(large, 0, LARGE + 48, LARGE, now);
            receiver.verify(large, 0, LARGE + 48, LARGE, now);

            tampered.putBytes(0, small, 0, SMALL + 48);
            tampered.putByte(SMALL + 47, (byte) ~tampered.getByte(SMALL + 47));
            receiver.verify(tampered, 0, SMALL + 48, SMALL, now);
            receiver.verify(small, 0, SMALL, SMALL, now);
        }
    }
}
