package io.tandem.engine.journal;

import io.tandem.engine.state.StateTable;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One journal record: a fixed-size, versioned, little-endian binary layout shared by the writer
 * (the packet thread), recovery, the SyncAgent and the {@code tandem journal} tools. The fields
 * mirror pfsync's {@code pfsync_state} so that a record maps 1:1 onto a pfsync v5 state record.
 * docs/journal-format.md documents every byte; the golden-byte test keeps the two in step.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+---------------+---------------+
 * |        magic "TJ" (0x4a54)    |    version    |     type      |   0
 * +---------------+---------------+-------------------------------+
 * |    reason     |  origin kind  |          state flags          |   4
 * +---------------+---------------+-------------------------------+
 * |                    wall-clock time (ms, epoch)                |   8
 * |                    monotonic time (ns)                        |  16
 * +---------------------------------------------------------------+
 * |          origin (rule number, or the peer's creatorid)        |  24
 * |                          creatorid                            |  28
 * |                          state id (64)                        |  32
 * +---------------+---------------+---------------+---------------+
 * |   af (2/10)   |     proto     |   direction   | timeout class |  40
 * +---------------+---------------+---------------+---------------+
 * |                           ifindex                             |  44
 * |             src address (16 bytes, network order)             |  48
 * |             dst address (16 bytes, network order)             |  64
 * +-------------------------------+-------------------------------+
 * |         src port              |          dst port             |  80
 * +-------------------------------+-------------------------------+
 * |                  rule number (-1 for none)                    |  84
 * |                 src peer (24 bytes, see below)                |  88
 * |                 dst peer (24 bytes)                           | 112
 * |                 creation time (ms, epoch)                     | 136
 * |                 expiry deadline (ms, epoch; 0 = none)         | 144
 * |                 last activity (ms, epoch)                     | 152
 * |                 packets initiator → responder                 | 160
 * |                 packets responder → initiator                 | 168
 * |                 bytes initiator → responder                   | 176
 * |                 bytes responder → initiator                   | 184
 * |                 snapshot epoch                                | 192
 * |     queue (DEFER/RELEASE; EPOCH_END: first sequence, high)    | 200
 * |     packet id (DEFER/RELEASE; EPOCH_END: first sequence, low) | 204
 * |                 record sequence (per writer, from 1)           | 208
 * |  sync hints   |            reserved (35 bytes, zero)          | 216
 * |                 CRC32C of bytes 0..251                         | 252
 * +---------------------------------------------------------------+
 * peer: seqlo u32 @0, seqhi u32 @4, seqdiff u32 @8, max_win u16 @12, mss u16 @14,
 *       state u8 @16, wscale u8 @17, pad 6 bytes
 * </pre>
 *
 * <p>Integers are little-endian (the host order of the machines Tandem runs on, and Chronicle
 * Queue's); addresses and ports are stored in network order inside their fields' bytes so a dump
 * reads like a packet. A flyweight: {@link #wrap} points it at a buffer, accessors read or write in
 * place, nothing is allocated.
 */
public final class JournalRecordFlyweight implements io.tandem.engine.state.StateView {
    public static final short MAGIC = 0x4A54;
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 2;
    public static final int TYPE_OFFSET = VERSION_OFFSET + 1;
    public static final int REASON_OFFSET = TYPE_OFFSET + 1;
    public static final int ORIGIN_KIND_OFFSET = REASON_OFFSET + 1;
    public static final int STATE_FLAGS_OFFSET = ORIGIN_KIND_OFFSET + 1;
    public static final int WALL_TIME_OFFSET = STATE_FLAGS_OFFSET + 2;
    public static final int MONOTONIC_TIME_OFFSET = WALL_TIME_OFFSET + 8;
    public static final int ORIGIN_OFFSET = MONOTONIC_TIME_OFFSET + 8;
    public static final int CREATOR_ID_OFFSET = ORIGIN_OFFSET + 4;
    public static final int ID_OFFSET = CREATOR_ID_OFFSET + 4;
    public static final int AF_OFFSET = ID_OFFSET + 8;
    public static final int PROTO_OFFSET = AF_OFFSET + 1;
    public static final int DIRECTION_OFFSET = PROTO_OFFSET + 1;
    public static final int TIMEOUT_OFFSET = DIRECTION_OFFSET + 1;
    public static final int IFINDEX_OFFSET = TIMEOUT_OFFSET + 1;
    public static final int SRC_ADDR_OFFSET = IFINDEX_OFFSET + 4;
    public static final int DST_ADDR_OFFSET = SRC_ADDR_OFFSET + 16;
    public static final int SRC_PORT_OFFSET = DST_ADDR_OFFSET + 16;
    public static final int DST_PORT_OFFSET = SRC_PORT_OFFSET + 2;
    public static final int RULE_OFFSET = DST_PORT_OFFSET + 2;
    public static final int SRC_PEER_OFFSET = RULE_OFFSET + 4;
    public static final int PEER_LENGTH = 24;
    public static final int DST_PEER_OFFSET = SRC_PEER_OFFSET + PEER_LENGTH;
    public static final int CREATION_OFFSET = DST_PEER_OFFSET + PEER_LENGTH;
    public static final int EXPIRE_AT_OFFSET = CREATION_OFFSET + 8;
    public static final int LAST_ACTIVITY_OFFSET = EXPIRE_AT_OFFSET + 8;
    public static final int PACKETS_FWD_OFFSET = LAST_ACTIVITY_OFFSET + 8;
    public static final int PACKETS_REV_OFFSET = PACKETS_FWD_OFFSET + 8;
    public static final int BYTES_FWD_OFFSET = PACKETS_REV_OFFSET + 8;
    public static final int BYTES_REV_OFFSET = BYTES_FWD_OFFSET + 8;
    public static final int EPOCH_OFFSET = BYTES_REV_OFFSET + 8;
    public static final int QUEUE_OFFSET = EPOCH_OFFSET + 8;
    public static final int PACKET_ID_OFFSET = QUEUE_OFFSET + 4;
    public static final int SEQUENCE_OFFSET = PACKET_ID_OFFSET + 4;
    /** u8: how the sync agent should send this change ({@link io.tandem.engine.state.SyncHints}); 0 = normally. */
    public static final int SYNC_HINTS_OFFSET = SEQUENCE_OFFSET + 8;
    public static final int RESERVED_OFFSET = SYNC_HINTS_OFFSET + 1;
    public static final int CRC_OFFSET = 252;
    public static final int LENGTH = CRC_OFFSET + 4;

    /** Offsets inside a peer. */
    public static final int PEER_SEQLO = 0;
    public static final int PEER_SEQHI = PEER_SEQLO + 4;
    public static final int PEER_SEQDIFF = PEER_SEQHI + 4;
    public static final int PEER_MAX_WIN = PEER_SEQDIFF + 4;
    public static final int PEER_MSS = PEER_MAX_WIN + 2;
    public static final int PEER_STATE = PEER_MSS + 2;
    public static final int PEER_WSCALE = PEER_STATE + 1;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;

    /** Points the flyweight at a record; writes are possible only when the buffer is mutable. */
    public JournalRecordFlyweight wrap(final DirectBuffer buffer, final int offset) {
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

    /**
     * Zeroes the record and writes magic and version. The zeroes are stored eight bytes at a time from
     * compiled code: Agrona's {@code setMemory} hands 100 bytes or more to {@code Unsafe.setMemory}, on
     * Java 17 a call into the VM (a thread-state transition and the VM's own fill routine). On the packet
     * thread, with connections 5 ms apart, that call took 0.4 to 3.2 µs for one record in seven; the
     * stores take under 0.4 µs for 998 in 1,000 (bench/results/README.md, "A SYN on the packet thread").
     */
    public JournalRecordFlyweight clear() {
        for (int i = 0; i < LENGTH; i += Long.BYTES) {
            mutable.putLong(offset + i, 0L);
        }
        mutable.putShort(offset + MAGIC_OFFSET, MAGIC, LE);
        mutable.putByte(offset + VERSION_OFFSET, (byte) VERSION);
        return this;
    }

    /**
     * Copy-to: writes a table slot's whole state into this record — the one place that maps a slot
     * to the exchange record, the inverse of {@link StateTable#restore}. Fills the state flags,
     * creator id and id, family, protocol, direction, timeout class, interface, addresses, ports,
     * rule, both halves, creation time, expiry deadline (as the table computes it), last activity and
     * counters. The header (type, reason, origin, times of writing, sequence, sync hints) is the
     * writer's; nothing else is touched.
     */
    public JournalRecordFlyweight copyFrom(final StateTable t, final int slot) {
        stateFlags(t.stateFlags(slot)).creatorId(t.creatorId(slot)).id(t.id(slot))
                .af(t.family(slot)).proto(t.protocol(slot)).direction(t.direction(slot))
                .timeoutClass(t.timeoutClass(slot)).ifindex(t.ifindex(slot))
                .addresses(t.srcHi(slot), t.srcLo(slot), t.dstHi(slot), t.dstLo(slot))
                .ports(t.srcPort(slot), t.dstPort(slot)).rule(t.rule(slot))
                .creationMillis(t.creationMillis(slot)).expireAtMillis(t.expiresAtMillis(slot))
                .lastActivityMillis(t.lastActivityMillis(slot))
                .counters(t.packets(slot, 0), t.packets(slot, 1), t.bytes(slot, 0), t.bytes(slot, 1));
        for (int p = 0; p < 2; p++) {
            peer(p, t.seqLo(slot, p), t.seqHi(slot, p), t.seqDiff(slot, p), t.maxWin(slot, p), t.mss(slot, p),
                    t.peerState(slot, p), t.wscale(slot, p));
        }
        return this;
    }

    public short magic() {
        return buffer.getShort(offset + MAGIC_OFFSET, LE);
    }

    public int version() {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public int type() {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight type(final int v) {
        mutable.putByte(offset + TYPE_OFFSET, (byte) v);
        return this;
    }

    public int reason() {
        return buffer.getByte(offset + REASON_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight reason(final int v) {
        mutable.putByte(offset + REASON_OFFSET, (byte) v);
        return this;
    }

    public int originKind() {
        return buffer.getByte(offset + ORIGIN_KIND_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight originKind(final int v) {
        mutable.putByte(offset + ORIGIN_KIND_OFFSET, (byte) v);
        return this;
    }

    @Override
    public int stateFlags() {
        return buffer.getShort(offset + STATE_FLAGS_OFFSET, LE) & 0xFFFF;
    }

    public JournalRecordFlyweight stateFlags(final int v) {
        mutable.putShort(offset + STATE_FLAGS_OFFSET, (short) v, LE);
        return this;
    }

    public long wallTimeMillis() {
        return buffer.getLong(offset + WALL_TIME_OFFSET, LE);
    }

    public JournalRecordFlyweight wallTimeMillis(final long v) {
        mutable.putLong(offset + WALL_TIME_OFFSET, v, LE);
        return this;
    }

    public long monotonicNanos() {
        return buffer.getLong(offset + MONOTONIC_TIME_OFFSET, LE);
    }

    public JournalRecordFlyweight monotonicNanos(final long v) {
        mutable.putLong(offset + MONOTONIC_TIME_OFFSET, v, LE);
        return this;
    }

    public int origin() {
        return buffer.getInt(offset + ORIGIN_OFFSET, LE);
    }

    public JournalRecordFlyweight origin(final int v) {
        mutable.putInt(offset + ORIGIN_OFFSET, v, LE);
        return this;
    }

    @Override
    public int creatorId() {
        return buffer.getInt(offset + CREATOR_ID_OFFSET, LE);
    }

    public JournalRecordFlyweight creatorId(final int v) {
        mutable.putInt(offset + CREATOR_ID_OFFSET, v, LE);
        return this;
    }

    @Override
    public long id() {
        return buffer.getLong(offset + ID_OFFSET, LE);
    }

    public JournalRecordFlyweight id(final long v) {
        mutable.putLong(offset + ID_OFFSET, v, LE);
        return this;
    }

    @Override
    public int af() {
        return buffer.getByte(offset + AF_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight af(final int v) {
        mutable.putByte(offset + AF_OFFSET, (byte) v);
        return this;
    }

    @Override
    public int proto() {
        return buffer.getByte(offset + PROTO_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight proto(final int v) {
        mutable.putByte(offset + PROTO_OFFSET, (byte) v);
        return this;
    }

    @Override
    public int direction() {
        return buffer.getByte(offset + DIRECTION_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight direction(final int v) {
        mutable.putByte(offset + DIRECTION_OFFSET, (byte) v);
        return this;
    }

    @Override
    public int timeoutClass() {
        return buffer.getByte(offset + TIMEOUT_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight timeoutClass(final int v) {
        mutable.putByte(offset + TIMEOUT_OFFSET, (byte) v);
        return this;
    }

    @Override
    public int ifindex() {
        return buffer.getInt(offset + IFINDEX_OFFSET, LE);
    }

    public JournalRecordFlyweight ifindex(final int v) {
        mutable.putInt(offset + IFINDEX_OFFSET, v, LE);
        return this;
    }

    /** Bits 127..64 of the source address (IPv4: 0). */
    @Override
    public long srcHi() {
        return af() == 2 ? 0 : buffer.getLong(offset + SRC_ADDR_OFFSET, BE);
    }

    /** Bits 63..0 of the source address (IPv4: the address in the low 32 bits). */
    @Override
    public long srcLo() {
        return af() == 2 ? buffer.getInt(offset + SRC_ADDR_OFFSET, BE) & 0xFFFF_FFFFL
                : buffer.getLong(offset + SRC_ADDR_OFFSET + 8, BE);
    }

    @Override
    public long dstHi() {
        return af() == 2 ? 0 : buffer.getLong(offset + DST_ADDR_OFFSET, BE);
    }

    @Override
    public long dstLo() {
        return af() == 2 ? buffer.getInt(offset + DST_ADDR_OFFSET, BE) & 0xFFFF_FFFFL
                : buffer.getLong(offset + DST_ADDR_OFFSET + 8, BE);
    }

    /**
     * Writes both addresses in network order; IPv4 addresses take the first 4 bytes (as in
     * pfsync's {@code pf_addr}), the rest stays zero. Set {@link #af} first.
     */
    public JournalRecordFlyweight addresses(final long srcHi, final long srcLo, final long dstHi, final long dstLo) {
        if (af() == 2) {
            mutable.putInt(offset + SRC_ADDR_OFFSET, (int) srcLo, BE);
            mutable.putInt(offset + DST_ADDR_OFFSET, (int) dstLo, BE);
        } else {
            mutable.putLong(offset + SRC_ADDR_OFFSET, srcHi, BE);
            mutable.putLong(offset + SRC_ADDR_OFFSET + 8, srcLo, BE);
            mutable.putLong(offset + DST_ADDR_OFFSET, dstHi, BE);
            mutable.putLong(offset + DST_ADDR_OFFSET + 8, dstLo, BE);
        }
        return this;
    }

    @Override
    public int srcPort() {
        return buffer.getShort(offset + SRC_PORT_OFFSET, BE) & 0xFFFF;
    }

    @Override
    public int dstPort() {
        return buffer.getShort(offset + DST_PORT_OFFSET, BE) & 0xFFFF;
    }

    public JournalRecordFlyweight ports(final int src, final int dst) {
        mutable.putShort(offset + SRC_PORT_OFFSET, (short) src, BE);
        mutable.putShort(offset + DST_PORT_OFFSET, (short) dst, BE);
        return this;
    }

    @Override
    public int rule() {
        return buffer.getInt(offset + RULE_OFFSET, LE);
    }

    public JournalRecordFlyweight rule(final int v) {
        mutable.putInt(offset + RULE_OFFSET, v, LE);
        return this;
    }

    /** Offset of peer 0 (initiator, pf's src) or 1 (responder, dst) inside the record. */
    private int peer(final int peer) {
        return offset + (peer == 0 ? SRC_PEER_OFFSET : DST_PEER_OFFSET);
    }

    @Override
    public long seqLo(final int peer) {
        return buffer.getInt(peer(peer) + PEER_SEQLO, LE) & 0xFFFF_FFFFL;
    }

    @Override
    public long seqHi(final int peer) {
        return buffer.getInt(peer(peer) + PEER_SEQHI, LE) & 0xFFFF_FFFFL;
    }

    @Override
    public long seqDiff(final int peer) {
        return buffer.getInt(peer(peer) + PEER_SEQDIFF, LE) & 0xFFFF_FFFFL;
    }

    @Override
    public int maxWin(final int peer) {
        return buffer.getShort(peer(peer) + PEER_MAX_WIN, LE) & 0xFFFF;
    }

    @Override
    public int mss(final int peer) {
        return buffer.getShort(peer(peer) + PEER_MSS, LE) & 0xFFFF;
    }

    @Override
    public int peerState(final int peer) {
        return buffer.getByte(peer(peer) + PEER_STATE) & 0xFF;
    }

    @Override
    public int wscale(final int peer) {
        return buffer.getByte(peer(peer) + PEER_WSCALE) & 0xFF;
    }

    public JournalRecordFlyweight peer(final int peer, final long seqLo, final long seqHi, final long seqDiff,
            final int maxWin, final int mss, final int state, final int wscale) {
        final int p = peer(peer);
        mutable.putInt(p + PEER_SEQLO, (int) seqLo, LE);
        mutable.putInt(p + PEER_SEQHI, (int) seqHi, LE);
        mutable.putInt(p + PEER_SEQDIFF, (int) seqDiff, LE);
        mutable.putShort(p + PEER_MAX_WIN, (short) maxWin, LE);
        mutable.putShort(p + PEER_MSS, (short) mss, LE);
        mutable.putByte(p + PEER_STATE, (byte) state);
        mutable.putByte(p + PEER_WSCALE, (byte) wscale);
        return this;
    }

    @Override
    public long creationMillis() {
        return buffer.getLong(offset + CREATION_OFFSET, LE);
    }

    public JournalRecordFlyweight creationMillis(final long v) {
        mutable.putLong(offset + CREATION_OFFSET, v, LE);
        return this;
    }

    @Override
    public long expireAtMillis() {
        return buffer.getLong(offset + EXPIRE_AT_OFFSET, LE);
    }

    public JournalRecordFlyweight expireAtMillis(final long v) {
        mutable.putLong(offset + EXPIRE_AT_OFFSET, v, LE);
        return this;
    }

    @Override
    public long lastActivityMillis() {
        return buffer.getLong(offset + LAST_ACTIVITY_OFFSET, LE);
    }

    public JournalRecordFlyweight lastActivityMillis(final long v) {
        mutable.putLong(offset + LAST_ACTIVITY_OFFSET, v, LE);
        return this;
    }

    /** Packets: {@code dir} 0 = initiator → responder, 1 = responder → initiator. */
    @Override
    public long packets(final int dir) {
        return buffer.getLong(offset + (dir == 0 ? PACKETS_FWD_OFFSET : PACKETS_REV_OFFSET), LE);
    }

    @Override
    public long bytes(final int dir) {
        return buffer.getLong(offset + (dir == 0 ? BYTES_FWD_OFFSET : BYTES_REV_OFFSET), LE);
    }

    public JournalRecordFlyweight counters(final long packetsFwd, final long packetsRev, final long bytesFwd,
            final long bytesRev) {
        mutable.putLong(offset + PACKETS_FWD_OFFSET, packetsFwd, LE);
        mutable.putLong(offset + PACKETS_REV_OFFSET, packetsRev, LE);
        mutable.putLong(offset + BYTES_FWD_OFFSET, bytesFwd, LE);
        mutable.putLong(offset + BYTES_REV_OFFSET, bytesRev, LE);
        return this;
    }

    public long epoch() {
        return buffer.getLong(offset + EPOCH_OFFSET, LE);
    }

    public JournalRecordFlyweight epoch(final long v) {
        mutable.putLong(offset + EPOCH_OFFSET, v, LE);
        return this;
    }

    public int queue() {
        return buffer.getInt(offset + QUEUE_OFFSET, LE);
    }

    public JournalRecordFlyweight queue(final int v) {
        mutable.putInt(offset + QUEUE_OFFSET, v, LE);
        return this;
    }

    public long packetId() {
        return buffer.getInt(offset + PACKET_ID_OFFSET, LE) & 0xFFFF_FFFFL;
    }

    public JournalRecordFlyweight packetId(final long v) {
        mutable.putInt(offset + PACKET_ID_OFFSET, (int) v, LE);
        return this;
    }

    public int syncHints() {
        return buffer.getByte(offset + SYNC_HINTS_OFFSET) & 0xFF;
    }

    public JournalRecordFlyweight syncHints(final int v) {
        mutable.putByte(offset + SYNC_HINTS_OFFSET, (byte) v);
        return this;
    }

    public long sequence() {
        return buffer.getLong(offset + SEQUENCE_OFFSET, LE);
    }

    public JournalRecordFlyweight sequence(final long v) {
        mutable.putLong(offset + SEQUENCE_OFFSET, v, LE);
        return this;
    }

    public int crc() {
        return buffer.getInt(offset + CRC_OFFSET, LE);
    }

    /**
     * Computes the CRC32C of bytes 0..251 and stores it; call last. Fast (and allocation-free) when
     * the buffer wraps a byte array, which is how the writer and the readers stage records.
     */
    public JournalRecordFlyweight seal(final CRC32C crc) {
        mutable.putInt(offset + CRC_OFFSET, computeCrc(crc), LE);
        return this;
    }

    /** True when the stored CRC matches the record's bytes. */
    public boolean crcValid(final CRC32C crc) {
        return computeCrc(crc) == crc();
    }

    private int computeCrc(final CRC32C crc) {
        crc.reset();
        if (buffer.byteArray() != null) {
            crc.update(buffer.byteArray(), buffer.wrapAdjustment() + offset, CRC_OFFSET);
        } else {
            for (int i = 0; i < CRC_OFFSET; i += 8) {
                final long v = buffer.getLong(offset + i, LE);
                for (int b = 0; b < 8; b++) {
                    crc.update((int) (v >>> (8 * b)) & 0xFF);
                }
            }
        }
        return (int) crc.getValue();
    }
}
