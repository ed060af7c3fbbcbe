package io.tandem.engine.sync.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster key file of W.12 ({@code sync.auth.key_file}): one or two HMAC-SHA-256 keys, each
 * with a 16-bit key id. Format and operations are in docs/pfsync-auth.md.
 *
 * <pre>
 * # comment lines and blank lines are ignored; '#' also ends a key line
 * &lt;keyid&gt; &lt;64 hex digits&gt;     the sending key (first key line); keyid is decimal 0..65535
 * &lt;keyid&gt; &lt;64 hex digits&gt;     optional: also accepted on receipt (key rotation)
 * </pre>
 *
 * <p><b>Life cycle.</b> Read once by {@link #load(Path)} when the configuration is loaded or
 * reloaded, then handed to a {@link FrameAuthenticator}, which derives its HMAC state from it.
 * Immutable; safe to pass between threads.
 *
 * <p><b>Memory bound.</b> At most {@link #MAX_KEYS} keys of 32 bytes; files larger than
 * {@link #MAX_FILE_SIZE} bytes are refused without being read in full.
 *
 * <p><b>Failure policy.</b> Every error throws {@link ClusterKeyFileException} (an
 * {@link IllegalArgumentException}) with {@code FILE:LINE: detail}: a key id that is not decimal
 * 0..65535, a key that is not exactly 64 hex digits, a line that is not two fields, a duplicate key
 * id, a third key, no key at all, or a file that cannot be read. A file that group or others may
 * access is not an error: {@link #permissionWarning()} returns the text to print, as ssh does for
 * private keys. Neither messages nor {@link #toString()} ever contain key material.
 */
public final class ClusterKeyFile {
    /** Bytes per key: 256 bits. */
    public static final int KEY_LENGTH = 32;
    /** The sending key plus one more accepted during a rotation. */
    public static final int MAX_KEYS = 2;
    /** A key file is a few lines; anything larger is refused. */
    public static final int MAX_FILE_SIZE = 64 * 1024;
    public static final int MAX_KEY_ID = 0xFFFF;

    private static final String FORMAT = "expected '<keyid> <64 hex digits>'";

    private final String source;
    private final int[] keyIds;
    private final byte[][] secrets;
    private final String permissionWarning;

    private ClusterKeyFile(final String source, final int[] keyIds, final byte[][] secrets,
            final String permissionWarning) {
        this.source = source;
        this.keyIds = keyIds;
        this.secrets = secrets;
        this.permissionWarning = permissionWarning;
    }

    /**
     * Reads and parses {@code path}, and checks its POSIX permissions.
     *
     * @throws ClusterKeyFileException when the file cannot be read or is not a valid key file
     */
    public static ClusterKeyFile load(final Path path) {
        final String source = path.toString();
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_FILE_SIZE + 1);
        } catch (final NoSuchFileException e) {
            throw new ClusterKeyFileException(source, 0, "cannot read the key file: no such file", e);
        } catch (final AccessDeniedException e) {
            throw new ClusterKeyFileException(source, 0, "cannot read the key file: permission denied", e);
        } catch (final IOException e) {
            throw new ClusterKeyFileException(source, 0, "cannot read the key file: " + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_SIZE) {
            throw new ClusterKeyFileException(source, 0, "larger than " + MAX_FILE_SIZE + " bytes; not a key file");
        }
        final String text = new String(bytes, StandardCharsets.UTF_8);
        Arrays.fill(bytes, (byte) 0);
        return parse(source, text, checkPermissions(path, source));
    }

    /**
     * Parses key-file text; {@code source} names it in error messages. No permission check.
     *
     * @throws ClusterKeyFileException when the text is not a valid key file
     */
    public static ClusterKeyFile parse(final String source, final String text) {
        return parse(source, text, null);
    }

    private static ClusterKeyFile parse(final String source, final String text, final String warning) {
        final int[] ids = new int[MAX_KEYS];
        final int[] idLines = new int[MAX_KEYS];
        final byte[][] secrets = new byte[MAX_KEYS][];
        int count = 0;
        // A byte-order mark some editors write is not part of the first line.
        final String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        final String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            final int lineNumber = i + 1;
            String line = lines[i];
            final int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            final String[] fields = line.split("[ \t]+");
            if (fields.length != 2) {
                throw new ClusterKeyFileException(source, lineNumber,
                    FORMAT + ", found " + fields.length + (fields.length == 1 ? " field" : " fields"));
            }
            final int id = parseKeyId(source, lineNumber, fields[0]);
            final int keyColumn = lines[i].indexOf(fields[1]) + 1;
            final byte[] secret = parseKey(source, lineNumber, fields[1], keyColumn);
            for (int k = 0; k < count; k++) {
                if (ids[k] == id) {
                    throw new ClusterKeyFileException(source, lineNumber,
                        "duplicate key id " + id + " (first on line " + idLines[k] + ")");
                }
            }
            if (count == MAX_KEYS) {
                throw new ClusterKeyFileException(source, lineNumber, "a third key; the file holds at most "
                    + MAX_KEYS + " keys: the sending key first, then one more accepted during a rotation");
            }
            ids[count] = id;
            idLines[count] = lineNumber;
            secrets[count] = secret;
            count++;
        }
        if (count == 0) {
            throw new ClusterKeyFileException(source, 0, "no key; " + FORMAT);
        }
        return new ClusterKeyFile(source, Arrays.copyOf(ids, count), Arrays.copyOf(secrets, count), warning);
    }

    private static int parseKeyId(final String source, final int line, final String field) {
        boolean digits = field.length() <= 5;
        for (int i = 0; digits && i < field.length(); i++) {
            final char c = field.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        final int id = digits ? Integer.parseInt(field) : -1;
        if (id < 0 || id > MAX_KEY_ID) {
            // The field is not echoed: with the fields swapped it would be the key.
            throw new ClusterKeyFileException(source, line, "key id must be a decimal number from 0 to "
                + MAX_KEY_ID + " (" + FORMAT + ")");
        }
        return id;
    }

    private static byte[] parseKey(final String source, final int line, final String field, final int column) {
        if (field.length() != 2 * KEY_LENGTH) {
            throw new ClusterKeyFileException(source, line, "key must be " + 2 * KEY_LENGTH
                + " hex digits (256 bits), found " + field.length() + " characters");
        }
        final byte[] key = new byte[KEY_LENGTH];
        for (int i = 0; i < field.length(); i++) {
            final int nibble = hexValue(field.charAt(i));
            if (nibble < 0) {
                Arrays.fill(key, (byte) 0);
                throw new ClusterKeyFileException(source, line,
                    "key has a character that is not a hex digit at column " + (column + i));
            }
            key[i / 2] |= (byte) (i % 2 == 0 ? nibble << 4 : nibble);
        }
        return key;
    }

    /** ASCII hex digit value, or -1 (Character.digit would also take non-ASCII digits). */
    private static int hexValue(final char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** ssh's rule: a secret file must not be accessible to group or others. Null when fine or unknown. */
    private static String checkPermissions(final Path path, final String source) {
        final Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(path);
        } catch (final UnsupportedOperationException | IOException e) {
            return null;
        }
        int mode = 0;
        for (final PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());   // OWNER_READ (ordinal 0) = 0400 ... OTHERS_EXECUTE (8) = 0001
        }
        if ((mode & 0077) == 0) {
            return null;
        }
        return source + ": permissions " + String.format("%04o", mode) + " are too open: group or others can "
            + ((mode & 0044) != 0 ? "read" : "access") + " the cluster key; run: chmod 600 " + source;
    }

    /** The file name as given to {@link #load} or {@link #parse}. */
    public String source() {
        return source;
    }

    /** Number of keys: 1, or 2 during a rotation. */
    public int size() {
        return keyIds.length;
    }

    /** Key id of key {@code index}, in file order; index 0 is the sending key. */
    public int keyId(final int index) {
        return keyIds[index];
    }

    /** Key id of the key frames are signed with: the first key line. */
    public int sendKeyId() {
        return keyIds[0];
    }

    /**
     * A warning to print when group or others may access the file (like ssh's "UNPROTECTED PRIVATE
     * KEY FILE"); empty when the mode is fine, the file came from {@link #parse}, or the file system
     * has no POSIX permissions.
     */
    public Optional<String> permissionWarning() {
        return Optional.ofNullable(permissionWarning);
    }

    /** A copy of the 32 key bytes of key {@code index}; package-private so the secret stays in this package. */
    byte[] secret(final int index) {
        return secrets[index].clone();
    }

    /** Source and key ids; never the keys. */
    @Override
    public String toString() {
        final StringBuilder out = new StringBuilder("ClusterKeyFile[").append(source).append(": send key id ")
            .append(keyIds[0]);
        for (int i = 1; i < keyIds.length; i++) {
            out.append(", also accepted ").append(keyIds[i]);
        }
        return out.append(']').toString();
    }
}
