package io.tandem.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of every command that asks a running engine through its admin socket ({@code tandem states},
 * {@code sync}, {@code reload}, {@code kill}, {@code flush}, {@code states dump}, {@code states load}), as a
 * picocli mixin: {@code --socket PATH}, or the {@code set control} of {@code -f CONFIG}, or the default
 * {@value #DEFAULT_TEXT}.
 */
final class AdminSocketOptions {
    static final String DEFAULT_TEXT = "/run/tandem/tandem.sock";

    @Option(names = {"-f", "--file"}, paramLabel = "CONFIG", description = "Read the socket path from this configuration.")
    private Path config;

    @Option(names = "--socket", paramLabel = "PATH", description = "The engine's admin socket.")
    private Path socket;

    /** The socket these options name, or null (message printed, exit code set in {@code admin}). */
    Path resolve(final AdminSocket admin, final PrintWriter err) {
        return admin.path(socket, config, err);
    }
}
