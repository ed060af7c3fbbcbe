package io.tandem.engine.journal;

/** A journal that cannot be used: not a journal, another node's, unreadable. Setup time only. */
public final class JournalException extends Exception {
    private static final long serialVersionUID = 1L;

    public JournalException(final String message) {
        super(message);
    }

    public JournalException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
