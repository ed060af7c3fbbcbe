package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import java.util.function.IntConsumer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The messages waiting to be sent to the peers: pf's per-state sync queues (spec B) and its
 * update-request list, and the frames built from them.
 *
 * <p>Theory of operation. Each state is on at most one queue — INS, UPD, UPD_C or DEL — found by
 * its (creatorid, id); queueing a state that is already queued replaces its content and upgrades
 * the message as pf's transition table does (B.4): an INS stays an INS, a compressed update
 * becomes full when a full one is asked for, a delete of a state whose INS was never sent cancels
 * both. INS_ACKs and update requests (duplicates suppressed) are lists of identities.
 * {@link #flush} writes everything as frames up to the MTU in the A.6 section order — INS, INS_ACK,
 * UPD, UPD_C, DEL_C, UPD_REQ — in as many frames as it takes, hands each to the sender and empties
 * the queues. Owner: the sync thread (or a packet thread's {@link DirectInsSender}). Memory bound: fixed
 * arrays ({@link #STATES} states, {@link #IDS} acks and requests); {@code offer*} returns false when full,
 * and the caller flushes. Failure policy: a queued record whose values are no valid state is left out of
 * the frame and counted ({@link #unencodable}).
 */
final class SyncOutbox {
    static final int STATES = 512;
    static final int IDS = 512;

    static final int Q_INS = 0;
    static final int Q_UPD = 1;
    static final int Q_UPD_C = 2;
    static final int Q_DEL = 3;
    private static final int Q_NONE = -1;

    private final PfsyncFrameEncoder encoder;
    private final int format;
    private final PfsyncStateValues values = new PfsyncStateValues();
    private final PfsyncStateMapping mapping;

    private final UnsafeBuffer[] records = new UnsafeBuffer[STATES];
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final int[] queue = new int[STATES];
    private final long[] ids = new long[STATES];
    private final int[] creators = new int[STATES];
    private final Long2LongHashMap index = new Long2LongHashMap(STATES * 2, 0.65f, -1);
    private int count;

    private final long[] ackIds = new long[IDS];
    private final int[] ackCreators = new int[IDS];
    private int ackCount;
    private final long[] requestIds = new long[IDS];
    private final int[] requestCreators = new int[IDS];
    private int requestCount;

    /** Queued records not sent because their values are no valid state ({@link #unencodable}). */
    private long unencodable;
    private String unencodableProblem;
    private boolean unencodableReported;

    /** Per section of A.6, where {@link #flush} has got to (a field: flushing allocates nothing). */
    private final int[] cursor = new int[6];
    private long firstQueuedMillis;
    private boolean immediate;

    /** @param format the state format sent: 1301, 1400 or 1500 (spec W.5) */
    SyncOutbox(final PfsyncFrameEncoder encoder, final int format, final PfsyncStateMapping mapping) {
        this.encoder = encoder;
        this.format = format;
        this.mapping = mapping;
        for (int i = 0; i < STATES; i++) {
            records[i] = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        }
    }

    /**
     * Queued states that {@link #flush} left out because their values cannot be written as a pfsync state
     * ({@link PfsyncFrameEncoder#stateProblem}): a record that reached the outbox without being a state is
     * a bug upstream, and it is counted (and its owner logs it once) instead of stopping the thread.
     */
    long unencodable() {
        return unencodable;
    }

    /** Why the latest {@link #unencodable} record was left out, or null when none was. */
    String unencodableProblem() {
        return unencodableProblem;
    }

    /**
     * The owner, after a flush: logs the first {@link #unencodable} record, once for this outbox's life, as
     * {@code who} got it ("the sync thread", "the packet thread's INS sender").
     */
    void reportUnencodableOnce(final java.io.PrintStream log, final String who) {
        if (unencodable > 0 && !unencodableReported) {
            unencodableReported = true;
            log.println("tandem: pfsync: " + who + " got a record that is no valid state (" + unencodableProblem
                    + "): not sent, counted as tandem_pfsync_unencodable_records (a bug; reported once)");
        }
    }

    boolean isEmpty() {
        return count == 0 && ackCount == 0 && requestCount == 0;
    }

    /** True when something asked to be sent at once, or the oldest message waited {@code delayMillis}. */
    boolean due(final long now, final long delayMillis) {
        return !isEmpty() && (immediate || now - firstQueuedMillis >= delayMillis);
    }

    /**
     * How long until {@link #due} turns true: -1 with nothing queued, 0 when already due, else the rest of
     * the oldest message's {@code delayMillis}.
     */
    long millisUntilDue(final long now, final long delayMillis) {
        if (isEmpty()) {
            return -1;
        }
        return immediate ? 0 : Math.max(0, delayMillis - (now - firstQueuedMillis));
    }

    /** Sends at the next {@link #due} check instead of waiting for the timer. */
    void requestImmediate() {
        immediate = true;
    }

    /**
     * Queues a state's change: {@code queue} is {@link #Q_INS}, {@link #Q_UPD} or {@link #Q_UPD_C}.
     *
     * @return false when the outbox is full (flush, then offer again)
     */
    boolean offerState(final JournalRecordFlyweight r, final int q, final long now) {
        final long key = key(r.creatorId(), r.id());
        int i = (int) index.get(key);
        if (i < 0) {
            if (count == STATES) {
                return false;
            }
            i = append(key, r.creatorId(), r.id(), q, now);
        } else if (queue[i] == Q_DEL) {
            return true; // deleted already: nothing after a delete is sent (B.4)
        } else if (q == Q_UPD && queue[i] == Q_UPD_C) {
            queue[i] = Q_UPD; // a full record replaces the compressed one
        }
        records[i].putBytes(0, r.buffer(), r.offset(), JournalRecordFlyweight.LENGTH);
        return true;
    }

    /** Queues DEL_C for a state; cancels a pending INS (the state was never announced). */
    boolean offerDelete(final long id, final int creator, final long now) {
        final long key = key(creator, id);
        final int i = (int) index.get(key);
        if (i >= 0) {
            if (queue[i] == Q_INS) {
                queue[i] = Q_NONE;
                index.remove(key);
            } else {
                queue[i] = Q_DEL;
            }
            return true;
        }
        if (count == STATES) {
            return false;
        }
        append(key, creator, id, Q_DEL, now);
        return true;
    }

    /** True while INS_ACKs wait to be sent: each one's peer holds a packet until it arrives. */
    boolean hasInsAcks() {
        return ackCount > 0;
    }

    boolean offerInsAck(final long id, final int creator, final long now) {
        if (ackCount == IDS) {
            return false;
        }
        markFirst(now);
        ackIds[ackCount] = id;
        ackCreators[ackCount++] = creator;
        immediate = true;
        return true;
    }

    /** Queues UPD_REQ(id, creator), unless the same request is already pending; always immediate. */
    boolean offerRequest(final long id, final int creator, final long now) {
        for (int i = 0; i < requestCount; i++) {
            if (requestIds[i] == id && requestCreators[i] == creator) {
                immediate = true;
                return true;
            }
        }
        if (requestCount == IDS) {
            return false;
        }
        markFirst(now);
        requestIds[requestCount] = id;
        requestCreators[requestCount++] = creator;
        immediate = true;
        return true;
    }

    private int append(final long key, final int creator, final long id, final int q, final long now) {
        markFirst(now);
        final int i = count++;
        queue[i] = q;
        ids[i] = id;
        creators[i] = creator;
        index.put(key, i);
        return i;
    }

    private void markFirst(final long now) {
        if (isEmpty()) {
            firstQueuedMillis = now;
        }
    }

    private static long key(final int creator, final long id) {
        return id * 0x9E3779B97F4A7C15L ^ (creator & 0xFFFF_FFFFL);
    }

    /**
     * Writes every queued message into frames, in A.6 order, calling {@code sender} with each
     * finished frame's length (the frame is in the encoder's buffer); then empties the outbox.
     *
     * @return frames sent
     */
    int flush(final long now, final IntConsumer sender) {
        java.util.Arrays.fill(cursor, 0);
        int frames = 0;
        while (true) {
            encoder.beginFrame();
            cursor[0] = appendStates(Q_INS, insAction(), cursor[0], now);
            cursor[1] = appendIds(PfsyncConstants.ACT_INS_ACK, ackIds, ackCreators, ackCount, cursor[1]);
            cursor[2] = appendStates(Q_UPD, updAction(), cursor[2], now);
            cursor[3] = appendStates(Q_UPD_C, PfsyncConstants.ACT_UPD_C, cursor[3], now);
            cursor[4] = appendStates(Q_DEL, PfsyncConstants.ACT_DEL_C, cursor[4], now);
            cursor[5] = appendIds(PfsyncConstants.ACT_UPD_REQ, requestIds, requestCreators, requestCount, cursor[5]);
            if (encoder.isEmpty()) {
                break;
            }
            sender.accept(encoder.finish());
            frames++;
        }
        count = 0;
        ackCount = 0;
        requestCount = 0;
        index.clear();
        immediate = false;
        return frames;
    }

    /**
     * Sends a CLR of {@code creator}'s states: first everything queued (those messages were journaled
     * before the flush, so a peer applies them before the CLR, as pf's {@code pfsync_send_plus} sends
     * its queues ahead of the CLR), then one frame holding the CLR, so that nothing queued after the
     * flush can be cleared by it.
     *
     * @return frames sent
     */
    int sendClear(final int creator, final long now, final IntConsumer sender) {
        final int frames = flush(now, sender);
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_CLR);
        encoder.appendClr(null, creator);
        sender.accept(encoder.finish());
        return frames + 1;
    }

    private int insAction() {
        return format == 1500 ? PfsyncConstants.ACT_INS_1500
                : format == 1400 ? PfsyncConstants.ACT_INS_1400 : PfsyncConstants.ACT_INS;
    }

    /** The UPD action of the configured format (3, 14 or 16). */
    int updAction() {
        return format == 1500 ? PfsyncConstants.ACT_UPD_1500
                : format == 1400 ? PfsyncConstants.ACT_UPD_1400 : PfsyncConstants.ACT_UPD;
    }

    /** Appends queued states of one queue from {@code from}; returns where it stopped. */
    private int appendStates(final int q, final int action, final int from, final long now) {
        int i = from;
        for (; i < count; i++) {
            if (queue[i] != q) {
                continue;
            }
            if (q != Q_DEL) {
                record.wrap(records[i], 0);
                mapping.toValues(record, now, values);
                final String problem = PfsyncFrameEncoder.stateProblem(values);
                if (problem != null) {
                    unencodable++; // never sent: a record that is no state (a bug upstream); counted, not thrown
                    unencodableProblem = problem;
                    continue;
                }
            }
            if (!encoder.fits(action)) {
                return i;
            }
            encoder.beginSection(action);
            if (q == Q_DEL) {
                encoder.appendDelC(ids[i], creators[i]);
                continue;
            }
            if (q == Q_UPD_C) {
                encoder.appendUpdC(values);
            } else {
                appendState(values);
            }
        }
        return i;
    }

    /** Appends a full state in the configured format (the open section is INS or UPD of that format). */
    void appendState(final PfsyncStateValues v) {
        if (format == 1500) {
            encoder.appendState1500(v);
        } else if (format == 1400) {
            encoder.appendState1400(v);
        } else {
            encoder.appendState1301(v);
        }
    }

    private int appendIds(final int action, final long[] idList, final int[] creatorList, final int n,
            final int from) {
        int i = from;
        for (; i < n && encoder.fits(action); i++) {
            encoder.beginSection(action);
            if (action == PfsyncConstants.ACT_INS_ACK) {
                encoder.appendInsAck(idList[i], creatorList[i]);
            } else {
                encoder.appendUpdReq(idList[i], creatorList[i]);
            }
        }
        return i;
    }
}
