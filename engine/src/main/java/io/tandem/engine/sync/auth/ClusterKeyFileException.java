package io.tandem.engine.sync.auth;

/**
 * An error in the cluster key file: a configuration error, raised at start-up or reload, never on
 * the packet path. The message is {@code FILE:LINE: detail} for an error on a line, and
 * {@code FILE: detail} for one about the whole file (unreadable, no key); the form compilers use.
 * Messages never contain key material.
 */
public final class ClusterKeyFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String detail;

    /**
     * @param source the file name as given
     * @param line   1-based line number, or 0 when the error is about the whole file
     * @param detail the message without the position prefix
     */
    public ClusterKeyFileException(final String source, final int line, final String detail) {
        this(source, line, detail, null);
    }

    public ClusterKeyFileException(final String source, final int line, final String detail, final Throwable cause) {
        super((line > 0 ? source + ":" + line : source) + ": " + detail, cause);
        this.source = source;
        this.line = line;
        this.detail = detail;
    }

    /** The file name as given. */
    public String source() {
        return source;
    }

    /** 1-based line number, 0 when the error concerns the whole file. */
    public int line() {
        return line;
    }

    /** The message without the position prefix. */
    public String detail() {
        return detail;
    }
}
