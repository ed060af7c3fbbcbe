package io.tandem.engine.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem kill}: remove states of a running engine, as {@code pfctl -k}. */
@Command(name = "kill", mixinStandardHelpOptions = true,
        header = "Remove states by host or id, as `pfctl -k` does.",
        description = {"Remove states from a running engine, as `pfctl -k` does:",
            "  tandem kill host A[/LEN] [B[/LEN]]   states whose initiator is in A (and whose responder is in B)",
            "  tandem kill id ID[/CREATORID]        one state by its id, hexadecimal as `tandem states` prints it",
            "                                       (without a creator id: one this node created)",
            "  tandem kill rule N                   states created by rule number N",
            "  tandem kill label TEXT               states created by rules with label \"TEXT\" (pfctl -k label -k TEXT)",
            "Each removal is journaled and sent to the pfsync peers (DEL_C), which remove their copy. Prints how",
            "many states were removed.",
            "Exit status: 0 done (also when no state matched); 1 the words do not parse, or the engine refused or",
            "cannot be reached; 2 bad command line.",
            "Examples: tandem kill host 10.0.0.0/24 192.0.2.10    tandem kill label \"web servers\""})
final class KillCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Parameters(arity = "2..*", paramLabel = "WHAT", description = "host A [B] | id ID[/CREATORID] | rule N | label TEXT")
    private List<String> what;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return OkMessageRequest.run(spec.commandLine().getOut(), spec.commandLine().getErr(), engine,
                "kill " + String.join(" ", what));
    }
}
