package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The part the three {@code pfsync_state} formats share byte for byte: bytes 0 to 231, from {@code id}
 * through {@code creatorid} (A.4.8) — offsets, accessors and the wrapped keys and peers. Each format's
 * flyweight ({@link PfsyncState1301Flyweight}, {@link PfsyncState1400Flyweight},
 * {@link PfsyncState1500Flyweight}) extends it with the fields after {@code creatorid}; {@code T} is that
 * class, so setters chain. Big-endian throughout.
 *
 * @param <T> the concrete format's flyweight
 */
public abstract class PfsyncStateFlyweight<T extends PfsyncStateFlyweight<T>> implements PfsyncStateRecord {
    public static final int ID_OFFSET = 0;
    public static final int IFNAME_OFFSET = ID_OFFSET + 8;
    public static final int IFNAME_LENGTH = 16;
    public static final int KEY_WIRE_OFFSET = IFNAME_OFFSET + IFNAME_LENGTH;
    public static final int KEY_STACK_OFFSET = KEY_WIRE_OFFSET + PfsyncStateKeyFlyweight.LENGTH;
    public static final int SRC_OFFSET = KEY_STACK_OFFSET + PfsyncStateKeyFlyweight.LENGTH;
    public static final int DST_OFFSET = SRC_OFFSET + PfsyncStatePeerFlyweight.LENGTH;
    public static final int RT_ADDR_OFFSET = DST_OFFSET + PfsyncStatePeerFlyweight.LENGTH;
    public static final int RULE_OFFSET = RT_ADDR_OFFSET + PfsyncStateKeyFlyweight.PF_ADDR_LENGTH;
    public static final int ANCHOR_OFFSET = RULE_OFFSET + 4;
    public static final int NAT_RULE_OFFSET = ANCHOR_OFFSET + 4;
    public static final int CREATION_OFFSET = NAT_RULE_OFFSET + 4;
    public static final int EXPIRE_OFFSET = CREATION_OFFSET + 4;
    public static final int PACKETS_OFFSET = EXPIRE_OFFSET + 4;
    public static final int PACKETS_LENGTH = 16;
    public static final int BYTES_OFFSET = PACKETS_OFFSET + PACKETS_LENGTH;
    public static final int BYTES_LENGTH = 16;
    public static final int CREATORID_OFFSET = BYTES_OFFSET + BYTES_LENGTH;

    protected static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    protected final PfsyncStateKeyFlyweight wireKey = new PfsyncStateKeyFlyweight();
    protected final PfsyncStateKeyFlyweight stackKey = new PfsyncStateKeyFlyweight();
    protected final PfsyncStatePeerFlyweight src = new PfsyncStatePeerFlyweight();
    protected final PfsyncStatePeerFlyweight dst = new PfsyncStatePeerFlyweight();
    protected DirectBuffer buffer;
    protected MutableDirectBuffer mutable;
    protected int offset;

