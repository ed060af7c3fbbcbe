package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md carries the options table generated from {@link ConfigOption}. */
class ConfigurationDocTest {
    @Test
    void optionsTableIsCurrent() throws IOException {
        Path doc = Path.of("docs/configuration.md");
        if (!Files.exists(doc)) {
            doc = Path.of("../docs/configuration.md");
        }
        final String text = Files.readString(doc, StandardCharsets.UTF_8);
        assertTrue(text.contains(ConfigOption.markdownTable()),
                "docs/configuration.md is out of date; paste this table:\n" + ConfigOption.markdownTable());
    }
}
