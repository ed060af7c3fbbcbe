package io.tandem.engine.journal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A journal directory and its ownership file {@code tandem-journal.properties}.
 *
 * <p>The file records the format version, the node (host name) that writes the journal and the
 * creatorid that node uses, so that a restarted engine keeps its pfsync identity and so that a
 * directory copied from another firewall, or one that is not a journal at all, is refused with a
 * clear message instead of being mixed into this node's state. Setup time only; not on the packet
 * path.
 */
public final class JournalDirectory {
    public static final String OWNER_FILE = "tandem-journal.properties";
    public static final int FORMAT = JournalRecordFlyweight.VERSION;

    private final Path dir;
    private final String node;
    private final int creatorId;

    private JournalDirectory(final Path dir, final String node, final int creatorId) {
        this.dir = dir;
        this.node = node;
        this.creatorId = creatorId;
    }

    public Path path() {
        return dir;
    }

    /** Host name of the node that owns the journal. */
    public String node() {
        return node;
    }

    /** The creatorid stored for this node (0 when it has none yet). */
    public int creatorId() {
        return creatorId;
    }

    /**
     * Opens (creating if needed) a journal directory for writing by this node.
     *
     * @param configuredCreatorId {@code set hostid}, or 0 to keep the stored one (or draw one)
     * @param randomCreatorId     used when nothing is configured nor stored
     * @throws JournalException when the directory is not a journal, belongs to another node, or is
     *                          of a newer format
     */
    public static JournalDirectory openForWriting(final Path dir, final int configuredCreatorId, final int randomCreatorId)
            throws JournalException {
        final String host = hostName();
        try {
            Files.createDirectories(dir);
            final Path owner = dir.resolve(OWNER_FILE);
            if (!Files.exists(owner)) {
                if (hasForeignFiles(dir)) {
                    throw new JournalException(dir + " is not empty and has no " + OWNER_FILE
                            + ": it is not a Tandem journal; choose an empty directory with `set journal dir`");
                }
                final int id = configuredCreatorId != 0 ? configuredCreatorId : randomCreatorId;
                write(owner, host, id);
                return new JournalDirectory(dir, host, id);
            }
            final JournalDirectory existing = read(dir);
            if (!existing.node.equals(host)) {
                throw new JournalException(dir + " belongs to node '" + existing.node + "', not to this node ('" + host
                        + "'); a journal copied from another firewall would import its states as ours."
                        + " Use `tandem journal import` to bring its states over, or another `set journal dir`");
            }
            final int id = configuredCreatorId != 0 ? configuredCreatorId
                    : existing.creatorId != 0 ? existing.creatorId : randomCreatorId;
            if (id != existing.creatorId) {
                write(owner, host, id);
            }
            return new JournalDirectory(dir, host, id);
        } catch (final IOException e) {
            throw new JournalException("cannot use journal directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing journal for reading (tools); any node's journal may be read. */
    public static JournalDirectory read(final Path dir) throws JournalException {
        final Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isDirectory(dir)) {
            throw new JournalException(dir + ": no such journal directory");
        }
        if (!Files.exists(owner)) {
            throw new JournalException(dir + " has no " + OWNER_FILE + ": it is not a Tandem journal");
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(owner, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (final IOException | IllegalArgumentException e) {
            throw new JournalException(owner + " is unreadable: " + e.getMessage());
        }
        final int format;
        try {
            format = Integer.parseInt(p.getProperty("format", "-1"));
        } catch (final NumberFormatException e) {
            throw new JournalException(owner + ": bad format value '" + p.getProperty("format") + "'");
        }
        if (format != FORMAT) {
            throw new JournalException(dir + " is journal format " + format + "; this Tandem reads format " + FORMAT);
        }
        final String node = p.getProperty("node", "");
        int creator = 0;
        try {
            creator = (int) Long.parseLong(p.getProperty("creatorid", "0"), 16);
        } catch (final NumberFormatException e) {
            throw new JournalException(owner + ": bad creatorid '" + p.getProperty("creatorid") + "'");
        }
        return new JournalDirectory(dir, node, creator);
    }

    private static void write(final Path owner, final String host, final int creatorId) throws IOException {
        final Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        p.setProperty("node", host);
        p.setProperty("creatorid", String.format("%08x", creatorId));
        final Path tmp = owner.resolveSibling(OWNER_FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "Tandem journal: owner node and pfsync creatorid. Do not copy to another node.");
        }
        Files.move(tmp, owner, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean hasForeignFiles(final Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (final Path e : entries) {
                final String name = e.getFileName().toString();
                if (!name.endsWith(".cq4") && !name.endsWith(".cq4t") && !name.startsWith(OWNER_FILE)
                        && !name.equals(EngineJournal.LOCK_FILE) && !name.equals(JournalRing.FILE)
                        && !name.equals(JournalRepair.DAMAGED_DIR)) {
                    return true;
                }
            }
        }
        return false;
    }

    static String hostName() {
        try {
            final String env = System.getenv("HOSTNAME");
            return env != null && !env.isEmpty() ? env : InetAddress.getLocalHost().getHostName();
        } catch (final IOException e) {
            return "localhost";
        }
    }
}
