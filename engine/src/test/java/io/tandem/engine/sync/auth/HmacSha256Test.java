package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@link HmacSha256} against RFC 4231 and against the JDK's {@code javax.crypto.Mac}. */
class HmacSha256Test {
    /** RFC 4231 section 4, HMAC-SHA-256 results of test cases 1, 2, 3, 6 and 7. */
    @Test
    void rfc4231Vectors() {
        check(hex("0b*20"), "Hi There".getBytes(US_ASCII),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        check("Jefe".getBytes(US_ASCII), "what do ya want for nothing?".getBytes(US_ASCII),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        check(hex("aa*20"), hex("dd*50"),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        check(hex("aa*131"), "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(US_ASCII),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        check(hex("aa*131"), ("This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm.").getBytes(US_ASCII),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }

    /** Random keys of 32 bytes (ours) and other sizes, messages split into random update calls. */
    @Test
    void agreesWithJavaxCryptoMac() throws Exception {
        final SplittableRandom random = new SplittableRandom(4231);
        final Mac reference = Mac.getInstance("HmacSHA256");
        for (int round = 0; round < 2000; round++) {
            final byte[] key = new byte[round % 3 == 0 ? 32 : random.nextInt(1, 150)];
            final byte[] message = new byte[random.nextInt(0, 1600)];
            random.nextBytes(key);
            random.nextBytes(message);
            reference.init(new SecretKeySpec(key, "HmacSHA256"));
            final byte[] expected = reference.doFinal(message);

            final HmacSha256 mac = new HmacSha256(key);
            final byte[] out = new byte[HmacSha256.TAG_LENGTH + 5];
            for (int reuse = 0; reuse < 2; reuse++) {
                mac.start();
                int at = 0;
                while (at < message.length) {
                    final int n = random.nextInt(0, message.length - at + 1);
                    mac.update(message, at, n);
                    at += n;
                }
                mac.finish(out, 5);
                assertArrayEquals(expected, Arrays.copyOfRange(out, 5, out.length), "round " + round);
            }
        }
    }

    /** start() discards a tag left unfinished. */
    @Test
    void startDiscardsAnUnfinishedTag() {
        final HmacSha256 mac = new HmacSha256(hex("0b*20"));
        mac.start();
        mac.update(hex("ff*100"), 0, 100);
        check(mac, "Hi There".getBytes(US_ASCII), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    }

    private static void check(final byte[] key, final byte[] message, final String expectedHex) {
        check(new HmacSha256(key), message, expectedHex);
    }

    private static void check(final HmacSha256 mac, final byte[] message, final String expectedHex) {
        final byte[] out = new byte[HmacSha256.TAG_LENGTH];
        mac.start();
        mac.update(message, 0, message.length);
        mac.finish(out, 0);
        assertArrayEquals(hex(expectedHex), out);
    }
}
