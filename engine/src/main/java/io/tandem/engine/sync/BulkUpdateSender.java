package io.tandem.engine.sync;

import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import java.util.function.IntConsumer;

/**
 * The responder side of pfsync's bulk update (spec E.2, W.10): a peer sent UPD_REQ(0, 0), so this
 * node sends BUS START, every state of every creator as a full UPD, then BUS END whose
 * {@code endtime} is the whole seconds elapsed since the request.
 *
 * <p>Theory of operation. Owned by the sync thread and driven by {@link #step} once per loop, so a
 * bulk never blocks the rest of sync (local changes keep flowing, frames keep being received). It
 * reads the table through its own snapshot mailbox, a chunk of up to 4,096 states at a time, which
 * the packet thread fills in one duty cycle (bounded work; this is the packet-path cost of a bulk);
 * with several queue threads, each thread's table through its mailbox, one after the other.
 * Pacing is by whole frames: at most {@code framesPerSecond}, with a burst of at most 16 frames.
 * A request during a bulk restarts nothing (FreeBSD continues its circle too); the END answers the
 * first request, and a requester whose own request came later retries. An empty table sends START
 * and END. Failure policy: a packet thread that does not answer a chunk within 5 s aborts the bulk
 * (logged); the requester's retry starts a new one.
 */
final class BulkUpdateSender {
    private static final long CHUNK_TIMEOUT_MILLIS = 5000;
    private static final int BURST_FRAMES = 16;

    /** Every queue thread's snapshot mailbox: the bulk reads their tables one after the other. */
    private final java.util.List<StateSnapshotMailbox> mailboxes;
    private StateSnapshotMailbox mailbox;
    private int table;
    private final PfsyncFrameEncoder encoder;
    private final SyncOutbox formats;
    private final PfsyncStateMapping mapping;
    private final PfsyncStateValues values = new PfsyncStateValues();
    private final int creatorId;
    private final int framesPerSecond;
    private final int updAction;

    private boolean active;
    private long askedMillis;
    private long postedMillis;
    private int row;
    private double tokens;
    private long lastStepNanos;
    private long statesSent;
    private long bulksSent;
    private long lastBulkStates;
    private long lastBulkMillis;
    private String abortReason;

    BulkUpdateSender(final java.util.List<StateSnapshotMailbox> mailboxes, final PfsyncFrameEncoder encoder, final SyncOutbox formats,
            final PfsyncStateMapping mapping, final int creatorId, final int framesPerSecond) {
        this.mailboxes = java.util.List.copyOf(mailboxes);
        this.mailbox = this.mailboxes.get(0);
        this.encoder = encoder;
        this.formats = formats;
        this.mapping = mapping;
        this.creatorId = creatorId;
        this.framesPerSecond = Math.max(1, framesPerSecond);
        this.updAction = formats.updAction();
    }

    /** A peer asked for everything; starts a bulk unless one is running. Sends BUS START at once. */
    void request(final long now, final IntConsumer sender) {
        if (active) {
            return;
        }
        active = true;
        askedMillis = now;
        statesSent = 0;
        row = 0;
        tokens = BURST_FRAMES;
        lastStepNanos = System.nanoTime();
        bus(PfsyncConstants.PFSYNC_BUS_START, now, sender);
        table = 0;
        mailbox = mailboxes.get(0);
        mailbox.post(0);
        postedMillis = now;
    }

    boolean active() {
        return active;
    }

    /**
     * Sends the frames the pacing allows now.
     *
     * @return frames sent (0 when idle, waiting for the packet thread or for the pace)
     */
    int step(final long now, final IntConsumer sender) {
        if (!active) {
            return 0;
        }
        final long t = System.nanoTime();
        tokens = Math.min(BURST_FRAMES, tokens + (t - lastStepNanos) * 1e-9 * framesPerSecond);
        lastStepNanos = t;
        int frames = 0;
        while (tokens >= 1) {
            if (!mailbox.answered()) {
                if (now - postedMillis > CHUNK_TIMEOUT_MILLIS) {
                    active = false;
                    abortReason = "the packet thread did not answer within " + CHUNK_TIMEOUT_MILLIS + " ms";
                }
                return frames;
            }
            final long[] rows = mailbox.rows();
            final int n = mailbox.rowCount();
            if (row >= n) {
                int next = mailbox.nextFrom();
                if (next < 0 && table + 1 < mailboxes.size()) {
                    mailbox = mailboxes.get(++table); // the next queue thread's table, from its start
                    next = 0;
                }
                if (next < 0) {
                    bus(PfsyncConstants.PFSYNC_BUS_END, now, sender);
                    active = false;
                    bulksSent++;
                    lastBulkStates = statesSent;
                    lastBulkMillis = now - askedMillis;
                    return frames + 1;
                }
                mailbox.post(next);
                postedMillis = now;
                row = 0;
                continue;
            }
            // One full frame of UPDs; a chunk's last frame may be partial (one per 4,096 states).
            encoder.beginFrame();
            while (row < n && encoder.fits(updAction)) {
                mapping.rowToValues(rows, row * StateSnapshotMailbox.FIELDS, mailbox.answeredAtMillis(), values);
                encoder.beginSection(updAction);
                formats.appendState(values);
                row++;
                statesSent++;
            }
            sender.accept(encoder.finish());
            frames++;
            tokens--;
        }
        return frames;
    }

    private void bus(final int status, final long now, final IntConsumer sender) {
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_BUS);
        final long endtime = status == PfsyncConstants.PFSYNC_BUS_END ? Math.max(0, (now - askedMillis) / 1000) : 0;
        encoder.appendBus(creatorId, endtime, status);
        sender.accept(encoder.finish());
    }

    /** Takes (and clears) the reason the last bulk was aborted, or null. */
    String takeAbortReason() {
        final String r = abortReason;
        abortReason = null;
        return r;
    }

    long bulksSent() {
        return bulksSent;
    }

    long lastBulkStates() {
        return lastBulkStates;
    }

    long lastBulkMillis() {
        return lastBulkMillis;
    }
}
