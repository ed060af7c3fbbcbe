package io.tandem.engine.cli;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.tools.JournalStats;
import io.tandem.engine.tools.JournalTail;
import io.tandem.engine.tools.ProgressBar;
import io.tandem.engine.tools.RecordFilter;
import io.tandem.engine.tools.RecordFormatter;
import io.tandem.engine.tools.StateImport;
import io.tandem.engine.tools.StateJsonWriter;
import io.tandem.engine.tools.StateTableReplay;
import io.tandem.engine.tools.TimeSpec;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tandem journal}: the tools that read (and, for import, append to) a state journal
 * offline — while an engine writes it, or after. The work is done by {@link io.tandem.engine.tools};
 * this class is the command line: options, help texts, exit status (0 ok, 1 a one-line runtime
 * error, 2 a usage error, 3 a damaged journal: what could be read was, and each damage was named on
 * stderr), and turning {@link JournalException}s into one line on stderr — never a stack trace.
 */
@Command(
        name = "journal",
        synopsisSubcommandLabel = "COMMAND",
        header = "Read the state journal: events, past state tables, statistics, export and import.",
        description = {
            "The engine journals every state change — insert, update, delete, flush — and a rolling snapshot"
                + " of the whole table into a directory of Chronicle Queue files (`set journal dir`). These"
                + " commands read that directory directly; they need no running engine and never disturb one."
                + " Records that fail validation (bad CRC, truncated) are skipped and counted, and the count is"
                + " reported on stderr at the end. Damaged Chronicle files (a zeroed or garbage header, a bad"
                + " length, a truncated file, garbage after the data, a file that cannot be read) are read up to"
                + " the damage; each is named on stderr with its file and offset and what was kept and skipped,"
                + " and the status is 3.",
            "",
            "  tail     state events, one line each, like `conntrack -E`; -f follows",
            "  states   the state table as it was at any time, like `pfctl -ss`",
            "  stats    records by type, span, rate, disk use, skipped records, snapshots",
            "  export   dump the state table as of a time to a file of JSON lines",
            "  import   append exported states as a snapshot epoch for the next start",
            "",
            "Record format, snapshot epochs and recovery: docs/journal-format.md.",
        },
        commandListHeading = "%nCommands:%n",
        subcommands = {
            JournalCommand.Tail.class, JournalCommand.States.class, JournalCommand.Stats.class,
            JournalCommand.Export.class, JournalCommand.Import.class, CommandLine.HelpCommand.class,
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:Success.",
            "1:A runtime error: no such journal, not a journal, another format version, an engine holds the"
                + " journal (import), a file that cannot be read or written. One line on stderr says what.",
            "2:Bad command line (unknown option, bad TIME, unknown type).",
            "3:The journal is damaged: everything before each damage was read and shown; stderr names each"
                + " damaged file with the offset, the records kept and what was skipped (docs/journal-format.md).",
        },
        footer = {
            "  tandem journal tail -f --proto tcp --port 443",
            "  tandem journal tail --since -10m --type delete",
            "  tandem journal states --at 2026-11-24T04:00:00Z",
            "  tandem journal stats -d /var/lib/tandem/journal",
            "  tandem journal export /tmp/states.jsonl",
            "  tandem journal import -d /srv/new/journal /tmp/states.jsonl",
        })
