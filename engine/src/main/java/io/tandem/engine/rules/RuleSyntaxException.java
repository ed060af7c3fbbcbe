package io.tandem.engine.rules;

/**
 * A syntax or consistency error in a rule, located at a token. The configuration parser adds the
 * file name and turns it into a {@code ConfigException} of the form {@code FILE:LINE:COLUMN: message}.
 */
public final class RuleSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final String detail;

    public RuleSyntaxException(final Token at, final String detail) {
        this(at.line(), at.column(), detail);
    }

    public RuleSyntaxException(final int line, final int column, final String detail) {
        super(line + ":" + column + ": " + detail);
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without position. */
    public String detail() {
        return detail;
    }
}
