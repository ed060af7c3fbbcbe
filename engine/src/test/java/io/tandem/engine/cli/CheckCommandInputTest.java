package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem check -f} on hostile inputs: exit 2 with one line naming the file, no stack trace,
 * no hang, and never a key in its output.
 */
class CheckCommandInputTest {
    private static final String KEY = "3f8a0c5be1d2947a6b0e9c4d2f1a8b7c5e3d9a0f6b2c8e4d1a7f3b9c0e5d2a6b";

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private static Run check(final String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            final PrintStream oldOut = System.out;
            final PrintStream oldErr = System.err;
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                final String[] full = new String[args.length + 1];
                full[0] = "check";
                System.arraycopy(args, 0, full, 1, args.length);
                final int status = TandemMain.execute(full);
                return new Run(status, out.toString(StandardCharsets.UTF_8), ours(err.toString(StandardCharsets.UTF_8)));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        });
    }

    /**
     * The lines tandem wrote; in the full test run Jazzer's agent, in this JVM, also logs
     * "INFO: Instrumented ..." lines to stderr while classes load.
     */
    private static String ours(final String err) {
        final StringBuilder sb = new StringBuilder();
        for (final String line : err.split("\n")) {
            if (!line.startsWith("INFO: ")) {
                sb.append(line).append('\n');
            }
        }
        return err.isEmpty() ? "" : sb.toString();
    }

    private static void assertNoKey(final Run run) {
        for (final String s : new String[] {KEY, KEY.toUpperCase(Locale.ROOT), KEY.substring(0, 16), KEY.substring(48)}) {
            assertFalse(run.all().contains(s), "key material in: " + run.all());
        }
    }

    @Test
    void aKeyFileGivenAsTheConfigurationIsNotEchoed() throws IOException {
        for (final String text : new String[] {"# cluster key\n1 " + KEY + "\n", KEY + " 1\n", KEY + "\n"}) {
            final Path key = dir.resolve("cluster.key");
            Files.writeString(key, text);
            final Run run = check("-f", key.toString());
            assertEquals(TandemMain.EXIT_USAGE, run.status(), run.all());
            assertTrue(run.err().startsWith("tandem: " + key + ":"), run.err());
            assertEquals("", run.out());
            assertNoKey(run);
        }
    }

    @Test
    void aKeyPastedIntoTheConfigurationOrTheCommandLineIsNotEchoed() throws IOException {
        final Path conf = dir.resolve("tandem.conf");
        Files.writeString(conf, "set sync interface sync0\nset sync auth hmac-sha256\nset sync auth-key \"" + KEY + "\"\n");
        Run run = check("-f", conf.toString());
        assertEquals(TandemMain.EXIT_USAGE, run.status());
        assertNoKey(run);
        Files.writeString(conf, "set sync interface sync0\n");
        run = check("-f", conf.toString(), "--set", "sync auth-key " + KEY);
        assertEquals(TandemMain.EXIT_USAGE, run.status());
        assertTrue(run.err().contains("<command line>:1:15: sync auth-key takes"), run.err());
        assertNoKey(run);
    }

    @Test
    void devicesFifosAndHugeFilesAreRefused() throws Exception {
        Run run = check("-f", "/dev/zero");
        assertEquals(TandemMain.EXIT_USAGE, run.status());
        assertEquals("tandem: /dev/zero: not a regular file\n", run.err());

        final Path fifo = dir.resolve("pipe.conf");
        final Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo not available");
        run = check("-f", fifo.toString());
        assertEquals("tandem: " + fifo + ": not a regular file\n", run.err());

        final Path latin1 = dir.resolve("latin1.conf");
        Files.write(latin1, new byte[] {'p', 'a', 's', 's', ' ', (byte) 0xe9, '\n'});
        run = check("-f", latin1.toString());
        assertEquals(TandemMain.EXIT_USAGE, run.status());
        assertEquals("tandem: " + latin1 + ":1:6: not UTF-8 (byte 0xe9)\n", run.err());
    }

    @Test
    void aKeyFileOthersCanReadIsRefused() throws IOException {
        final Path key = dir.resolve("cluster.key");
        Files.writeString(key, "1 " + KEY + "\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        final Path conf = dir.resolve("tandem.conf");
        Files.writeString(conf, "set sync interface sync0\nset sync auth hmac-sha256\nset sync auth-key \"" + key + "\"\n");
        Run run = check("-f", conf.toString());
        assertEquals(TandemMain.EXIT_USAGE, run.status(), run.all());
        assertEquals("tandem: " + key + ": permissions 0644 are too open: group or others can read the cluster key;"
                + " refused, run: chmod 600 " + key + "\n", run.err());
        assertEquals("", run.out());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        run = check("-f", conf.toString());
        assertEquals(TandemMain.EXIT_OK, run.status(), run.all());
        assertNoKey(run);
    }
}
