package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.rules.Addresses;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import java.util.Locale;

/**
 * An administrator's command on the state table, as {@code pfctl -k} and {@code pfctl -F states}:
 * parsed on the control thread from the request's words ({@link #parse}), carried out on the packet
 * thread ({@link #run}) through its {@link PacketThreadMailbox}, between two receive batches.
 *
 * <ul>
 * <li>{@code flush} — every state (pfctl -F states);</li>
 * <li>{@code kill host A[/LEN] [B[/LEN]]} — the states whose initiator is in A (and, with B, whose
 *     responder is in B), as pfctl -k host [-k host];</li>
 * <li>{@code kill id ID[/CREATORID]} — one state by its pfsync identity, hexadecimal as
 *     {@code tandem states} prints it (pfctl -k id); without a creator id, ours;</li>
 * <li>{@code kill rule N} — the states created by rule number N;</li>
 * <li>{@code kill label TEXT} — the states created by a rule with {@code label "TEXT"} (pfctl -k label
 *     -k TEXT): a state's rule number is looked up in the ruleset loaded when the command runs, as
 *     for {@code kill rule} (after a reload, a state keeps the number of the rule that created it).</li>
 * </ul>
 * Each state a kill removes is journaled as a DELETE (reason flushed), which the sync agent sends to
 * the peers as DEL_C, so the kills reach them. A flush journals one CLEAR per creator id instead,
 * sent as one CLR each (see {@link #flush}). The whole command runs in one duty cycle, so no packet
 * sees a half-done kill or flush: a walk over the table's slots plus the removals (about as long as
 * one pass of the expiry sweep over the whole table); packets arriving meanwhile wait in the
 * kernel's queue. <b>Failure policy:</b> words that do not parse throw
 * {@link IllegalArgumentException} with a message for the administrator; nothing is removed.
 * <b>Memory:</b> none on the packet thread (a flush's creator list is allocated with the command,
 * on the control thread).
 */
public final class StateCommand {
    /** Most creator ids one flush sends a CLR for (a cluster has a few nodes); further ones go as DEL_C. */
    public static final int MAX_CLEAR_CREATORS = 64;

    private enum Kind { FLUSH, HOST, ID, RULE, LABEL }

    private final Kind kind;
    private final String text;
    private final int family;
    private final long srcHi;
    private final long srcLo;
    private final long srcMaskHi;
    private final long srcMaskLo;
    private final boolean hasDst;
    private final long dstHi;
    private final long dstLo;
    private final long dstMaskHi;
    private final long dstMaskLo;
    private final long id;
    private final int creator;
    private final int rule;
    private final String label;
    /** The ruleset of the running command (packet thread; kill label reads the rules' labels). */
    private Ruleset ruleset;
    /** Flush only: the creator ids found in the table, and whether each one's CLEAR was journaled. */
    private final int[] clearCreators;
    private final boolean[] cleared;

    private StateCommand(final Kind kind, final String text, final int family, final long[] src, final long[] dst,
            final long id, final int creator, final int rule) {
        this(kind, text, family, src, dst, id, creator, rule, null);
    }

    private StateCommand(final Kind kind, final String text, final int family, final long[] src, final long[] dst,
            final long id, final int creator, final int rule, final String label) {
        this.kind = kind;
        this.text = text;
        this.family = family;
        this.srcHi = src[0];
        this.srcLo = src[1];
        this.srcMaskHi = src[2];
        this.srcMaskLo = src[3];
        this.hasDst = dst != null;
        this.dstHi = dst == null ? 0 : dst[0];
        this.dstLo = dst == null ? 0 : dst[1];
        this.dstMaskHi = dst == null ? 0 : dst[2];
        this.dstMaskLo = dst == null ? 0 : dst[3];
        this.id = id;
        this.creator = creator;
        this.rule = rule;
        this.label = label;
        this.clearCreators = kind == Kind.FLUSH ? new int[MAX_CLEAR_CREATORS] : null;
        this.cleared = kind == Kind.FLUSH ? new boolean[MAX_CLEAR_CREATORS] : null;
    }

    /** {@code tandem flush states}. */
    public static StateCommand flush() {
        return new StateCommand(Kind.FLUSH, "flush states", 0, new long[4], null, 0, 0, 0);
    }

