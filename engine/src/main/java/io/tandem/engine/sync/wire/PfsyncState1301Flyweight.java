package io.tandem.engine.sync.wire;


/**
 * Flyweight over FreeBSD's {@code struct pfsync_state_1301} (242 bytes, big-endian, packed): the
 * thesis-era full state record, carried by INS (1), UPD (3) and DEL (6). Every FreeBSD from 10 on
 * understands it, so it is what we send by default. {@code id} and {@code creatorid} are opaque and
 * copied raw; {@code af} is the BSD value (2, or 28 for IPv6); packets and bytes are two plain
 * big-endian u64 each. Keys and peers are exposed as preallocated sub-flyweights.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               id                              |    0
 * +                                                               +
 * |                                                               |    4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           ifname[16]                          |    8
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |   20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 key[0] WIRE (pfsync_state_key)                |   24
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |   56
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                key[1] STACK (pfsync_state_key)                |   60
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |   92
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    src (pfsync_state_peer)                    |   96
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  124
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    dst (pfsync_state_peer)                    |  128
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  156
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       rt_addr (pf_addr)                       |  160
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  172
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                              rule                             |  176
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                             anchor                            |  180
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            nat_rule                           |  184
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            creation                           |  188
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                             expire                            |  192
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         packets[2][2]                         |  196
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  208
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          bytes[2][2]                          |  212
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  224
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           creatorid                           |  228
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       af      |     proto     |      dir      |   __spare[2]  |  232
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |      log      |  state_flags  |    timeout    |  236
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   sync_flags  |    updates    |                                  240
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  242
 * </pre>
 */
public final class PfsyncState1301Flyweight extends PfsyncStateFlyweight<PfsyncState1301Flyweight> {
    public static final int AF_OFFSET = CREATORID_OFFSET + 4;
    public static final int PROTO_OFFSET = AF_OFFSET + 1;
    public static final int DIRECTION_OFFSET = PROTO_OFFSET + 1;
    public static final int SPARE_OFFSET = DIRECTION_OFFSET + 1;
    public static final int SPARE_LENGTH = 2;
    public static final int LOG_OFFSET = SPARE_OFFSET + SPARE_LENGTH;
    public static final int STATE_FLAGS_OFFSET = LOG_OFFSET + 1;
    public static final int TIMEOUT_OFFSET = STATE_FLAGS_OFFSET + 1;
    public static final int SYNC_FLAGS_OFFSET = TIMEOUT_OFFSET + 1;
    public static final int UPDATES_OFFSET = SYNC_FLAGS_OFFSET + 1;
    public static final int LENGTH = UPDATES_OFFSET + 1;
    public static final int FORMAT = PfsyncConstants.FORMAT_1301;


    @Override
    protected PfsyncState1301Flyweight self() {
        return this;
    }

    @Override
    public int format() {
        return FORMAT;
    }

    @Override
    public int length() {
        return LENGTH;
    }


    @Override
    public int af() {
        return buffer.getByte(offset + AF_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1301Flyweight af(final int value) {
        mutable.putByte(offset + AF_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int proto() {
        return buffer.getByte(offset + PROTO_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1301Flyweight proto(final int value) {
        mutable.putByte(offset + PROTO_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int direction() {
        return buffer.getByte(offset + DIRECTION_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1301Flyweight direction(final int value) {
        mutable.putByte(offset + DIRECTION_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int log() {
        return buffer.getByte(offset + LOG_OFFSET) & 0xFF;
    }

    public PfsyncState1301Flyweight log(final int value) {
        mutable.putByte(offset + LOG_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int stateFlags() {
        return buffer.getByte(offset + STATE_FLAGS_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1301Flyweight stateFlags(final int value) {
        mutable.putByte(offset + STATE_FLAGS_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int timeout() {
        return buffer.getByte(offset + TIMEOUT_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1301Flyweight timeout(final int value) {
        mutable.putByte(offset + TIMEOUT_OFFSET, (byte) value);
        return this;
    }

    public int syncFlags() {
        return buffer.getByte(offset + SYNC_FLAGS_OFFSET) & 0xFF;
    }

    public PfsyncState1301Flyweight syncFlags(final int value) {
        mutable.putByte(offset + SYNC_FLAGS_OFFSET, (byte) value);
        return this;
    }

    public int updates() {
        return buffer.getByte(offset + UPDATES_OFFSET) & 0xFF;
    }

    public PfsyncState1301Flyweight updates(final int value) {
        mutable.putByte(offset + UPDATES_OFFSET, (byte) value);
        return this;
    }

}