    /** Wraps the record at {@code offset} (and its keys and peers); setters need a {@link MutableDirectBuffer}. */
    public T wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutable = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer) buffer : null;
        this.offset = offset;
        wireKey.wrap(buffer, offset + KEY_WIRE_OFFSET);
        stackKey.wrap(buffer, offset + KEY_STACK_OFFSET);
        src.wrap(buffer, offset + SRC_OFFSET);
        dst.wrap(buffer, offset + DST_OFFSET);
        return self();
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    /** {@code this} as the concrete format, for chained setters. */
    protected abstract T self();

    @Override
    public long id() {
        return buffer.getLong(offset + ID_OFFSET, ORDER);
    }

    public T id(final long value) {
        mutable.putLong(offset + ID_OFFSET, value, ORDER);
        return self();
    }

    @Override
    public int ifnameLength() {
        return WireStrings.length(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    @Override
    public boolean ifnameTerminated() {
        return WireStrings.terminated(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    @Override
    public boolean ifnameEquals(final CharSequence name) {
        return WireStrings.equals(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH, name);
    }

    @Override
    public StringBuilder getIfname(final StringBuilder out) {
        return WireStrings.appendTo(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH, out);
    }

    @Override
    public String ifname() {
        return WireStrings.get(buffer, offset + IFNAME_OFFSET, IFNAME_LENGTH);
    }

    /** Writes {@code name} (ASCII) NUL-padded to the field size. */
    public T ifname(final CharSequence name) {
        WireStrings.put(mutable, offset + IFNAME_OFFSET, IFNAME_LENGTH, name);
        return self();
    }

    @Override
    public PfsyncStateKeyFlyweight wireKey() {
        return wireKey;
    }

    @Override
    public PfsyncStateKeyFlyweight stackKey() {
        return stackKey;
    }

    @Override
    public PfsyncStatePeerFlyweight src() {
        return src;
    }

    @Override
    public PfsyncStatePeerFlyweight dst() {
        return dst;
    }

    @Override
    public long rtAddrHi() {
        return buffer.getLong(offset + RT_ADDR_OFFSET, ORDER);
    }

    @Override
    public long rtAddrLo() {
        return buffer.getLong(offset + RT_ADDR_OFFSET + 8, ORDER);
    }

    public T rtAddr(final long hi, final long lo) {
        mutable.putLong(offset + RT_ADDR_OFFSET, hi, ORDER);
        mutable.putLong(offset + RT_ADDR_OFFSET + 8, lo, ORDER);
        return self();
    }

    @Override
    public int rule() {
        return buffer.getInt(offset + RULE_OFFSET, ORDER);
    }

    public T rule(final int value) {
        mutable.putInt(offset + RULE_OFFSET, value, ORDER);
        return self();
    }

    @Override
    public int anchor() {
        return buffer.getInt(offset + ANCHOR_OFFSET, ORDER);
    }

    public T anchor(final int value) {
        mutable.putInt(offset + ANCHOR_OFFSET, value, ORDER);
        return self();
    }

    @Override
    public int natRule() {
        return buffer.getInt(offset + NAT_RULE_OFFSET, ORDER);
    }

    public T natRule(final int value) {
        mutable.putInt(offset + NAT_RULE_OFFSET, value, ORDER);
        return self();
    }

    @Override
    public long creation() {
        return buffer.getInt(offset + CREATION_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public T creation(final long value) {
        mutable.putInt(offset + CREATION_OFFSET, (int) value, ORDER);
        return self();
    }

    @Override
    public long expire() {
        return buffer.getInt(offset + EXPIRE_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public T expire(final long value) {
        mutable.putInt(offset + EXPIRE_OFFSET, (int) value, ORDER);
        return self();
    }

    @Override
    public long packets(final int i) {
        return buffer.getLong(offset + PACKETS_OFFSET + 8 * i, ORDER);
    }

    public T packets(final int i, final long value) {
        mutable.putLong(offset + PACKETS_OFFSET + 8 * i, value, ORDER);
        return self();
    }

    @Override
    public long bytes(final int i) {
        return buffer.getLong(offset + BYTES_OFFSET + 8 * i, ORDER);
    }

    public T bytes(final int i, final long value) {
        mutable.putLong(offset + BYTES_OFFSET + 8 * i, value, ORDER);
        return self();
    }

    @Override
    public int creatorid() {
        return buffer.getInt(offset + CREATORID_OFFSET, ORDER);
    }

    public T creatorid(final int value) {
        mutable.putInt(offset + CREATORID_OFFSET, value, ORDER);
        return self();
    }

    // ---- fields whose offset depends on the format ------------------------------------------------

    public abstract T af(int value);

    public abstract T proto(int value);

    public abstract T direction(int value);

    public abstract T stateFlags(int value);

    public abstract T timeout(int value);

    /**
     * Zeroes the whole record, eight bytes at a time from compiled code: Agrona's {@code setMemory} hands
     * 100 bytes or more to {@code Unsafe.setMemory}, on Java 17 a call into the VM, and a held packet's
     * INS is encoded on the packet thread before its verdict ({@code DirectInsSender}).
     */
    public T clear() {
        final int length = length();
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            mutable.putLong(offset + i, 0L);
        }
        for (; i < length; i++) {
            mutable.putByte(offset + i, (byte) 0);
        }
        return self();
    }

    /**
     * Writes {@code v} as we send it (W.6): the modelled fields from {@code v}, rule numbers
     * {@code ff ff ff ff}, everything else zero. {@code v.af} is mapped to the wire value.
     */
    public T put(final PfsyncStateValues v) {
        clear();
        id(v.id);
        ifname(v.ifname);
        wireKey.put(v.wireKey);
        stackKey.put(v.stackKey);
        src.put(v.src);
        dst.put(v.dst);
        rule(PfsyncConstants.NO_RULE);
        anchor(PfsyncConstants.NO_RULE);
        natRule(PfsyncConstants.NO_RULE);
        creation(v.creation);
        expire(v.expire);
        packets(0, v.packets[0]);
        packets(1, v.packets[1]);
        bytes(0, v.bytes[0]);
        bytes(1, v.bytes[1]);
        creatorid(v.creatorid);
        af(PfsyncConstants.wireAf(v.af));
        proto(v.proto);
        direction(v.direction);
        stateFlags(v.stateFlags);
        timeout(v.timeout);
        putFormatFields(v);
        return self();
    }

    /** Fields only this format has, written by {@link #put} after the common ones; none by default. */
    protected void putFormatFields(final PfsyncStateValues v) {
    }
}
