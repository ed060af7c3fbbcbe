package io.tandem.engine.journal;

import io.tandem.engine.state.StateRemoveReason;

/** Why a state was deleted (the reason byte of a DELETE record). */
public enum JournalDeleteReason {
    UNKNOWN(0),
    EXPIRED(1),
    CLOSED(2),
    FLUSHED(3),
    REUSED(4),
    PEER(5),
    SUPERSEDED(6);

    private static final JournalDeleteReason[] VALUES = values();

    private final int code;

    JournalDeleteReason(final int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static JournalDeleteReason of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNKNOWN;
    }

    /** The journal code of a state table removal reason. */
    public static int codeOf(final StateRemoveReason reason) {
        switch (reason) {
            case EXPIRED: return EXPIRED.code;
            case CLOSED: return CLOSED.code;
            case FLUSHED: return FLUSHED.code;
            case REUSED: return REUSED.code;
            case SUPERSEDED: return SUPERSEDED.code;
            default: return UNKNOWN.code;
        }
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
