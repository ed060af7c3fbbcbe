package io.tandem.engine.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a configuration file into text, refusing what is not a configuration file.
 *
 * <p><b>Checks, in order.</b>
 * <ol>
 *   <li>The path (symbolic links followed, as configuration files are often links) must name a
 *       regular file: a FIFO, a device such as {@code /dev/zero}, a socket or a directory is refused
 *       with {@code FILE: not a regular file} before it is opened, so a FIFO never blocks the open
 *       and a device is never read.</li>
 *   <li>Its size must be at most {@link #MAX_FILE_SIZE} bytes ({@code FILE: larger than N bytes}).
 *       The read itself stops one byte past the cap, so a file that grows after the check is refused
 *       too and memory stays bounded.</li>
 *   <li>The bytes must be UTF-8 (strictly: no overlong forms, no surrogates, nothing truncated); the
 *       first bad byte is reported as {@code FILE:LINE:COLUMN: not UTF-8 (byte 0xNN)}, with line and
 *       column counted as the lexer counts them.</li>
 * </ol>
 *
 * <p><b>Why stat, then open.</b> Java's file API cannot open with {@code O_NONBLOCK} and then
 * {@code fstat} the descriptor, which would be the race-free way. The check is made on the path
 * just before the open, so a FIFO or device swapped in between the two (which needs write access to
 * the file's directory, in practice root for {@code /etc/tandem}) could still be opened; the size
 * cap on the read still bounds memory, only a FIFO swapped in that window could block.
 */
final class ConfigInput {
    /** Largest configuration file read: 16 MiB. */
    static final int MAX_FILE_SIZE = 16 << 20;

    private ConfigInput() {
    }

    /** The file's text; every refusal is a {@link ConfigException} naming the file. */
    static String read(final Path file) throws ConfigException {
        final String source = file.toString();
        final BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (final NoSuchFileException e) {
            throw new ConfigException(source + ": cannot read the configuration file (no such file)");
        } catch (final AccessDeniedException e) {
            throw new ConfigException(source + ": cannot read the configuration file (permission denied)");
        } catch (final IOException | RuntimeException e) {
            throw new ConfigException(source + ": cannot read the configuration file: " + e.getMessage());
        }
        if (!attributes.isRegularFile()) {
            throw new ConfigException(source + ": not a regular file"
                    + (attributes.isDirectory() ? " (a directory)" : ""));
        }
        if (attributes.size() > MAX_FILE_SIZE) {
            throw tooLarge(source);
        }
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_SIZE + 1);
        } catch (final AccessDeniedException e) {
            throw new ConfigException(source + ": cannot read the configuration file (permission denied)");
        } catch (final IOException | RuntimeException e) {
            throw new ConfigException(source + ": cannot read the configuration file: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_SIZE) {
            throw tooLarge(source);
        }
        return decode(source, bytes);
    }

    private static ConfigException tooLarge(final String source) {
        return new ConfigException(source + ": larger than " + MAX_FILE_SIZE + " bytes (16 MiB); not a configuration file");
    }

    /** Strict UTF-8; the first byte that is not part of a valid sequence is reported with its position. */
    static String decode(final String source, final byte[] bytes) throws ConfigException {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            out.flip();
            int line = 1;
            int column = 1;
            while (out.hasRemaining()) {
                if (out.get() == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            final int bad = in.position() < bytes.length ? bytes[in.position()] & 0xff : bytes[bytes.length - 1] & 0xff;
            throw new ConfigException(source, line, column, String.format("not UTF-8 (byte 0x%02x)", bad));
        }
        out.flip();
        return out.toString();
    }
}
