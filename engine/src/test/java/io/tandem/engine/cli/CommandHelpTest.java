package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What {@code tandem --help} and its commands' help say about each command: picocli lists a command by
 * the first line of its header, so every command has a header that is one whole sentence.
 */
class CommandHelpTest {
    private static void collect(final CommandLine cl, final List<CommandLine> into) {
        for (final CommandLine sub : cl.getSubcommands().values()) {
            if (!into.contains(sub)) {
                into.add(sub);
                collect(sub, into);
            }
        }
    }

    @Test
    void everyCommandIsListedByOneWholeSentence() {
        final List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new TandemMain()), all);
        assertTrue(all.size() >= 15, "commands found: " + all.size());
        for (final CommandLine c : all) {
            final String name = c.getCommandSpec().qualifiedName();
            if (name.endsWith(" help")) {
                continue; // picocli's own
            }
            final String[] header = c.getCommandSpec().usageMessage().header();
            assertEquals(1, header.length, name + ": one header line");
            assertTrue(header[0].endsWith("."), name + ": the header is a whole sentence: " + header[0]);
            assertTrue(Character.isUpperCase(header[0].charAt(0)), name + ": " + header[0]);
        }
    }

    @Test
    void noCommandNamesEveryCommand() {
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final int status;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            status = TandemMain.execute();
        } finally {
            System.setErr(err);
        }
        assertEquals(TandemMain.EXIT_USAGE, status);
        final String text = captured.toString(StandardCharsets.UTF_8);
        for (final String command : new CommandLine(new TandemMain()).getSubcommands().keySet()) {
            assertTrue(text.contains(command), command + " in: " + text);
        }
        // (other lines may come first: the fuzzing agent, when loaded, logs the classes it instruments)
        assertTrue(text.lines().anyMatch(l -> l.startsWith("tandem: a command is required: run, check, ")), text);
    }
}
