package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.CREATOR;
import static io.tandem.engine.sync.auth.AuthTestSupport.DEL_C_FRAME;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_ID;
import static io.tandem.engine.sync.auth.AuthTestSupport.SEQUENCE;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;

import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the checked-in seed inputs of {@link FrameAuthenticatorFuzzTest} (IP payloads: pfsync
 * frame plus trailer) and names the result each must give. Run from the engine module:
 * {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp target/test-classes:target/classes:<agrona> io.tandem.engine.sync.auth.FrameAuthenticatorFuzzSeeds
 * src/test/resources/io/tandem/engine/sync/auth/FrameAuthenticatorFuzzTestInputs/verify}.
 */
final class FrameAuthenticatorFuzzSeeds {
    /** A seed and the result the fuzz target's receiver gives for it. */
    record Seed(byte[] bytes, AuthResult expected) {
    }

    private FrameAuthenticatorFuzzSeeds() {
    }

    static Map<String, Seed> seeds() {
        final Map<String, Seed> seeds = new LinkedHashMap<>();
        final byte[] delC = hex(DEL_C_FRAME);
        final byte[] valid = sign(KEY_ID + " " + KEY_HEX, SEQUENCE, delC);
        seeds.put("del_c_signed_key7", new Seed(valid, AuthResult.OK));
        seeds.put("del_c_signed_key8", new Seed(sign(KEY2_ID + " " + KEY2_HEX, SEQUENCE + 5, delC), AuthResult.OK));
        seeds.put("del_c_signed_truncated", new Seed(Arrays.copyOf(valid, 70), AuthResult.BAD_LENGTH));
        seeds.put("del_c_no_trailer", new Seed(delC, AuthResult.MISSING));
        final byte[] badTag = valid.clone();
        badTag[badTag.length - 1] ^= 0x01;
        seeds.put("del_c_bad_tag", new Seed(badTag, AuthResult.BAD_TAG));
        seeds.put("del_c_signed_stale", new Seed(sign(KEY_ID + " " + KEY_HEX, SEQUENCE - 120_000_000L, delC),
            AuthResult.STALE_SENDER));

        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        e.beginFrame();
        e.beginSection(PfsyncConstants.ACT_INS_ACK).appendInsAck(1, CREATOR);
        e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, CREATOR);
        e.appendDelC(43, CREATOR);
        e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(0, 0);
        e.beginSection(PfsyncConstants.ACT_BUS).appendBus(CREATOR, 3, PfsyncConstants.PFSYNC_BUS_END);
        final byte[] frame = new byte[e.finish()];
        e.buffer().getBytes(0, frame);
        seeds.put("sections_signed_key7", new Seed(sign(KEY_ID + " " + KEY_HEX, SEQUENCE + 9, frame), AuthResult.OK));
        return seeds;
    }

    private static byte[] sign(final String keyFile, final long sequence, final byte[] frame) {
        final byte[] packet = Arrays.copyOf(frame, frame.length + FrameAuthenticator.TRAILER_LENGTH);
        new FrameAuthenticator(ClusterKeyFile.parse("seed", keyFile), CREATOR, true, 60_000, () -> sequence)
            .sign(new UnsafeBuffer(packet), 0, frame.length);
        return packet;
    }

    public static void main(final String[] args) throws IOException {
        final Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (final Map.Entry<String, Seed> seed : seeds().entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue().bytes());
        }
    }
}
