package io.tandem.engine.tools;

import io.tandem.engine.rules.Addresses;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.StateView;
import java.util.Arrays;
import java.util.Locale;

/**
 * The JSON of one state, the one writer for every command that prints it: the admin socket (and so
 * {@code tandem states --json}) and {@code tandem journal} ({@code tail --json}, {@code states
 * --json}, {@code export}).
 *
 * <p>Theory of operation. Each constant is a layout: the fields it prints, in order, written as
 * one JSON object's members from a {@link StateView}. How a field's value is written is decided in
 * one place, {@link #value}, for all layouts. Field names follow pfsync's {@code pfsync_state}
 * (creatorid, id, rule, direction, packets, bytes, src/dst peers with seqlo, seqhi, seqdiff,
 * max_win, mss, state, wscale). The layouts keep the members and order each command has always
 * printed; they also differ in values that have no name: the admin socket prints a name for
 * every address family, direction and timeout class, while the journal's layouts print the number
 * where no name exists, so that {@link StateJsonCodec} reads every value back.
 *
 * <p>Runs on the control thread and on tool threads, never on the packet path: allocates.
 */
public enum StateJsonWriter {
    /**
     * The admin socket, one line per live state ({@code tandem states --json}), read from a
     * {@link io.tandem.engine.state.StateSnapshotRow}: age and seconds to expiry, no flags, no
     * deadline, no seqdiff. Names only: a family other than 10 prints as inet (with an IPv4
     * address), a direction other than in or out as inout, and the timeout class by its name.
     */
    LIVE(false, "creatorid id af proto src sport dst dport ifindex rule direction age expire timeout packets bytes"
            + " src_peer dst_peer", "seqlo seqhi max_win mss state wscale"),
    /** {@code tandem journal export}, {@code import} and the state part of {@code tail --json}: every field. */
    EXPORT(true, Members.EXPORT, Members.EXPORT_PEER),
    /** {@code tandem journal states --json}: {@link #EXPORT}, then age and expire ({@code -1}: never) at a time. */
    JOURNAL_STATES(true, Members.EXPORT + " age expire", Members.EXPORT_PEER);

    /** The export format's members, which {@code states --json} extends. */
    private static final class Members {
        static final String EXPORT = "creatorid id af proto direction src sport dst dport ifindex rule timeout flags"
                + " creation expire_at last_activity packets bytes src_peer dst_peer";
        static final String EXPORT_PEER = "seqlo seqhi seqdiff max_win mss state wscale";
    }

    /** The members of a state; the JSON name is the constant's name in lower case. */
    private enum Field {
        CREATORID, ID, AF, PROTO, DIRECTION, SRC, SPORT, DST, DPORT, IFINDEX, RULE, AGE, EXPIRE, TIMEOUT, FLAGS,
        CREATION, EXPIRE_AT, LAST_ACTIVITY, PACKETS, BYTES, SRC_PEER, DST_PEER
    }

    /** The members of {@code src_peer} and {@code dst_peer}. */
    private enum PeerField {
        SEQLO, SEQHI, SEQDIFF, MAX_WIN, MSS, STATE, WSCALE
    }

    /** True: a number where a value has no name (readable back); false: names only (the admin socket). */
    private final boolean numbersWithoutNames;
    private final Field[] fields;
    private final PeerField[] peerFields;

    StateJsonWriter(final boolean numbersWithoutNames, final String fields, final String peerFields) {
        this.numbersWithoutNames = numbersWithoutNames;
        this.fields = Arrays.stream(constants(fields)).map(Field::valueOf).toArray(Field[]::new);
        this.peerFields = Arrays.stream(constants(peerFields)).map(PeerField::valueOf).toArray(PeerField[]::new);
    }

    /** "src_peer dst_peer" → {"SRC_PEER", "DST_PEER"}. */
    private static String[] constants(final String members) {
        return members.toUpperCase(Locale.ROOT).split(" ");
    }

    /** One state as a JSON object; {@code nowMillis} is the time of age and expire. */
    public String object(final StateView s, final long nowMillis) {
        final StringBuilder b = new StringBuilder(512).append('{');
        return fields(b, s, nowMillis).append('}').toString();
    }

