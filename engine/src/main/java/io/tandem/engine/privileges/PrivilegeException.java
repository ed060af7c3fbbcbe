package io.tandem.engine.privileges;

/**
 * The engine cannot take the identity, or trust the files, its configuration asks for: a user that does not
 * exist, a start without the right to switch users, a journal directory others may write. The message is one
 * line naming the path or user, what is wrong and what to run; the engine refuses to start with it (exit 1).
 */
public final class PrivilegeException extends Exception {
    private static final long serialVersionUID = 1L;

    public PrivilegeException(final String message) {
        super(message);
    }

    public PrivilegeException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
