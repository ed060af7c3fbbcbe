package io.tandem.engine.sync.wire;


/**
 * Flyweight over FreeBSD 15's {@code struct pfsync_state_1500} (360 bytes, big-endian, packed),
 * carried by INS_1500 (15) and UPD_1500 (16). Bytes 0-231 (through {@code creatorid}) are as in
 * 1301; then tag and interface names, and separate WIRE and STACK af/proto (address-family
 * translation). {@link #af()} and {@link #proto()} return the WIRE values. A record whose
 * {@code wire_af} differs from {@code stack_af} is rejected by the decoder ({@code badval}).
 * We send {@code orig_ifname} equal to {@code ifname}; tagname, rt_ifname and the rest are zero.
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
 * |                          tagname[64]                          |  232
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  292
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         rt_ifname[16]                         |  296
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  308
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        orig_ifname[16]                        |  312
 * +                                                               +
 * ~                                                               ~
 * +                                                               +
 * |                                                               |  324
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            rtableid                           |  328
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          state_flags          |              qid              |  332
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              pqid             |             dnpipe            |  336
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            dnrpipe            |            max_mss            |  340
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    wire_af    |    stack_af   |     rt_af     |   wire_proto  |  344
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  stack_proto  |      log      |    timeout    |      dir      |  348
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       rt      |    min_ttl    |    set_tos    |  set_prio[2]  |  352
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |                    spare[3]                   |  356
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  360
 * </pre>
 */
public final class PfsyncState1500Flyweight extends PfsyncStateFlyweight<PfsyncState1500Flyweight> {
    public static final int TAGNAME_OFFSET = CREATORID_OFFSET + 4;
    public static final int TAGNAME_LENGTH = 64;
    public static final int RT_IFNAME_OFFSET = TAGNAME_OFFSET + TAGNAME_LENGTH;
    public static final int RT_IFNAME_LENGTH = 16;
    public static final int ORIG_IFNAME_OFFSET = RT_IFNAME_OFFSET + RT_IFNAME_LENGTH;
    public static final int ORIG_IFNAME_LENGTH = 16;
    public static final int RTABLEID_OFFSET = ORIG_IFNAME_OFFSET + ORIG_IFNAME_LENGTH;
    public static final int STATE_FLAGS_OFFSET = RTABLEID_OFFSET + 4;
    public static final int QID_OFFSET = STATE_FLAGS_OFFSET + 2;
    public static final int PQID_OFFSET = QID_OFFSET + 2;
    public static final int DNPIPE_OFFSET = PQID_OFFSET + 2;
    public static final int DNRPIPE_OFFSET = DNPIPE_OFFSET + 2;
    public static final int MAX_MSS_OFFSET = DNRPIPE_OFFSET + 2;
    public static final int WIRE_AF_OFFSET = MAX_MSS_OFFSET + 2;
    public static final int STACK_AF_OFFSET = WIRE_AF_OFFSET + 1;
    public static final int RT_AF_OFFSET = STACK_AF_OFFSET + 1;
    public static final int WIRE_PROTO_OFFSET = RT_AF_OFFSET + 1;
    public static final int STACK_PROTO_OFFSET = WIRE_PROTO_OFFSET + 1;
    public static final int LOG_OFFSET = STACK_PROTO_OFFSET + 1;
    public static final int TIMEOUT_OFFSET = LOG_OFFSET + 1;
    public static final int DIRECTION_OFFSET = TIMEOUT_OFFSET + 1;
    public static final int RT_OFFSET = DIRECTION_OFFSET + 1;
    public static final int MIN_TTL_OFFSET = RT_OFFSET + 1;
    public static final int SET_TOS_OFFSET = MIN_TTL_OFFSET + 1;
    public static final int SET_PRIO_OFFSET = SET_TOS_OFFSET + 1;
    public static final int SET_PRIO_LENGTH = 2;
    public static final int SPARE_OFFSET = SET_PRIO_OFFSET + SET_PRIO_LENGTH;
    public static final int SPARE_LENGTH = 3;
    public static final int LENGTH = SPARE_OFFSET + SPARE_LENGTH;
    public static final int FORMAT = PfsyncConstants.FORMAT_1500;


