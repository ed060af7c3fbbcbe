package io.tandem.engine.sync.wire;

import static io.tandem.engine.state.PfConstants.PF_IN;
import static io.tandem.engine.state.PfConstants.PF_OUT;
import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_DST;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_BUS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_CLR;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_DEL_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_EOF;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_1400;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_1500;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_ACK;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_MAX;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_1400;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_1500;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_REQ;
import static io.tandem.engine.sync.wire.PfsyncConstants.EOF_LENGTH;
import static io.tandem.engine.sync.wire.PfsyncConstants.MIN_FRAME_LENGTH;
import static io.tandem.engine.sync.wire.PfsyncConstants.PFSYNC_VERSION;
import static io.tandem.engine.sync.wire.PfsyncConstants.PFTM_OLD_MAX;

import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Builds pfsync v5 frames (the bytes after the IP header) into one preallocated buffer, in the
 * fixed section order of A.6, never larger than the MTU budget.
 *
 * <p><b>Life cycle.</b> {@link #beginFrame()}; then for each kind of record, in A.6 order,
 * {@link #beginSection(int)} and its {@code append…} calls; then {@link #finish()}, which writes
 * the EOF subheader {@code 0c 00 00 01} and the header {@code len}, and returns the pfsync length.
 * The frame is {@code buffer()[0, length)}. Calling {@code beginSection} again with the open action
 * continues that section.
 *
 * <p><b>Rules enforced.</b> Sections follow A.6: INS (any format), INS_ACK, UPD (any format),
 * UPD_C, DEL_C, UPD_REQ, then the "plus" records CLR and BUS; an action may open only one section
 * per frame. The subheader is written with the first record, so no section is ever empty. There
 * is no way to send DEL (6), INS_F, DEL_F or TDB. Header {@code pfcksum} is 16 zero bytes (W.3).
 * Values are checked against W.6 before anything is written; a violation is a programming error
 * and throws {@link IllegalArgumentException}. An append that does not fit returns {@code false}
 * and writes nothing: the caller sends this frame and starts another ({@link #fits(int)} and
 * {@link #remaining()} tell in advance; both keep 4 bytes for EOF).
 *
 * <p><b>Authentication trailer (W.12, future work).</b> The buffer has room for
 * {@code trailerLength} bytes after the MTU budget. In authenticated mode the caller appends the
 * 48-byte trailer at {@code buffer()[finish(), finish() + 48)}, outside {@code len}, and sends
 * {@code len + 48} bytes; the budget already excludes it.
 *
 * <p>Allocation-free after construction. Owned by one thread (the sync agent); not thread-safe.
 */
public final class PfsyncFrameEncoder {
    public static final int IPV4_HEADER_LENGTH = 20;
    public static final int IPV6_HEADER_LENGTH = 40;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int HEADER_LENGTH = PfsyncHeaderFlyweight.LENGTH;
    private static final int SUBHEADER_LENGTH = PfsyncSubheaderFlyweight.LENGTH;
    /** A.6 position of each action; -1 where we never send the action. */
    private static final int[] RANK = new int[ACT_MAX];

    static {
        java.util.Arrays.fill(RANK, -1);
        RANK[ACT_INS] = 0;
        RANK[ACT_INS_1400] = 0;
        RANK[ACT_INS_1500] = 0;
        RANK[ACT_INS_ACK] = 1;
        RANK[ACT_UPD] = 2;
        RANK[ACT_UPD_1400] = 2;
        RANK[ACT_UPD_1500] = 2;
        RANK[ACT_UPD_C] = 3;
        RANK[ACT_DEL_C] = 4;
        RANK[ACT_UPD_REQ] = 5;
        RANK[ACT_CLR] = 6;
        RANK[ACT_BUS] = 6;
    }

    private final UnsafeBuffer buffer;
    private final int maxFrameLength;
    private final int trailerLength;
    private final PfsyncHeaderFlyweight header = new PfsyncHeaderFlyweight();
    private final PfsyncClrFlyweight clr = new PfsyncClrFlyweight();
    private final PfsyncUpdCFlyweight updC = new PfsyncUpdCFlyweight();
    private final PfsyncState1301Flyweight state1301 = new PfsyncState1301Flyweight();
    private final PfsyncState1400Flyweight state1400 = new PfsyncState1400Flyweight();
    private final PfsyncState1500Flyweight state1500 = new PfsyncState1500Flyweight();
    private final int[] recordCounts = new int[ACT_MAX];

    private boolean open;
    private int position;
    private int length;
    private int records;
    private int sectionAction = -1;
    private int sectionOffset = -1;
    private int sectionCount;
    private int lastRank = -1;
    private int usedActions;

    /** IPv4, no trailer: the pfsync budget is {@code mtu − 20}. */
    public PfsyncFrameEncoder(final int mtu) {
        this(mtu, IPV4_HEADER_LENGTH, 0);
    }

    /**
     * @param mtu            effective MTU, min(configured, sync interface)
     * @param ipHeaderLength 20 (IPv4) or 40 (IPv6)
     * @param trailerLength  0, or {@link PfsyncConstants#AUTH_TRAILER_LENGTH} in authenticated mode
     */
    public PfsyncFrameEncoder(final int mtu, final int ipHeaderLength, final int trailerLength) {
        if (ipHeaderLength < 0 || trailerLength < 0) {
            throw new IllegalArgumentException("negative header or trailer length");
        }
        final int budget = mtu - ipHeaderLength - trailerLength;
        if (budget <= MIN_FRAME_LENGTH || budget > 0xFFFF) {
            throw new IllegalArgumentException("MTU leaves no room for a record, or exceeds the 16-bit len: " + mtu);
        }
        this.maxFrameLength = budget;
        this.trailerLength = trailerLength;
        this.buffer = new UnsafeBuffer(new byte[budget + trailerLength]);
        header.wrap(buffer, 0);
    }

    /** Largest {@code len} this encoder produces (MTU minus IP header minus trailer). */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** Bytes reserved after {@code len} for the authentication trailer. */
    public int trailerLength() {
        return trailerLength;
    }

    /** The frame buffer; after {@link #finish()} the frame is bytes {@code [0, length())}. */
    public MutableDirectBuffer buffer() {
        return buffer;
    }

    /** Length written by the last {@link #finish()}, 0 before. */
    public int length() {
        return length;
    }

    /** Starts a new frame: header {@code 05 00 <len> <16 zero bytes>}; discards any unfinished frame. */
    public PfsyncFrameEncoder beginFrame() {
        header.version(PFSYNC_VERSION).pad(0).len(0).clearPfcksum();
        position = HEADER_LENGTH;
        length = 0;
        records = 0;
        sectionAction = -1;
        sectionOffset = -1;
        sectionCount = 0;
        lastRank = -1;
        usedActions = 0;
        java.util.Arrays.fill(recordCounts, 0);
        open = true;
        return this;
    }

    /**
     * Opens the section for {@code action} (or continues it if it is the open one). Its subheader
     * is written with its first record.
     *
     * @throws IllegalArgumentException for an action we never send (DEL, INS_F, DEL_F, TDB, EOF, ≥ 17)
     * @throws IllegalStateException    outside a frame, out of A.6 order, or for an action already used
     */
    public PfsyncFrameEncoder beginSection(final int action) {
        requireOpen();
        if (action < 0 || action >= ACT_MAX || RANK[action] < 0) {
            throw new IllegalArgumentException("action is never sent: " + action);
        }
        if (action == sectionAction) {
            return this;
        }
        if (RANK[action] < lastRank) {
            throw new IllegalStateException("section out of A.6 order: " + PfsyncConstants.actionName(action));
        }
        if ((usedActions & (1 << action)) != 0) {
            throw new IllegalStateException("section already used in this frame: "
                + PfsyncConstants.actionName(action));
        }
        closeSection();
        sectionAction = action;
        sectionOffset = -1;
        sectionCount = 0;
        lastRank = RANK[action];
        return this;
    }

    /** The open section's action, or -1. */
    public int sectionAction() {
        return sectionAction;
    }

    /** Bytes left for records of the open section, keeping room for its subheader (if unwritten) and EOF. */
    public int remaining() {
        final int subheader = sectionAction >= 0 && sectionOffset < 0 ? SUBHEADER_LENGTH : 0;
        return Math.max(0, maxFrameLength - EOF_LENGTH - position - subheader);
    }

    /** Whether one record of {@code action} fits now, in the open section or as a new one. */
    public boolean fits(final int action) {
        final int recordLength = PfsyncConstants.recordLength(action);
        if (recordLength <= 0) {
            return false;
        }
        final int subheader = action == sectionAction && sectionOffset >= 0 ? 0 : SUBHEADER_LENGTH;
        return position + subheader + recordLength + EOF_LENGTH <= maxFrameLength;
    }

    /** Records appended to the current frame. */
    public int recordCount() {
        return records;
    }

    /** Records of {@code action} in the current (or just finished) frame; EOF counts 1 once finished. */
    public int recordCount(final int action) {
        return recordCounts[action];
    }

    /** True when no record has been appended: such a frame is never sent. */
    public boolean isEmpty() {
        return records == 0;
    }

    /** Full state in format 1301; the open section must be INS (1) or UPD (3). */
    public boolean appendState1301(final PfsyncStateValues values) {
        requireFormat(PfsyncConstants.FORMAT_1301);
        checkState(values);
        final int at = reserve(PfsyncState1301Flyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        state1301.wrap(buffer, at).put(values);
        return true;
    }

    /** Full state in format 1400; the open section must be INS_1400 (13) or UPD_1400 (14). */
    public boolean appendState1400(final PfsyncStateValues values) {
        requireFormat(PfsyncConstants.FORMAT_1400);
        checkState(values);
        final int at = reserve(PfsyncState1400Flyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        state1400.wrap(buffer, at).put(values);
        return true;
    }

    /** Full state in format 1500; the open section must be INS_1500 (15) or UPD_1500 (16). */
    public boolean appendState1500(final PfsyncStateValues values) {
        requireFormat(PfsyncConstants.FORMAT_1500);
        checkState(values);
        final int at = reserve(PfsyncState1500Flyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        state1500.wrap(buffer, at).put(values);
        return true;
    }

    /** UPD_C with {@code expire} 0, as FreeBSD sends it; the open section must be UPD_C. */
    public boolean appendUpdC(final long id, final int creatorid, final PfsyncStateValues.Peer src,
            final PfsyncStateValues.Peer dst, final int timeout) {
        requireSection(ACT_UPD_C);
        check(id != 0, "id must be non-zero");
        check(creatorid != 0, "creatorid must be non-zero");
        check(timeout >= 0 && timeout < PFTM_OLD_MAX, "timeout must be a PFTM class below 20");
        check(validPeer(src) && validPeer(dst), "peer state must be 0..12");
        final int at = reserve(PfsyncUpdCFlyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        updC.wrap(buffer, at).id(id);
        updC.src().put(src);
        updC.dst().put(dst);
        updC.creatorid(creatorid).expire(0).timeout(timeout).clearPad();
        return true;
    }

    /** UPD_C from a filled holder (id, creatorid, src, dst, timeout). */
    public boolean appendUpdC(final PfsyncStateValues values) {
        return appendUpdC(values.id, values.creatorid, values.src, values.dst, values.timeout);
    }

    /** INS_ACK {id, creatorid}; the open section must be INS_ACK. */
    public boolean appendInsAck(final long id, final int creatorid) {
        requireSection(ACT_INS_ACK);
        check(creatorid != 0, "creatorid must be non-zero");
        return appendIdCreator(id, creatorid);
    }

    /** UPD_REQ {id, creatorid}; (0, 0) asks for a bulk update. The open section must be UPD_REQ. */
    public boolean appendUpdReq(final long id, final int creatorid) {
        requireSection(ACT_UPD_REQ);
        check(creatorid != 0 || id == 0, "creatorid must be non-zero, except in the bulk request (0, 0)");
        return appendIdCreator(id, creatorid);
    }

    /** DEL_C {id, creatorid}, our only deletion message; the open section must be DEL_C. */
    public boolean appendDelC(final long id, final int creatorid) {
        requireSection(ACT_DEL_C);
        check(creatorid != 0, "creatorid must be non-zero");
        return appendIdCreator(id, creatorid);
    }

    /** CLR of {@code creatorid}'s states, only on {@code ifname} if not empty; the open section must be CLR. */
    public boolean appendClr(final CharSequence ifname, final int creatorid) {
        requireSection(ACT_CLR);
        check(creatorid != 0, "creatorid must be non-zero");
        check(ifname == null || ifname.length() < PfsyncConstants.IFNAMSIZ, "ifname longer than 15");
        final int at = reserve(PfsyncClrFlyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        clr.wrap(buffer, at).ifname(ifname).creatorid(creatorid);
        return true;
    }

    /** BUS {creatorid, endtime, status START (1) or END (2)}; the open section must be BUS. */
    public boolean appendBus(final int creatorid, final long endtime, final int status) {
        requireSection(ACT_BUS);
        check(creatorid != 0, "creatorid must be non-zero");
        check(status == PfsyncConstants.PFSYNC_BUS_START || status == PfsyncConstants.PFSYNC_BUS_END,
            "status must be START or END");
        check(endtime >= 0 && endtime <= 0xFFFF_FFFFL, "endtime must be an unsigned 32-bit value");
        final int at = reserve(PfsyncBusFlyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        buffer.putInt(at + PfsyncBusFlyweight.CREATORID_OFFSET, creatorid, ORDER);
        buffer.putInt(at + PfsyncBusFlyweight.ENDTIME_OFFSET, (int) endtime, ORDER);
        buffer.putByte(at + PfsyncBusFlyweight.STATUS_OFFSET, (byte) status);
        buffer.setMemory(at + PfsyncBusFlyweight.PAD_OFFSET, PfsyncBusFlyweight.PAD_LENGTH, (byte) 0);
        return true;
    }

    /**
     * Closes the open section, writes EOF {@code 0c 00 00 01} and the header {@code len}.
     *
     * @return the pfsync length {@code len} (header through EOF): the bytes to send, before any trailer
     */
    public int finish() {
        requireOpen();
        closeSection();
        buffer.putByte(position, (byte) ACT_EOF);
        buffer.putByte(position + 1, (byte) 0);
        buffer.putShort(position + 2, (short) 1, ORDER);
        position += EOF_LENGTH;
        recordCounts[ACT_EOF] = 1;
        if (position > maxFrameLength) {
            throw new IllegalStateException("frame exceeds the MTU budget"); // accounting bug (A.7)
        }
        header.len(position);
        length = position;
        open = false;
        return length;
    }

    /** Adds the finished frame's records per action (EOF included) to {@code stats.oacts}; call once it is sent. */
    public void countOutput(final PfsyncStats stats) {
        for (int action = 0; action < ACT_MAX; action++) {
            stats.oacts[action] += recordCounts[action];
        }
    }

    private boolean appendIdCreator(final long id, final int creatorid) {
        final int at = reserve(PfsyncDelCFlyweight.LENGTH);
        if (at < 0) {
            return false;
        }
        buffer.putLong(at + PfsyncDelCFlyweight.ID_OFFSET, id, ORDER);
        buffer.putInt(at + PfsyncDelCFlyweight.CREATORID_OFFSET, creatorid, ORDER);
        return true;
    }

    /** Reserves one record of the open section; returns its offset, or -1 if it does not fit. */
    private int reserve(final int recordLength) {
        final int subheader = sectionOffset < 0 ? SUBHEADER_LENGTH : 0;
        if (position + subheader + recordLength + EOF_LENGTH > maxFrameLength
                || sectionCount == PfsyncSubheaderFlyweight.MAX_COUNT) {
            return -1;
        }
        if (sectionOffset < 0) {
            sectionOffset = position;
            buffer.putByte(position, (byte) sectionAction);
            buffer.putByte(position + 1, (byte) 0);
            buffer.putShort(position + 2, (short) 0, ORDER);
            position += SUBHEADER_LENGTH;
            usedActions |= 1 << sectionAction;
        }
        final int at = position;
        position += recordLength;
        sectionCount++;
        records++;
        recordCounts[sectionAction]++;
        return at;
    }

    private void closeSection() {
        if (sectionOffset >= 0) {
            buffer.putShort(sectionOffset + 2, (short) sectionCount, ORDER);
        }
        sectionAction = -1;
        sectionOffset = -1;
        sectionCount = 0;
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("no frame: call beginFrame()");
        }
    }

    private void requireSection(final int action) {
        requireOpen();
        if (sectionAction != action) {
            throw new IllegalStateException("open section is not " + PfsyncConstants.actionName(action));
        }
    }

    private void requireFormat(final int format) {
        requireOpen();
        if (PfsyncConstants.stateFormat(sectionAction) != format || sectionAction == PfsyncConstants.ACT_DEL) {
            throw new IllegalStateException("open section does not carry format " + format);
        }
    }

    private static void checkState(final PfsyncStateValues v) {
        final String problem = stateProblem(v);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Why {@code v} cannot be written as a full state (INS or UPD), or null when it can: the checks every
     * {@code appendState*} makes before writing. Allocation-free (the reasons are constants).
     */
    public static String stateProblem(final PfsyncStateValues v) {
        if (v.id == 0) {
            return "id must be non-zero";
        }
        if (v.creatorid == 0) {
            return "creatorid must be non-zero";
        }
        if (PfsyncConstants.wireAf(v.af) <= 0) {
            return "af must be 2, 10 or 28";
        }
        if (v.direction != PF_IN && v.direction != PF_OUT) {
            return "direction must be PF_IN or PF_OUT";
        }
        if (v.timeout < 0 || v.timeout >= PFTM_OLD_MAX) {
            return "timeout must be a PFTM class below 20";
        }
        if (!validPeer(v.src) || !validPeer(v.dst)) {
            return "peer state must be 0..12";
        }
        if (v.expire < 1 || v.expire > 0xFFFF_FFFFL) {
            return "expire must be at least 1 second";
        }
        if (v.ifname.length() >= PfsyncConstants.IFNAMSIZ) {
            return "ifname longer than 15";
        }
        if (v.proto < 0 || v.proto > 255) {
            return "proto must be 0..255";
        }
        return null;
    }

    private static boolean validPeer(final PfsyncStateValues.Peer peer) {
        return peer.state >= 0 && peer.state <= PF_TCPS_PROXY_DST;
    }

    private static void check(final boolean condition, final String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
