package io.tandem.engine.sync.auth;

/**
 * Outcome of {@link FrameAuthenticator#verify}, in the order the checks run (W.12). Each value is
 * also a counter descriptor: {@link FrameAuthenticator#count(AuthResult)} is its value,
 * {@link #counterName()} and {@link #help()} describe it. Every value that is not
 * {@link #accepted()} is a {@code badauth} for the caller, which drops the frame without applying
 * any section.
 */
public enum AuthResult {
    /** Trailer valid, tag correct, sequence new: apply the frame. */
    OK(true, "ok", "frames with a valid trailer"),
    /** No trailer, and {@code sync.auth.require} is false (key roll-out): apply the frame. */
    ACCEPTED_UNAUTHENTICATED(true, "unauthenticated",
        "frames without a trailer, accepted because sync.auth.require is false"),
    /** No trailer, and {@code sync.auth.require} is true. */
    MISSING(false, "missing", "frames without a trailer"),
    /** Bytes after EOF that are neither none nor one 48-byte trailer (or an inconsistent length). */
    BAD_LENGTH(false, "bad_length", "frames whose bytes after EOF are not one 48-byte trailer"),
    /** Trailer version other than 1. */
    BAD_VERSION(false, "bad_version", "frames with a trailer version other than 1"),
    /** Algorithm other than 1 (HMAC-SHA-256). */
    BAD_ALGORITHM(false, "bad_algorithm", "frames with an algorithm other than 1 (HMAC-SHA-256)"),
    /** Key id not in the key file. */
    UNKNOWN_KEY(false, "unknown_key", "frames signed with a key id not in the key file"),
    /** The tag does not match: not signed with that cluster key, or altered on the way. */
    BAD_TAG(false, "bad_tag", "frames whose HMAC tag does not match"),
    /** Sequence number already seen from this sender, or older than its 64-frame window. */
    REPLAY(false, "replay", "frames repeating a sequence number, or older than the 64-frame window"),
    /** First frame of an unknown sender, with a sequence farther than sync.auth.max_skew from our clock. */
    STALE_SENDER(false, "stale_sender",
        "frames from an unknown sender whose sequence is farther than sync.auth.max_skew from our clock");

    private final boolean accepted;
    private final String counterName;
    private final String help;

    AuthResult(final boolean accepted, final String counterName, final String help) {
        this.accepted = accepted;
        this.counterName = counterName;
        this.help = help;
    }

    /** True when the caller applies the frame; false is a {@code badauth} drop. */
    public boolean accepted() {
        return accepted;
    }

    /** Metric label value, lower case. */
    public String counterName() {
        return counterName;
    }

    /** One-line description for the metric's help text. */
    public String help() {
        return help;
    }
}
