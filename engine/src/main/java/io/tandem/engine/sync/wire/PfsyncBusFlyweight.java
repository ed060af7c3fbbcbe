package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_bus} (12 bytes, big-endian), action BUS (10): bulk update
 * status, START (1) before a bulk transfer and END (2) after it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   creatorid (u32, sender's)                   |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     endtime (u32, seconds since the sender got the request)   |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    status     |                 _pad[3] (0)                   |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  12
 * </pre>
 */
public final class PfsyncBusFlyweight {
    public static final int CREATORID_OFFSET = 0;
    public static final int ENDTIME_OFFSET = CREATORID_OFFSET + 4;
    public static final int STATUS_OFFSET = ENDTIME_OFFSET + 4;
    public static final int PAD_OFFSET = STATUS_OFFSET + 1;
    public static final int PAD_LENGTH = 3;
    public static final int LENGTH = PAD_OFFSET + PAD_LENGTH;

    public static final int STATUS_START = PfsyncConstants.PFSYNC_BUS_START;
    public static final int STATUS_END = PfsyncConstants.PFSYNC_BUS_END;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncBusFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public PfsyncBusFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATORID_OFFSET, creatorid, ORDER);
        return this;
    }

    /** Unsigned seconds. */
    public long endtime() {
        return buffer.getInt(offset + ENDTIME_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncBusFlyweight endtime(final long endtime) {
        mutable.putInt(offset + ENDTIME_OFFSET, (int) endtime, ORDER);
        return this;
    }

    public int status() {
        return buffer.getByte(offset + STATUS_OFFSET) & 0xFF;
    }

    public PfsyncBusFlyweight status(final int status) {
        mutable.putByte(offset + STATUS_OFFSET, (byte) status);
        return this;
    }

    /** Zeroes {@code _pad[3]}. */
    public PfsyncBusFlyweight clearPad() {
        mutable.setMemory(offset + PAD_OFFSET, PAD_LENGTH, (byte) 0);
        return this;
    }
}
