package io.tandem.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tandem} command: entry point of the distribution ({@code scripts/tandem} runs it).
 *
 * <p>Exit status, for every sub-command: 0 success; 1 the engine could not start or failed at run
 * time (the message says what to do); 2 bad command line or bad configuration (the message names
 * file:line:column).
 */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        versionProvider = TandemMain.Version.class,
        description = {
            "Stateful pf-style firewall engine for Linux: iptables sends packets with -j NFQUEUE,",
            "Tandem decides each one by a pf.conf ruleset and answers with a verdict.",
        },
        subcommands = {RunCommand.class, CheckCommand.class, ReloadCommand.class, KillCommand.class, FlushCommand.class, StatesCommand.class, SyncCommand.class, JournalCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  tandem check -f /etc/tandem/tandem.conf",
            "  tandem run -f /etc/tandem/tandem.conf --set \"queue 258\"",
            "",
            "Configuration reference: docs/configuration.md. Operations: docs/operations.md.",
        })
public final class TandemMain implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (tests call this instead of main). */
    public static int execute(final String... args) {
        final CommandLine cl = new CommandLine(new TandemMain());
        cl.setExitCodeExceptionMapper(e -> EXIT_FAILURE);
        cl.setParameterExceptionHandler((ex, a) -> {
            final CommandLine c = ex.getCommandLine();
            c.getErr().println("tandem: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        final java.util.List<String> names = new java.util.ArrayList<>(spec.subcommands().keySet());
        final String last = names.remove(names.size() - 1);
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is required: " + String.join(", ", names) + " or " + last);
    }

    /** The version from the jar manifest (Implementation-Version), or "development" in a build tree. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = TandemMain.class.getPackage().getImplementationVersion();
            return new String[] {
                "tandem " + (v == null ? "development build" : v),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
