package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_del_c} (12 bytes, big-endian), action DEL_C (7): "I have
 * removed this state"; our only deletion message (we never send DEL, 6).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          id (u64)                             |  0
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        creatorid (u32)                        |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  12
 * </pre>
 */
public final class PfsyncDelCFlyweight {
    public static final int ID_OFFSET = 0;
    public static final int CREATORID_OFFSET = ID_OFFSET + 8;
    public static final int LENGTH = CREATORID_OFFSET + 4;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncDelCFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    /** State id: opaque 64 bits, big-endian. */
    public long id() {
        return buffer.getLong(offset + ID_OFFSET, ORDER);
    }

    public PfsyncDelCFlyweight id(final long id) {
        mutable.putLong(offset + ID_OFFSET, id, ORDER);
        return this;
    }

    /** Creator id: opaque 32 bits, big-endian. */
    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public PfsyncDelCFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATORID_OFFSET, creatorid, ORDER);
        return this;
    }
}
