package io.tandem.engine.sync.wire;

/** Outcome of {@link PfsyncFrameDecoder#decode}: whether, and how much of, the frame was applied. */
public enum PfsyncDecodeResult {
    /** Every section up to EOF was walked and its valid records handed over; EOF ended the packet. */
    OK(true),
    /** Shorter than the pfsync header: {@code hdrops}, nothing applied. */
    TOO_SHORT(false),
    /** Version other than 5: {@code badver}, nothing applied. */
    BAD_VERSION(false),
    /** Packet shorter than {@code len}, no EOF within {@code len}, or a section past it: {@code badlen}, nothing applied. */
    BAD_LENGTH(false),
    /** An unknown action, INS_F or DEL_F: {@code badact}; earlier sections applied, the rest discarded. */
    BAD_ACTION(true),
    /** Bytes after EOF: applied as FreeBSD does, and {@code badlen} counted. */
    TRAILING_BYTES(true);

    private final boolean applied;

    PfsyncDecodeResult(final boolean applied) {
        this.applied = applied;
    }

    /** True when at least the leading sections of the frame were handed to the handler. */
    public boolean applied() {
        return applied;
    }
}
