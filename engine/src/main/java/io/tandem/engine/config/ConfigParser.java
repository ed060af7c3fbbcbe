package io.tandem.engine.config;

import io.tandem.engine.rules.Rule;
import io.tandem.engine.rules.RuleParser;
import io.tandem.engine.rules.RuleSyntaxException;
import io.tandem.engine.rules.Token;
import io.tandem.engine.rules.TokenCursor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one pf.conf-style configuration file into a {@link TandemConfig}.
 *
 * <p><b>Theory of operation.</b> The text is split into statements by {@link ConfigLexer} (newline
 * ends a statement, backslash-newline continues it, {@code #} comments). Each statement is one of:
 * <ul>
 *   <li>a macro definition {@code name = value...}: the values (strings, words, {@code $macros}) are
 *       joined with blanks and stored as text; a later definition replaces an earlier one;</li>
 *   <li>{@code set OPTION VALUE}, looked up in the {@link ConfigOption} table;</li>
 *   <li>a filter rule starting with {@code pass} or {@code block}, handed to {@link RuleParser}.</li>
 * </ul>
 * Before a set or rule statement is parsed, each {@code $name} is replaced by the tokens of the
 * macro's value (re-lexed, so macros may use other macros) and every produced token carries the
 * position of the {@code $name} use; undefined and recursive macros are errors. Expansion has a
 * budget over the whole file ({@link #MAX_MACRO_DEPTH} levels, {@link #MAX_MACRO_USES} uses and
 * {@link #MAX_MACRO_CHARACTERS} characters, definitions included; each use counts, also of an empty
 * macro), so nesting cannot multiply work: exceeding it is an error naming the limit. Each macro's
 * value is lexed once per definition. After the last statement, cross-option checks run
 * (adaptive.start below adaptive.end).
 *
 * <p><b>Input.</b> {@link #parse(Path)} reads only a regular file of at most {@link #MAX_FILE_SIZE}
 * bytes of strict UTF-8 ({@link ConfigInput}).
 *
 * <p><b>Failure policy.</b> The first error stops parsing with a {@link ConfigException} whose
 * message is {@code FILE:LINE:COLUMN: message}. No other exception escapes for any input text
 * (this is fuzzed). Nothing is resolved through DNS or the host's files. No message shows key
 * material: errors in the value of {@code set sync auth-key} and after it never quote the text, and
 * {@link ConfigException} hides hex and base64 runs wherever they come from.
 *
 * <p>Not thread-safe; each call uses its own parser instance.
 */
public final class ConfigParser {
    /** Source name used for {@link TandemConfig#withOverride(String)}. */
    public static final String COMMAND_LINE = "<command line>";
    /** Largest configuration file read, in bytes (16 MiB). */
    public static final int MAX_FILE_SIZE = ConfigInput.MAX_FILE_SIZE;

    /** Deepest nesting of macro uses inside macro values. */
    public static final int MAX_MACRO_DEPTH = 64;
    /** Macro uses one file may expand in all (definitions and statements together). */
    public static final int MAX_MACRO_USES = 1 << 20;
    /** Characters of macro values one file may expand in all (definitions and statements together). */
    public static final long MAX_MACRO_CHARACTERS = 16L << 20;
    private static final int MAX_STATEMENT_TOKENS = 100_000;
    private static final String[] UNSUPPORTED_STATEMENTS = {
        "table", "nat", "rdr", "binat", "anchor", "nat-anchor", "rdr-anchor", "binat-anchor", "load", "scrub",
        "match", "altq", "queue", "antispoof", "include",
    };

    private static final String NOT_SHOWN = "the text is not shown, as it may be key material";

    private final String source;
    /** The option whose possibly secret value the current statement has reached, or null. */
    private ConfigOption secretValue;
    private final Map<String, String> macros = new HashMap<>();
    /** Tokens of each macro's current value, lexed at its first use. */
    private final Map<String, List<Token>> lexed = new HashMap<>();
    private long macroUses;
    private long macroCharacters;
    private final long[] values;
    private final String[] texts;
    private final TandemConfig.Position[] setAt;
    private final List<Rule> rules = new ArrayList<>();

    private ConfigParser(final String source, final long[] values, final String[] texts,
            final TandemConfig.Position[] setAt) {
        this.source = source;
        this.values = values;
        this.texts = texts;
        this.setAt = setAt;
    }

    /**
     * Parses configuration text.
     *
     * @param source the file name used in error messages
     * @param text   the whole file
     */
    public static TandemConfig parse(final String source, final String text) throws ConfigException {
        final ConfigParser p = new ConfigParser(source, TandemConfig.defaultValues(), TandemConfig.defaultTexts(),
                new TandemConfig.Position[ConfigOption.values().length]);
        for (final List<Token> stmt : ConfigLexer.statements(source, text)) {
            p.statement(stmt);
        }
        final TandemConfig config = new TandemConfig(source, p.values, p.texts, p.setAt, p.rules);
        validate(config);
        return config;
    }

    /** Reads and parses a file (see {@link #parse(Path)}); kept for callers that also handle I/O errors. */
    public static TandemConfig parseFile(final Path file) throws ConfigException, IOException {
        return parse(file);
    }

    /**
     * Reads and parses a file. Only a regular file of at most {@link #MAX_FILE_SIZE} bytes of strict
     * UTF-8 is read; anything else, and a file that cannot be read, is a {@link ConfigException}
     * ({@code FILE: not a regular file}, {@code FILE: larger than N bytes},
     * {@code FILE:LINE:COLUMN: not UTF-8 (byte 0xNN)}, ...).
     */
    public static TandemConfig parse(final Path file) throws ConfigException {
        return parse(file.toString(), ConfigInput.read(file));
    }

    /** Parses the bytes of a file as {@link #parse(Path)} does after reading it: strict UTF-8 first. */
    public static TandemConfig parse(final String source, final byte[] bytes) throws ConfigException {
        if (bytes.length > MAX_FILE_SIZE) {
            throw new ConfigException(source + ": larger than " + MAX_FILE_SIZE + " bytes (16 MiB); not a configuration file");
        }
        return parse(source, ConfigInput.decode(source, bytes));
    }

    static TandemConfig override(final TandemConfig base, final String line) throws ConfigException {
        final ConfigParser p = new ConfigParser(COMMAND_LINE, base.rawValues(), base.rawTexts(), base.rawPositions());
        final List<List<Token>> stmts = ConfigLexer.statements(COMMAND_LINE, line);
        if (stmts.size() != 1) {
            throw new ConfigException(COMMAND_LINE, 1, 1, stmts.isEmpty() ? "empty option" : "expected one option");
        }
        List<Token> stmt = stmts.get(0);
        if (stmt.get(0).is("set")) {
            stmt = stmt.subList(1, stmt.size());
        }
        for (final Token t : stmt) {
            if (t.kind() == Token.Kind.MACRO) {
                throw p.error(t, "macros are not available on the command line");
            }
        }
        p.option(new TokenCursor(stmt), true);
        final TandemConfig config = new TandemConfig(base.source(), p.values, p.texts, p.setAt, base.rules());
        validate(config);
        return config;
    }

    private ConfigException error(final Token t, final String message) {
        return new ConfigException(source, t.line(), t.column(), message);
    }

    private ConfigException error(final RuleSyntaxException e) {
        return new ConfigException(source, e.line(), e.column(), e.detail());
    }

    private void statement(final List<Token> raw) throws ConfigException {
        final Token first = raw.get(0);
        if (raw.size() > 1 && first.kind() == Token.Kind.WORD && raw.get(1).is("=")) {
            defineMacro(raw);
            return;
        }
        final List<Token> tokens = new ArrayList<>();
        expand(raw, tokens, null, new ArrayList<>());
        if (tokens.size() == 1) {
            return; // a statement that was only macros expanding to nothing
        }
        final Token head = tokens.get(0);
        try {
            if (head.is("set")) {
                final TokenCursor c = new TokenCursor(tokens);
                c.next();
                option(c, false);
            } else if (head.is("pass") || head.is("block")) {
                rules.add(RuleParser.parse(new TokenCursor(tokens), rules.size(), source));
            } else {
                for (final String u : UNSUPPORTED_STATEMENTS) {
                    if (head.is(u)) {
                        throw error(head, "'" + u + "' is not supported by Tandem (see docs/configuration.md)");
                    }
                }
                throw error(head, "unknown keyword " + head.describe()
                        + "; expected 'set', 'pass', 'block' or a macro definition (name = \"value\")");
            }
        } catch (final RuleSyntaxException e) {
            throw error(e);
        }
    }

    private void defineMacro(final List<Token> raw) throws ConfigException {
        final Token name = raw.get(0);
        for (int i = 0; i < name.text().length(); i++) {
            if (!ConfigLexer.isMacroChar(name.text().charAt(i))) {
                throw error(name, "invalid macro name '" + name.text() + "'; use letters, digits and '_'");
            }
        }
        if (Character.isDigit(name.text().charAt(0))) {
            throw error(name, "invalid macro name '" + name.text() + "'; it must not start with a digit");
        }
        final StringBuilder value = new StringBuilder();
        if (raw.size() == 3) {
            throw error(raw.get(2), "expected a macro value, got end of line");
        }
        for (int i = 2; i < raw.size() - 1; i++) {
            final Token t = raw.get(i);
            final String part;
            if (t.kind() == Token.Kind.STRING || t.kind() == Token.Kind.WORD) {
                part = t.text();
            } else if (t.kind() == Token.Kind.MACRO) {
                part = macros.get(t.text());
                if (part == null) {
                    throw error(t, "macro '" + t.text() + "' not defined");
                }
                charge(t, List.of(), t.text(), part.length());
            } else {
                throw error(t, "unexpected " + t.describe() + " in macro definition; quote the value: "
                        + name.text() + " = \"...\"");
            }
            if (value.length() > 0) {
                value.append(' ');
            }
            value.append(part);
            if (value.length() > 65536) {
                throw error(t, "macro '" + name.text() + "' is too long");
            }
        }
        macros.put(name.text(), value.toString());
        lexed.remove(name.text());
    }

    /**
     * Appends {@code in} to {@code out} with macros replaced; {@code at} is the outermost use, whose
     * position every produced token takes, and {@code active} the chain of macros being expanded.
     */
    private void expand(final List<Token> in, final List<Token> out, final Token at, final List<String> active)
            throws ConfigException {
        for (final Token t : in) {
            final Token use = at != null ? at : t;
            if (t.kind() != Token.Kind.MACRO) {
                out.add(at == null ? t : new Token(t.kind(), t.text(), at.line(), at.column()));
            } else {
                final String value = macros.get(t.text());
                if (value == null) {
                    throw error(use, "macro '" + t.text() + "' not defined");
                }
                if (active.contains(t.text())) {
                    throw error(use, "macro '" + t.text() + "' expands recursively: " + chain(active, t.text()));
                }
                if (active.size() >= MAX_MACRO_DEPTH) {
                    throw error(use, "macro expansion exceeds " + MAX_MACRO_DEPTH + " levels of nesting ("
                            + where(active, t.text()) + ")");
                }
                charge(use, active, t.text(), value.length());
                active.add(t.text());
                expand(valueTokens(t.text(), value, use), out, use, active);
                active.remove(active.size() - 1);
            }
            if (out.size() > MAX_STATEMENT_TOKENS) {
                throw error(use, "statement too long after macro expansion (more than " + MAX_STATEMENT_TOKENS
                        + " tokens)");
            }
        }
    }

    /**
     * Counts one macro use of {@code characters} characters against the file's budget; fails with what
     * was exceeded. Every use counts, also of an empty macro, so nesting cannot multiply work unseen.
     */
    private void charge(final Token use, final List<String> active, final String name, final int characters)
            throws ConfigException {
        macroUses++;
        macroCharacters += characters;
        if (macroUses > MAX_MACRO_USES) {
            throw error(use, "macro expansion exceeds " + MAX_MACRO_USES + " macro uses in this file ("
                    + where(active, name) + ")");
        }
        if (macroCharacters > MAX_MACRO_CHARACTERS) {
            throw error(use, "macro expansion exceeds " + MAX_MACRO_CHARACTERS + " characters in this file ("
                    + where(active, name) + ")");
        }
    }

    /** The tokens of a macro's value, lexed once per definition; errors point at {@code use}. */
    private List<Token> valueTokens(final String name, final String value, final Token use) throws ConfigException {
        List<Token> tokens = lexed.get(name);
        if (tokens == null) {
            tokens = ConfigLexer.value(source, value, new Token(Token.Kind.MACRO, name, use.line(), use.column()));
            lexed.put(name, tokens);
        }
        return tokens;
    }

    /** {@code $a -> $b -> $a}. */
    private static String chain(final List<String> active, final String again) {
        final StringBuilder sb = new StringBuilder();
        for (final String m : active.subList(active.indexOf(again), active.size())) {
            sb.append('$').append(m).append(" -> ");
        }
        return sb.append('$').append(again).toString();
    }

    /** {@code at '$m0' inside '$m22'}: the macro being expanded and the one used on the line. */
    private static String where(final List<String> active, final String name) {
        return active.isEmpty() ? "at '$" + name + "'" : "at '$" + name + "' inside '$" + active.get(0) + "'";
    }

    /**
     * Parses {@code NAME VALUE}, {@code GROUP MEMBER VALUE} or {@code GROUP { MEMBER VALUE, ... }}. Once
     * the value of an option that may hold a secret ({@link ConfigOption#valueMayBeSecret()}) is being
     * read, no error of the statement quotes its text: a key pasted there is never echoed.
     */
    private void option(final TokenCursor c, final boolean override) throws ConfigException {
        secretValue = null;
        try {
            optionBody(c, override);
        } catch (final ConfigException e) {
            if (secretValue == null || e.detail().startsWith(secretValue.optionName() + " takes ")) {
                throw e;
            }
            throw new ConfigException(e.source(), e.line(), e.column(), "unexpected text after the "
                    + secretValue.optionName() + " value; " + NOT_SHOWN);
        }
    }

    private void optionBody(final TokenCursor c, final boolean override) throws ConfigException {
        try {
            final Token name = c.next();
            if (name.kind() != Token.Kind.WORD) {
                throw error(name, "expected an option name after 'set', got " + name.describe()
                        + "; known options: " + String.join(", ", ConfigOption.groups()));
            }
            final List<String> members = ConfigOption.members(name.text());
            if (!members.isEmpty()) {
                if (c.peek().is("{")) {
                    final Token open = c.next();
                    int count = 0;
                    while (!c.accept("}")) {
                        if (c.atEnd()) {
                            throw error(open, "unterminated list: '{' without '}'");
                        }
                        if (count > 0) {
                            c.accept(",");
                        }
                        member(c, name.text(), members, override);
                        count++;
                    }
                    if (count == 0) {
                        throw error(open, "empty list");
                    }
                } else {
                    member(c, name.text(), members, override);
                }
            } else {
                final ConfigOption o = ConfigOption.byName(name.text());
                if (o == null) {
                    throw error(name, "unknown option '" + name.text() + "'; known options: "
                            + String.join(", ", ConfigOption.groups()));
                }
                assign(c, o, name, override);
            }
            c.expectEnd();
        } catch (final RuleSyntaxException e) {
            throw error(e);
        }
    }

    private void member(final TokenCursor c, final String group, final List<String> members, final boolean override)
            throws ConfigException, RuleSyntaxException {
        final Token m = c.next();
        final ConfigOption o = m.kind() == Token.Kind.WORD ? ConfigOption.byName(group + " " + m.text()) : null;
        if (o == null) {
            throw error(m, "unknown " + group + " " + m.describe() + "; known " + group
                    + "s: " + String.join(", ", members));
        }
        assign(c, o, m, override);
    }

    private void assign(final TokenCursor c, final ConfigOption o, final Token at, final boolean override)
            throws ConfigException, RuleSyntaxException {
        final TandemConfig.Position prev = setAt[o.ordinal()];
        final boolean accumulate = o.kind() == ConfigOption.Kind.IFLIST && !override;
        if (prev != null && !override && !accumulate) {
            throw error(at, "option '" + o.optionName() + "' already set at "
                    + (prev.source().equals(source) ? "" : prev.source() + ":") + "line " + prev.line());
        }
        if (o.valueMayBeSecret()) {
            secretValue = o;
            try {
                o.parseValue(c, values, texts, override);
            } catch (final RuleSyntaxException e) {
                throw new RuleSyntaxException(e.line(), e.column(), o.optionName()
                        + " takes the absolute \"PATH\" of the key file, or none; " + NOT_SHOWN);
            }
        } else {
            o.parseValue(c, values, texts, override);
        }
        setAt[o.ordinal()] = new TandemConfig.Position(source, at.line(), at.column());
    }

    private static void validate(final TandemConfig config) throws ConfigException {
        final long start = config.adaptiveStart();
        final long end = config.adaptiveEnd();
        if ((start != 0 || end != 0) && start >= end) {
            TandemConfig.Position p = config.setAt(ConfigOption.TIMEOUT_ADAPTIVE_END);
            if (p == null) {
                p = config.setAt(ConfigOption.TIMEOUT_ADAPTIVE_START);
            }
            if (p == null) {
                p = config.setAt(ConfigOption.LIMIT_STATES);
            }
            final String msg = "timeout adaptive.start (" + start + ") must be below adaptive.end (" + end
                    + "); set both to 0 to disable adaptive timeouts";
            if (p == null) {
                throw new ConfigException(config.source(), 1, 1, msg);
            }
            throw new ConfigException(p.source(), p.line(), p.column(), msg);
        }
    }
}
