package io.tandem.engine.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target: any text either parses or fails with a {@link ConfigException}; anything else
 * (runtime exceptions, stack overflow, hangs, macro expansion beyond its budget) is a bug. The raw
 * bytes also go through the file path's strict UTF-8 decoding. In the normal test run Jazzer replays the
 * seeds under {@code ConfigParserFuzzTestInputs/parse/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class ConfigParserFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void parse(final byte[] data) {
        final String text = new String(data, StandardCharsets.UTF_8);
        try {
            final TandemConfig config = ConfigParser.parse("fuzz.conf", text);
            // What parses must print and re-parse to the same thing.
            final String normal = config.toNormalizedText();
            final TandemConfig again = ConfigParser.parse("normal.conf", normal);
            if (!normal.equals(again.toNormalizedText())) {
                throw new IllegalStateException("normalised text is not stable:\n" + normal + "---\n"
                        + again.toNormalizedText());
            }
            config.compileRuleset(name -> 1);
        } catch (final ConfigException expected) {
            if (!expected.getMessage().startsWith("fuzz.conf:")) {
                throw new IllegalStateException("error without position: " + expected.getMessage(), expected);
            }
        }
        try {
            TandemConfig.defaults().withOverride(text);
        } catch (final ConfigException expected) {
            // fine
        }
        // The bytes as a file is read: strict UTF-8 first, errors with their position.
        try {
            ConfigParser.parse("fuzz.conf", data);
        } catch (final ConfigException expected) {
            if (!expected.getMessage().startsWith("fuzz.conf:")) {
                throw new IllegalStateException("error without the file name: " + expected.getMessage(), expected);
            }
        }
    }
}
