package io.tandem.nativeio;

import java.io.ByteArrayOutputStream;

import org.agrona.DirectBuffer;

/** Test helpers for hand-built byte fixtures. Every multi-byte value states its byte order. */
public final class TestBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /**
     * @param hex bytes as hex pairs, whitespace ignored, e.g. {@code "40 00 00 00"}
     * @return the bytes
     */
    public static byte[] hex(final String hex) {
        final String clean = hex.replaceAll("\\s+", "");
        if (clean.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length");
        }
        final byte[] bytes = new byte[clean.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte)Integer.parseInt(clean.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /**
     * @param buffer a buffer
     * @param offset start
     * @param length bytes
     * @return the bytes copied out
     */
    public static byte[] copy(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /** @return the bytes so far */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /** @return bytes written so far */
    public int size() {
        return out.size();
    }

    /**
     * @param value one byte
     * @return this
     */
    public TestBytes u8(final int value) {
        out.write(value & 0xff);
        return this;
    }

    /**
     * @param value little-endian (x86-64 host order) u16
     * @return this
     */
    public TestBytes le16(final int value) {
        return u8(value).u8(value >>> 8);
    }

    /**
     * @param value little-endian (x86-64 host order) u32
     * @return this
     */
    public TestBytes le32(final int value) {
        return u8(value).u8(value >>> 8).u8(value >>> 16).u8(value >>> 24);
    }

    /**
     * @param value big-endian u16
     * @return this
     */
    public TestBytes be16(final int value) {
        return u8(value >>> 8).u8(value);
    }

    /**
     * @param value big-endian u32
     * @return this
     */
    public TestBytes be32(final int value) {
        return u8(value >>> 24).u8(value >>> 16).u8(value >>> 8).u8(value);
    }

    /**
     * @param bytes raw bytes
     * @return this
     */
    public TestBytes raw(final byte[] bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    /**
     * @param count zero bytes to write
     * @return this
     */
    public TestBytes zeros(final int count) {
        for (int i = 0; i < count; i++) {
            out.write(0);
        }
        return this;
    }
}