    /** The state's members, without braces, appended to {@code b}. */
    public StringBuilder fields(final StringBuilder b, final StateView s, final long nowMillis) {
        for (int i = 0; i < fields.length; i++) {
            b.append(i == 0 ? "\"" : ",\"").append(fields[i].name().toLowerCase(Locale.ROOT)).append("\":");
            value(b, fields[i], s, nowMillis);
        }
        return b;
    }

    private void value(final StringBuilder b, final Field f, final StateView s, final long now) {
        switch (f) {
            case CREATORID -> b.append('"').append(RecordFormatter.hex8(s.creatorId())).append('"');
            case ID -> b.append('"').append(RecordFormatter.hex16(s.id())).append('"');
            case AF -> af(b, s.af());
            case PROTO -> b.append(s.proto());
            case DIRECTION -> direction(b, s.direction());
            case SRC -> b.append('"').append(address(s.af(), s.srcHi(), s.srcLo())).append('"');
            case SPORT -> b.append(s.srcPort());
            case DST -> b.append('"').append(address(s.af(), s.dstHi(), s.dstLo())).append('"');
            case DPORT -> b.append(s.dstPort());
            case IFINDEX -> b.append(s.ifindex());
            case RULE -> b.append(s.rule());
            case AGE -> b.append(s.ageSeconds(now));
            case EXPIRE -> b.append(s.expiresInSeconds(now));
            case TIMEOUT -> timeout(b, s.timeoutClass());
            case FLAGS -> b.append(s.stateFlags());
            case CREATION -> b.append(s.creationMillis());
            case EXPIRE_AT -> b.append(s.expireAtMillis());
            case LAST_ACTIVITY -> b.append(s.lastActivityMillis());
            case PACKETS -> b.append('[').append(s.packets(0)).append(',').append(s.packets(1)).append(']');
            case BYTES -> b.append('[').append(s.bytes(0)).append(',').append(s.bytes(1)).append(']');
            case SRC_PEER -> peer(b, s, 0);
            case DST_PEER -> peer(b, s, 1);
            default -> throw new AssertionError(f);
        }
    }

    private void peer(final StringBuilder b, final StateView s, final int p) {
        for (int i = 0; i < peerFields.length; i++) {
            b.append(i == 0 ? "{\"" : ",\"").append(peerFields[i].name().toLowerCase(Locale.ROOT)).append("\":");
            switch (peerFields[i]) {
                case SEQLO -> b.append(s.seqLo(p));
                case SEQHI -> b.append(s.seqHi(p));
                case SEQDIFF -> b.append(s.seqDiff(p));
                case MAX_WIN -> b.append(s.maxWin(p));
                case MSS -> b.append(s.mss(p));
                case STATE -> b.append(s.peerState(p));
                case WSCALE -> b.append(s.wscale(p));
                default -> throw new AssertionError(peerFields[i]);
            }
        }
        b.append('}');
    }

    private void af(final StringBuilder b, final int af) {
        if (af == 10) {
            b.append("\"inet6\"");
        } else if (af == 2 || !numbersWithoutNames) {
            b.append("\"inet\"");
        } else {
            b.append(af);
        }
    }

    private String address(final int af, final long hi, final long lo) {
        if (af == 10) {
            return Addresses.formatInet6(hi, lo);
        }
        return af == 2 || !numbersWithoutNames ? Addresses.formatInet4(lo) : "?";
    }

    private void direction(final StringBuilder b, final int dir) {
        if (dir == PfConstants.PF_IN) {
            b.append("\"in\"");
        } else if (dir == PfConstants.PF_OUT) {
            b.append("\"out\"");
        } else if (numbersWithoutNames) {
            b.append(dir);
        } else {
            b.append("\"inout\"");
        }
    }

    /** The pf.conf name; a class without one prints as its number (bare, or quoted where the layout prints names only). */
    private void timeout(final StringBuilder b, final int timeoutClass) {
        if (numbersWithoutNames && timeoutClass >= StateTimeouts.COUNT) {
            b.append(timeoutClass);
        } else {
            b.append('"').append(RecordFormatter.timeoutName(timeoutClass)).append('"');
        }
    }
}
