package io.tandem.engine.sync.wire;


/**
 * Flyweight over FreeBSD 14's {@code struct pfsync_state_1400} (277 bytes, big-endian, packed),
 * carried by INS_1400 (13) and UPD_1400 (14). Bytes 0-234 are as in 1301; {@code state_flags}
 * becomes a u16 at 235 (unaligned) and queue, dummynet, routing and route-to fields follow. We
 * decode it and send it only with {@code sync.format = 1400}; unmodelled fields are sent as zero.
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
 * |       af      |     proto     |      dir      |  state_flags  |  232
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |      log      |    __spare    |    timeout    |  236
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   sync_flags  |    updates    |              qid              |  240
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              pqid             |             dnpipe            |  244
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            dnrpipe            |            rtableid           |  248
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |    min_ttl    |    set_tos    |  252
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            max_mss            |          set_prio[2]          |  256
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       rt      |                 rt_ifname[16]                 |  260
 * +-+-+-+-+-+-+-+-+                                               +
 * ~                                                               ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |                                                  276
 * +-+-+-+-+-+-+-+-+  277
 * </pre>
 */
public final class PfsyncState1400Flyweight extends PfsyncStateFlyweight<PfsyncState1400Flyweight> {
    public static final int AF_OFFSET = CREATORID_OFFSET + 4;
    public static final int PROTO_OFFSET = AF_OFFSET + 1;
    public static final int DIRECTION_OFFSET = PROTO_OFFSET + 1;
    public static final int STATE_FLAGS_OFFSET = DIRECTION_OFFSET + 1;
    public static final int LOG_OFFSET = STATE_FLAGS_OFFSET + 2;
    public static final int SPARE_OFFSET = LOG_OFFSET + 1;
    public static final int SPARE_LENGTH = 1;
    public static final int TIMEOUT_OFFSET = SPARE_OFFSET + SPARE_LENGTH;
    public static final int SYNC_FLAGS_OFFSET = TIMEOUT_OFFSET + 1;
    public static final int UPDATES_OFFSET = SYNC_FLAGS_OFFSET + 1;
    public static final int QID_OFFSET = UPDATES_OFFSET + 1;
    public static final int PQID_OFFSET = QID_OFFSET + 2;
    public static final int DNPIPE_OFFSET = PQID_OFFSET + 2;
    public static final int DNRPIPE_OFFSET = DNPIPE_OFFSET + 2;
    public static final int RTABLEID_OFFSET = DNRPIPE_OFFSET + 2;
    public static final int MIN_TTL_OFFSET = RTABLEID_OFFSET + 4;
    public static final int SET_TOS_OFFSET = MIN_TTL_OFFSET + 1;
    public static final int MAX_MSS_OFFSET = SET_TOS_OFFSET + 1;
    public static final int SET_PRIO_OFFSET = MAX_MSS_OFFSET + 2;
    public static final int SET_PRIO_LENGTH = 2;
    public static final int RT_OFFSET = SET_PRIO_OFFSET + SET_PRIO_LENGTH;
    public static final int RT_IFNAME_OFFSET = RT_OFFSET + 1;
    public static final int RT_IFNAME_LENGTH = 16;
    public static final int LENGTH = RT_IFNAME_OFFSET + RT_IFNAME_LENGTH;
    public static final int FORMAT = PfsyncConstants.FORMAT_1400;


