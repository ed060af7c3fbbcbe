package io.tandem.engine.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for the export format: objects, arrays, strings (with the standard
 * escapes), integers, decimals, true/false/null. Values become {@link Map}, {@link List},
 * {@link String}, {@link Long} (integers), {@link Double} (decimals), {@link Boolean} or null.
 * Anything else fails with an {@link IllegalArgumentException} that gives the column, and so does
 * nesting deeper than {@link #MAX_DEPTH} (the reader recurses, and its input comes from files and
 * clients: {@code tandem journal import}, {@code tandem states load}, the admin socket's answers).
 */
public final class JsonReader {
    /** Objects and arrays nested deeper than this are refused (the export format nests 2 deep). */
    public static final int MAX_DEPTH = 32;

    private final String s;
    private int i;
    private int depth;

    private JsonReader(final String s) {
        this.s = s;
    }

    /** Parses one JSON object taking the whole text. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(final String text) {
        final JsonReader j = new JsonReader(text);
        j.space();
        if (j.peek() != '{') {
            throw j.error("expected a JSON object");
        }
        final Object v = j.value();
        j.space();
        if (j.i != text.length()) {
            throw j.error("unexpected text after the object");
        }
        return (Map<String, Object>) v;
    }

    private Object value() {
        space();
        final char c = peek();
        if ((c == '{' || c == '[') && ++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        try {
            return valueAt(c);
        } finally {
            if (c == '{' || c == '[') {
                depth--;
            }
        }
    }

    private Object valueAt(final char c) {
        if (c == '{') {
            i++;
            final Map<String, Object> m = new LinkedHashMap<>();
            space();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                space();
                final String key = string();
                space();
                expect(':');
                m.put(key, value());
                space();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect('}');
                return m;
            }
        }
        if (c == '[') {
            i++;
            final List<Object> l = new ArrayList<>();
            space();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                space();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect(']');
                return l;
            }
        }
        if (c == '"') {
            return string();
        }
        if (s.startsWith("true", i)) {
            i += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", i)) {
            i += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", i)) {
            i += 4;
            return null;
        }
        final int start = i;
        if (peek() == '-') {
            i++;
        }
        digits();
        if (i == start || i - start > 20) {
            throw error("expected a value");
        }
        boolean fraction = false;
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            digits();
            fraction = true;
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            digits();
            fraction = true;
        }
        try {
            return fraction ? (Object) Double.parseDouble(s.substring(start, i)) : (Object) Long.parseLong(s.substring(start, i));
        } catch (final NumberFormatException e) {
            throw error("bad number");
        }
    }

    private void digits() {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
    }

    private String string() {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                c = s.charAt(i++);
                switch (c) {
                    case 'n': c = '\n'; break;
                    case 't': c = '\t'; break;
                    case 'r': c = '\r'; break;
                    case 'b': c = '\b'; break;
                    case 'f': c = '\f'; break;
                    case 'u':
                        if (i + 4 > s.length()) {
                            throw error("bad \\u escape");
                        }
                        try {
                            c = (char) Integer.parseInt(s.substring(i, i + 4), 16);
                        } catch (final NumberFormatException e) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                        break;
                    default: break;
                }
            }
            b.append(c);
        }
    }

    private char peek() {
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        return s.charAt(i);
    }

    private void expect(final char c) {
        if (i >= s.length() || s.charAt(i) != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private void space() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private IllegalArgumentException error(final String message) {
        return new IllegalArgumentException(message + " at column " + (i + 1));
    }
}