public final class JournalCommand implements Runnable {
    static final String DEFAULT_DIR = "/var/lib/tandem/journal";
    /** Exit status of a journal command that found damage (and read what it could). */
    public static final int EXIT_DAMAGED = 3;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private HelpLayout helpLayout;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a journal command is required: tail, states, stats, export or import");
    }

    /**
     * Runs {@code tandem} with the given arguments, printing to {@code out} and {@code err} instead
     * of the process's streams, with the same exit-status mapping as {@link TandemMain#execute}.
     * For tests.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args) {
        final CommandLine cl = new CommandLine(new TandemMain());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> TandemMain.EXIT_FAILURE);
        cl.setParameterExceptionHandler((ex, a) -> {
            final CommandLine c = ex.getCommandLine();
            c.getErr().println("tandem: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return TandemMain.EXIT_USAGE;
        });
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * What the help of {@code tandem journal} and of each of its commands shares: {@code -h/--help} and
     * {@code -V/--version}, and the headings of the sections.
     */
    @Command(
            mixinStandardHelpOptions = true,
            versionProvider = TandemMain.Version.class,
            headerHeading = "%n",
            descriptionHeading = "%nDescription:%n",
            optionListHeading = "%nOptions:%n",
            parameterListHeading = "%nArguments:%n",
            footerHeading = "%nExamples:%n")
    static final class HelpLayout {
    }

    /** {@code -d/--dir}, shared by every sub-command. */
    static final class DirOption {
        @Option(names = {"-d", "--dir"}, paramLabel = "DIR", defaultValue = DEFAULT_DIR,
                description = "The journal directory (`set journal dir`). Default: ${DEFAULT-VALUE}.")
        Path dir;
    }

    /** The common frame of the sub-commands: help, {@code -d}, streams, and one-line errors with exit status 1. */
    abstract static class JournalSubcommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        HelpLayout helpLayout;

        @Mixin
        DirOption dirOption;

        @Override
        public final Integer call() {
            // Chronicle logs through SLF4J; without a provider SLF4J 2 warns on stderr, which would
            // garble the tools' one-line errors and skip reports.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "ERROR");
            }
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            try {
                return work(dirOption.dir, out, err);
            } catch (final JournalException e) {
                err.println("tandem: " + e.getMessage());
                return e.damage() ? EXIT_DAMAGED : TandemMain.EXIT_FAILURE;
            } catch (final IOException | UncheckedIOException e) {
                err.println("tandem: " + e.getMessage());
                return TandemMain.EXIT_FAILURE;
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return TandemMain.EXIT_FAILURE;
            } catch (final CommandLine.ParameterException e) {
                throw e;
            } catch (final RuntimeException | InternalError e) {
                err.println("tandem: journal " + spec.name() + ": " + e);
                return TandemMain.EXIT_FAILURE;
            } finally {
                out.flush();
                err.flush();
            }
        }

        abstract int work(Path dir, PrintWriter out, PrintWriter err)
                throws JournalException, IOException, InterruptedException;
    }

    @Command(
            name = "tail",
            header = "Print state events, one line each, like `conntrack -E`.",
            description = {
                "Prints the journal's records in the order they were written, one line each: the time (UTC),"
                    + " the type in brackets, then for state records the protocol, source -> destination, both"
                    + " peers' states (pf's TCPS_* for TCP: ESTABLISHED:SYN_SENT), the rule, the state's pfsync"
                    + " id and creator; DELETE adds the reason (expired, closed, flushed, reused, peer), UPDATE"
                    + " and SNAPSHOT the timeout class, EPOCH_START/EPOCH_END the snapshot epoch number.",
                "",
                "  2026-11-24T04:01:02.123Z [INSERT] tcp 198.18.1.10:40000 -> 198.18.2.10:5201",
                "      ESTABLISHED:SYN_SENT rule 2 id 6b05c7a500000001 creator 5ac05189",
                "",
                "Without -n every matching record is printed; with -f the last 10 (or -n N) are printed,"
                    + " then new records as the engine appends them (polled every 100 ms) until SIGINT or"
                    + " SIGTERM. Filters combine with AND; --host, --port and --proto match either end of a"
                    + " state and leave out records that carry no state (epochs, CLEAR, START).",
                "",
                "TIME is " + TimeSpec.HELP + ".",
            },
            footer = {
                "  tandem journal tail -f",
                "  tandem journal tail -n 20 --type delete",
                "  tandem journal tail --since -2h --until -1h --host 198.18.1.10 --proto tcp",
                "  tandem journal tail --json --since 2026-11-24T04:00:00Z | jq .reason",
            })
    static final class Tail extends JournalSubcommand {
        @Option(names = {"-f", "--follow"}, description = "Keep printing new records as they are written, until"
                + " interrupted (SIGINT, SIGTERM).")
        boolean follow;

        @Option(names = "--json", description = "One JSON object per line (field names as in pfsync_state).")
        boolean json;

        @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Only records written at or after TIME.")
        Long since;

        @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Only records written at or before TIME.")
        Long until;

        @Option(names = "--type", paramLabel = "TYPE", split = ",", converter = TypeConverter.class,
                description = "Only these record types, comma-separated: insert, update, delete, clear, snapshot,"
                    + " epoch_start, epoch_end, defer, release, start.")
        List<JournalRecordType> types;

        @Option(names = "--host", paramLabel = "ADDR", converter = HostConverter.class,
                description = "Only states with this IPv4 or IPv6 address at either end.")
        RecordFilter.Host host;

        @Option(names = "--port", paramLabel = "N", converter = PortConverter.class,
                description = "Only states with this port at either end.")
        Integer port;

        @Option(names = "--proto", paramLabel = "PROTO", converter = ProtoConverter.class,
                description = "Only states of this protocol: tcp, udp, icmp, icmp6 or a number.")
        Integer proto;

        @Option(names = {"-n", "--lines"}, paramLabel = "N", converter = LinesConverter.class,
                description = "Print only the last N matching records (with -f: before following; default 10).")
        Integer lines;

        @Option(names = "--stop-after", paramLabel = "MILLIS", hidden = true,
                description = "With -f: stop following after this many milliseconds (tests, scripts).")
        Long stopAfter;

        @Override
        int work(final Path dir, final PrintWriter out, final PrintWriter err)
                throws JournalException, InterruptedException {
            RecordFilter filter = RecordFilter.all().types(types).host(host);
            if (since != null) {
                filter = filter.since(since);
            }
            if (until != null) {
                filter = filter.until(until);
            }
            if (port != null) {
                filter = filter.port(port);
            }
            if (proto != null) {
                filter = filter.proto(proto);
            }
            final int last = lines != null ? lines : follow ? 10 : -1;
            final AtomicBoolean stop = new AtomicBoolean();
            final long deadline = stopAfter == null ? Long.MAX_VALUE : System.nanoTime() + stopAfter * 1_000_000L;
            if (follow && stopAfter == null) {
                SignalHandlers.install(() -> stop.set(true), "INT", "TERM");
            }
            final JournalTail tail = new JournalTail(filter, last, json);
            tail.run(dir, out, err, follow, () -> stop.get() || System.nanoTime() - deadline >= 0,
                    ProgressBar.terminal());
            return tail.damaged() ? EXIT_DAMAGED : TandemMain.EXIT_OK;
        }
    }

    @Command(
            name = "states",
            header = "Show the state table as it was at a time, like `pfctl -ss`.",
            description = {
                "Rebuilds the state table by replaying the journal up to TIME (default: now, the end of the"
                    + " journal) the way the engine's recovery does: INSERT, UPDATE and SNAPSHOT put a state"
                    + " (identified by creatorid and id), DELETE removes it, CLEAR removes all states (or one"
                    + " peer's), and each complete snapshot epoch restarts the table from its snapshot. States"
                    + " whose expiry deadline is before TIME are left out.",
                "",
                "Each state takes two lines: interface (all = floating), protocol, the endpoints (`dst <- src`"
                    + " for states created inbound, `src -> dst` outbound) and both peers' states; then age and"
                    + " time to expiry at TIME, packets and bytes each way, rule, timeout class and the pfsync"
                    + " identity:",
                "",
                "  all tcp 198.18.2.10:5201 <- 198.18.1.10:40000       ESTABLISHED:ESTABLISHED",
                "     age 00:01:02, expires in 23:59:58, 10:8 pkts, 1200:900 bytes, rule 2,",
                "     timeout tcp.established, id 6b05c7a500000001, creatorid 5ac05189",
                "",
                "TIME is " + TimeSpec.HELP + ".",
            },
            footer = {
                "  tandem journal states",
                "  tandem journal states --at -1h",
                "  tandem journal states --at \"2026-11-24 05:00\" --json",
            })
    static final class States extends JournalSubcommand {
        @Option(names = "--at", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Show the table as it was at TIME (default: now).")
        Long at;

        @Option(names = "--json", description = "Print a JSON array, one object per state (the export format plus"
                + " age and expire in seconds).")
        boolean json;

        @Override
        int work(final Path dir, final PrintWriter out, final PrintWriter err) throws JournalException {
            final long when = at != null ? at : System.currentTimeMillis();
            final StateTableReplay replay = StateTableReplay.of(dir, when, err, ProgressBar.terminal());
            final List<byte[]> live = replay.live(when);
            final JournalRecordFlyweight r = new JournalRecordFlyweight();
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
            if (json) {
                out.println("[");
            }
            for (int i = 0; i < live.size(); i++) {
                buffer.wrap(live.get(i));
                r.wrap(buffer, 0);
                if (json) {
                    out.println("  " + StateJsonWriter.JOURNAL_STATES.object(r, when)
                            + (i + 1 < live.size() ? "," : ""));
                } else {
                    out.print(RecordFormatter.pfctl(r, when));
                }
            }
            if (json) {
                out.println("]");
            }
            return replay.damaged() ? EXIT_DAMAGED : TandemMain.EXIT_OK;
        }
    }

    @Command(
            name = "stats",
            header = "Summarise a journal: records by type, span, rate, disk use, skipped records, last snapshot.",
            description = {
                "Reads the whole journal once and prints: the number of records of each type and in total; the"
                    + " times of the first and last record and the rate over that span (records/s); the bytes"
                    + " on disk and the number of roll-cycle files (*.cq4); the records skipped as invalid, by"
                    + " reason (bad_crc, bad_length, ...); a `damage` line per damaged Chronicle file, with the"
                    + " offset and the records kept (status 3), or `damage none`; and the last complete snapshot"
                    + " epoch, where the engine's recovery would start.",
            },
            footer = {"  tandem journal stats", "  tandem journal stats --json -d /srv/journal"})
    static final class Stats extends JournalSubcommand {
        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        int work(final Path dir, final PrintWriter out, final PrintWriter err) throws JournalException, IOException {
            final JournalStats stats = JournalStats.collect(dir, err, ProgressBar.terminal());
            if (json) {
                out.println(stats.json(dir));
            } else {
                stats.print(out, dir);
            }
            if (stats.damaged()) {
                for (final String d : stats.damage()) {
                    err.println("tandem: " + d);
                }
                return EXIT_DAMAGED;
            }
            return TandemMain.EXIT_OK;
        }
    }

    @Command(
            name = "export",
            header = "Dump the state table as of a time to a file of JSON lines.",
            description = {
                "Rebuilds the state table as `tandem journal states --at TIME` does and writes it to FILE"
                    + " (- for standard output), one state per line, with every field needed to restore it:"
                    + " creatorid, id, af, proto, direction, addresses and ports, ifindex, rule, timeout class,"
                    + " flags, creation time, expiry deadline, last activity, packets and bytes each way, and"
                    + " both peers' seqlo, seqhi, seqdiff, max_win, mss, state and wscale.",
                "`tandem journal import` reads the file back, on this firewall or another one.",
                "",
                "TIME is " + TimeSpec.HELP + ".",
            },
            footer = {"  tandem journal export /tmp/states.jsonl", "  tandem journal export --at -5m - | jq .dport"})
    static final class Export extends JournalSubcommand {
        @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the states (- for stdout).")
        String file;

        @Option(names = "--at", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Export the table as it was at TIME (default: now).")
        Long at;

        @Override
        int work(final Path dir, final PrintWriter out, final PrintWriter err) throws JournalException, IOException {
            final long when = at != null ? at : System.currentTimeMillis();
            final StateTableReplay replay = StateTableReplay.of(dir, when, err, ProgressBar.terminal());
            final List<byte[]> live = replay.live(when);
            final boolean toStdout = "-".equals(file);
            final JournalRecordFlyweight r = new JournalRecordFlyweight();
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
            try (BufferedWriter w = toStdout ? new BufferedWriter(new NonClosing(out))
                    : Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8)) {
                for (final byte[] state : live) {
                    buffer.wrap(state);
                    w.write(RecordFormatter.stateJson(r.wrap(buffer, 0)));
                    w.write('\n');
                }
            } catch (final IOException e) {
                throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            (toStdout ? err : out).println("exported " + live.size() + (live.size() == 1 ? " state" : " states")
                    + " as of " + RecordFormatter.time(when) + " to " + file
                    + (replay.damaged() ? " (from a damaged journal: see above)" : ""));
            return replay.damaged() ? EXIT_DAMAGED : TandemMain.EXIT_OK;
        }
    }

    @Command(
            name = "import",
            header = "Append exported states to a journal as a new snapshot epoch.",
            description = {
                "Reads FILE (JSON lines from `tandem journal export`; - for standard input), checks every line,"
                    + " and appends the states to the journal directory as one new complete snapshot epoch:"
                    + " EPOCH_START, one SNAPSHOT record per state (origin kind 2, import), EPOCH_END. The"
                    + " epoch number and the sequence numbers continue after the journal's last. The next"
                    + " `tandem run` on this directory recovers from that epoch, so the imported states become"
                    + " the engine's table (states from before the import are not recovered). States keep"
                    + " their creatorid, id, counters and expiry deadline; those already past it are removed"
                    + " by the engine's first expiry sweep.",
                "",
                "The directory must be a journal (an engine has used it, or `set journal dir` points there"
                    + " and `tandem run` has started once). Import refuses while an engine runs on it: it takes"
                    + " the engine's lock, DIR/engine.lock, for the duration of the write.",
            },
            footer = {
                "  systemctl stop tandem",
                "  tandem journal import /tmp/states.jsonl",
                "  systemctl start tandem",
            })
    static final class Import extends JournalSubcommand {
        @Parameters(index = "0", paramLabel = "FILE", description = "The exported states (- for stdin).")
        String file;

        @Option(names = "--roll", paramLabel = "CYCLE", converter = RollConverter.class, defaultValue = "hourly",
                description = "Roll cycle for a journal that has no files yet (an existing one keeps its own):"
                    + " five-minutely, ten-minutely, half-hourly, hourly, daily or weekly. Default: ${DEFAULT-VALUE}.")
        String roll;

        @Override
        int work(final Path dir, final PrintWriter out, final PrintWriter err) throws JournalException, IOException {
            final StateImport.Result result;
            if ("-".equals(file)) {
                final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                result = StateImport.run(dir, in, "<stdin>", roll, System.currentTimeMillis());
            } else {
                final Path path = Path.of(file);
                if (!Files.isReadable(path)) {
                    throw new JournalException(file + ": no such file or not readable");
                }
                try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                    result = StateImport.run(dir, in, file, roll, System.currentTimeMillis());
                }
            }
            out.println("imported " + result.states() + (result.states() == 1 ? " state" : " states") + " into " + dir
                    + " as snapshot epoch " + result.epoch() + " (sequence " + result.firstSequence() + ".."
                    + result.lastSequence() + "); the next `tandem run` recovers them");
            if (result.expired() > 0) {
                err.println("tandem: warning: " + result.expired() + " of them are past their expiry deadline;"
                        + " the engine will expire them at once");
            }
            for (final String d : result.damage()) {
                err.println("tandem: damaged: " + d);
            }
            return result.damage().isEmpty() ? TandemMain.EXIT_OK : EXIT_DAMAGED;
        }
    }

    /** A writer over a PrintWriter that does not close it (export to stdout). */
    private static final class NonClosing extends java.io.Writer {
        private final PrintWriter out;

        NonClosing(final PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(final char[] cbuf, final int off, final int len) {
            out.write(cbuf, off, len);
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    static final class TimeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(final String value) {
            try {
                return TimeSpec.parse(value, System.currentTimeMillis(), ZoneId.systemDefault());
            } catch (final IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class TypeConverter implements ITypeConverter<JournalRecordType> {
        @Override
        public JournalRecordType convert(final String value) {
            final String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (final JournalRecordType t : JournalRecordType.values()) {
                if (t != JournalRecordType.UNKNOWN && t.name().equals(name)) {
                    return t;
                }
            }
            throw new TypeConversionException("unknown record type '" + value + "': use insert, update, delete, clear,"
                    + " snapshot, epoch_start, epoch_end, defer, release or start");
        }
    }

    static final class HostConverter implements ITypeConverter<RecordFilter.Host> {
        @Override
        public RecordFilter.Host convert(final String value) {
            final RecordFilter.Host host = RecordFilter.Host.parse(value);
            if (host == null) {
                throw new TypeConversionException("'" + value + "' is not an IPv4 or IPv6 address");
            }
            return host;
        }
    }

    static final class PortConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(final String value) {
            try {
                final int port = Integer.parseInt(value);
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (final NumberFormatException e) {
                // below
            }
            throw new TypeConversionException("'" + value + "' is not a port number (0..65535)");
        }
    }

    static final class ProtoConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(final String value) {
            final int proto = RecordFilter.parseProto(value);
            if (proto < 0) {
                throw new TypeConversionException("'" + value + "' is not a protocol: use tcp, udp, icmp, icmp6 or 0..255");
            }
            return proto;
        }
    }

    static final class LinesConverter implements ITypeConverter<Integer> {
        static final int MAX = 10_000_000;

        @Override
        public Integer convert(final String value) {
            try {
                final int n = Integer.parseInt(value);
                if (n >= 0 && n <= MAX) {
                    return n;
                }
            } catch (final NumberFormatException e) {
                // below
            }
            throw new TypeConversionException("'" + value + "' is not a number of lines (0.." + MAX + ")");
        }
    }

    static final class RollConverter implements ITypeConverter<String> {
        @Override
        public String convert(final String value) {
            final String name = value.toLowerCase(Locale.ROOT);
            if (Arrays.asList(Journal.ROLL_NAMES).contains(name)) {
                return name;
            }
            throw new TypeConversionException("unknown roll cycle '" + value + "': use "
                    + String.join(", ", Journal.ROLL_NAMES));
        }
    }
}
