package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.rules.Ruleset;
import io.tandem.nativeio.libc.Interfaces;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code tandem check}: parse a configuration, print it normalised (like {@code pfctl -nvf}). */
@Command(name = "check", mixinStandardHelpOptions = true,
        header = "Check a configuration file and print it normalised (`pfctl -nvf`).",
        description = {"Parse the configuration and print the options that differ from the defaults and the",
            "normalised ruleset (macros expanded, one canonical line per rule), like `pfctl -nvf`.",
            "Exit status 0 when the file is valid, 2 with FILE:LINE:COLUMN: message when it is not."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    private ConfigOptions config;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final TandemConfig parsed;
        try {
            parsed = config.load();
        } catch (final ConfigException e) {
            spec.commandLine().getErr().println("tandem: " + e.getMessage());
            return TandemMain.EXIT_USAGE;
        }
        final Ruleset ruleset = parsed.compileRuleset(Interfaces::indexOf);
        for (final String warning : ruleset.warnings()) {
            spec.commandLine().getErr().println("tandem: warning: " + warning);
        }
        if (parsed.syncInterface() != null && parsed.syncAuth()) {
            if (parsed.syncAuthKey() == null) {
                spec.commandLine().getErr().println("tandem: set sync auth hmac-sha256 needs the cluster key:"
                        + " set sync auth-key \"PATH\" (see docs/pfsync-auth.md)");
                return TandemMain.EXIT_USAGE;
            }
            try {
                // Refuses a key file that is not private (mode, owner, link), as the engine does at start.
                io.tandem.engine.sync.auth.ClusterKeyFile.load(java.nio.file.Path.of(parsed.syncAuthKey()));
            } catch (final io.tandem.engine.sync.auth.ClusterKeyFileException e) {
                spec.commandLine().getErr().println("tandem: " + e.getMessage());
                return TandemMain.EXIT_USAGE;
            }
        }
        spec.commandLine().getOut().print(parsed.toNormalizedText());
        spec.commandLine().getOut().flush();
        return TandemMain.EXIT_OK;
    }
}
