package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ConfigParser#parse(Path)} refuses before parsing: non-regular files, size, encoding. */
class ConfigInputTest {
    @TempDir
    Path dir;

    private static String error(final Path file) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigException.class, () -> ConfigParser.parse(file)).getMessage());
    }

    @Test
    void readsARegularFile() throws Exception {
        final Path file = dir.resolve("ok.conf");
        Files.writeString(file, "# caf\u00e9\nset queue 3\npass all\n");
        assertEquals(3, ConfigParser.parse(file).queue());
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        final Path fifo = dir.resolve("pipe.conf");
        final Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo not available");
        assertEquals(fifo + ": not a regular file", error(fifo));
    }

    @Test
    void devicesAndDirectoriesAreRefused() {
        assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero");
        assertEquals("/dev/zero: not a regular file", error(Path.of("/dev/zero")));
        assertEquals(dir + ": not a regular file (a directory)", error(dir));
    }

    @Test
    void aSymlinkToARegularFileIsRead() throws Exception {
        final Path file = dir.resolve("real.conf");
        Files.writeString(file, "set queue 4\n");
        final Path link = Files.createSymbolicLink(dir.resolve("link.conf"), file);
        assertEquals(4, ConfigParser.parse(link).queue());
        final Path toDevice = Files.createSymbolicLink(dir.resolve("zero.conf"), Path.of("/dev/zero"));
        assertEquals(toDevice + ": not a regular file", error(toDevice));
    }

    @Test
    void aFileOverTheCapIsRefusedUnread() throws IOException {
        final Path sparse = dir.resolve("sparse.conf");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(ConfigParser.MAX_FILE_SIZE + 1L);
        }
        assertEquals(sparse + ": larger than 16777216 bytes (16 MiB); not a configuration file", error(sparse));
        final Path huge = dir.resolve("huge.conf");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 33);
        }
        assertEquals(huge + ": larger than 16777216 bytes (16 MiB); not a configuration file", error(huge));
    }

    @Test
    void aFileAtTheCapIsRead() throws Exception {
        final Path file = dir.resolve("big.conf");
        final byte[] text = new byte[ConfigParser.MAX_FILE_SIZE];
        java.util.Arrays.fill(text, (byte) '\n');
        final byte[] head = "set queue 5 # padded with newlines to the cap".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, text, 0, head.length);
        Files.write(file, text);
        assertEquals(5, ConfigParser.parse(file).queue());
    }

    @Test
    void missingFile() {
        final Path missing = dir.resolve("missing.conf");
        assertEquals(missing + ": cannot read the configuration file (no such file)", error(missing));
    }

    @Test
    void invalidUtf8IsReportedAtItsLineAndColumn() throws IOException {
        final Path file = dir.resolve("latin1.conf");
        // "caf\xe9" in Latin-1 on line 3, column 10 (the byte after "# caf" and 4 blanks).
        Files.write(file, bytes("set queue 1\n\n    # caf", 0xe9, " au lait\n"));
        assertEquals(file + ":3:10: not UTF-8 (byte 0xe9)", error(file));
    }

    @Test
    void utf8ErrorsOfEveryKind() throws ConfigException {
        assertEquals("a.conf:1:1: not UTF-8 (byte 0xff)", decodeError(bytes("", 0xff, "")));
        // An overlong encoding of '/', and a CESU-style surrogate: both refused, at their first byte.
        assertEquals("a.conf:2:3: not UTF-8 (byte 0xc0)", decodeError(bytes("x\n\u00e9x", 0xc0, 0xaf, "")));
        assertEquals("a.conf:1:6: not UTF-8 (byte 0xed)", decodeError(bytes("pass ", 0xed, 0xa0, 0x80, "")));
        // A sequence cut off by the end of the file.
        assertEquals("a.conf:1:6: not UTF-8 (byte 0xe2)", decodeError(bytes("pass ", 0xe2, 0x82, "")));
        // Non-ASCII characters before the error count one column each, as the lexer counts.
        assertEquals("a.conf:1:4: not UTF-8 (byte 0x80)", decodeError(bytes("\u00e9\u20ac\u00e9", 0x80, "")));
        assertEquals(7, ConfigParser.parse("a.conf", "set queue 7 # \u20ac".getBytes(StandardCharsets.UTF_8)).queue());
    }

    private static String decodeError(final byte[] bytes) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parse("a.conf", bytes)).getMessage();
    }

    /** Strings (as UTF-8) and single bytes given as ints, concatenated. */
    private static byte[] bytes(final Object... parts) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (final Object part : parts) {
            if (part instanceof Integer) {
                out.write((Integer) part);
            } else {
                out.writeBytes(((String) part).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
