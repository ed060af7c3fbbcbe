package io.tandem.engine.sync.auth;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) for one key, built on a preallocated {@link MessageDigest}
 * so that computing a tag allocates nothing.
 *
 * <p>Why not {@code javax.crypto.Mac}: on JDK 17, {@code Mac.doFinal(byte[], int)} calls
 * {@code doFinal()}, which returns a fresh 32-byte array per call (and the SunJCE HMAC core
 * allocates another for the inner digest); measured at 48 bytes per tag. Here the inner and outer
 * pads are computed once from the key, and {@link MessageDigest#digest(byte[], int, int)} writes
 * into arrays owned by this object. The result is the standard construction
 * {@code H((K ^ opad) || H((K ^ ipad) || message))}, checked against {@code javax.crypto.Mac} and
 * the RFC 4231 vectors in the tests.
 *
 * <p>Life cycle: {@link #start()}, any number of {@link #update}, {@link #finish}; then again.
 * Owned by one thread (the {@link FrameAuthenticator}'s owner); not thread-safe. Memory: 160 bytes
 * of arrays plus one SHA-256 state. Holds key-derived material (the pads) for its lifetime.
 */
final class HmacSha256 {
    /** SHA-256 block length, the HMAC pad length. */
    static final int BLOCK_LENGTH = 64;
    /** SHA-256 output length, the tag length. */
    static final int TAG_LENGTH = 32;

    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5C;

    private final MessageDigest sha256 = newSha256();
    private final byte[] innerPad = new byte[BLOCK_LENGTH];
    private final byte[] outerPad = new byte[BLOCK_LENGTH];
    private final byte[] innerHash = new byte[TAG_LENGTH];

    /** @param key any length; keys longer than 64 bytes are hashed first (RFC 2104) */
    HmacSha256(final byte[] key) {
        final byte[] k = key.length > BLOCK_LENGTH ? newSha256().digest(key) : key;
        for (int i = 0; i < BLOCK_LENGTH; i++) {
            final byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (b ^ IPAD);
            outerPad[i] = (byte) (b ^ OPAD);
        }
        if (k != key) {
            Arrays.fill(k, (byte) 0);
        }
    }

    /** Begins a new tag, discarding any unfinished one. */
    void start() {
        sha256.reset();
        sha256.update(innerPad, 0, BLOCK_LENGTH);
    }

    void update(final byte[] bytes, final int offset, final int length) {
        sha256.update(bytes, offset, length);
    }

    /** Writes the 32-byte tag to {@code out[offset, offset + 32)}; call {@link #start()} before the next. */
    void finish(final byte[] out, final int offset) {
        try {
            sha256.digest(innerHash, 0, TAG_LENGTH);
            sha256.update(outerPad, 0, BLOCK_LENGTH);
            sha256.update(innerHash, 0, TAG_LENGTH);
            sha256.digest(out, offset, TAG_LENGTH);
        } catch (final DigestException e) {
            throw new IllegalStateException("SHA-256 refused a 32-byte output", e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
