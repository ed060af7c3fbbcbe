package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.rules.Addresses;
import java.util.List;
import java.util.Map;

/**
 * Reads a state written by {@link StateJsonWriter#EXPORT} back into a record: the export/import
 * format of {@code tandem journal}. Every field is required; a missing or malformed one fails with
 * an {@link IllegalArgumentException} naming it. Values are range-checked against their field
 * sizes, so what is accepted fits the record exactly.
 */
public final class StateJsonCodec {
    private StateJsonCodec() {
    }

    /**
     * Fills {@code r} (already cleared, type and header set by the caller) with the state of one JSON
     * line.
     */
    public static void read(final String line, final JournalRecordFlyweight r) {
        final Map<String, Object> m = JsonReader.object(line);
        final int af = family(m.get("af"));
        r.creatorId((int) hex(m, "creatorid", 8)).id(hex(m, "id", 16)).af(af).proto((int) number(m, "proto", 0, 255))
                .direction(direction(m.get("direction"))).ifindex((int) number(m, "ifindex", Integer.MIN_VALUE,
                        0xFFFF_FFFFL))
                .rule((int) number(m, "rule", Integer.MIN_VALUE, Integer.MAX_VALUE))
                .timeoutClass(timeout(m.get("timeout")))
                .stateFlags((int) number(m, "flags", 0, 0xFFFF))
                .creationMillis(number(m, "creation", Long.MIN_VALUE, Long.MAX_VALUE))
                .expireAtMillis(number(m, "expire_at", Long.MIN_VALUE, Long.MAX_VALUE))
                .lastActivityMillis(number(m, "last_activity", Long.MIN_VALUE, Long.MAX_VALUE));
        final long[] src = address(af, text(m, "src"), "src");
        final long[] dst = address(af, text(m, "dst"), "dst");
        if (af == 2 || af == 10) {
            r.addresses(src[0], src[1], dst[0], dst[1]);
        }
        r.ports((int) number(m, "sport", 0, 0xFFFF), (int) number(m, "dport", 0, 0xFFFF));
        final long[] packets = pair(m, "packets");
        final long[] bytes = pair(m, "bytes");
        r.counters(packets[0], packets[1], bytes[0], bytes[1]);
        peer(m, "src_peer", r, 0);
        peer(m, "dst_peer", r, 1);
    }

    @SuppressWarnings("unchecked")
    private static void peer(final Map<String, Object> m, final String name, final JournalRecordFlyweight r,
            final int p) {
        final Object o = m.get(name);
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("missing or bad \"" + name + "\"");
        }
        final Map<String, Object> peer = (Map<String, Object>) o;
        r.peer(p, number(peer, "seqlo", 0, 0xFFFF_FFFFL), number(peer, "seqhi", 0, 0xFFFF_FFFFL),
                number(peer, "seqdiff", 0, 0xFFFF_FFFFL), (int) number(peer, "max_win", 0, 0xFFFF),
                (int) number(peer, "mss", 0, 0xFFFF), (int) number(peer, "state", 0, 255),
                (int) number(peer, "wscale", 0, 255));
    }

    private static int family(final Object v) {
        if ("inet".equals(v)) {
            return 2;
        }
        if ("inet6".equals(v)) {
            return 10;
        }
        if (v instanceof Long && (Long) v >= 0 && (Long) v <= 255) {
            return (int) (long) (Long) v;
        }
        throw new IllegalArgumentException("bad \"af\": " + v + " (inet, inet6 or 0..255)");
    }

    private static int direction(final Object v) {
        if ("in".equals(v)) {
            return 1;
        }
        if ("out".equals(v)) {
            return 2;
        }
        if (v instanceof Long && (Long) v >= 0 && (Long) v <= 255) {
            return (int) (long) (Long) v;
        }
        throw new IllegalArgumentException("bad \"direction\": " + v + " (in, out or 0..255)");
    }

    private static int timeout(final Object v) {
        final int t = v instanceof String ? RecordFormatter.timeoutClass((String) v)
                : v instanceof Long && (Long) v >= 0 && (Long) v <= 255 ? (int) (long) (Long) v : -1;
        if (t < 0) {
            throw new IllegalArgumentException("bad \"timeout\": " + v + " (a pf.conf timeout name or 0..255)");
        }
        return t;
    }

    private static long[] address(final int af, final String text, final String name) {
        if (af == 2) {
            final long v = Addresses.parseInet4(text);
            if (v < 0) {
                throw new IllegalArgumentException("bad \"" + name + "\": '" + text + "' is not an IPv4 address");
            }
            return new long[] {0, v};
        }
        if (af == 10) {
            final long[] v = Addresses.parseInet6(text);
            if (v == null) {
                throw new IllegalArgumentException("bad \"" + name + "\": '" + text + "' is not an IPv6 address");
            }
            return v;
        }
        return new long[2];
    }

    private static long[] pair(final Map<String, Object> m, final String name) {
        final Object o = m.get(name);
        if (o instanceof List && ((List<?>) o).size() == 2 && ((List<?>) o).get(0) instanceof Long
                && ((List<?>) o).get(1) instanceof Long) {
            return new long[] {(Long) ((List<?>) o).get(0), (Long) ((List<?>) o).get(1)};
        }
        throw new IllegalArgumentException("missing or bad \"" + name + "\" (expected [forward, reverse])");
    }

    private static String text(final Map<String, Object> m, final String name) {
        final Object o = m.get(name);
        if (!(o instanceof String)) {
            throw new IllegalArgumentException("missing or bad \"" + name + "\" (expected a string)");
        }
        return (String) o;
    }

    private static long hex(final Map<String, Object> m, final String name, final int digits) {
        final String s = text(m, name);
        if (s.isEmpty() || s.length() > digits) {
            throw new IllegalArgumentException("bad \"" + name + "\": '" + s + "' (up to " + digits + " hex digits)");
        }
        try {
            return Long.parseUnsignedLong(s, 16);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("bad \"" + name + "\": '" + s + "' (up to " + digits + " hex digits)");
        }
    }

    private static long number(final Map<String, Object> m, final String name, final long min, final long max) {
        final Object o = m.get(name);
        if (!(o instanceof Long)) {
            throw new IllegalArgumentException("missing or bad \"" + name + "\" (expected a number)");
        }
        final long v = (Long) o;
        if (v < min || v > max) {
            throw new IllegalArgumentException("\"" + name + "\" out of range: " + v);
        }
        return v;
    }
}
