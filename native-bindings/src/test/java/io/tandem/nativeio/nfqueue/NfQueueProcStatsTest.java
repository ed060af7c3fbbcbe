package io.tandem.nativeio.nfqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Parsing of /proc/net/netfilter/nfnetlink_queue text. */
class NfQueueProcStatsTest {
    @Test
    void parsesRowsAndCountsMalformedLines() {
        final String text = "  258 4294963203     0 2   256     0     0        0  1\n"
            + "garbage line\n"
            + "    7   1234     5 2 65531     1     2       99  1\n"
            + "\n"
            + "    8   x     5 2 65531     1     2       99  1\n";
        final NfQueueProcStats stats = NfQueueProcStats.parse(text);
        assertEquals(2, stats.rows().size());
        assertEquals(2, stats.malformedLines());
        final NfQueueProcStats.Row row = stats.find(258).orElseThrow();
        assertEquals(4294963203L, row.portId());
        assertEquals(256, row.copyRange());
        assertEquals(2, row.copyMode());
        final NfQueueProcStats.Row seven = stats.find(7).orElseThrow();
        assertEquals(5, seven.queueTotal());
        assertEquals(1, seven.queueDropped());
        assertEquals(2, seven.userDropped());
        assertEquals(99, seven.idSequence());
        assertFalse(stats.find(513).isPresent());
    }

    @Test
    void missingFileIsEmpty() {
        final NfQueueProcStats stats = NfQueueProcStats.read(Path.of("/nonexistent/nfnetlink_queue"));
        assertTrue(stats.rows().isEmpty());
        assertFalse(stats.fileFound());
    }
}
