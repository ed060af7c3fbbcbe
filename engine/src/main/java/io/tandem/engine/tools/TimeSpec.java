package io.tandem.engine.tools;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Locale;

/**
 * The TIME arguments of the journal tools ({@code --since}, {@code --until}, {@code --at}):
 *
 * <ul>
 *   <li>an ISO-8601 instant or offset date-time: {@code 2026-11-24T04:01:02Z},
 *       {@code 2026-11-24T05:01:02.5+01:00};</li>
 *   <li>a local date-time or date, in the local time zone: {@code 2026-11-24T05:01:02},
 *       {@code "2026-11-24 05:01"}, {@code 2026-11-24} (midnight);</li>
 *   <li>epoch seconds, optionally with a fraction: {@code 1795483262}, {@code 1795483262.123};</li>
 *   <li>relative to now: {@code -90s}, {@code -10m}, {@code -2h}, {@code -1d}, {@code -1w},
 *       {@code -500ms}; and {@code now}.</li>
 * </ul>
 */
public final class TimeSpec {
    public static final String HELP = "an ISO-8601 instant (2026-11-24T04:01:02Z), a local date-time"
            + " (2026-11-24T05:01:02, \"2026-11-24 05:01\") or date, epoch seconds (1795483262),"
            + " now, or a time relative to now (-90s, -10m, -2h, -1d, -1w)";

    private TimeSpec() {
    }

    /**
     * Parses a TIME to epoch milliseconds.
     *
     * @throws IllegalArgumentException with a message naming the accepted forms
     */
    public static long parse(final String text, final long nowMillis, final ZoneId zone) {
        final String s = text.trim();
        if (s.equalsIgnoreCase("now")) {
            return nowMillis;
        }
        if (s.startsWith("-") && s.length() > 1) {
            return nowMillis - relative(text, s.substring(1));
        }
        if (!s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.')) {
            return epochSeconds(text, s);
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (final DateTimeException e) {
            // next form
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (final DateTimeException e) {
            // next form
        }
        final String t = s.replace(' ', 'T');
        try {
            return LocalDateTime.parse(t).atZone(zone).toInstant().toEpochMilli();
        } catch (final DateTimeException e) {
            // next form
        }
        try {
            return LocalDate.parse(s).atStartOfDay(zone).toInstant().toEpochMilli();
        } catch (final DateTimeException e) {
            throw invalid(text);
        }
    }

    private static long relative(final String text, final String s) {
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 12) {
            throw invalid(text);
        }
        final long n = Long.parseLong(s.substring(0, i));
        final String unit = s.substring(i).toLowerCase(Locale.ROOT);
        switch (unit) {
            case "ms": return n;
            case "s": return n * 1000L;
            case "m": return n * 60_000L;
            case "h": return n * 3_600_000L;
            case "d": return n * 86_400_000L;
            case "w": return n * 7 * 86_400_000L;
            default: throw invalid(text);
        }
    }

    private static long epochSeconds(final String text, final String s) {
        final int dot = s.indexOf('.');
        if (dot != s.lastIndexOf('.') || dot == 0 || dot == s.length() - 1) {
            throw invalid(text);
        }
        final String whole = dot < 0 ? s : s.substring(0, dot);
        if (whole.length() > 12) {
            throw invalid(text);
        }
        long millis = Long.parseLong(whole) * 1000L;
        if (dot >= 0) {
            final String frac = (s.substring(dot + 1) + "000").substring(0, 3);
            millis += Long.parseLong(frac);
        }
        return millis;
    }

    private static IllegalArgumentException invalid(final String text) {
        return new IllegalArgumentException("invalid time '" + text + "': use " + HELP);
    }
}
