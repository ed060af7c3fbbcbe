package io.tandem.engine.sync;

import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import java.io.PrintStream;
import java.util.function.IntConsumer;

/**
 * This node's side of a bulk update it asks for (spec W.10, E.1): "send me everything" at start.
 *
 * <p>Theory of operation. {@link #start} sends UPD_REQ {id 0, creatorid 0}; {@link #tick} sends it
 * again when 5 s pass without progress (a state received or a BUS message), up to 12 times, and then
 * declares the node in sync anyway, as FreeBSD does. BUS messages count only while a request is
 * outstanding; BUS END is accepted when the peer's bulk began at or after our first request
 * ({@code now - endtime >= request time}, in whole seconds, FreeBSD's test), and the node is then in
 * sync. Owner: the sync thread; the counters are read by other threads (volatile). Memory bound:
 * none beyond its fields. Failure policy: a rejected END is counted and waited past.
 */
final class BulkRequester {
    static final long RETRY_MILLIS = 5000;
    static final int MAX_RETRIES = 12;

    private final PfsyncFrameEncoder encoder;
    private final PrintStream log;

    private boolean requesting;
    private long requestSentMillis;
    private long lastProgressMillis;
    private long firstRequestMillis;
    private int retries;
    private volatile boolean inSync;
    private volatile long statesReceived;
    private volatile long requestsSent;
    private volatile long endsRejected;

    BulkRequester(final PfsyncFrameEncoder encoder, final PrintStream log) {
        this.encoder = encoder;
        this.log = log;
    }

    /** Asks the peers for everything (the sync thread's first step). */
    void start(final long now, final IntConsumer sender) {
        requesting = true;
        firstRequestMillis = now;
        send(now, sender);
    }

    /** Retries a request without progress; gives up after {@link #MAX_RETRIES}. */
    void tick(final long now, final IntConsumer sender) {
        if (!requesting || now - Math.max(requestSentMillis, lastProgressMillis) < RETRY_MILLIS) {
            return;
        }
        if (retries >= MAX_RETRIES) {
            requesting = false;
            inSync = true;
            log.println("tandem: pfsync: no bulk update after " + (MAX_RETRIES + 1)
                    + " requests; declaring this node ready (as FreeBSD does)");
        } else {
            retries++;
            send(now, sender);
        }
    }

    /** How long until {@link #tick} may act (retry or give up): -1 when not asking, else 0 or more. */
    long millisToNextTick(final long now) {
        if (!requesting) {
            return -1;
        }
        return Math.max(0, RETRY_MILLIS - (now - Math.max(requestSentMillis, lastProgressMillis)));
    }

    private void send(final long now, final IntConsumer sender) {
        encoder.beginFrame();
        encoder.beginSection(PfsyncConstants.ACT_UPD_REQ);
        encoder.appendUpdReq(0, 0);
        sender.accept(encoder.finish());
        requestSentMillis = now;
        requestsSent++;
    }

    /** A full state arrived: progress, while asking (re-arms the failure timer, spec E.2 [ENG]). */
    void onState(final long now) {
        if (requesting) {
            statesReceived++;
            lastProgressMillis = now;
        }
    }

    /**
     * A BUS record (only the first of a section counts, as FreeBSD).
     *
     * @return true when it completed the bulk update this node asked for (in sync now)
     */
    boolean onBus(final int creatorid, final long endtime, final int status, final long now) {
        if (!requesting) {
            return false; // FreeBSD accepts BUS only while a request is outstanding
        }
        lastProgressMillis = now;
        if (status != PfsyncConstants.PFSYNC_BUS_END) {
            return false;
        }
        if (now / 1000 - endtime >= firstRequestMillis / 1000 - 1) {
            requesting = false;
            inSync = true;
            log.println(String.format("tandem: pfsync: bulk update from %08x complete: in sync (%d states)",
                    creatorid, statesReceived));
            return true;
        }
        endsRejected++;
        return false;
    }

    /** When this node first asked for the bulk update. */
    long firstRequestMillis() {
        return firstRequestMillis;
    }

    boolean requesting() {
        return requesting;
    }

    boolean inSync() {
        return inSync;
    }

    long statesReceived() {
        return statesReceived;
    }

    long requestsSent() {
        return requestsSent;
    }

    long endsRejected() {
        return endsRejected;
    }
}
