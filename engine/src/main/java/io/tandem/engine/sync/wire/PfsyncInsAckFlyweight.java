package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_ins_ack} (12 bytes, big-endian), action INS_ACK (2): "I have
 * imported your state; release its deferred first packet".
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
public final class PfsyncInsAckFlyweight {
    public static final int ID_OFFSET = 0;
    public static final int CREATORID_OFFSET = ID_OFFSET + 8;
    public static final int LENGTH = CREATORID_OFFSET + 4;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncInsAckFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public PfsyncInsAckFlyweight id(final long id) {
        mutable.putLong(offset + ID_OFFSET, id, ORDER);
        return this;
    }

    /** Creator id: opaque 32 bits, big-endian. */
    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public PfsyncInsAckFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATORID_OFFSET, creatorid, ORDER);
        return this;
    }
}
