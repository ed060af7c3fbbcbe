package io.tandem.nativeio.libc;

/**
 * One entry of the user database ({@code getpwnam(3)}), as far as switching to the user needs it. A value; from
 * {@link Posix#user}.
 *
 * @param name its login name
 * @param uid  its user id
 * @param gid  its primary group id
 * @param home its home directory (not used by Tandem; shown in messages)
 */
public record UserAccount(String name, int uid, int gid, String home) {
    @Override
    public String toString() {
        return name + " (uid " + uid + ", gid " + gid + ")";
    }
}
