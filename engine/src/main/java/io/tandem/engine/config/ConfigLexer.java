package io.tandem.engine.config;

import io.tandem.engine.rules.Token;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits pf.conf-style text into statements of tokens.
 *
 * <p>A statement ends at a newline; a backslash right before the newline continues it on the next
 * line. {@code #} starts a comment to the end of the line (outside quotes). Words are runs of
 * {@code [A-Za-z0-9_.:-]} (so {@code 1024:2048}, {@code fe80::1} and {@code tcp.first} are one word),
 * strings are double-quoted on one line, {@code $name} is a macro use, and punctuation is
 * {@code { } , ( ) / = ! < >} plus {@code != <= >= <> ><}. Positions are 1-based; a tab counts as one
 * column. When lexing a macro value every token takes the position of the macro use.
 */
final class ConfigLexer {
    private final String source;
    private final String text;
    private final Token at;
    private int pos;
    private int line = 1;
    private int col = 1;

    private ConfigLexer(final String source, final String text, final Token at) {
        this.source = source;
        this.text = text;
        this.at = at;
    }

    /** Lexes a whole file into statements; each list ends with an EOL token. Empty statements are dropped. */
    static List<List<Token>> statements(final String source, final String text) throws ConfigException {
        return new ConfigLexer(source, text, null).run();
    }

    /** Lexes a macro value used at {@code at}; newlines in the value are blanks. No EOL token. */
    static List<Token> value(final String source, final String text, final Token at) throws ConfigException {
        final List<Token> out = new ArrayList<>();
        for (final List<Token> stmt : new ConfigLexer(source, text, at).run()) {
            out.addAll(stmt.subList(0, stmt.size() - 1));
        }
        return out;
    }

    private ConfigException error(final int l, final int c, final String msg) {
        return at != null ? new ConfigException(source, at.line(), at.column(), msg + " (in macro '$" + at.text() + "')")
                : new ConfigException(source, l, c, msg);
    }

    private Token token(final Token.Kind kind, final String s, final int l, final int c) {
        return at != null ? new Token(kind, s, at.line(), at.column()) : new Token(kind, s, l, c);
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        pos++;
    }

    private static boolean isWordChar(final char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                || ch == '_' || ch == '.' || ch == ':' || ch == '-';
    }

    static boolean isMacroChar(final char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    }

    private List<List<Token>> run() throws ConfigException {
        final List<List<Token>> out = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        final int n = text.length();
        while (pos < n) {
            final char ch = text.charAt(pos);
            final int l = line;
            final int c = col;
            if (ch == '\n') {
                if (at == null) {
                    endStatement(out, current, l, c);
                    current = new ArrayList<>();
                }
                advance();
            } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f') {
                advance();
            } else if (ch == '\\') {
                int k = pos + 1;
                if (k < n && text.charAt(k) == '\r') {
                    k++;
                }
                if (k < n && text.charAt(k) == '\n') {
                    while (pos <= k) {
                        advance();
                    }
                } else if (k >= n) {
                    advance();
                } else {
                    throw error(l, c, "unexpected '\\'; a backslash is only allowed at the end of a line");
                }
            } else if (ch == '#') {
                while (pos < n && text.charAt(pos) != '\n') {
                    advance();
                }
            } else if (ch == '"') {
                advance();
                final int start = pos;
                while (pos < n && text.charAt(pos) != '"' && text.charAt(pos) != '\n') {
                    advance();
                }
                if (pos >= n || text.charAt(pos) != '"') {
                    throw error(l, c, "unterminated string");
                }
                current.add(token(Token.Kind.STRING, text.substring(start, pos), l, c));
                advance();
            } else if (ch == '$') {
                advance();
                final int start = pos;
                while (pos < n && isMacroChar(text.charAt(pos))) {
                    advance();
                }
                if (pos == start) {
                    throw error(l, c, "expected a macro name after '$'");
                }
                current.add(token(Token.Kind.MACRO, text.substring(start, pos), l, c));
            } else if (isWordChar(ch)) {
                final int start = pos;
                while (pos < n && isWordChar(text.charAt(pos))) {
                    advance();
                }
                current.add(token(Token.Kind.WORD, text.substring(start, pos), l, c));
            } else if ("{},()/=!<>".indexOf(ch) >= 0) {
                advance();
                String p = String.valueOf(ch);
                if (pos < n) {
                    final String two = p + text.charAt(pos);
                    if (two.equals("!=") || two.equals("<=") || two.equals(">=") || two.equals("<>") || two.equals("><")) {
                        p = two;
                        advance();
                    }
                }
                current.add(token(Token.Kind.PUNCT, p, l, c));
            } else {
                final String shown = ch >= 0x20 && ch < 0x7f ? String.valueOf(ch) : String.format("\\u%04x", (int) ch);
                throw error(l, c, "unexpected character '" + shown + "'");
            }
        }
        endStatement(out, current, line, col);
        return out;
    }

    private void endStatement(final List<List<Token>> out, final List<Token> current, final int l, final int c) {
        if (!current.isEmpty()) {
            current.add(token(Token.Kind.EOL, "", l, c));
            out.add(current);
        }
    }
}
