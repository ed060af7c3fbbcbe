package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.PrintStream;
import java.io.OutputStream;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Jazzer fuzz target for the whole pfsync frame receiver: {@link SyncAgent#acceptFrame} (IP header,
 * interface, TTL, authentication trailer, decoder, record handlers) and then the packet thread's
 * side, {@link PeerInbox#drain} into a real state table — everything a peer's bytes can reach. In
 * the normal test run it replays the seeds under {@code SyncFrameReceiverFuzzTestInputs/receive/};
 * with {@code JAZZER_FUZZ=1} it fuzzes.
 *
 * <p>Input: byte 0 chooses the framing — low two bits 0: the rest is the whole IP packet; 1 or 2:
 * a valid IPv4 header (TTL 255, protocol 240) is put in front of the rest; 3: the same with byte 1
 * as the TTL; bit 2: the frame arrived on another interface. Properties: nothing throws; every
 * frame is counted once in {@code ipackets}; and with authentication on, no frame is ever applied
 * (the fuzzer does not hold the key).
 */
class SyncFrameReceiverFuzzTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @FuzzTest(maxDuration = "20s")
    void receive(final byte[] input) {
        final byte[] packet = frame(input);
        final int arrivedOn = input.length > 0 && (input[0] & 4) != 0 ? 7 : 0;

        final PeerInbox plainInbox = new PeerInbox();
        final SyncAgent plain = agent(plainInbox, null);
        plain.acceptFrame(new UnsafeBuffer(packet), packet.length, arrivedOn, 0x0A000001);
        final PfsyncStats stats = plain.stats();
        assertEquals(1, stats.ipackets, "every frame is counted once");
        final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), 0x11111111, 0,
                new StateCounters());
        plainInbox.drain(table, null, 1_700_000_000_000L, Integer.MAX_VALUE);

        final PeerInbox authInbox = new PeerInbox();
        final ClusterKeyFile keys = ClusterKeyFile.parse("fuzz.key", "1 " + "5a".repeat(32) + "\n");
        final SyncAgent authenticated = agent(authInbox,
                new FrameAuthenticator(keys, 0x11111111, true, 60_000, () -> 1_700_000_000_000_000L));
        authenticated.acceptFrame(new UnsafeBuffer(packet), packet.length, arrivedOn, 0x0A000001);
        assertEquals(1, authenticated.stats().ipackets);
        assertEquals(0, authInbox.drain(table, null, 1_700_000_000_000L, Integer.MAX_VALUE),
                "an unauthenticated frame applied nothing");
    }

    private static SyncAgent agent(final PeerInbox inbox, final FrameAuthenticator auth) {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = 0x11111111;
        s.authenticator = auth;
        return new SyncAgent(null, inbox, new io.tandem.engine.state.StateSnapshotMailbox(), s, QUIET);
    }

    /** The packet the input describes (see the class comment). */
    private static byte[] frame(final byte[] input) {
        if (input.length == 0 || (input[0] & 3) == 0) {
            return input.length == 0 ? input : java.util.Arrays.copyOfRange(input, 1, input.length);
        }
        final boolean ttlGiven = (input[0] & 3) == 3;
        final int from = ttlGiven ? 2 : 1;
        final int ttl = ttlGiven && input.length > 1 ? input[1] & 0xFF : 255;
        final int rest = Math.max(0, input.length - from);
        final byte[] p = new byte[20 + rest];
        p[0] = 0x45;
        p[2] = (byte) ((20 + rest) >> 8);
        p[3] = (byte) (20 + rest);
        p[8] = (byte) ttl;
        p[9] = (byte) 240;
        System.arraycopy(input, Math.min(from, input.length), p, 20, rest);
        return p;
    }
}
