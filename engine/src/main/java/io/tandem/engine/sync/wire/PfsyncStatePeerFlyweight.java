package io.tandem.engine.sync.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct pfsync_state_peer} (32 bytes, big-endian; FreeBSD 15 calls it
 * {@code pf_state_peer_export}), one half of a connection, with its 8-byte scrub block
 * ({@code struct pfsync_state_scrub}) in front.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      scrub.pfss_flags         | scrub.pfss_ttl|scrub.scrub_flag|  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     scrub.pfss_ts_mod                         |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                            seqlo                              |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                            seqhi                              | 12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                           seqdiff                             | 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            max_win            |              mss              | 20
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     state     |    wscale     |            pad[6]             | 24
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                                                               | 28
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  32
 * </pre>
 *
 * <p>We send the scrub block as zero (no timestamp modulation); {@code scrub_flag} 0x01 marks valid
 * scrub data from a peer.
 */
public final class PfsyncStatePeerFlyweight {
    public static final int SCRUB_OFFSET = 0;
    public static final int PFSS_FLAGS_OFFSET = SCRUB_OFFSET;
    public static final int PFSS_TTL_OFFSET = PFSS_FLAGS_OFFSET + 2;
    public static final int SCRUB_FLAG_OFFSET = PFSS_TTL_OFFSET + 1;
    public static final int PFSS_TS_MOD_OFFSET = SCRUB_FLAG_OFFSET + 1;
    /** {@code sizeof(struct pfsync_state_scrub)}. */
    public static final int SCRUB_LENGTH = PFSS_TS_MOD_OFFSET + 4 - SCRUB_OFFSET;
    public static final int SEQLO_OFFSET = SCRUB_OFFSET + SCRUB_LENGTH;
    public static final int SEQHI_OFFSET = SEQLO_OFFSET + 4;
    public static final int SEQDIFF_OFFSET = SEQHI_OFFSET + 4;
    public static final int MAX_WIN_OFFSET = SEQDIFF_OFFSET + 4;
    public static final int MSS_OFFSET = MAX_WIN_OFFSET + 2;
    public static final int STATE_OFFSET = MSS_OFFSET + 2;
    public static final int WSCALE_OFFSET = STATE_OFFSET + 1;
    public static final int PAD_OFFSET = WSCALE_OFFSET + 1;
    public static final int PAD_LENGTH = 6;
    public static final int LENGTH = PAD_OFFSET + PAD_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    public PfsyncStatePeerFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    public int pfssFlags() {
        return buffer.getShort(offset + PFSS_FLAGS_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncStatePeerFlyweight pfssFlags(final int value) {
        mutable.putShort(offset + PFSS_FLAGS_OFFSET, (short) value, ORDER);
        return this;
    }

    public int pfssTtl() {
        return buffer.getByte(offset + PFSS_TTL_OFFSET) & 0xFF;
    }

    public PfsyncStatePeerFlyweight pfssTtl(final int value) {
        mutable.putByte(offset + PFSS_TTL_OFFSET, (byte) value);
        return this;
    }

    public int scrubFlag() {
        return buffer.getByte(offset + SCRUB_FLAG_OFFSET) & 0xFF;
    }

    public PfsyncStatePeerFlyweight scrubFlag(final int value) {
        mutable.putByte(offset + SCRUB_FLAG_OFFSET, (byte) value);
        return this;
    }

    public long pfssTsMod() {
        return buffer.getInt(offset + PFSS_TS_MOD_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncStatePeerFlyweight pfssTsMod(final long value) {
        mutable.putInt(offset + PFSS_TS_MOD_OFFSET, (int) value, ORDER);
        return this;
    }

    /** Highest sequence number sent (unsigned 32 bits). */
    public long seqlo() {
        return buffer.getInt(offset + SEQLO_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncStatePeerFlyweight seqlo(final long value) {
        mutable.putInt(offset + SEQLO_OFFSET, (int) value, ORDER);
        return this;
    }

    /** Highest acknowledged sequence plus window (unsigned 32 bits). */
    public long seqhi() {
        return buffer.getInt(offset + SEQHI_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncStatePeerFlyweight seqhi(final long value) {
        mutable.putInt(offset + SEQHI_OFFSET, (int) value, ORDER);
        return this;
    }

    /** Sequence number modulator (unsigned 32 bits). */
    public long seqdiff() {
        return buffer.getInt(offset + SEQDIFF_OFFSET, ORDER) & 0xFFFF_FFFFL;
    }

    public PfsyncStatePeerFlyweight seqdiff(final long value) {
        mutable.putInt(offset + SEQDIFF_OFFSET, (int) value, ORDER);
        return this;
    }

    public int maxWin() {
        return buffer.getShort(offset + MAX_WIN_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncStatePeerFlyweight maxWin(final int value) {
        mutable.putShort(offset + MAX_WIN_OFFSET, (short) value, ORDER);
        return this;
    }

    public int mss() {
        return buffer.getShort(offset + MSS_OFFSET, ORDER) & 0xFFFF;
    }

    public PfsyncStatePeerFlyweight mss(final int value) {
        mutable.putShort(offset + MSS_OFFSET, (short) value, ORDER);
        return this;
    }

    /** Half state: TCPS_* 0-10 or proxy 11-12 for TCP, PFUDPS_/PFOTHERS_ 0-2 otherwise. */
    public int state() {
        return buffer.getByte(offset + STATE_OFFSET) & 0xFF;
    }

    public PfsyncStatePeerFlyweight state(final int value) {
        mutable.putByte(offset + STATE_OFFSET, (byte) value);
        return this;
    }

    public int wscale() {
        return buffer.getByte(offset + WSCALE_OFFSET) & 0xFF;
    }

    public PfsyncStatePeerFlyweight wscale(final int value) {
        mutable.putByte(offset + WSCALE_OFFSET, (byte) value);
        return this;
    }

    /** Writes the values of {@code peer} and zeroes the scrub block and the padding. */
    public PfsyncStatePeerFlyweight put(final PfsyncStateValues.Peer peer) {
        mutable.setMemory(offset + SCRUB_OFFSET, SCRUB_LENGTH, (byte) 0);
        mutable.putInt(offset + SEQLO_OFFSET, (int) peer.seqlo, ORDER);
        mutable.putInt(offset + SEQHI_OFFSET, (int) peer.seqhi, ORDER);
        mutable.putInt(offset + SEQDIFF_OFFSET, (int) peer.seqdiff, ORDER);
        mutable.putShort(offset + MAX_WIN_OFFSET, (short) peer.maxWin, ORDER);
        mutable.putShort(offset + MSS_OFFSET, (short) peer.mss, ORDER);
        mutable.putByte(offset + STATE_OFFSET, (byte) peer.state);
        mutable.putByte(offset + WSCALE_OFFSET, (byte) peer.wscale);
        mutable.setMemory(offset + PAD_OFFSET, PAD_LENGTH, (byte) 0);
        return this;
    }

    /** Reads this half into {@code peer} (scrub block ignored). */
    public PfsyncStateValues.Peer get(final PfsyncStateValues.Peer peer) {
        peer.seqlo = seqlo();
        peer.seqhi = seqhi();
        peer.seqdiff = seqdiff();
        peer.maxWin = maxWin();
        peer.mss = mss();
        peer.state = state();
        peer.wscale = wscale();
        return peer;
    }
}
