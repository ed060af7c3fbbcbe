package io.tandem.nativeio.ipraw;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IPv6 addresses as two longs, {@code hi} = bytes 0-7 and {@code lo} = bytes 8-15 (each big-endian), the form
 * {@link RawIp6Socket} and {@link SockAddrIn6Flyweight} use; parsing and the multicast test for setup code.
 */
public final class Ipv6Address {
    /** FreeBSD's {@code in6addr_linklocal_pfsync_group}, {@code ff12::f0} (if_pfsync.c): high half. */
    public static final long PFSYNC_GROUP_HI = 0xff12_0000_0000_0000L;
    /** Low half of {@code ff12::f0}. */
    public static final long PFSYNC_GROUP_LO = 0xf0L;

    private Ipv6Address() {
    }

    /** True for text that can only be an IPv6 literal (it has a colon). */
    public static boolean looksLikeIpv6(final String text) {
        return text != null && text.indexOf(':') >= 0;
    }

    /**
     * Parses an IPv6 literal (no host names are resolved). Setup time.
     *
     * @return {hi, lo}
     * @throws IllegalArgumentException when the text is not an IPv6 literal
     */
    public static long[] parse(final String text) {
        if (!looksLikeIpv6(text) || text.indexOf('%') >= 0 || !text.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
        }
        final byte[] b;
        try {
            final InetAddress a = InetAddress.getByName(text); // a literal: never a lookup
            if (!(a instanceof Inet6Address)) {
                throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
            }
            b = a.getAddress();
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'", e);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xFF);
            lo = lo << 8 | (b[8 + i] & 0xFF);
        }
        return new long[] {hi, lo};
    }

    /** True for ff00::/8. */
    public static boolean isMulticast(final long hi) {
        return (hi >>> 56) == 0xFF;
    }
}
