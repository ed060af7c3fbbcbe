package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_subheader} (4 bytes, big-endian), which opens each section.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    action     |   _pad (0)    |        count (records)        |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  4
 * </pre>
 *
 * <p>{@code count} counts records, not bytes; the record size follows from the action alone
 * ({@link PfsyncConstants#recordLength(int)}). EOF is {@code 0c 00 00 01}.
 */
public final class PfsyncSubheaderFlyweight {
    public static final int ACTION_OFFSET = 0;
    public static final int PAD_OFFSET = ACTION_OFFSET + 1;
    public static final int COUNT_OFFSET = PAD_OFFSET + 1;
    public static final int LENGTH = COUNT_OFFSET + 2;
    /** Largest record count a section can state. */
    public static final int MAX_COUNT = 0xFFFF;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncSubheaderFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public int action() {
        return buffer.getByte(offset + ACTION_OFFSET) & 0xFF;
    }

    public PfsyncSubheaderFlyweight action(final int action) {
        mutable.putByte(offset + ACTION_OFFSET, (byte) action);
        return this;
    }

    public int pad() {
        return buffer.getByte(offset + PAD_OFFSET) & 0xFF;
    }

    public PfsyncSubheaderFlyweight pad(final int pad) {
        mutable.putByte(offset + PAD_OFFSET, (byte) pad);
        return this;
    }

    public int count() {
        return buffer.getShort(offset + COUNT_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncSubheaderFlyweight count(final int count) {
        mutable.putShort(offset + COUNT_OFFSET, (short) count, ORDER);
        return this;
    }
}
