package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The bulk update this node asks for ({@link BulkRequester}; spec W.10, E.1, C.5.8; FreeBSD's
 * {@code pfsync_request_update(0, 0)}, {@code pfsync_bulk_fail} and {@code pfsync_in_bus}): one UPD_REQ
 * 0/0 at start, a retry after each 5 s without progress, at most 12 retries and then "in sync" anyway;
 * BUS messages heard only while asking; BUS END accepted when the peer's bulk began at or after our first
 * request, else counted and waited past. Time is given, never read: every call takes its {@code now}.
 */
class BulkRequesterTest {
    private static final int PEER = 0x22222222;
    /** A wall-clock time in ms, half-way into a second (so whole-second truncation shows). */
    private static final long T0 = 1_700_000_000_500L;
    private static final long RETRY = BulkRequester.RETRY_MILLIS;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
    private final BulkRequester requester = new BulkRequester(encoder,
            new PrintStream(logged, true, StandardCharsets.UTF_8));
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(new PfsyncStats());
    /** Each frame sent, decoded: one line per record. */
    private final List<String> frames = new ArrayList<>();

    /** The "transport": decodes the frame the requester finished in the encoder. */
    private void send(final int length) {
        final byte[] frame = new byte[length];
        encoder.buffer().getBytes(0, frame);
        final StringBuilder line = new StringBuilder();
        decoder.decode(new UnsafeBuffer(frame), 0, length, new Records(line));
        frames.add(line.toString().trim());
    }

    private String log() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void startSendsOneUpdReqZeroZeroAndWaits() {
        assertFalse(requester.requesting());
        assertFalse(requester.inSync());
        requester.start(T0, this::send);
        assertEquals(List.of("UPD_REQ 0 00000000"), frames, "one frame, one record: \"send me everything\"");
        assertTrue(requester.requesting());
        assertFalse(requester.inSync());
        assertEquals(1, requester.requestsSent());
        assertEquals(0, requester.statesReceived());
        assertEquals(0, requester.endsRejected());
    }

    @Test
    void withoutProgressTheRequestIsRepeatedEveryFiveSeconds() {
        requester.start(T0, this::send);
        requester.tick(T0, this::send);
        requester.tick(T0 + RETRY - 1, this::send);
        assertEquals(1, frames.size(), "nothing before 5 s");
        requester.tick(T0 + RETRY, this::send);
        assertEquals(2, frames.size(), "the first retry at 5 s");
        assertEquals("UPD_REQ 0 00000000", frames.get(1));
        requester.tick(T0 + RETRY + 1, this::send);
        requester.tick(T0 + 2 * RETRY - 1, this::send);
        assertEquals(2, frames.size(), "the next 5 s are counted from the retry");
        requester.tick(T0 + 2 * RETRY, this::send);
        assertEquals(3, frames.size());
        assertEquals(3, requester.requestsSent());
        assertTrue(requester.requesting());
        assertFalse(requester.inSync());
    }

    @Test
    void afterTwelveRetriesItGivesUpAndDeclaresTheNodeInSyncAsFreeBsdDoes() {
        requester.start(T0, this::send);
        for (int i = 1; i <= BulkRequester.MAX_RETRIES; i++) {
            requester.tick(T0 + i * RETRY, this::send);
        }
        assertEquals(13, frames.size(), "1 request + 12 retries (E.1)");
        assertEquals(13, requester.requestsSent());
        requester.tick(T0 + 13 * RETRY - 1, this::send);
        assertTrue(requester.requesting(), "still waiting just before 65 s");
        assertFalse(requester.inSync());
        assertEquals("", log());

        requester.tick(T0 + 13 * RETRY, this::send);
        assertFalse(requester.requesting(), "given up about 65 s after the first request");
        assertTrue(requester.inSync(), "\"pretend success\": the node is ready");
        assertEquals(13, frames.size(), "no 14th request");
        assertTrue(log().contains("no bulk update after 13 requests"), log());

        requester.tick(T0 + 100 * RETRY, this::send);
        assertEquals(13, frames.size(), "and none later");
        assertEquals(1, log().lines().count(), "logged once");
    }

    @Test
    void aStateReceivedWhileAskingIsProgressAndPutsTheRetryOff() {
        requester.start(T0, this::send);
        requester.onState(T0 + 4000);
        requester.tick(T0 + RETRY, this::send);
        requester.tick(T0 + 4000 + RETRY - 1, this::send);
        assertEquals(1, frames.size(), "5 s counted from the last state (spec E.2 [ENG]), not from the request");
        assertEquals(1, requester.statesReceived());
        requester.tick(T0 + 4000 + RETRY, this::send);
        assertEquals(2, frames.size(), "5 s without progress: asked again");
    }