    /**
     * Parses the words after {@code kill}: {@code host A[/LEN] [B[/LEN]]}, {@code id ID[/CREATORID]},
     * {@code rule N} or {@code label TEXT} (the rest of the line).
     *
     * @throws IllegalArgumentException with a message naming what is wrong
     */
    public static StateCommand parseKill(final String words) {
        final String[] w = words.trim().split("\\s+");
        if (w.length < 2) {
            throw new IllegalArgumentException("kill what? host A[/LEN] [B[/LEN]], id ID[/CREATORID], rule N"
                    + " or label TEXT");
        }
        switch (w[0].toLowerCase(Locale.ROOT)) {
            case "host":
                if (w.length > 3) {
                    throw new IllegalArgumentException("kill host takes one or two addresses");
                }
                final long[] src = network(w[1]);
                final long[] dst = w.length == 3 ? network(w[2]) : null;
                if (dst != null && dst[4] != src[4]) {
                    throw new IllegalArgumentException("kill host: " + w[1] + " and " + w[2] + " are of different families");
                }
                return new StateCommand(Kind.HOST, "kill host " + w[1] + (dst == null ? "" : " " + w[2]), (int) src[4],
                        src, dst, 0, 0, 0);
            case "id":
                if (w.length != 2) {
                    throw new IllegalArgumentException("kill id takes one ID[/CREATORID]");
                }
                final String[] parts = w[1].split("/", 2);
                try {
                    final long stateId = Long.parseUnsignedLong(parts[0], 16);
                    final int creatorId = parts.length == 2 ? Integer.parseUnsignedInt(parts[1], 16) : 0;
                    return new StateCommand(Kind.ID, "kill id " + w[1], 0, new long[4], null, stateId, creatorId, 0);
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("kill id: '" + w[1] + "' is not ID[/CREATORID] in hexadecimal");
                }
            case "rule":
                if (w.length != 2) {
                    throw new IllegalArgumentException("kill rule takes one rule number");
                }
                try {
                    final int n = Integer.parseInt(w[1]);
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                    return new StateCommand(Kind.RULE, "kill rule " + n, 0, new long[4], null, 0, 0, n);
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("kill rule: '" + w[1] + "' is not a rule number");
                }
            case "label":
                // the rest of the line, as one label: `tandem kill label web servers` is label "web servers"
                final String text = words.trim().substring(w[0].length()).trim();
                if (text.length() > 63) {
                    throw new IllegalArgumentException("kill label: longer than a label can be (63 characters)");
                }
                return new StateCommand(Kind.LABEL, "kill label \"" + text + "\"", 0, new long[4], null, 0, 0, 0,
                        text);
            default:
                throw new IllegalArgumentException("kill " + w[0] + ": kill host, id, rule or label");
        }
    }

