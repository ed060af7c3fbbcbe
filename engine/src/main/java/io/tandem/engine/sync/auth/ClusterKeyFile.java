package io.tandem.engine.sync.auth;

import io.tandem.nativeio.libc.FileStatus;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

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
 * id, a third key, no key at all, or a file that cannot be read. The file is also refused, before it
 * is read, when it is not private, as ssh refuses an unprotected private key: not a regular file,
 * any permission for group or others, not owned by the engine's effective user, or a symbolic link
 * owned by another user than that one or root, or pointing at such a file. The engine reads the file before
 * it switches to {@code set user}, so "the engine's user" is the one it was started as: root for {@code tandem
 * run} as root, {@code tandem} under the systemd unit ({@code User=tandem}). Owners and modes are read with
 * {@code lstat}/{@code stat} through jnr-posix. Neither messages nor {@link #toString()} ever contain key
 * material.
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

    private ClusterKeyFile(final String source, final int[] keyIds, final byte[][] secrets) {
        this.source = source;
        this.keyIds = keyIds;
        this.secrets = secrets;
    }

    /**
     * Checks the file's ownership and mode, then reads and parses it. Refused, before a byte is read:
     * a path that is not a regular file (a FIFO, device or directory, also through a link), a file
     * group or others may read, write or execute (any bit of 0077), a file not owned by the engine's
     * effective user, and a symbolic link owned by someone other than that user or root, or whose
     * target is refused by these rules. A file replaced while being read is refused too.
     *
     * @throws ClusterKeyFileException when the file is refused, cannot be read or is not a valid key file
     */
    public static ClusterKeyFile load(final Path path) {
        final String source = path.toString();
        final FileStatus target = checkFile(path, source);
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
        try {
            if (bytes.length > MAX_FILE_SIZE) {
                throw new ClusterKeyFileException(source, 0, "larger than " + MAX_FILE_SIZE + " bytes; not a key file");
            }
            final FileStatus after = status(path, source, true);
            if (!after.sameFile(target) || after.uid() != target.uid() || after.mode() != target.mode()) {
                throw new ClusterKeyFileException(source, 0,
                        "the key file was replaced or changed while being read; refused, try again");
            }
            return parse(source, new String(bytes, StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * ssh's rules for a private key, made errors: the link (if any) and its target are checked
     * ({@code lstat}, then {@code stat}, through jnr-posix); returns the target's status, to be
     * compared after the read.
     */
    private static FileStatus checkFile(final Path path, final String source) {
        final FileStatus link = status(path, source, false);
        final int engine = Posix.geteuid();
        String what = source;
        FileStatus target = link;
        if (link.isSymbolicLink()) {
            if (link.uid() != engine && link.uid() != 0) {
                throw new ClusterKeyFileException(source, 0, "a symbolic link owned by " + name(link.uid())
                        + ", neither " + name(engine) + " (the engine's user) nor root; refused");
            }
            target = status(path, source, true);
            try {
                what = source + " (a link to " + path.toRealPath() + ")";
            } catch (final IOException e) {
                what = source + " (a symbolic link)";
            }
        }
        if (!target.isRegularFile()) {
            throw new ClusterKeyFileException(what, 0, "not a regular file; refused");
        }
        final int mode = target.permissions() & 0777;
        if ((mode & 0077) != 0) {
            throw new ClusterKeyFileException(what, 0, "permissions " + String.format("%04o", mode)
                    + " are too open: group or others can " + ((mode & 0044) != 0 ? "read" : "access")
                    + " the cluster key; refused, run: chmod 600 " + source);
        }
        if (target.uid() != engine) {
            throw new ClusterKeyFileException(what, 0, "owned by " + name(target.uid()) + ", not by " + name(engine)
                    + ", the engine's user; refused, run: chown " + Posix.userName(engine) + " " + source);
        }
        return target;
    }

    /** {@code stat} ({@code follow}) or {@code lstat} of the key file; refused when nothing is there. */
    private static FileStatus status(final Path path, final String source, final boolean follow) {
        final FileStatus st;
        try {
            st = follow ? Posix.stat(source) : Posix.lstat(source);
        } catch (final NativeException e) {
            throw new ClusterKeyFileException(source, 0, "cannot read the key file: "
                    + ("EACCES".equals(e.errnoName()) ? "permission denied" : e.getMessage()), e);
        }
        if (st == null) {
            throw new ClusterKeyFileException(source, 0, "cannot read the key file: no such file"
                    + (follow && Files.isSymbolicLink(path) ? " (a dangling symbolic link)" : ""));
        }
        return st;
    }

    /** {@code 'name' (uid N)}, as the key file's messages name users. */
    private static String name(final int uid) {
        return "'" + Posix.userName(uid) + "' (uid " + uid + ")";
    }

    /**
     * Parses key-file text; {@code source} names it in error messages. No permission check.
     *
     * @throws ClusterKeyFileException when the text is not a valid key file
     */
    public static ClusterKeyFile parse(final String source, final String text) {
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
        return new ClusterKeyFile(source, Arrays.copyOf(ids, count), Arrays.copyOf(secrets, count));
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
