package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that read a configuration file: the file and its overrides. */
final class ConfigOptions {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "Configuration file in pf.conf syntax (set options, macros, rules).")
    Path file;

    @Option(names = {"-s", "--set"}, paramLabel = "'OPTION VALUE'",
            description = {"Override a `set` option of the file, as if the line `set OPTION VALUE` came last;",
                "repeatable. Example: --set \"queue 258\" --set \"verdict single\"."})
    List<String> overrides = new ArrayList<>();

    /** Parses the file and applies the overrides; errors name file:line:column. */
    TandemConfig load() throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException(file + ": cannot read the configuration file"
                    + (Files.exists(file) ? " (permission denied)" : " (no such file)"));
        }
        TandemConfig config = ConfigParser.parse(file);
        for (final String line : overrides) {
            config = config.withOverride(line);
        }
        return config;
    }
}
