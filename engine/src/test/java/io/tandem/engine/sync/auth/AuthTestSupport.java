package io.tandem.engine.sync.auth;

/** Helpers for the authentication tests: hex parsing and the fixed frame, key and sender they share. */
final class AuthTestSupport {
    /** The W.3 example frame: one DEL_C for id 42 of creator 0a0b0c0d (40 bytes, pfsync part only). */
    static final String DEL_C_FRAME =
        "05 00 00 28  00*16"           // header: version 5, len 40, pfcksum zero
        + " 07 00 00 01"               // section: DEL_C, count 1
        + " 00 00 00 00 00 00 00 2a  0a 0b 0c 0d"  // pfsync_del_c {id, creatorid}
        + " 0c 00 00 01";              // EOF
    /** Key bytes 00 01 02 ... 1f. */
    static final String KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    /** A second key, for rotation tests. */
    static final String KEY2_HEX = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff";
    static final int KEY_ID = 7;
    static final int KEY2_ID = 8;
    static final int CREATOR = 0x0A0B0C0D;
    /** 2023-11-14T22:13:20Z in microseconds. */
    static final long SEQUENCE = 1_700_000_000_000_000L;
    static final long NOW_MILLIS = SEQUENCE / 1000;

    private AuthTestSupport() {
    }

    /**
     * Parses hex text: whitespace is ignored and a token {@code XX*N} stands for the byte XX
     * repeated N times.
     */
    static byte[] hex(final String text) {
        final StringBuilder digits = new StringBuilder();
        for (final String token : text.trim().split("\\s+")) {
            final int star = token.indexOf('*');
            if (star < 0) {
                digits.append(token);
            } else {
                digits.append(token.substring(0, star).repeat(Integer.parseInt(token.substring(star + 1))));
            }
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + digits.length());
        }
        final byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** Bytes as spaced hex, 16 per line, for readable assertion diffs. */
    static String dump(final byte[] bytes) {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            out.append(i % 16 == 0 ? (i == 0 ? "" : "\n") : " ").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return out.toString();
    }
}
