package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The way out ({@link FrameEgress}): counting sent frames and send errors, logging the first error once, signing. */
class FrameEgressTest {
    private static final int ENETUNREACH = 101;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);
    private final PfsyncStats stats = new PfsyncStats();
    private final InMemoryPfsyncTransport transport = InMemoryPfsyncTransport.link(1, 2)[0];

    private static int delC(final PfsyncFrameEncoder e) {
        e.beginFrame().beginSection(PfsyncConstants.ACT_DEL_C);
        e.appendDelC(42, 0x22222222);
        return e.finish();
    }

    @Test
    void aSentFrameCountsOpacketsAndItsActions() {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        final FrameEgress egress = new FrameEgress(e, null, stats, 1500, "198.18.3.2", log);
        egress.transport(transport);
        final int length = delC(e);
        egress.accept(length);
        assertEquals(1, stats.opackets);
        assertEquals(1, stats.oacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(length, transport.lastSentLength);
        assertEquals(0, stats.oerrors);
    }

    @Test
    void sendErrorsCountOerrorsAndOnlyTheFirstIsLogged() {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        final FrameEgress egress = new FrameEgress(e, null, stats, 1500, "198.18.3.2", log);
        egress.transport(transport);
        transport.failSends(ENETUNREACH);
        egress.accept(delC(e));
        egress.accept(delC(e));
        assertEquals(2, stats.oerrors);
        assertEquals(0, stats.opackets);
        assertEquals(0, stats.oacts[PfsyncConstants.ACT_DEL_C], "nothing counted as sent");
        final String text = logged.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("sending to 198.18.3.2 failed: ENETUNREACH"), text);
    }

    @Test
    void withoutATransportAFrameIsAnOerror() {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        final FrameEgress egress = new FrameEgress(e, null, stats, 1500, "198.18.3.2", log);
        egress.accept(delC(e));
        assertEquals(1, stats.oerrors);
        assertEquals("", logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withAuthenticationEveryFrameCarriesTheTrailer() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n");
        final FrameAuthenticator auth = new FrameAuthenticator(keys, 0x11111111, true, 60_000, () -> 0L);
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV4_HEADER_LENGTH,
                FrameAuthenticator.TRAILER_LENGTH);
        final FrameEgress egress = new FrameEgress(e, auth, stats, 1500, "198.18.3.2", log);
        egress.transport(transport);
        final int length = delC(e);
        egress.accept(length);
        assertEquals(length + FrameAuthenticator.TRAILER_LENGTH, transport.lastSentLength);
        assertEquals(1, stats.opackets);
    }
}
