package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.rules.Addresses;
import java.util.Collection;
import java.util.Locale;

/**
 * Which records {@code tandem journal tail} prints: a time window, a set of types, and a host,
 * port and protocol that must match the state's source or destination. Records without a state
 * (epochs, CLEAR, START) match only when no host, port or protocol is asked for. Immutable.
 */
public final class RecordFilter {
    private final long sinceMillis;
    private final long untilMillis;
    private final long typeMask;
    private final int hostAf;
    private final long hostHi;
    private final long hostLo;
    private final int port;
    private final int proto;

    private RecordFilter(final long sinceMillis, final long untilMillis, final long typeMask, final int hostAf,
            final long hostHi, final long hostLo, final int port, final int proto) {
        this.sinceMillis = sinceMillis;
        this.untilMillis = untilMillis;
        this.typeMask = typeMask;
        this.hostAf = hostAf;
        this.hostHi = hostHi;
        this.hostLo = hostLo;
        this.port = port;
        this.proto = proto;
    }

    /** Everything matches. */
    public static RecordFilter all() {
        return new RecordFilter(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0, 0, 0, -1, -1);
    }

    /** Records at or after this time. */
    public RecordFilter since(final long millis) {
        return new RecordFilter(millis, untilMillis, typeMask, hostAf, hostHi, hostLo, port, proto);
    }

    /** Records at or before this time. */
    public RecordFilter until(final long millis) {
        return new RecordFilter(sinceMillis, millis, typeMask, hostAf, hostHi, hostLo, port, proto);
    }

    /** Only these types (empty or null: all). */
    public RecordFilter types(final Collection<JournalRecordType> types) {
        if (types == null || types.isEmpty()) {
            return this;
        }
        long mask = 0;
        for (final JournalRecordType t : types) {
            mask |= 1L << t.code();
        }
        return new RecordFilter(sinceMillis, untilMillis, mask, hostAf, hostHi, hostLo, port, proto);
    }

    /** Only states with this address as source or destination. */
    public RecordFilter host(final Host host) {
        return host == null ? this
                : new RecordFilter(sinceMillis, untilMillis, typeMask, host.af, host.hi, host.lo, port, proto);
    }

    /** Only states with this port as source or destination port (-1: any). */
    public RecordFilter port(final int p) {
        return new RecordFilter(sinceMillis, untilMillis, typeMask, hostAf, hostHi, hostLo, p, proto);
    }

    /** Only states of this IP protocol (-1: any). */
    public RecordFilter proto(final int p) {
        return new RecordFilter(sinceMillis, untilMillis, typeMask, hostAf, hostHi, hostLo, port, p);
    }

    public boolean matches(final JournalRecordFlyweight r) {
        final long t = r.wallTimeMillis();
        if (t < sinceMillis || t > untilMillis) {
            return false;
        }
        final int type = r.type();
        if (type >= 64 || (typeMask & (1L << type)) == 0) {
            return false;
        }
        if (hostAf == 0 && port < 0 && proto < 0) {
            return true;
        }
        if (!RecordFormatter.carriesState(type)) {
            return false;
        }
        if (proto >= 0 && r.proto() != proto) {
            return false;
        }
        if (port >= 0 && r.srcPort() != port && r.dstPort() != port) {
            return false;
        }
        if (hostAf == 2) {
            return r.af() == 2 && (r.srcLo() == hostLo || r.dstLo() == hostLo);
        }
        if (hostAf == 10) {
            return r.af() == 10 && (r.srcHi() == hostHi && r.srcLo() == hostLo || r.dstHi() == hostHi && r.dstLo() == hostLo);
        }
        return true;
    }

    /** Parses {@code tcp}, {@code udp}, {@code icmp}, {@code icmp6} or a number 0..255; -1 when invalid. */
    public static int parseProto(final String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "tcp": return 6;
            case "udp": return 17;
            case "icmp": return 1;
            case "icmp6":
            case "ipv6-icmp": return 58;
            default:
                try {
                    final int v = Integer.parseInt(s);
                    return v >= 0 && v <= 255 ? v : -1;
                } catch (final NumberFormatException e) {
                    return -1;
                }
        }
    }

    /** An address to match: family 2 (IPv4, in {@code lo}) or 10 (IPv6). */
    public static final class Host {
        final int af;
        final long hi;
        final long lo;

        private Host(final int af, final long hi, final long lo) {
            this.af = af;
            this.hi = hi;
            this.lo = lo;
        }

        /** Parses an IPv4 or IPv6 literal; null when it is neither. */
        public static Host parse(final String s) {
            final long v4 = Addresses.parseInet4(s);
            if (v4 >= 0) {
                return new Host(2, 0, v4);
            }
            final long[] v6 = Addresses.parseInet6(s);
            return v6 == null ? null : new Host(10, v6[0], v6[1]);
        }
    }
}
