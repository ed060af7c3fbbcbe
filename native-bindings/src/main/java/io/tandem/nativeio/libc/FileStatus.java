package io.tandem.nativeio.libc;

/**
 * What {@code stat(2)} says about a file that matters to a permission check: owner, group, type and mode bits,
 * and its identity (device and inode), to tell whether a path was replaced between two looks. A value; from
 * {@link Posix#stat} and {@link Posix#lstat}.
 *
 * @param uid  the owner's user id
 * @param gid  the owner's group id
 * @param mode {@code st_mode}: the type ({@link #S_IFMT} bits) and the permission bits
 * @param dev  the device the file lives on
 * @param ino  its inode number on that device
 */
public record FileStatus(int uid, int gid, int mode, long dev, long ino) {
    /** {@code S_IFMT}: the file type bits of {@code st_mode}. */
    public static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFSOCK = 0140000;

    /** @return the permission bits, {@code 07777} of the mode (setuid, setgid, sticky, rwx for owner, group, others) */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isSymbolicLink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    public boolean isSocket() {
        return (mode & S_IFMT) == S_IFSOCK;
    }

    /** @return true when {@code other} is the same file (device and inode) */
    public boolean sameFile(final FileStatus other) {
        return other != null && dev == other.dev && ino == other.ino;
    }

    /** @return the permission bits in octal as {@code ls} and {@code chmod} write them, e.g. {@code 0640} */
    public String octal() {
        return String.format("%04o", permissions());
    }
}
