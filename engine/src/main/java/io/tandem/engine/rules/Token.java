package io.tandem.engine.rules;

/**
 * One lexical token of a configuration statement, with the position it is reported at.
 *
 * <p>Tokens produced by a macro expansion carry the position of the {@code $name} use, so every
 * error points at text the administrator wrote on that line.
 *
 * @param kind   what sort of token this is
 * @param text   the token text (for {@link Kind#STRING} without the quotes, for {@link Kind#MACRO}
 *               the macro name without {@code $})
 * @param line   1-based line
 * @param column 1-based column
 */
public record Token(Kind kind, String text, int line, int column) {

    /** Token kinds. */
    public enum Kind {
        /** A bare word: keyword, number, address, name ({@code [A-Za-z0-9_.:-]+}). */
        WORD,
        /** A double-quoted string. */
        STRING,
        /** One of {@code { } , ( ) / = ! < > != <= >= <> ><}. */
        PUNCT,
        /** A macro use {@code $name}; replaced by its expansion before parsing. */
        MACRO,
        /** End of the statement (a newline not preceded by a backslash, or end of file). */
        EOL
    }

    /** True when this token is a word or punctuation with exactly this text. */
    public boolean is(final String s) {
        return (kind == Kind.WORD || kind == Kind.PUNCT) && text.equals(s);
    }

    /** How the token is quoted in error messages: {@code 'text'} or {@code end of line}. */
    public String describe() {
        switch (kind) {
            case EOL:
                return "end of line";
            case STRING:
                return "\"" + text + "\"";
            case MACRO:
                return "'$" + text + "'";
            default:
                return "'" + text + "'";
        }
    }
}
