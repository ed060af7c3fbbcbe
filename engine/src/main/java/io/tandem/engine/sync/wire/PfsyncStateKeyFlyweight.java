package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_state_key} (36 bytes, naturally aligned, no padding): two
 * {@code pf_addr} and two ports, all in network order.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |  0
 *  +       addr[0] (pf_addr, 16: IPv4 in the first 4, rest 0)      +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               | 16
 *  +                       addr[1] (pf_addr)                       +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            port[0]            |            port[1]            | 32
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  36
 * </pre>
 *
 * <p>An address is read as two big-endian longs: {@code hi} = bytes 0-7, {@code lo} = bytes 8-15.
 * An IPv4 address {@code a} is therefore {@code hi = a << 32, lo = 0}.
 */
public final class PfsyncStateKeyFlyweight {
    /** {@code sizeof(struct pf_addr)}. */
    public static final int PF_ADDR_LENGTH = 16;
    public static final int ADDR0_OFFSET = 0;
    public static final int ADDR1_OFFSET = ADDR0_OFFSET + PF_ADDR_LENGTH;
    public static final int PORT0_OFFSET = ADDR1_OFFSET + PF_ADDR_LENGTH;
    public static final int PORT1_OFFSET = PORT0_OFFSET + 2;
    public static final int LENGTH = PORT1_OFFSET + 2;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncStateKeyFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    private static int addrOffset(final int slot) {
        return slot == 0 ? ADDR0_OFFSET : ADDR1_OFFSET;
    }

    private static int portOffset(final int slot) {
        return slot == 0 ? PORT0_OFFSET : PORT1_OFFSET;
    }

    /** Bytes 0-7 of {@code addr[slot]} as a big-endian long. */
    public long addrHi(final int slot) {
        return buffer.getLong(offset + addrOffset(slot), ORDER);
    }

    /** Bytes 8-15 of {@code addr[slot]} as a big-endian long. */
    public long addrLo(final int slot) {
        return buffer.getLong(offset + addrOffset(slot) + 8, ORDER);
    }

    /** The IPv4 address in the first 4 bytes of {@code addr[slot]}. */
    public int addrIpv4(final int slot) {
        return buffer.getInt(offset + addrOffset(slot), ORDER);
    }

    public PfsyncStateKeyFlyweight addr(final int slot, final long hi, final long lo) {
        mutable.putLong(offset + addrOffset(slot), hi, ORDER);
        mutable.putLong(offset + addrOffset(slot) + 8, lo, ORDER);
        return this;
    }

    /** Port in host terms (the wire bytes read big-endian). */
    public int port(final int slot) {
        return buffer.getShort(offset + portOffset(slot), ORDER) & 0xFFFF;
    }

    public PfsyncStateKeyFlyweight port(final int slot, final int port) {
        mutable.putShort(offset + portOffset(slot), (short) port, ORDER);
        return this;
    }

    /** Writes all of {@code key}. */
    public PfsyncStateKeyFlyweight put(final PfsyncStateValues.Key key) {
        addr(0, key.addrHi[0], key.addrLo[0]);
        addr(1, key.addrHi[1], key.addrLo[1]);
        port(0, key.port[0]);
        port(1, key.port[1]);
        return this;
    }

    /** Reads all of this key into {@code key}. */
    public PfsyncStateValues.Key get(final PfsyncStateValues.Key key) {
        for (int slot = 0; slot < 2; slot++) {
            key.addrHi[slot] = addrHi(slot);
            key.addrLo[slot] = addrLo(slot);
            key.port[slot] = port(slot);
        }
        return key;
    }
}
