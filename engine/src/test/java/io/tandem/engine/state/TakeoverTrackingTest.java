package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.sync.SyncPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Takeover (docs/pfsync.md): fwB holds a transfer only through fwA's reports; fwA stops reporting
 * (killed, its queue failing open for a while) and the routes move to fwB while the client is far
 * beyond fwA's last report. The numbers are those of the {@code SyncSystemTest} failover run that
 * stalled for 4 s: the client 82 MB ahead of the report, the server's window 29312 scaled by 2^10.
 */
class TakeoverTrackingTest {
    private static final long C = 0xC6120110L;
    private static final long S = 0xC612020aL;
    private static final int CP = 55_190;
    private static final int SP = 5201;
    private static final int SCALE = PfConstants.PF_WSCALE_FLAG | 10;
    private static final long CLIENT_LO = 2_416_372_289L; // the client's seqlo in fwA's last report
    private static final long SERVER_LO = 1_581_115_711L; // the server sends no data: its seqlo stays
    private static final long AHEAD = CLIENT_LO + 82_243_056L; // where the client is when it reaches fwB
    private static final long REPORTED = 1_000_000;

    private StateTable fwB;
    private int slot;
    private final DecodedPacket p = new DecodedPacket();

    @BeforeEach
    void fwBHoldsTheTransferFromFwAsReport() {
        holdTheTransfer();
        SyncPolicy.of(fwB).markPeerUpdate(slot, REPORTED);
    }

    /** A cluster node's table holding the transfer as fwA last reported it (windows trusted, as an INS). */
    private void holdTheTransfer() {
        fwB = StatePackets.table(64);
        SyncPolicy.of(fwB).enableSyncUpdates(128);
        final JournalRecordFlyweight record = StatePackets.record(DecodedPacket.PROTO_TCP, C, CP, S, SP, 0x0a0b0c0d, 2,
                REPORTED - 2_000, StateTimeouts.TCP_ESTABLISHED).counters(1, 0, 60, 0);
        record.peer(0, CLIENT_LO, CLIENT_LO + 26_053_192, 0, 63, 1448, PfConstants.TCPS_ESTABLISHED, SCALE);
        record.peer(1, SERVER_LO, SERVER_LO + 64_512, 0, 29_312, 1448, PfConstants.TCPS_ESTABLISHED, SCALE);
        slot = fwB.restore(record, -1, REPORTED, true);
        fwB.trustWindows(slot);
    }

    private int client(final int flags, final long seq, final long ack, final int len, final long now) {
        StatePackets.setTcp(p, C, CP, S, SP, flags, seq, ack, 63, len, -1);
        return track(now);
    }

    private int server(final long seq, final long ack, final long now) {
        StatePackets.setTcp(p, S, SP, C, CP, StatePackets.ACK, seq, ack, 29_312, 0, -1);
        return track(now);
    }

    private int track(final long now) {
        final int found = fwB.lookup(p, 0);
        assertEquals(slot, found);
        return fwB.track(found, p, fwB.lastLookupForward(), now);
    }

    private long takeovers() {
        return fwB.counters().get(StateCounter.TAKEOVERS);
    }

    @Test
    void aTransferThatRanAheadOfItsSilentCarrierIsTakenOverAndCheckedAgainAfterwards() {
        final int ack = StatePackets.ACK;
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, client(ack, AHEAD, SERVER_LO, 1448, REPORTED + 20),
                "20 ms after fwA's report: fwA may still be carrying it, so pf's checks hold");
        assertEquals(0, takeovers());

        final long now = REPORTED + SyncPolicy.TAKEOVER_QUIET_MILLIS + 200; // the client's retransmission
        assertEquals(StateTable.PASS, client(ack, AHEAD, SERVER_LO, 1448, now), "fwA fell silent: fwB takes over");
        assertEquals(1, takeovers());
        assertEquals(AHEAD + 1448, fwB.seqLo(slot, StateTable.PEER_SRC), "the client's half re-learned");

        long seq = AHEAD + 1448;
        for (int i = 0; i < StateTable.RESYNC_PACKETS; i++) {
            assertEquals(StateTable.PASS, client(ack, seq, SERVER_LO, 1448, now + i), "segment " + i);
            seq += 1448;
            assertEquals(StateTable.PASS, server(SERVER_LO, seq, now + i), "the server's ACK " + i);
        }
        assertEquals(1, takeovers(), "one takeover");
        assertEquals(StateTable.PASS, client(ack, seq, SERVER_LO, 1448, now + 100), "the transfer goes on");
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, client(ack, seq + 900_000_000L, SERVER_LO, 1448, now + 101),
                "pf's checks are back: a segment far outside the window is dropped");
    }

    @Test
    void aPacketOffOnBothAxesOrBehindOrAResetIsNoEvidenceAndIsDropped() {
        final long now = REPORTED + SyncPolicy.TAKEOVER_QUIET_MILLIS + 200;
        final int ack = StatePackets.ACK;
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, client(ack, AHEAD, SERVER_LO + 500_000_000L, 1448, now),
                "data ahead and an ack that acknowledges nothing the server sent: blind");
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, client(ack, CLIENT_LO - 300_000_000L, SERVER_LO, 1448, now),
                "data far behind the report");
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, server(SERVER_LO, CLIENT_LO - 300_000_000L, now),
                "an ack far behind the report");
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, server(SERVER_LO + 400_000_000L, AHEAD, now),
                "the server's ACK, its own sequence off as well");
        assertEquals(StateTable.DROP_BAD_RST, client(StatePackets.RST | ack, AHEAD, SERVER_LO, 0, now),
                "a reset keeps pf's exact check");
        assertNotEquals(StateTable.PASS, client(StatePackets.PSH, AHEAD, 0, 1448, now), "a segment without ACK");
        assertEquals(0, takeovers());
        assertEquals(CLIENT_LO, fwB.seqLo(slot, StateTable.PEER_SRC), "nothing moved");
    }

    @Test
    void theServersAckAheadOfTheReportTakesOverToo() {
        final long now = REPORTED + SyncPolicy.TAKEOVER_QUIET_MILLIS;
        assertEquals(StateTable.PASS, server(SERVER_LO, AHEAD, now),
                "the server acknowledges data fwB never saw; its own sequence number is where fwA left it");
        assertEquals(1, takeovers());
        assertEquals(StateTable.PASS, client(StatePackets.ACK, AHEAD, SERVER_LO, 1448, now + 1));
    }

    @Test
    void aStateNoPeerEverUpdatedIsNeverTakenOver() {
        holdTheTransfer(); // the same state, but no peer ever updated it here
        assertEquals(StateTable.DROP_OUT_OF_WINDOW, client(StatePackets.ACK, AHEAD, SERVER_LO, 1448, REPORTED + 60_000),
                "a state of this node's own (or recovered from its journal) has no carrier to take over from");
        assertEquals(0, takeovers());
    }
}
