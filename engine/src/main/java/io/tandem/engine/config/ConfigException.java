package io.tandem.engine.config;

/**
 * A configuration error. The message is exactly {@code FILE:LINE:COLUMN: message} with 1-based line
 * and column of the offending token (for tokens from a macro, the position of the {@code $name} use),
 * the form compilers use so editors can jump to it.
 *
 * <p><b>No key material.</b> The message part never shows what looks like a secret, wherever it came
 * from (a key pasted into a rule, a macro, or a key file given as the configuration): every run of 16
 * or more hex digits that is not all decimal digits becomes {@code [N hex digits not shown]}, and
 * every run of 20 or more base64 characters ({@code A-Z a-z 0-9 + / =}) mixing upper case, lower
 * case and digits becomes {@code [N characters not shown]}. The value of {@code set sync auth-key},
 * and anything after it on its line, is never quoted at all (see {@code ConfigParser}).
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String detail;

    public ConfigException(final String source, final int line, final int column, final String detail) {
        super(source + ":" + line + ":" + column + ": " + redact(detail));
        this.source = source;
        this.line = line;
        this.column = column;
        this.detail = redact(detail);
    }

    /**
     * {@code text} with what may be key material replaced by a fixed description: runs of 16 or more hex
     * digits (unless all decimal) and runs of 20 or more base64 characters mixing upper case, lower case
     * and digits.
     */
    static String redact(final String text) {
        final StringBuilder out = new StringBuilder(text.length());
        final int n = text.length();
        int i = 0;
        while (i < n) {
            if (!isBase64(text.charAt(i))) {
                out.append(text.charAt(i++));
                continue;
            }
            int end = i;
            boolean upper = false;
            boolean lower = false;
            boolean digit = false;
            while (end < n && isBase64(text.charAt(end))) {
                final char c = text.charAt(end++);
                upper |= c >= 'A' && c <= 'Z';
                lower |= c >= 'a' && c <= 'z';
                digit |= c >= '0' && c <= '9';
            }
            if (end - i >= 20 && upper && lower && digit) {
                out.append('[').append(end - i).append(" characters not shown]");
            } else {
                redactHex(text, i, end, out);
            }
            i = end;
        }
        return out.toString();
    }

    private static void redactHex(final String text, final int from, final int to, final StringBuilder out) {
        int i = from;
        while (i < to) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                out.append(text.charAt(i++));
                continue;
            }
            int end = i;
            boolean letters = false;
            while (end < to && Character.digit(text.charAt(end), 16) >= 0) {
                letters |= text.charAt(end) > '9';
                end++;
            }
            if (end - i >= 16 && letters) {
                out.append('[').append(end - i).append(" hex digits not shown]");
            } else {
                out.append(text, i, end);
            }
            i = end;
        }
    }

    private static boolean isBase64(final char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
                || c == '=';
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
