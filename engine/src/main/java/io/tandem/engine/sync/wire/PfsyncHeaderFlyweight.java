package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_header} (20 bytes, big-endian), the first bytes of every
 * frame after the IP header.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  version (5)  |     _pad      |              len              |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |  4
 *  +                  pfcksum[16] (ruleset MD5)                    +
 *  |                   we send 16 zero bytes                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  20
 * </pre>
 *
 * <p>{@code len} counts from the first byte of this header to the last byte of the EOF subheader;
 * it excludes the IP header and any authentication trailer.
 */
public final class PfsyncHeaderFlyweight {
    public static final int VERSION_OFFSET = 0;
    public static final int PAD_OFFSET = VERSION_OFFSET + 1;
    public static final int LEN_OFFSET = PAD_OFFSET + 1;
    public static final int PFCKSUM_OFFSET = LEN_OFFSET + 2;
    /** {@code PF_MD5_DIGEST_LENGTH}. */
    public static final int PFCKSUM_LENGTH = 16;
    public static final int LENGTH = PFCKSUM_OFFSET + PFCKSUM_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    /** Wraps the header at {@code offset}; setters need a {@link MutableDirectBuffer}. */
    public PfsyncHeaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public PfsyncHeaderFlyweight version(final int version) {
        mutable.putByte(offset + VERSION_OFFSET, (byte) version);
        return this;
    }

    public int pad() {
        return buffer.getByte(offset + PAD_OFFSET) & 0xFF;
    }

    public PfsyncHeaderFlyweight pad(final int pad) {
        mutable.putByte(offset + PAD_OFFSET, (byte) pad);
        return this;
    }

    public int len() {
        return buffer.getShort(offset + LEN_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncHeaderFlyweight len(final int len) {
        mutable.putShort(offset + LEN_OFFSET, (short) len, ORDER);
        return this;
    }

    /** Byte {@code i} (0..15) of {@code pfcksum}. */
    public int pfcksum(final int i) {
        return buffer.getByte(offset + PFCKSUM_OFFSET + i) & 0xFF;
    }

    /** Sets all 16 bytes of {@code pfcksum} to zero, as we always send it. */
    public PfsyncHeaderFlyweight clearPfcksum() {
        mutable.setMemory(offset + PFCKSUM_OFFSET, PFCKSUM_LENGTH, (byte) 0);
        return this;
    }
}
