package io.tandem.engine.privileges;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity and capabilities of one thread as the kernel reports them in {@code /proc/PID/task/TID/status}:
 * the four user ids (real, effective, saved, file system), the four group ids, and the effective and permitted
 * capability masks. {@link #ofProcess} reads every thread of this process, so that a privilege change can be
 * proven for all of them, not only for the thread that made it. A value; reading is setup time only.
 *
 * @param tid     the thread id
 * @param name    the thread's name as the kernel has it ({@code comm}, at most 15 characters)
 * @param uids    real, effective, saved and file-system user ids
 * @param gids    the same for groups
 * @param capEff  the effective capabilities
 * @param capPrm  the permitted capabilities
 */
public record ThreadCredentials(int tid, String name, int[] uids, int[] gids, long capEff, long capPrm) {
    /** Every thread of this process; threads that end while being read are left out. */
    public static List<ThreadCredentials> ofProcess() throws IOException {
        return ofTasks(Path.of("/proc/self/task"));
    }

    /** Every thread under {@code taskDir} (a {@code /proc/PID/task} directory). */
    public static List<ThreadCredentials> ofTasks(final Path taskDir) throws IOException {
        final List<ThreadCredentials> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (final Path task : tasks) {
                final List<String> lines;
                try {
                    lines = Files.readAllLines(task.resolve("status"), StandardCharsets.US_ASCII);
                } catch (final NoSuchFileException e) {
                    continue; // the thread ended
                }
                out.add(parse(Integer.parseInt(task.getFileName().toString()), lines));
            }
        }
        return out;
    }

    /** Parses the lines of one {@code status} file. */
    static ThreadCredentials parse(final int tid, final List<String> lines) {
        String name = "?";
        int[] uids = null;
        int[] gids = null;
        long capEff = -1;
        long capPrm = -1;
        for (final String line : lines) {
            if (line.startsWith("Name:")) {
                name = line.substring(5).trim();
            } else if (line.startsWith("Uid:")) {
                uids = ids(line.substring(4));
            } else if (line.startsWith("Gid:")) {
                gids = ids(line.substring(4));
            } else if (line.startsWith("CapEff:")) {
                capEff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            } else if (line.startsWith("CapPrm:")) {
                capPrm = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        if (uids == null || gids == null || capEff == -1 || capPrm == -1) {
            throw new IllegalArgumentException("task " + tid + ": no Uid, Gid, CapEff or CapPrm line in its status");
        }
        return new ThreadCredentials(tid, name, uids, gids, capEff, capPrm);
    }

    private static int[] ids(final String text) {
        final String[] f = text.trim().split("\\s+");
        final int[] v = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = Integer.parseInt(f[i]);
        }
        return v;
    }

    /** @return true when all four user ids are {@code uid} and all four group ids {@code gid} */
    public boolean runsAs(final int uid, final int gid) {
        for (final int u : uids) {
            if (u != uid) {
                return false;
            }
        }
        for (final int g : gids) {
            if (g != gid) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "thread " + tid + " (" + name + "): uids " + java.util.Arrays.toString(uids) + ", gids "
                + java.util.Arrays.toString(gids) + ", CapEff " + Long.toHexString(capEff) + ", CapPrm "
                + Long.toHexString(capPrm);
    }
}
