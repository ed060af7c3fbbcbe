package io.tandem.engine.config;

import io.tandem.engine.rules.Rule;
import io.tandem.engine.rules.RuleParser;
import io.tandem.engine.rules.RuleSyntaxException;
import io.tandem.engine.rules.Token;
import io.tandem.engine.rules.TokenCursor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * position of the {@code $name} use; undefined and recursive macros are errors. After the last
 * statement, cross-option checks run (adaptive.start below adaptive.end).
 *
 * <p><b>Failure policy.</b> The first error stops parsing with a {@link ConfigException} whose
 * message is {@code FILE:LINE:COLUMN: message}. No other exception escapes for any input text
 * (this is fuzzed). Nothing is resolved through DNS or the host's files.
 *
 * <p>Not thread-safe; each call uses its own parser instance.
 */
public final class ConfigParser {
    /** Source name used for {@link TandemConfig#withOverride(String)}. */
    public static final String COMMAND_LINE = "<command line>";

    private static final int MAX_MACRO_DEPTH = 32;
    private static final int MAX_STATEMENT_TOKENS = 100_000;
    private static final String[] UNSUPPORTED_STATEMENTS = {
        "table", "nat", "rdr", "binat", "anchor", "nat-anchor", "rdr-anchor", "binat-anchor", "load", "scrub",
        "match", "altq", "queue", "antispoof", "include",
    };

    private final String source;
    private final Map<String, String> macros = new HashMap<>();
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

    /** Reads and parses a file (UTF-8). */
    public static TandemConfig parseFile(final Path file) throws ConfigException, IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Reads and parses a file; a file that cannot be read is a {@link ConfigException} too. */
    public static TandemConfig parse(final Path file) throws ConfigException {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException | RuntimeException e) {
            throw new ConfigException(file + ": cannot read the configuration file: " + e.getMessage());
        }
        return parse(file.toString(), text);
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
    }

    /** Appends {@code in} to {@code out} with macros replaced; {@code at} is the outermost use. */
    private void expand(final List<Token> in, final List<Token> out, final Token at, final List<String> active)
            throws ConfigException {
        for (final Token t : in) {
            if (t.kind() != Token.Kind.MACRO) {
                out.add(t);
            } else {
                final Token use = at != null ? at : t;
                final String value = macros.get(t.text());
                if (value == null) {
                    throw error(use, "macro '" + t.text() + "' not defined");
                }
                if (active.contains(t.text()) || active.size() >= MAX_MACRO_DEPTH) {
                    throw error(use, "macro '" + t.text() + "' expands recursively");
                }
                active.add(t.text());
                final Token where = new Token(Token.Kind.MACRO, t.text(), use.line(), use.column());
                expand(ConfigLexer.value(source, value, where), out, use, active);
                active.remove(active.size() - 1);
            }
            if (out.size() > MAX_STATEMENT_TOKENS) {
                throw error(at != null ? at : t, "statement too long after macro expansion");
            }
        }
    }

    /** Parses {@code NAME VALUE}, {@code GROUP MEMBER VALUE} or {@code GROUP { MEMBER VALUE, ... }}. */
    private void option(final TokenCursor c, final boolean override) throws ConfigException {
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
        o.parseValue(c, values, texts, override);
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