    @Override
    protected PfsyncState1400Flyweight self() {
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
    public PfsyncState1400Flyweight af(final int value) {
        mutable.putByte(offset + AF_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int proto() {
        return buffer.getByte(offset + PROTO_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1400Flyweight proto(final int value) {
        mutable.putByte(offset + PROTO_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int direction() {
        return buffer.getByte(offset + DIRECTION_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1400Flyweight direction(final int value) {
        mutable.putByte(offset + DIRECTION_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int stateFlags() {
        return buffer.getShort(offset + STATE_FLAGS_OFFSET, ORDER) & 0xFFFF;
    }

    @Override
    public PfsyncState1400Flyweight stateFlags(final int value) {
        mutable.putShort(offset + STATE_FLAGS_OFFSET, (short) value, ORDER);
        return this;
    }

    @Override
    public int log() {
        return buffer.getByte(offset + LOG_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight log(final int value) {
        mutable.putByte(offset + LOG_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int timeout() {
        return buffer.getByte(offset + TIMEOUT_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1400Flyweight timeout(final int value) {
        mutable.putByte(offset + TIMEOUT_OFFSET, (byte) value);
        return this;
    }

    public int syncFlags() {
        return buffer.getByte(offset + SYNC_FLAGS_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight syncFlags(final int value) {
        mutable.putByte(offset + SYNC_FLAGS_OFFSET, (byte) value);
        return this;
    }

    public int updates() {
        return buffer.getByte(offset + UPDATES_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight updates(final int value) {
        mutable.putByte(offset + UPDATES_OFFSET, (byte) value);
        return this;
    }

    public int qid() {
        return buffer.getShort(offset + QID_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1400Flyweight qid(final int value) {
        mutable.putShort(offset + QID_OFFSET, (short) value, ORDER);
        return this;
    }

    public int pqid() {
        return buffer.getShort(offset + PQID_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1400Flyweight pqid(final int value) {
        mutable.putShort(offset + PQID_OFFSET, (short) value, ORDER);
        return this;
    }

    public int dnpipe() {
        return buffer.getShort(offset + DNPIPE_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1400Flyweight dnpipe(final int value) {
        mutable.putShort(offset + DNPIPE_OFFSET, (short) value, ORDER);
        return this;
    }

    public int dnrpipe() {
        return buffer.getShort(offset + DNRPIPE_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1400Flyweight dnrpipe(final int value) {
        mutable.putShort(offset + DNRPIPE_OFFSET, (short) value, ORDER);
        return this;
    }

    public int rtableid() {
        return buffer.getInt(offset + RTABLEID_OFFSET, ORDER);
    }

    public PfsyncState1400Flyweight rtableid(final int value) {
        mutable.putInt(offset + RTABLEID_OFFSET, value, ORDER);
        return this;
    }

    public int minTtl() {
        return buffer.getByte(offset + MIN_TTL_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight minTtl(final int value) {
        mutable.putByte(offset + MIN_TTL_OFFSET, (byte) value);
        return this;
    }

    public int setTos() {
        return buffer.getByte(offset + SET_TOS_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight setTos(final int value) {
        mutable.putByte(offset + SET_TOS_OFFSET, (byte) value);
        return this;
    }

    public int maxMss() {
        return buffer.getShort(offset + MAX_MSS_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1400Flyweight maxMss(final int value) {
        mutable.putShort(offset + MAX_MSS_OFFSET, (short) value, ORDER);
        return this;
    }

    public int setPrio(final int i) {
        return buffer.getByte(offset + SET_PRIO_OFFSET + i) & 0xFF;
    }

    public PfsyncState1400Flyweight setPrio(final int i, final int value) {
        mutable.putByte(offset + SET_PRIO_OFFSET + i, (byte) value);
        return this;
    }

    public int rt() {
        return buffer.getByte(offset + RT_OFFSET) & 0xFF;
    }

    public PfsyncState1400Flyweight rt(final int value) {
        mutable.putByte(offset + RT_OFFSET, (byte) value);
        return this;
    }

    public int rtIfnameLength() {
        return WireStrings.length(buffer, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH);
    }

    public boolean rtIfnameTerminated() {
        return WireStrings.terminated(buffer, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH);
    }

    public boolean rtIfnameEquals(final CharSequence name) {
        return WireStrings.equals(buffer, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH, name);
    }

    public StringBuilder getRtIfname(final StringBuilder out) {
        return WireStrings.appendTo(buffer, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH, out);
    }

    public String rtIfname() {
        return WireStrings.get(buffer, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH);
    }

    /** Writes {@code name} (ASCII) NUL-padded to the field size. */
    public PfsyncState1400Flyweight rtIfname(final CharSequence name) {
        WireStrings.put(mutable, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH, name);
        return this;
    }

    /**
     * 1400 fields we do not model, as FreeBSD 14 reads them ({@code pfsync_state_import}, format 1400):
     * {@code rtableid} -1 = no routing table (0 would pin the state to FIB 0; {@code pf_test} calls
     * {@code M_SETFIB} whenever {@code act.rtableid >= 0}); {@code rt} 0 = no route-to, so
     * {@code rt_ifname} is not looked up; queue ids, pipes, {@code min_ttl}, {@code set_tos},
     * {@code max_mss} and {@code set_prio} 0 = not set (each is applied only when non-zero or when its
     * {@code PFSTATE_*} flag is set, and we send none of those flags).
     */
    @Override
    protected void putFormatFields(final PfsyncStateValues v) {
        rtableid(PfsyncConstants.RTABLEID_UNSET);
    }
}
