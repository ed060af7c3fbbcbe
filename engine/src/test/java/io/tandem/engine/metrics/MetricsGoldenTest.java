package io.tandem.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics every dashboard and alert reads, pinned: the golden files were captured from the
 * engine before the counter registry, so every metric name, label, help text and the source each
 * series reads stay as they were. A new metric is added to the golden file deliberately.
 */
class MetricsGoldenTest {
    @Test
    void namesLabelsAndHelpAreUnchanged(@TempDir final Path tmp) throws Exception {
        try (MetricsFixture f = new MetricsFixture(tmp.resolve("journal"));
                MetricsServer m = new MetricsServer(List.of(f.agent), f.journal)) {
            m.registerSync(f.sync);
            f.registerAgents(m);
            assertGolden("metrics-shape.golden", String.join("\n", MetricsFixture.shape(m.scrape())));
        }
    }

    @Test
    void eachSeriesReadsItsOwnCounter(@TempDir final Path tmp) throws Exception {
        try (MetricsFixture f = new MetricsFixture(tmp.resolve("journal"));
                MetricsServer m = new MetricsServer(List.of(f.agent), f.journal)) {
            m.registerSync(f.sync);
            f.registerAgents(m);
            f.prime();
            final List<String> values = new ArrayList<>();
            for (final String line : m.scrape().split("\n")) {
                if (line.startsWith("tandem_") && !line.startsWith("tandem_kernel_queue")
                        && !line.startsWith("tandem_journal_free_bytes")) {
                    values.add(line);
                }
            }
            values.sort(null);
            assertGolden("metrics-values.golden", String.join("\n", values));
        }
    }

    /**
     * Compares with the golden file; with {@code -Dtandem.golden.update=true} rewrites it instead (then
     * review the diff: that is the deliberate step).
     */
    private static void assertGolden(final String name, final String actual) throws IOException {
        if (Boolean.getBoolean("tandem.golden.update")) {
            java.nio.file.Files.writeString(java.nio.file.Path.of("src/test/resources/io/tandem/engine/metrics", name),
                    actual + "\n");
            return;
        }
        assertEquals(String.join("\n", golden(name)), actual);
    }

    static List<String> golden(final String name) throws IOException {
        try (InputStream in = MetricsGoldenTest.class.getResourceAsStream(name)) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
    }
}
