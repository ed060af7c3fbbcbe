package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_upd_c} (84 bytes, big-endian), action UPD_C (4): the
 * compressed update of a known state, both halves and the timeout class.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          id (u64)                             |  0
 *  +                                                               +
 *  |                                                               |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |  8
 *  ~               src (pfsync_state_peer, 32 bytes)               ~
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               | 40
 *  ~               dst (pfsync_state_peer, 32 bytes)               ~
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        creatorid (u32)                        | 72
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           expire (u32; FreeBSD sends 0, receivers ignore)     | 76
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    timeout    |                 _pad[3] (0)                   | 80
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  84
 * </pre>
 */
public final class PfsyncUpdCFlyweight {
    public static final int ID_OFFSET = 0;
    public static final int SRC_OFFSET = ID_OFFSET + 8;
    public static final int DST_OFFSET = SRC_OFFSET + PfsyncStatePeerFlyweight.LENGTH;
    public static final int CREATORID_OFFSET = DST_OFFSET + PfsyncStatePeerFlyweight.LENGTH;
    public static final int EXPIRE_OFFSET = CREATORID_OFFSET + 4;
    public static final int TIMEOUT_OFFSET = EXPIRE_OFFSET + 4;
    public static final int PAD_OFFSET = TIMEOUT_OFFSET + 1;
    public static final int PAD_LENGTH = 3;
    public static final int LENGTH = PAD_OFFSET + PAD_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private final PfsyncStatePeerFlyweight src = new PfsyncStatePeerFlyweight();
    private final PfsyncStatePeerFlyweight dst = new PfsyncStatePeerFlyweight();
    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncUpdCFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutable = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer) buffer : null;
        this.offset = offset;
        src.wrap(buffer, offset + SRC_OFFSET);
        dst.wrap(buffer, offset + DST_OFFSET);
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public long id() {
        return buffer.getLong(offset + ID_OFFSET, ORDER);
    }

    public PfsyncUpdCFlyweight id(final long id) {
        mutable.putLong(offset + ID_OFFSET, id, ORDER);
        return this;
    }

    /** The src half, wrapped in place. */
    public PfsyncStatePeerFlyweight src() {
        return src;
    }

    /** The dst half, wrapped in place. */
    public PfsyncStatePeerFlyweight dst() {
        return dst;
    }

    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public PfsyncUpdCFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATORID_OFFSET, creatorid, ORDER);
        return this;
    }

    /** Unsigned seconds; FreeBSD always sends 0 and ignores it on receipt (A.5.1). */
    public long expire() {
        return buffer.getInt(offset + EXPIRE_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncUpdCFlyweight expire(final long expire) {
        mutable.putInt(offset + EXPIRE_OFFSET, (int) expire, ORDER);
        return this;
    }

    public int timeout() {
        return buffer.getByte(offset + TIMEOUT_OFFSET) & 0xFF;
    }

    public PfsyncUpdCFlyweight timeout(final int timeout) {
        mutable.putByte(offset + TIMEOUT_OFFSET, (byte) timeout);
        return this;
    }

    /** Zeroes {@code _pad[3]}. */
    public PfsyncUpdCFlyweight clearPad() {
        mutable.setMemory(offset + PAD_OFFSET, PAD_LENGTH, (byte) 0);
        return this;
    }
}
