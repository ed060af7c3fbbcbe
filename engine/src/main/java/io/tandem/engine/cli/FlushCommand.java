package io.tandem.engine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem flush states}: remove every state of a running engine, as {@code pfctl -F states}. */
@Command(name = "flush", mixinStandardHelpOptions = true,
        description = {"Remove every state of a running engine, as `pfctl -F states` does: `tandem flush states`.",
            "Each removal is journaled and sent to the pfsync peers as DEL_C, which remove their copy (FreeBSD's",
            "single CLR message is not sent yet). Connections whose next packet meets no rule that passes it are",
            "cut. Exit status 1 when the engine cannot be reached."})
final class FlushCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the socket path from this configuration.")
    private Path file;

    @Option(names = "--socket", paramLabel = "PATH", description = "The engine's admin socket.")
    private Path socket;

    @Parameters(arity = "1", paramLabel = "states", description = "What to flush: `states`.")
    private String what;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return OkMessageRequest.run(spec.commandLine().getOut(), spec.commandLine().getErr(), socket, file,
                "flush " + what);
    }
}
