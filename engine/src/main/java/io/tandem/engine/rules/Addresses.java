package io.tandem.engine.rules;

/**
 * Parses and prints IPv4 and IPv6 address literals as the hi/lo long pairs used by
 * {@link io.tandem.engine.decode.DecodedPacket}. Literals only: nothing here resolves names.
 *
 * <p>IPv4 lives in the low 32 bits of {@code lo} with {@code hi} zero; IPv6 keeps bits 127..64 in
 * {@code hi} and 63..0 in {@code lo}. IPv6 is printed in RFC 5952 form (lower case, longest run of
 * two or more zero groups compressed, {@code ::ffff:a.b.c.d} for IPv4-mapped addresses).
 */
public final class Addresses {
    private Addresses() {
    }

    /** Returns the IPv4 address as an unsigned 32-bit value, or -1 when {@code s} is not a dotted quad. */
    public static long parseInet4(final String s) {
        long value = 0;
        int parts = 0;
        int i = 0;
        final int n = s.length();
        while (i <= n) {
            int digits = 0;
            int part = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                part = part * 10 + (s.charAt(i) - '0');
                digits++;
                i++;
                if (digits > 3) {
                    return -1;
                }
            }
            if (digits == 0 || part > 255) {
                return -1;
            }
            value = (value << 8) | part;
            parts++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return -1;
            }
            i++;
        }
        return parts == 4 ? value : -1;
    }

    /** Returns {hi, lo} for an IPv6 literal, or null when {@code s} is not one. */
    public static long[] parseInet6(final String s) {
        final int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        final int[] words = new int[8];
        if (dbl < 0) {
            if (fill(s, words, 0, 8, true) != 8) {
                return null;
            }
        } else {
            final String head = s.substring(0, dbl);
            final String tail = s.substring(dbl + 2);
            final int[] tw = new int[8];
            final int h = head.isEmpty() ? 0 : fill(head, words, 0, 7, false);
            final int t = tail.isEmpty() ? 0 : fill(tail, tw, 0, 7, true);
            if (h < 0 || t < 0 || h + t > 7) {
                return null;
            }
            System.arraycopy(tw, 0, words, 8 - t, t);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | words[i];
            lo = (lo << 16) | words[i + 4];
        }
        return new long[] {hi, lo};
    }

    /** Parses colon-separated groups into words[from..]; returns the number of words or -1. */
    private static int fill(final String s, final int[] words, final int from, final int max, final boolean v4Tail) {
        int count = from;
        int start = 0;
        final int n = s.length();
        while (true) {
            int end = s.indexOf(':', start);
            if (end < 0) {
                end = n;
            }
            final String group = s.substring(start, end);
            if (end == n && v4Tail && group.indexOf('.') >= 0) {
                final long v4 = parseInet4(group);
                if (v4 < 0 || count + 2 > max) {
                    return -1;
                }
                words[count++] = (int) (v4 >>> 16);
                words[count++] = (int) (v4 & 0xFFFF);
                return count;
            }
            if (group.isEmpty() || group.length() > 4 || count >= max) {
                return -1;
            }
            int w = 0;
            for (int i = 0; i < group.length(); i++) {
                final int d = Character.digit(group.charAt(i), 16);
                if (d < 0 || group.charAt(i) > 'f') {
                    return -1;
                }
                w = (w << 4) | d;
            }
            words[count++] = w;
            if (end == n) {
                return count;
            }
            start = end + 1;
        }
    }

    public static String formatInet4(final long v) {
        return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }

    public static String formatInet6(final long hi, final long lo) {
        final int[] w = new int[8];
        for (int i = 0; i < 4; i++) {
            w[i] = (int) ((hi >>> (48 - 16 * i)) & 0xFFFF);
            w[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xFFFF);
        }
        if (hi == 0 && (lo >>> 32) == 0xFFFFL) {
            return "::ffff:" + formatInet4(lo & 0xFFFF_FFFFL);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        final StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }

    /** High half of the netmask for a prefix length (IPv4 masks have hi = 0). */
    public static long maskHi(final int family, final int prefix) {
        if (family != 10 || prefix == 0) {
            return 0;
        }
        return prefix >= 64 ? -1L : -1L << (64 - prefix);
    }

    /** Low half of the netmask for a prefix length. */
    public static long maskLo(final int family, final int prefix) {
        if (family == 2) {
            return prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        }
        if (family != 10 || prefix <= 64) {
            return 0;
        }
        return -1L << (128 - prefix);
    }
}
