package io.tandem.engine.rules;

import java.util.List;

/**
 * Reads the tokens of one statement front to back. The list always ends with an
 * {@link Token.Kind#EOL} token, so {@link #peek()} never runs off the end.
 */
public final class TokenCursor {
    private final List<Token> tokens;
    private int index;

    public TokenCursor(final List<Token> tokens) {
        if (tokens.isEmpty() || tokens.get(tokens.size() - 1).kind() != Token.Kind.EOL) {
            throw new IllegalArgumentException("token list must end with EOL");
        }
        this.tokens = List.copyOf(tokens);
    }

    public Token peek() {
        return tokens.get(index);
    }

    /** The token after the next one (EOL at the end). */
    public Token peek2() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    public Token next() {
        final Token t = tokens.get(index);
        if (t.kind() != Token.Kind.EOL) {
            index++;
        }
        return t;
    }

    public boolean atEnd() {
        return peek().kind() == Token.Kind.EOL;
    }

    /** Consumes the next token when it is the word or punctuation {@code s}. */
    public boolean accept(final String s) {
        if (peek().is(s)) {
            index++;
            return true;
        }
        return false;
    }

    /** Consumes {@code s} or fails with "expected 'S', got ...". */
    public Token expect(final String s) throws RuleSyntaxException {
        final Token t = peek();
        if (!t.is(s)) {
            throw new RuleSyntaxException(t, "expected '" + s + "', got " + t.describe());
        }
        return next();
    }

    /** Fails unless the statement is complete. */
    public void expectEnd() throws RuleSyntaxException {
        final Token t = peek();
        if (t.kind() != Token.Kind.EOL) {
            throw new RuleSyntaxException(t, "unexpected " + t.describe() + "; expected end of line");
        }
    }
}
