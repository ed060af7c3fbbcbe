package io.tandem.engine.cli;

import io.tandem.engine.tools.JsonReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem reload}: asks a running engine to read its configuration again, as {@code pfctl -f}
 * (the same as sending it SIGHUP, but with an answer). Asks the admin socket ({@code reload}
 * request, answered by {@code assembly.ConfigReload}).
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Reload a running engine's configuration, as `pfctl -f` does: the engine reads its file again",
            "(with the --set options it was started with) and swaps in the rules, every `set timeout` value",
            "and `set malformed` between two packets; every state is kept (detached from the old rule numbers).",
            "Any other option needs a restart: a file that changes one, or that does not parse, is refused as a",
            "whole and the engine keeps running on its configuration. Prints the engine's answer; exit status 0",
            "when the new configuration is in force, 1 when it was refused or the engine cannot be reached.",
            "Sending SIGHUP to the engine (`systemctl reload tandem`) does the same; its answer goes to the log."})
final class ReloadCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the socket path from this configuration.")
    private Path file;

    @Option(names = "--socket", paramLabel = "PATH", description = "The engine's admin socket.")
    private Path socket;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AdminSocket admin = new AdminSocket();
        final Path path = admin.path(socket, file, err);
        final List<String> lines = path == null ? null : admin.request(path, "reload", err);
        if (lines == null) {
            return admin.exitCode();
        }
        final Map<String, Object> answer;
        try {
            answer = lines.isEmpty() ? null : JsonReader.object(lines.get(0));
        } catch (final RuntimeException e) {
            err.println("tandem: the engine's answer to reload is not understood: " + e.getMessage());
            return TandemMain.EXIT_FAILURE;
        }
        if (answer == null || !(answer.get("ok") instanceof Boolean) || !(answer.get("message") instanceof String)) {
            err.println("tandem: the engine's answer to reload is not understood: " + lines);
            return TandemMain.EXIT_FAILURE;
        }
        final String message = "tandem: " + answer.get("message");
        if (Boolean.TRUE.equals(answer.get("ok"))) {
            out.println(message);
            out.flush();
            return TandemMain.EXIT_OK;
        }
        err.println(message);
        return TandemMain.EXIT_FAILURE;
    }
}
