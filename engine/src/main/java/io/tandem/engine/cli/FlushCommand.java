package io.tandem.engine.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem flush states}: remove every state of a running engine, as {@code pfctl -F states}. */
@Command(name = "flush", mixinStandardHelpOptions = true,
        header = "Remove every state of a running engine, as `pfctl -F states` does.",
        description = {"Remove every state of a running engine, as `pfctl -F states` does: `tandem flush states`.",
            "The flush is journaled as one CLEAR record per creator id in the table, and the pfsync peers get one",
            "CLR per creator id (FreeBSD sends a single CLR with its own; see docs/pfsync.md), so every node drops",
            "the flushed states. Connections whose next packet meets no rule that passes it are cut.",
            "Prints how many states were removed and the creators a CLR was sent for.",
            "Exit status: 0 done; 1 the engine refused or cannot be reached; 2 bad command line.",
            "Example: tandem flush states --socket /run/tandem/tandem.sock"})
final class FlushCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Parameters(arity = "1", paramLabel = "states", description = "What to flush: `states`.")
    private String what;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return OkMessageRequest.run(spec.commandLine().getOut(), spec.commandLine().getErr(), engine,
                "flush " + what);
    }
}
