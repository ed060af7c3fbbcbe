package io.tandem.engine.tools;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tandem.engine.journal.JournalRecordFlyweight;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fuzz target for the JSON-lines state format read from files and clients ({@code tandem journal
 * import}, {@code tandem states load}): any line either becomes a record or fails with an
 * {@link IllegalArgumentException}; anything else (another runtime exception, a stack overflow, a
 * hang) is a bug. What {@link JsonReader} accepts, {@link StateJsonCodec} must handle the same way.
 * In the normal test run Jazzer replays the seeds under {@code StateJsonFuzzTestInputs/read/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes.
 */
class StateJsonFuzzTest {
    private final JournalRecordFlyweight record = new JournalRecordFlyweight()
            .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);

    @FuzzTest(maxDuration = "20s")
    void read(final byte[] data) {
        final String line = new String(data, StandardCharsets.UTF_8);
        try {
            JsonReader.object(line);
        } catch (final IllegalArgumentException expected) {
            // refused, with its column
        }
        try {
            StateJsonCodec.read(line, record.clear());
        } catch (final IllegalArgumentException expected) {
            // refused, naming the field
        }
    }
}
