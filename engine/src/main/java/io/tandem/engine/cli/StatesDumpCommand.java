package io.tandem.engine.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem states dump FILE}: a consistent snapshot of a running engine's state table, written
 * by this command (not the engine) in the export format.
 *
 * <p>The engine streams the snapshot over its admin socket ({@code states dump}); this process writes
 * it, so the file belongs to the caller (root: the socket is root-only), lands where the caller can
 * write whatever the engine's sandbox allows, and is created with mode 0600 — a temporary file in
 * FILE's directory, renamed to FILE once the engine's answer ended well, so FILE is never left half
 * written. FILE is refused if it exists, unless {@code --force} (then replaced atomically); {@code -}
 * writes to standard output.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        header = "Write a running engine's state table to a file of JSON lines.",
        description = {"Write a consistent snapshot of a running engine's state table to FILE, one JSON line per state in",
            "the format `tandem journal export` writes, which `tandem states load` and `tandem journal import` read.",
            "The snapshot holds exactly the states live when the engine started it (taken in chunks between",
            "packets, see docs/operations.md). FILE is created with mode 0600 and written whole or not at all",
            "(a temporary file renamed at the end); an existing FILE is refused unless --force. `-` is standard output.",
            "Exit status: 0 written; 1 the engine cannot be reached or the dump failed (no FILE left);",
            "2 bad command line, or FILE exists.",
            "Examples: tandem states dump /root/states.jsonl",
            "          tandem states dump - | ssh new-fw tandem states load -"})
final class StatesDumpCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Option(names = "--force", description = "Replace FILE if it exists.")
    private boolean force;

    @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the states, or - for standard output.")
    private String target;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AdminSocket admin = new AdminSocket();
        if ("-".equals(target)) {
            final Path path = engine.resolve(admin, err);
            if (path == null || !admin.stream(path, "states dump", null, out::println, err)) {
                out.flush();
                return path == null ? admin.exitCode() : TandemMain.EXIT_FAILURE;
            }
            out.flush();
            return TandemMain.EXIT_OK;
        }
        final Path file = Path.of(target).toAbsolutePath();
        if (!force && Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            err.println("tandem: " + target + " exists; use --force to replace it");
            return TandemMain.EXIT_USAGE;
        }
        final Path path = engine.resolve(admin, err);
        if (path == null) {
            return admin.exitCode();
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            final int[] n = {0};
            final boolean ok;
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                ok = admin.stream(path, "states dump", null, line -> {
                    w.write(line);
                    w.newLine();
                    n[0]++;
                }, err);
            }
            if (!ok) {
                return admin.exitCode();
            }
            if (force) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(tmp, file);
            }
            tmp = null;
            err.println("tandem: " + n[0] + (n[0] == 1 ? " state" : " states") + " written to " + target);
            return TandemMain.EXIT_OK;
        } catch (final FileAlreadyExistsException e) {
            err.println("tandem: " + target + " exists; use --force to replace it");
            return TandemMain.EXIT_USAGE;
        } catch (final IOException e) {
            err.println("tandem: cannot write " + target + ": " + e.getMessage());
            return TandemMain.EXIT_FAILURE;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (final IOException e) {
                    err.println("tandem: cannot remove " + tmp + ": " + e.getMessage());
                }
            }
        }
    }
}