    /** {hi, lo, maskHi, maskLo, family} of ADDRESS[/LEN]. */
    private static long[] network(final String text) {
        final int slash = text.indexOf('/');
        final String address = slash < 0 ? text : text.substring(0, slash);
        final boolean v6 = address.indexOf(':') >= 0;
        final int family = v6 ? DecodedPacket.FAMILY_INET6 : DecodedPacket.FAMILY_INET;
        final int max = v6 ? 128 : 32;
        final int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the prefix length is not a number");
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("'" + text + "': prefix length out of 0.." + max);
        }
        final long hi;
        final long lo;
        if (v6) {
            final long[] a = Addresses.parseInet6(address);
            if (a == null) {
                throw new IllegalArgumentException("'" + address + "' is not an IPv6 address");
            }
            hi = a[0];
            lo = a[1];
        } else {
            hi = 0;
            lo = Addresses.parseInet4(address);
            if (lo < 0) {
                throw new IllegalArgumentException("'" + address + "' is not an IPv4 address");
            }
        }
        final long maskHi = Addresses.maskHi(family, prefix);
        final long maskLo = Addresses.maskLo(family, prefix);
        return new long[] {hi & maskHi, lo & maskLo, maskHi, maskLo, family};
    }

    /** {@link #run(StateTable, Ruleset, JournalRecorder)} without rules or a journal (tests). */
    public String run(final StateTable t) {
        return run(t, null, null);
    }

    /**
     * Packet thread: removes the matching states; returns what was done, e.g. "kill host 10.0.0.1: 3
     * states removed". A flush journals one CLEAR per creator id through {@code recorder} (null: no
     * journal) before removing that creator's states; a kill journals one DELETE per state.
     */
    public String run(final StateTable t, final Ruleset rules, final JournalRecorder recorder) {
        if (kind == Kind.FLUSH) {
            return flush(t, recorder);
        }
        if (kind == Kind.LABEL && rules == null) {
            throw new IllegalStateException("kill label needs the ruleset");
        }
        this.ruleset = rules;
        int removed = 0;
        for (int slot = t.nextLive(0); slot >= 0; slot = t.nextLive(slot + 1)) {
            if (matches(t, slot)) {
                t.remove(slot, StateRemoveReason.FLUSHED);
                removed++;
            }
        }
        return text + ": " + removed + (removed == 1 ? " state" : " states") + " removed";
    }

    /**
     * pfctl -F states, made to reach every peer: FreeBSD's DIOCCLRSTATES unlinks each state with
     * PFSTATE_NOSYNC (no per-state delete) and then sends one CLR naming its own hostid, and a
     * receiver's pfsync_in_clr() unlinks only the states of that creatorid — so a FreeBSD peer keeps
     * its own states and those of third nodes that the flushing node just dropped. Tandem sends one
     * CLR per creator id present in the table instead (a CLEAR journal record each, which the sync
     * agent turns into a CLR), so every peer drops exactly the creators whose states were flushed here,
     * its own included. At most {@link #MAX_CLEAR_CREATORS} creators get a CLR; the states of any
     * further creator, or of a creator whose CLEAR record the journal refused, are removed one by one,
     * journaled as DELETE and sent as DEL_C.
     */
    private String flush(final StateTable t, final JournalRecorder recorder) {
        int creators = 0;
        for (int slot = t.nextLive(0); slot >= 0; slot = t.nextLive(slot + 1)) {
            final int c = t.creatorId(slot);
            if (indexOf(c, creators) < 0 && creators < MAX_CLEAR_CREATORS) {
                clearCreators[creators++] = c;
            }
        }
        int clearedCreators = 0;
        for (int i = 0; i < creators; i++) {
            cleared[i] = recorder != null && recorder.onClear(clearCreators[i]);
            clearedCreators += cleared[i] ? 1 : 0;
        }
        int removed = 0;
        int oneByOne = 0;
        for (int slot = t.nextLive(0); slot >= 0; slot = t.nextLive(slot + 1)) {
            final int i = indexOf(t.creatorId(slot), creators);
            if (i >= 0 && cleared[i]) {
                t.removeCleared(slot, StateRemoveReason.FLUSHED);
            } else {
                t.remove(slot, StateRemoveReason.FLUSHED);
                oneByOne++;
            }
            removed++;
        }
        final StringBuilder b = new StringBuilder(text).append(": ").append(removed)
                .append(removed == 1 ? " state" : " states").append(" removed");
        if (clearedCreators > 0) {
            b.append("; CLR sent for creator").append(clearedCreators == 1 ? " " : "s ");
            for (int i = 0, n = 0; i < creators; i++) {
                if (cleared[i]) {
                    b.append(n++ == 0 ? "" : ", ").append(String.format("%08x", clearCreators[i]));
                }
            }
        }
        if (recorder != null && oneByOne > 0) {
            b.append("; ").append(oneByOne).append(oneByOne == 1 ? " state" : " states").append(" sent as DEL_C");
        }
        return b.toString();
    }

    private int indexOf(final int creator, final int count) {
        for (int i = 0; i < count; i++) {
            if (clearCreators[i] == creator) {
                return i;
            }
        }
        return -1;
    }

    private boolean matches(final StateTable t, final int slot) {
        switch (kind) {
            case FLUSH:
                return true;
            case RULE:
                return t.rule(slot) == rule;
            case LABEL:
                final int n = t.rule(slot);
                return n >= 0 && n < ruleset.size() && label.equals(ruleset.rule(n).label());
            case ID:
                return t.id(slot) == id && t.creatorId(slot) == (creator == 0 ? t.creatorId() : creator);
            default:
                return t.family(slot) == family
                        && (t.srcHi(slot) & srcMaskHi) == srcHi && (t.srcLo(slot) & srcMaskLo) == srcLo
                        && (!hasDst || (t.dstHi(slot) & dstMaskHi) == dstHi && (t.dstLo(slot) & dstMaskLo) == dstLo);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
