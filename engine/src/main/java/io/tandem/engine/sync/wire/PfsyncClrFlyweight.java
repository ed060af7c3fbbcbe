package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_clr} (20 bytes, big-endian), action CLR (0): "drop every
 * state of {@code creatorid}", only those bound to {@code ifname} when it is not empty.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |  0
 *  +          ifname[16] (NUL-padded; empty = all interfaces)      +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        creatorid (u32)                        | 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  20
 * </pre>
 */
public final class PfsyncClrFlyweight {
    public static final int IFNAME_OFFSET = 0;
    public static final int IFNAME_LENGTH = PfsyncConstants.IFNAMSIZ;
    public static final int CREATORID_OFFSET = IFNAME_OFFSET + IFNAME_LENGTH;
    public static final int LENGTH = CREATORID_OFFSET + 4;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncClrFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    /** Length of {@code ifname} up to its NUL (16 if unterminated); 0 means all interfaces. */
    public int ifnameLength() {
        return WireStrings.length(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    /** True when {@code ifname} holds a NUL within its 16 bytes. */
    public boolean ifnameTerminated() {
        return WireStrings.terminated(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    /** Compares {@code ifname} with {@code name} without allocating. */
    public boolean ifnameEquals(final CharSequence name) {
        return WireStrings.equals(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH, name);
    }

    /** {@code ifname} as a String; allocates (tools and tests). */
    public String ifname() {
        return WireStrings.get(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    /** Writes {@code name} (ASCII, at most 15 chars) NUL-padded to 16 bytes. */
    public PfsyncClrFlyweight ifname(final CharSequence name) {
        WireStrings.put(mutable, offset + IFNAME_OFFSET, IFNAME_LENGTH, name);
        return this;
    }

    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public PfsyncClrFlyweight creatorid(final int creatorid) {
        mutable.putInt(offset + CREATORID_OFFSET, creatorid, ORDER);
        return this;
    }
}
