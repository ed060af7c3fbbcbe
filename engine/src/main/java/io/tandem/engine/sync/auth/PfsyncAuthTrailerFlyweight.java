package io.tandem.engine.sync.auth;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the W.12 authentication trailer (48 bytes, big-endian), our extension: it follows
 * the EOF subheader directly, outside the header's {@code len}, so the IP payload is
 * {@code len + 48}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  version (1)  | algorithm (1) |          key id (u16)         |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  sender's creatorid (u32)                     |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     sequence number (u64)                     |  8
 *  +                                                               +
 *  |                                                               | 12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               | 16
 *  ~                  tag: HMAC-SHA-256 (32 bytes)                 ~
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  48
 * </pre>
 *
 * <p>The tag covers the {@code len} bytes of the pfsync frame followed by trailer bytes 0–15
 * ({@link #SIGNED_PREFIX}); both lie back to back in the packet, so the signed bytes are one
 * contiguous run {@code [frame, frame + len + 16)}.
 */
public final class PfsyncAuthTrailerFlyweight {
    public static final int VERSION_OFFSET = 0;
    public static final int ALGORITHM_OFFSET = VERSION_OFFSET + 1;
    public static final int KEY_ID_OFFSET = ALGORITHM_OFFSET + 1;
    public static final int CREATOR_ID_OFFSET = KEY_ID_OFFSET + 2;
    public static final int SEQUENCE_OFFSET = CREATOR_ID_OFFSET + 4;
    public static final int TAG_OFFSET = SEQUENCE_OFFSET + 8;
    /** HMAC-SHA-256 output length. */
    public static final int TAG_LENGTH = 32;
    public static final int LENGTH = TAG_OFFSET + TAG_LENGTH;
    /** Trailer bytes covered by the tag: everything before it. */
    public static final int SIGNED_PREFIX = TAG_OFFSET;

    /** The only trailer version. */
    public static final int VERSION_1 = 1;
    /** Algorithm 1: HMAC-SHA-256 with a 256-bit key. */
    public static final int ALGORITHM_HMAC_SHA256 = 1;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    /** Wraps the trailer at {@code offset}; setters need a {@link MutableDirectBuffer}. */
    public PfsyncAuthTrailerFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutable = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer) buffer : null;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int version() {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public PfsyncAuthTrailerFlyweight version(final int version) {
        mutable.putByte(offset + VERSION_OFFSET, (byte) version);
        return this;
    }

    public int algorithm() {
        return buffer.getByte(offset + ALGORITHM_OFFSET) & 0xFF;
    }

    public PfsyncAuthTrailerFlyweight algorithm(final int algorithm) {
        mutable.putByte(offset + ALGORITHM_OFFSET, (byte) algorithm);
        return this;
    }

    /** Unsigned 16-bit key id (0..65535). */
    public int keyId() {
        return buffer.getShort(offset + KEY_ID_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncAuthTrailerFlyweight keyId(final int keyId) {
        mutable.putShort(offset + KEY_ID_OFFSET, (short) keyId, ORDER);
        return this;
    }

    /** The sender's creatorid, as in its state records. */
    public int creatorid() {
        return buffer.getInt(offset + CREATOR_ID_OFFSET, ORDER);
    }

    public PfsyncAuthTrailerFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATOR_ID_OFFSET, creatorid, ORDER);
        return this;
    }

    /** Unsigned 64-bit sequence number (the sender's wall clock in microseconds at its start, +1 per frame). */
    public long sequence() {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    public PfsyncAuthTrailerFlyweight sequence(final long sequence) {
        mutable.putLong(offset + SEQUENCE_OFFSET, sequence, ORDER);
        return this;
    }

    /** Copies the 32-byte tag into {@code dst[dstOffset, dstOffset + 32)}. */
    public void getTag(final byte[] dst, final int dstOffset) {
        buffer.getBytes(offset + TAG_OFFSET, dst, dstOffset, TAG_LENGTH);
    }

    /** Writes the 32-byte tag from {@code src[srcOffset, srcOffset + 32)}. */
    public PfsyncAuthTrailerFlyweight putTag(final byte[] src, final int srcOffset) {
        mutable.putBytes(offset + TAG_OFFSET, src, srcOffset, TAG_LENGTH);
        return this;
    }

    /** Byte {@code i} (0..31) of the tag. */
    public int tag(final int i) {
        return buffer.getByte(offset + TAG_OFFSET + i) & 0xFF;
    }
}