    @Override
    protected PfsyncState1500Flyweight self() {
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


    public int tagnameLength() {
        return WireStrings.length(buffer, offset + TAGNAME_OFFSET, TAGNAME_LENGTH);
    }

    public boolean tagnameTerminated() {
        return WireStrings.terminated(buffer, offset + TAGNAME_OFFSET, TAGNAME_LENGTH);
    }

    public boolean tagnameEquals(final CharSequence name) {
        return WireStrings.equals(buffer, offset + TAGNAME_OFFSET, TAGNAME_LENGTH, name);
    }

    public StringBuilder getTagname(final StringBuilder out) {
        return WireStrings.appendTo(buffer, offset + TAGNAME_OFFSET, TAGNAME_LENGTH, out);
    }

    public String tagname() {
        return WireStrings.get(buffer, offset + TAGNAME_OFFSET, TAGNAME_LENGTH);
    }

    /** Writes {@code name} (ASCII) NUL-padded to the field size. */
    public PfsyncState1500Flyweight tagname(final CharSequence name) {
        WireStrings.put(mutable, offset + TAGNAME_OFFSET, TAGNAME_LENGTH, name);
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
    public PfsyncState1500Flyweight rtIfname(final CharSequence name) {
        WireStrings.put(mutable, offset + RT_IFNAME_OFFSET, RT_IFNAME_LENGTH, name);
        return this;
    }

    public int origIfnameLength() {
        return WireStrings.length(buffer, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH);
    }

    public boolean origIfnameTerminated() {
        return WireStrings.terminated(buffer, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH);
    }

    public boolean origIfnameEquals(final CharSequence name) {
        return WireStrings.equals(buffer, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH, name);
    }

    public StringBuilder getOrigIfname(final StringBuilder out) {
        return WireStrings.appendTo(buffer, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH, out);
    }

    public String origIfname() {
        return WireStrings.get(buffer, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH);
    }

    /** Writes {@code name} (ASCII) NUL-padded to the field size. */
    public PfsyncState1500Flyweight origIfname(final CharSequence name) {
        WireStrings.put(mutable, offset + ORIG_IFNAME_OFFSET, ORIG_IFNAME_LENGTH, name);
        return this;
    }

    public int rtableid() {
        return buffer.getInt(offset + RTABLEID_OFFSET, ORDER);
    }

    public PfsyncState1500Flyweight rtableid(final int value) {
        mutable.putInt(offset + RTABLEID_OFFSET, value, ORDER);
        return this;
    }

    @Override
    public int stateFlags() {
        return buffer.getShort(offset + STATE_FLAGS_OFFSET, ORDER) & 0xFFFF;
    }

    @Override
    public PfsyncState1500Flyweight stateFlags(final int value) {
        mutable.putShort(offset + STATE_FLAGS_OFFSET, (short) value, ORDER);
        return this;
    }

    public int qid() {
        return buffer.getShort(offset + QID_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1500Flyweight qid(final int value) {
        mutable.putShort(offset + QID_OFFSET, (short) value, ORDER);
        return this;
    }

    public int pqid() {
        return buffer.getShort(offset + PQID_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1500Flyweight pqid(final int value) {
        mutable.putShort(offset + PQID_OFFSET, (short) value, ORDER);
        return this;
    }

    public int dnpipe() {
        return buffer.getShort(offset + DNPIPE_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1500Flyweight dnpipe(final int value) {
        mutable.putShort(offset + DNPIPE_OFFSET, (short) value, ORDER);
        return this;
    }

    public int dnrpipe() {
        return buffer.getShort(offset + DNRPIPE_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1500Flyweight dnrpipe(final int value) {
        mutable.putShort(offset + DNRPIPE_OFFSET, (short) value, ORDER);
        return this;
    }

    public int maxMss() {
        return buffer.getShort(offset + MAX_MSS_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncState1500Flyweight maxMss(final int value) {
        mutable.putShort(offset + MAX_MSS_OFFSET, (short) value, ORDER);
        return this;
    }

    @Override
    public int af() {
        return buffer.getByte(offset + WIRE_AF_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1500Flyweight af(final int value) {
        mutable.putByte(offset + WIRE_AF_OFFSET, (byte) value);
        return this;
    }

    public int stackAf() {
        return buffer.getByte(offset + STACK_AF_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight stackAf(final int value) {
        mutable.putByte(offset + STACK_AF_OFFSET, (byte) value);
        return this;
    }

    public int rtAf() {
        return buffer.getByte(offset + RT_AF_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight rtAf(final int value) {
        mutable.putByte(offset + RT_AF_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int proto() {
        return buffer.getByte(offset + WIRE_PROTO_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1500Flyweight proto(final int value) {
        mutable.putByte(offset + WIRE_PROTO_OFFSET, (byte) value);
        return this;
    }

    public int stackProto() {
        return buffer.getByte(offset + STACK_PROTO_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight stackProto(final int value) {
        mutable.putByte(offset + STACK_PROTO_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int log() {
        return buffer.getByte(offset + LOG_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight log(final int value) {
        mutable.putByte(offset + LOG_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int timeout() {
        return buffer.getByte(offset + TIMEOUT_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1500Flyweight timeout(final int value) {
        mutable.putByte(offset + TIMEOUT_OFFSET, (byte) value);
        return this;
    }

    @Override
    public int direction() {
        return buffer.getByte(offset + DIRECTION_OFFSET) & 0xFF;
    }

    @Override
    public PfsyncState1500Flyweight direction(final int value) {
        mutable.putByte(offset + DIRECTION_OFFSET, (byte) value);
        return this;
    }

    public int rt() {
        return buffer.getByte(offset + RT_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight rt(final int value) {
        mutable.putByte(offset + RT_OFFSET, (byte) value);
        return this;
    }

    public int minTtl() {
        return buffer.getByte(offset + MIN_TTL_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight minTtl(final int value) {
        mutable.putByte(offset + MIN_TTL_OFFSET, (byte) value);
        return this;
    }

    public int setTos() {
        return buffer.getByte(offset + SET_TOS_OFFSET) & 0xFF;
    }

    public PfsyncState1500Flyweight setTos(final int value) {
        mutable.putByte(offset + SET_TOS_OFFSET, (byte) value);
        return this;
    }

    public int setPrio(final int i) {
        return buffer.getByte(offset + SET_PRIO_OFFSET + i) & 0xFF;
    }

    public PfsyncState1500Flyweight setPrio(final int i, final int value) {
        mutable.putByte(offset + SET_PRIO_OFFSET + i, (byte) value);
        return this;
    }

    @Override
    protected void putFormatFields(final PfsyncStateValues v) {
        rtableid(PfsyncConstants.RTABLEID_UNSET);
        origIfname(v.ifname);
        stackAf(PfsyncConstants.wireAf(v.af));
        stackProto(v.proto);
    }

}
