package io.tandem.engine.sync.wire;

import static io.tandem.engine.state.PfConstants.PF_OUT;
import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_DST;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_BUS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_CLR;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_DEL;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_DEL_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_EOF;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_1400;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_1500;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_ACK;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_MAX;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_TDB;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_1400;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_1500;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_REQ;
import static io.tandem.engine.sync.wire.PfsyncConstants.AF_INET;
import static io.tandem.engine.sync.wire.PfsyncConstants.AF_INET6_FREEBSD;
import static io.tandem.engine.sync.wire.PfsyncConstants.PFSYNC_VERSION;
import static io.tandem.engine.sync.wire.PfsyncConstants.PFTM_MAX;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Decodes one pfsync v5 frame (the bytes after the IP header) and hands its valid records to a
 * {@link PfsyncRecordHandler}, counting in FreeBSD's {@code pfsyncstats} names.
 *
 * <p><b>Theory of operation.</b> Two passes over the frame, both bounded by
 * {@code min(IP payload length, header len)}:
 * <ol>
 *   <li><b>Frame checks</b> (C.1, W.3), a ladder that counts: fewer than 20 bytes → {@code hdrops};
 *       version ≠ 5 → {@code badver}; fewer bytes than {@code len} → {@code badlen}. Each drops
 *       the frame.</li>
 *   <li><b>Walk</b>: subheader by subheader, the record length coming from a table indexed by
 *       action ({@link PfsyncConstants#recordLength(int)}). A section running past {@code len},
 *       or no EOF before the end of {@code len}, counts {@code badlen} and nothing is applied. An
 *       unknown action (≥ 17), INS_F or DEL_F counts {@code badact}: the sections before it are
 *       applied and the rest of the frame is discarded, as FreeBSD does.</li>
 *   <li><b>Dispatch</b>: each walked section goes to its reader from a second table indexed by
 *       action; {@code iacts[action] += count}. A reader checks each record (C.4, W.6) and
 *       either hands it over or counts {@code badval} and skips it; the frame continues. TDB
 *       sections are skipped ({@code count × 48}). Bytes after EOF are applied and count
 *       {@code badlen} (FreeBSD's behaviour; the {@code freebsd-compatible} mode).</li>
 * </ol>
 *
 * <p>Record checks ({@code badval}): every record naming a state needs {@code creatorid ≠ 0}
 * (UPD_REQ only when {@code id ≠ 0}: (0, 0) is the bulk request; BUS is not checked). Full states
 * (INS and UPD of every format): af 2 or 28, direction ≤ 2, timeout &lt; 25, both peer states
 * ≤ 12, {@code ifname} NUL-terminated, and for 1500 {@code wire_af = stack_af}. UPD_C: timeout
 * and peer states. CLR: {@code ifname} NUL-terminated. DEL (6) is reduced to DEL_C (W.4).
 *
 * <p>Authenticated mode (W.12) is future work: its verifier will check the trailer first and then
 * pass only the first {@code len} bytes here, so no trailing bytes remain.
 *
 * <p>Never throws on any input bytes and never reads outside {@code [offset, offset + length)}
 * (all reads go through a view bounded to the frame). Allocation-free after construction. Owned by
 * one thread (the sync agent); not thread-safe.
 */
public final class PfsyncFrameDecoder {
    @FunctionalInterface
    private interface SectionReader {
        void read(int action, int offset, int count);
    }

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int HEADER_LENGTH = PfsyncHeaderFlyweight.LENGTH;
    private static final int SUBHEADER_LENGTH = PfsyncSubheaderFlyweight.LENGTH;

    private final PfsyncStats stats;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final PfsyncHeaderFlyweight header = new PfsyncHeaderFlyweight();
    private final PfsyncClrFlyweight clr = new PfsyncClrFlyweight();
    private final PfsyncUpdCFlyweight updC = new PfsyncUpdCFlyweight();
    private final PfsyncState1301Flyweight state1301 = new PfsyncState1301Flyweight();
    private final PfsyncState1400Flyweight state1400 = new PfsyncState1400Flyweight();
    private final PfsyncState1500Flyweight state1500 = new PfsyncState1500Flyweight();
    /** Reader per action; null where the action cannot be dispatched (INS_F, DEL_F, EOF). */
    private final SectionReader[] readers = new SectionReader[ACT_MAX];
    private PfsyncRecordHandler handler;

    public PfsyncFrameDecoder(final PfsyncStats stats) {
        this.stats = stats;
        readers[ACT_CLR] = this::readClr;
        readers[ACT_INS] = this::readState;
        readers[ACT_INS_ACK] = this::readInsAck;
        readers[ACT_UPD] = this::readState;
        readers[ACT_UPD_C] = this::readUpdC;
        readers[ACT_UPD_REQ] = this::readUpdReq;
        readers[ACT_DEL] = this::readDel;
        readers[ACT_DEL_C] = this::readDelC;
        readers[ACT_BUS] = this::readBus;
        readers[ACT_TDB] = this::skip;
        readers[ACT_INS_1400] = this::readState;
        readers[ACT_UPD_1400] = this::readState;
        readers[ACT_INS_1500] = this::readState;
        readers[ACT_UPD_1500] = this::readState;
    }

    public PfsyncStats stats() {
        return stats;
    }

    /**
     * Decodes a frame received over IPv4 (counts {@code ipackets}).
     *
     * @param buffer  holds the frame
     * @param offset  first byte of the pfsync header
     * @param length  IP payload length (total length minus IP header); clamped to the buffer
     * @param handler receives the valid records
     */
    public PfsyncDecodeResult decode(final DirectBuffer buffer, final int offset, final int length,
            final PfsyncRecordHandler handler) {
        stats.ipackets++;
        return decodeFrame(buffer, offset, length, handler);
    }

    /** As {@link #decode}, for a frame received over IPv6 (counts {@code ipackets6}). */
    public PfsyncDecodeResult decodeIpv6(final DirectBuffer buffer, final int offset, final int length,
            final PfsyncRecordHandler handler) {
        stats.ipackets6++;
        return decodeFrame(buffer, offset, length, handler);
    }

    private PfsyncDecodeResult decodeFrame(final DirectBuffer buffer, final int offset, final int length,
            final PfsyncRecordHandler handler) {
        final int capacity = buffer.capacity();
        if (offset < 0 || length < HEADER_LENGTH || offset > capacity - HEADER_LENGTH) {
            stats.hdrops++;
            return PfsyncDecodeResult.TOO_SHORT;
        }
        final int available = Math.min(length, capacity - offset);
        if (available < HEADER_LENGTH) {
            stats.hdrops++;
            return PfsyncDecodeResult.TOO_SHORT;
        }
        view.wrap(buffer, offset, available);
        header.wrap(view, 0);
        if (header.version() != PFSYNC_VERSION) {
            stats.badver++;
            return PfsyncDecodeResult.BAD_VERSION;
        }
        final int len = header.len();
        if (available < len) {
            stats.badlen++;
            return PfsyncDecodeResult.BAD_LENGTH;
        }
        view.wrap(buffer, offset, len);

        // Walk: find where dispatch stops (EOF or a bad action) before applying anything.
        int position = HEADER_LENGTH;
        final PfsyncDecodeResult result;
        while (true) {
            if (position > len - SUBHEADER_LENGTH) {
                stats.badlen++;
                return PfsyncDecodeResult.BAD_LENGTH;
            }
            final int action = view.getByte(position) & 0xFF;
            if (action == ACT_EOF) {
                result = position + SUBHEADER_LENGTH < available
                    ? PfsyncDecodeResult.TRAILING_BYTES : PfsyncDecodeResult.OK;
                break;
            }
            final int recordLength = PfsyncConstants.recordLength(action);
            if (recordLength < 0) {
                result = PfsyncDecodeResult.BAD_ACTION;
                break;
            }
            final int count = view.getShort(position + 2, ORDER) & 0xFFFF;
            final long end = position + SUBHEADER_LENGTH + (long) count * recordLength;
            if (end > len) {
                stats.badlen++;
                return PfsyncDecodeResult.BAD_LENGTH;
            }
            position = (int) end;
        }
        final int walkEnd = position;

        // Dispatch through the reader table.
        this.handler = handler;
        position = HEADER_LENGTH;
        while (position < walkEnd) {
            final int action = view.getByte(position) & 0xFF;
            final int count = view.getShort(position + 2, ORDER) & 0xFFFF;
            stats.iacts[action] += count;
            readers[action].read(action, position + SUBHEADER_LENGTH, count);
            position += SUBHEADER_LENGTH + count * PfsyncConstants.recordLength(action);
        }
        this.handler = null;

        final int stopAction = view.getByte(walkEnd) & 0xFF;
        final int stopCount = view.getShort(walkEnd + 2, ORDER) & 0xFFFF;
        if (stopAction < ACT_MAX) {
            stats.iacts[stopAction] += stopCount;
        }
        if (result == PfsyncDecodeResult.BAD_ACTION) {
            stats.badact++;
        } else if (result == PfsyncDecodeResult.TRAILING_BYTES) {
            stats.badlen++;
        }
        return result;
    }

    private void readClr(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncClrFlyweight.LENGTH) {
            clr.wrap(view, p);
            if (clr.creatorid() == 0) {
                stats.badval++;
                continue;
            }
            if (!clr.ifnameTerminated()) {
                stats.badval++;
                continue;
            }
            handler.onClr(clr);
        }
    }

    private void readState(final int action, final int offset, final int count) {
        final int format = PfsyncConstants.stateFormat(action);
        final int length = PfsyncConstants.recordLength(action);
        for (int i = 0, p = offset; i < count; i++, p += length) {
            final PfsyncStateRecord state;
            if (format == PfsyncConstants.FORMAT_1301) {
                state = state1301.wrap(view, p);
            } else if (format == PfsyncConstants.FORMAT_1400) {
                state = state1400.wrap(view, p);
            } else {
                state = state1500.wrap(view, p);
                if (state1500.stackAf() != state1500.af()) {
                    stats.badval++; // address-family translation: not supported (W.5)
                    continue;
                }
            }
            if (!validState(state)) {
                stats.badval++;
                continue;
            }
            handler.onState(action, format, state);
        }
    }

    /** The C.4 INS checks plus W.6 (creatorid, ifname), applied to every full state record. */
    private static boolean validState(final PfsyncStateRecord state) {
        final int af = state.af();
        return state.creatorid() != 0
            && (af == AF_INET || af == AF_INET6_FREEBSD)
            && state.direction() <= PF_OUT
            && state.timeout() < PFTM_MAX
            && state.src().state() <= PF_TCPS_PROXY_DST
            && state.dst().state() <= PF_TCPS_PROXY_DST
            && state.ifnameTerminated();
    }

    private void readDel(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncState1301Flyweight.LENGTH) {
            final int creatorid = view.getInt(p + PfsyncState1301Flyweight.CREATORID_OFFSET, ORDER);
            if (creatorid == 0) {
                stats.badval++;
                continue;
            }
            handler.onDelC(view.getLong(p + PfsyncState1301Flyweight.ID_OFFSET, ORDER), creatorid);
        }
    }

    private void readInsAck(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncInsAckFlyweight.LENGTH) {
            final int creatorid = view.getInt(p + PfsyncInsAckFlyweight.CREATORID_OFFSET, ORDER);
            if (creatorid == 0) {
                stats.badval++;
                continue;
            }
            handler.onInsAck(view.getLong(p + PfsyncInsAckFlyweight.ID_OFFSET, ORDER), creatorid);
        }
    }

    private void readUpdC(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncUpdCFlyweight.LENGTH) {
            updC.wrap(view, p);
            if (updC.creatorid() == 0) {
                stats.badval++;
                continue;
            }
            if (updC.timeout() >= PFTM_MAX) {
                stats.badval++;
                continue;
            }
            if (updC.src().state() > PF_TCPS_PROXY_DST || updC.dst().state() > PF_TCPS_PROXY_DST) {
                stats.badval++;
                continue;
            }
            handler.onUpdC(updC);
        }
    }

    private void readUpdReq(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncUpdReqFlyweight.LENGTH) {
            final long id = view.getLong(p + PfsyncUpdReqFlyweight.ID_OFFSET, ORDER);
            final int creatorid = view.getInt(p + PfsyncUpdReqFlyweight.CREATORID_OFFSET, ORDER);
            if (creatorid == 0 && id != 0) {
                stats.badval++;
                continue;
            }
            handler.onUpdReq(id, creatorid);
        }
    }

    private void readDelC(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncDelCFlyweight.LENGTH) {
            final int creatorid = view.getInt(p + PfsyncDelCFlyweight.CREATORID_OFFSET, ORDER);
            if (creatorid == 0) {
                stats.badval++;
                continue;
            }
            handler.onDelC(view.getLong(p + PfsyncDelCFlyweight.ID_OFFSET, ORDER), creatorid);
        }
    }

    private void readBus(final int action, final int offset, final int count) {
        for (int i = 0, p = offset; i < count; i++, p += PfsyncBusFlyweight.LENGTH) {
            handler.onBus(view.getInt(p + PfsyncBusFlyweight.CREATORID_OFFSET, ORDER),
                view.getInt(p + PfsyncBusFlyweight.ENDTIME_OFFSET, ORDER) & 0xFFFF_FFFFL,
                view.getByte(p + PfsyncBusFlyweight.STATUS_OFFSET) & 0xFF);
        }
    }

    private void skip(final int action, final int offset, final int count) {
        // TDB (IPsec) is out of scope: the section is skipped by length so later sections parse.
    }
}