    @Test
    void busStartIsProgressButDoesNotEndTheRequest() {
        requester.start(T0, this::send);
        requester.onBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_START, T0 + 3000);
        assertTrue(requester.requesting());
        assertFalse(requester.inSync());
        requester.tick(T0 + 3000 + RETRY - 1, this::send);
        assertEquals(1, frames.size(), "the failure timer re-armed by START");
        requester.tick(T0 + 3000 + RETRY, this::send);
        assertEquals(2, frames.size());
    }

    @Test
    void busEndOfABulkBegunAfterTheRequestEndsItAndNothingIsSentAgain() {
        requester.start(T0, this::send);
        requester.onBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_START, T0 + 10);
        requester.onState(T0 + 20);
        requester.onState(T0 + 30);
        requester.onBus(PEER, 2, PfsyncConstants.PFSYNC_BUS_END, T0 + 2100); // a bulk of 2 s
        assertTrue(requester.inSync());
        assertFalse(requester.requesting());
        assertEquals(2, requester.statesReceived());
        assertEquals(0, requester.endsRejected());
        assertTrue(log().contains("bulk update from 22222222 complete: in sync (2 states)"), log());

        requester.tick(T0 + 100 * RETRY, this::send);
        assertEquals(1, frames.size(), "no retry once in sync");
        requester.onState(T0 + 100 * RETRY);
        assertEquals(2, requester.statesReceived(), "states after the bulk are not bulk states");
    }

    @Test
    void busEndOfABulkBegunBeforeOurRequestIsRejectedCountedAndWaitedPast() {
        requester.start(T0, this::send);
        // Arrives 1 s after our request, but the peer has been sending for 5 s: its bulk answered someone else.
        requester.onBus(PEER, 5, PfsyncConstants.PFSYNC_BUS_END, T0 + 1000);
        assertEquals(1, requester.endsRejected());
        assertTrue(requester.requesting(), "still waiting");
        assertFalse(requester.inSync());
        assertEquals("", log());
        requester.tick(T0 + 1000 + RETRY, this::send);
        assertEquals(2, frames.size(), "asked again 5 s after that END (it was progress)");

        requester.onBus(PEER, 1, PfsyncConstants.PFSYNC_BUS_END, T0 + RETRY + 2000); // the answer to the retry
        assertTrue(requester.inSync());
        assertEquals(1, requester.endsRejected());
    }

    @Test
    void endtimeIsComparedInWholeSecondsWithOneSecondForTheTwoTruncations() {
        // T0 is x.5 s: our request is at second S. A FreeBSD peer computes endtime in whole uptime seconds,
        // which can say 1 for a bulk of 2 ms that crossed a second boundary; so one second of slack is allowed.
        final long s = T0 / 1000;
        requester.start(T0, this::send);
        final long arrival = T0 + 3000; // second S + 3
        requester.onBus(PEER, 5, PfsyncConstants.PFSYNC_BUS_END, arrival);
        assertEquals(1, requester.endsRejected(), "S + 3 - 5 = S - 2: began two seconds before the request");
        assertFalse(requester.inSync());
        requester.onBus(PEER, 4, PfsyncConstants.PFSYNC_BUS_END, arrival);
        assertTrue(requester.inSync(), "S + 3 - 4 = S - 1: within the truncation slack");
        assertEquals(s + 3, arrival / 1000);
    }

    @Test
    void busWhileNotAskingIsIgnored() {
        requester.onBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_END, T0);
        requester.onState(T0);
        assertFalse(requester.inSync(), "an END nobody asked for does not make the node ready");
        assertEquals(0, requester.statesReceived(), "nor are states bulk states");
        assertEquals(0, requester.endsRejected());

        requester.start(T0, this::send);
        requester.onBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_END, T0 + 100);
        assertTrue(requester.inSync());
        requester.onBus(PEER, 1000, PfsyncConstants.PFSYNC_BUS_END, T0 + 200);
        assertEquals(0, requester.endsRejected(), "a second END after the first is not looked at");
    }

    @Test
    void anEndAfterGivingUpIsIgnored() {
        requester.start(T0, this::send);
        for (int i = 1; i <= BulkRequester.MAX_RETRIES + 1; i++) {
            requester.tick(T0 + i * RETRY, this::send);
        }
        assertTrue(requester.inSync());
        requester.onBus(PEER, 1000, PfsyncConstants.PFSYNC_BUS_END, T0 + 70_000);
        assertEquals(0, requester.endsRejected());
        assertTrue(requester.inSync());
    }

    /** Decoded records as text: "UPD_REQ id creatorid", "BUS status", ... */
    private static final class Records implements PfsyncRecordHandler {
        private final StringBuilder line;

        Records(final StringBuilder line) {
            this.line = line;
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
            line.append(String.format("UPD_REQ %d %08x ", id, creatorid));
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
            line.append("STATE ");
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            line.append("UPD_C ");
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            line.append("DEL_C ");
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
            line.append("CLR ");
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
            line.append("INS_ACK ");
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
            line.append("BUS ").append(status).append(' ');
        }
    }
}
