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

    private boolean damage;

    /** A journal that cannot be read because it is damaged (the tools exit with status 3). */
    public static JournalException damaged(final String message) {
        final JournalException e = new JournalException(message);
        e.damage = true;
        return e;
    }

    /** True when the journal is damaged, as opposed to missing, foreign or of another format. */
    public boolean damage() {
        return damage;
    }
}
