package io.tandem.engine.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code tandem reload}: asks a running engine to read its configuration again, as {@code pfctl -f}
 * (the same as sending it SIGHUP, but with an answer). Asks the admin socket ({@code reload}
 * request, answered by {@code assembly.ConfigReload}).
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        header = "Reload a running engine's configuration, as `pfctl -f` does.",
        description = {"Reload a running engine's configuration, as `pfctl -f` does: the engine reads its file again",
            "(with the --set options it was started with) and swaps in the rules, every `set timeout` value",
            "and `set malformed` between two packets; every state is kept (detached from the old rule numbers).",
            "Any other option needs a restart: a file that changes one, or that does not parse, is refused as a",
            "whole and the engine keeps running on its configuration. Prints the engine's answer; exit status 0",
            "when the new configuration is in force, 1 when it was refused or the engine cannot be reached.",
            "Sending SIGHUP to the engine (`systemctl reload tandem`) does the same; its answer goes to the log."})
final class ReloadCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return OkMessageRequest.run(spec.commandLine().getOut(), spec.commandLine().getErr(), engine, "reload");
    }
}
