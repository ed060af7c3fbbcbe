package io.tandem.engine.config;

/**
 * A configuration error. The message is exactly {@code FILE:LINE:COLUMN: message} with 1-based line
 * and column of the offending token (for tokens from a macro, the position of the {@code $name} use),
 * the form compilers use so editors can jump to it.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String detail;

    public ConfigException(final String source, final int line, final int column, final String detail) {
        super(source + ":" + line + ":" + column + ": " + detail);
        this.source = source;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    /**
     * An error not tied to a position (the file cannot be read...): the message is used as given and
     * line and column are 0.
     */
    public ConfigException(final String message) {
        super(message);
        this.source = null;
        this.line = 0;
        this.column = 0;
        this.detail = message;
    }

    /** File name, or {@code <command line>} for overrides. */
    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without the position prefix. */
    public String detail() {
        return detail;
    }
}
