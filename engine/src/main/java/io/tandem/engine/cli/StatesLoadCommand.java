package io.tandem.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem states load FILE}: puts exported states into a running engine. This process reads
 * FILE (as the caller) and sends its bytes after the request line {@code states load FILE}; the engine
 * checks, inserts, journals and announces each state and answers one line saying what it did.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        header = "Put the states of a file of JSON lines into a running engine.",
        description = {"Put the states of FILE (JSON lines as `tandem states dump` and `tandem journal export` write them)",
            "into a running engine without a restart, e.g. to move a table to a replacement box. Each state is",
            "inserted by the packet thread with its pfsync identity, journaled and announced to the pfsync peers",
            "(INS). A state whose id/creator or key is live already is refused, never merged; so are lines that are",
            "not valid states, and states when the table is full. Expired states are skipped. Each refusal is",
            "counted by reason and the first few are shown as FILE:LINE. `-` reads standard input.",
            "Exit status: 0 every state loaded (expired ones skipped); 1 some line refused (the rest is loaded),",
            "the engine cannot be reached, or FILE cannot be read; 2 bad command line.",
            "Examples: tandem states load /root/states.jsonl",
            "          ssh old-fw tandem states dump - | tandem states load -"})
final class StatesLoadCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Parameters(index = "0", paramLabel = "FILE", description = "The states to load, or - for standard input.")
    private String source;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final String name = source.replaceAll("[\\p{Cntrl}\\s]", "?");
        try (InputStream in = "-".equals(source) ? System.in : Files.newInputStream(Path.of(source))) {
            return OkMessageRequest.run(spec.commandLine().getOut(), spec.commandLine().getErr(), engine,
                    "states load " + name, in);
        } catch (final IOException e) {
            spec.commandLine().getErr().println("tandem: cannot read " + source + ": " + e.getMessage());
            return TandemMain.EXIT_FAILURE;
        }
    }
}
