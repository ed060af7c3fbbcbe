package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalDeleteReason;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.rules.Addresses;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateTimeouts;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Prints journal records for people and for scripts: one line per event in the spirit of
 * {@code conntrack -E}, and one JSON object per record or state.
 *
 * <p>Every method accepts any 256 bytes — garbage included (the fuzz target feeds it random records)
 * — and never throws: unknown families, protocols, peer states, timeout classes and types are
 * printed as numbers. Names follow pf: TCP peer states are pf's {@code TCPS_*}, UDP and other
 * protocols' are {@code PFUDPS_*}/{@code PFOTHERS_*}, timeout classes are pf.conf's
 * ({@code tcp.established}). JSON field names follow {@code pfsync_state} and the engine's
 * {@code tandem states --json}. Tool threads only: allocates freely.
 */
public final class RecordFormatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private RecordFormatter() {
    }

    /** A wall-clock time in milliseconds as an ISO-8601 UTC instant with milliseconds. */
    public static String time(final long millis) {
        try {
            return TIME.format(Instant.ofEpochMilli(millis));
        } catch (final RuntimeException e) {
            return Long.toString(millis); // beyond what java.time prints; never for real records
        }
    }

    /** Protocol name as pfctl prints it, or the number. */
    public static String protoName(final int proto) {
        switch (proto) {
            case 1: return "icmp";
            case 6: return "tcp";
            case 17: return "udp";
            case 58: return "ipv6-icmp";
            default: return Integer.toString(proto);
        }
    }

    /** Name of a peer's state byte for a protocol. */
    public static String peerStateName(final int proto, final int state) {
        if (proto == 6) {
            return state < PfConstants.TCP_NSTATES ? PfConstants.tcpStateName(state) : Integer.toString(state);
        }
        if (proto == 1 || proto == 58) {
            return Integer.toString(state);
        }
        return state < PfConstants.PFUDPS_NSTATES ? PfConstants.udpStateName(state) : Integer.toString(state);
    }

    /** pf.conf name of a timeout class, or the number for classes this version does not know. */
    public static String timeoutName(final int timeoutClass) {
        return timeoutClass >= 0 && timeoutClass < StateTimeouts.COUNT ? StateTimeouts.name(timeoutClass)
                : Integer.toString(timeoutClass);
    }

    /** Timeout class of a pf.conf name or a number; -1 when it is neither. */
    public static int timeoutClass(final String name) {
        for (int i = 0; i < StateTimeouts.COUNT; i++) {
            if (StateTimeouts.name(i).equals(name)) {
                return i;
            }
        }
        try {
            final int v = Integer.parseInt(name);
            return v >= 0 && v <= 255 ? v : -1;
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    public static String typeName(final int type) {
        final JournalRecordType t = JournalRecordType.of(type);
        return t == JournalRecordType.UNKNOWN ? "UNKNOWN(" + type + ")" : t.name();
    }

    public static String hex8(final int v) {
        final String s = Integer.toHexString(v);
        return "00000000".substring(s.length()) + s;
    }

    public static String hex16(final long v) {
        final String s = Long.toHexString(v);
        return "0000000000000000".substring(s.length()) + s;
    }

    /** The source address of a state record as text (IPv4 dotted quad, IPv6 RFC 5952, else "?"). */
    public static String srcAddress(final JournalRecordFlyweight r) {
        final int af = r.af();
        return af == 2 ? Addresses.formatInet4(r.srcLo()) : af == 10 ? Addresses.formatInet6(r.srcHi(), r.srcLo()) : "?";
    }

    public static String dstAddress(final JournalRecordFlyweight r) {
        final int af = r.af();
        return af == 2 ? Addresses.formatInet4(r.dstLo()) : af == 10 ? Addresses.formatInet6(r.dstHi(), r.dstLo()) : "?";
    }

    /** {@code addr:port} (IPv4), {@code addr[port]} (IPv6, ICMP ids) or the address alone. */
    public static String endpoint(final JournalRecordFlyweight r, final boolean src) {
        final String address = src ? srcAddress(r) : dstAddress(r);
        final int port = src ? r.srcPort() : r.dstPort();
        final int proto = r.proto();
        if (proto == 6 || proto == 17) {
            return r.af() == 10 ? address + "[" + port + "]" : address + ":" + port;
        }
        if (proto == 1 || proto == 58) {
            return address + "[" + port + "]";
        }
        return address;
    }

    /** True for the types that carry a whole state (addresses, peers, counters). */
    public static boolean carriesState(final int type) {
        return type == JournalRecordType.INSERT.code() || type == JournalRecordType.UPDATE.code()
                || type == JournalRecordType.DELETE.code() || type == JournalRecordType.SNAPSHOT.code()
                || type == JournalRecordType.DEFER.code() || type == JournalRecordType.RELEASE.code();
    }

    /**
     * One line per record, for example
     * {@code 2026-11-24T04:01:02.123Z [INSERT] tcp 198.18.1.10:40000 -> 198.18.2.10:5201
     * ESTABLISHED:SYN_SENT rule 2 id 6b05c7a500000001 creator 5ac05189}.
     */
    public static String line(final JournalRecordFlyweight r) {
        final StringBuilder b = new StringBuilder(160);
        final int type = r.type();
        b.append(time(r.wallTimeMillis())).append(" [").append(typeName(type)).append(']');
        if (carriesState(type)) {
            final int proto = r.proto();
            b.append(' ').append(protoName(proto)).append(' ').append(endpoint(r, true)).append(" -> ")
                    .append(endpoint(r, false)).append(' ').append(peerStateName(proto, r.peerState(0))).append(':')
                    .append(peerStateName(proto, r.peerState(1))).append(" rule ").append(r.rule()).append(" id ")
                    .append(hex16(r.id())).append(" creator ").append(hex8(r.creatorId()));
            if (type == JournalRecordType.DELETE.code()) {
                b.append(" reason ").append(JournalDeleteReason.of(r.reason()).label());
            } else if (type == JournalRecordType.UPDATE.code() || type == JournalRecordType.SNAPSHOT.code()) {
                b.append(" timeout ").append(timeoutName(r.timeoutClass()));
            }
            if (type == JournalRecordType.SNAPSHOT.code()) {
                b.append(" epoch ").append(r.epoch());
            }
            origin(b, r);
        } else if (type == JournalRecordType.EPOCH_START.code() || type == JournalRecordType.EPOCH_END.code()) {
            b.append(" epoch ").append(r.epoch()).append(" creator ").append(hex8(r.creatorId()));
            origin(b, r);
        } else if (type == JournalRecordType.CLEAR.code()) {
            final int creator = JournalRecorder.clearedCreator(r);
            if (creator == 0) {
                b.append(" all states");
            } else {
                b.append(" states of creator ").append(hex8(creator));
            }
            if (r.originKind() == JournalRecorder.ORIGIN_PEER) {
                b.append(" (peer)");
            }
        } else if (type == JournalRecordType.START.code()) {
            b.append(" engine started, creator ").append(hex8(r.creatorId())).append(" epoch ").append(r.epoch());
        }
        return b.toString();
    }

    private static void origin(final StringBuilder b, final JournalRecordFlyweight r) {
        if (r.originKind() == JournalRecorder.ORIGIN_PEER) {
            b.append(" from peer ").append(hex8(r.origin()));
        } else if (r.originKind() == JournalRecorder.ORIGIN_IMPORT) {
            b.append(" imported");
        }
    }

    /** One record as a JSON object: the event header, then the state for types that carry one. */
    public static String json(final JournalRecordFlyweight r) {
        final StringBuilder b = new StringBuilder(640);
        final int type = r.type();
        final JournalRecordType t = JournalRecordType.of(type);
        b.append("{\"time\":\"").append(time(r.wallTimeMillis())).append("\",\"time_ms\":").append(r.wallTimeMillis())
                .append(",\"type\":");
        if (t == JournalRecordType.UNKNOWN) {
            b.append(type);
        } else {
            b.append('"').append(t.label()).append('"');
        }
        b.append(",\"seq\":").append(r.sequence()).append(",\"origin_kind\":").append(r.originKind())
                .append(",\"origin\":").append(r.origin() & 0xFFFF_FFFFL).append(",\"epoch\":").append(r.epoch());
        if (type == JournalRecordType.DELETE.code()) {
            b.append(",\"reason\":\"").append(JournalDeleteReason.of(r.reason()).label()).append('"');
        }
        if (carriesState(type)) {
            StateJsonWriter.EXPORT.fields(b.append(','), r, 0);
        } else {
            b.append(",\"creatorid\":\"").append(hex8(r.creatorId())).append('"');
        }
        return b.append('}').toString();
    }

    /**
     * One state as a JSON object: every field needed to restore it ({@link StateJsonWriter#EXPORT};
     * {@link StateJsonCodec} reads it).
     */
    public static String stateJson(final JournalRecordFlyweight r) {
        return StateJsonWriter.EXPORT.object(r, 0);
    }

    /** A span in milliseconds as {@link PfctlStateText#hms} prints its whole seconds. */
    public static String hms(final long millis) {
        return PfctlStateText.hms(millis / 1000);
    }

    /**
     * A state in {@code pfctl -ss} style, two lines ({@link PfctlStateText}): the first with pf's key
     * ({@code dst <- src} for states created inbound, {@code src -> dst} outbound, peer states in the
     * same order); then age and time to expiry at {@code atMillis}, packets and bytes each way, rule,
     * timeout, and on the same line the pfsync identity.
     */
    public static String pfctl(final JournalRecordFlyweight r, final long atMillis) {
        return PfctlStateText.line(r.ifindex() & 0xFFFF_FFFFL, r.proto(), r.af() == 10, r.direction(), srcAddress(r),
                r.srcPort(), dstAddress(r), r.dstPort(), r.peerState(0), r.peerState(1)) + '\n'
                + PfctlStateText.ageAndCounters(r.ageSeconds(atMillis), r.expiresInSeconds(atMillis), r.packets(0),
                        r.packets(1), r.bytes(0), r.bytes(1), r.rule(), timeoutName(r.timeoutClass()))
                + ", id " + hex16(r.id()) + ", creatorid " + hex8(r.creatorId()) + '\n';
    }
}
