package io.tandem.engine.rules;

import io.tandem.engine.decode.DecodedPacket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A list of filter rules compiled into primitive arrays for matching on the packet path.
 *
 * <p><b>Theory of operation.</b> {@link #compile} turns each {@link Rule} into one slot of a
 * structure of arrays: action, direction, quick, resolved ifindex, family, a 256-bit protocol
 * bitmap, and for the source and destination a run of address items (family, masked hi/lo,
 * mask hi/lo, negation) and a run of port items (operator, low, high) in flat shared arrays.
 * {@link #evaluate} walks the rules in order exactly as pf does: every rule is tried, the
 * <em>last</em> matching rule wins, and a matching {@code quick} rule ends the walk at once. When
 * no rule matches the result is {@code -1}, which the caller treats as pf's implicit
 * {@code pass all} (no state).
 *
 * <p>Matching a rule: direction (0 = both), interface (0 = any), family (0 = any), protocol bitmap,
 * source items (OR; an item matches a packet of its own family when {@code in-prefix != negated}),
 * destination items, source and destination ports, then TCP flags ({@code (flags & mask) == set},
 * checked only for TCP packets). A packet without a transport header (a later fragment) never
 * matches a rule with port items, nor a rule with a flag mask when the packet is TCP, as pf's
 * {@code pf_test_fragment} skips such rules.
 *
 * <p><b>Life cycle and synchronisation.</b> Compiled once (at start or on reload) on any thread,
 * then handed to one PacketAgent. {@link #evaluate} and {@link #recordHit} are called only by that
 * agent's thread: they write the per-rule counters (evaluations, packets, bytes) as plain longs, the
 * single-writer principle. Other threads (the metrics scrape) may read the counters at any time
 * and may see slightly stale values, never torn ones on 64-bit JVMs; the counters are statistics,
 * not synchronisation. Use one Ruleset per PacketAgent; a reload compiles a new one.
 *
 * <p><b>Memory bound.</b> Arrays are sized from the rules at compile time; {@link #evaluate} never
 * allocates, boxes or touches a collection.
 *
 * <p><b>Failure policy.</b> A rule bound to an interface that does not exist at compile time never
 * matches; {@link #warnings()} names it. When links change the engine compiles the same rules again
 * ({@link #sameRules}, {@link #interfaceChanges}, {@link #carryCountersFrom}) and swaps them in. All
 * other errors are caught by the parser.
 */
public final class Ruleset {
    /** Packet direction: arriving on the interface. */
    public static final int DIR_IN = 1;
    /** Packet direction: leaving through the interface. */
    public static final int DIR_OUT = 2;

    private final List<Rule> rules;
    private final List<String> warnings;
    private final int size;

    private final boolean[] pass;
    private final boolean[] quick;
    private final boolean[] keepState;
    private final boolean[] neverMatches;
    private final int[] maxStates;
    private final int[] direction;
    private final int[] ifindex;
    private final int[] family;
    private final boolean[] hasProto;
    private final long[] protoBits;
    private final int[] flags;
    private final int[] flagMask;
    private final int[] srcStart;
    private final int[] srcCount;
    private final int[] dstStart;
    private final int[] dstCount;
    private final int[] srcPortStart;
    private final int[] srcPortCount;
    private final int[] dstPortStart;
    private final int[] dstPortCount;

    private final int[] addrFamily;
    private final long[] addrHi;
    private final long[] addrLo;
    private final long[] maskHi;
    private final long[] maskLo;
    private final boolean[] addrNegated;

    private final int[] portOp;
    private final int[] portLow;
    private final int[] portHigh;

    private final String[] text;
    /** Per rule: the {@code on IF} name, or null. */
    private final String[] ifname;

    // Counters: index size is the default rule (no match). Single writer: the owning PacketAgent.
    private final long[] evaluations;
    private final long[] packets;
    private final long[] bytes;

    private Ruleset(final List<Rule> rules, final InterfaceResolver resolver) {
        this.rules = List.copyOf(rules);
        this.size = rules.size();
        final int n = size;
        pass = new boolean[n];
        quick = new boolean[n];
        keepState = new boolean[n];
        neverMatches = new boolean[n];
        maxStates = new int[n];
        direction = new int[n];
        ifindex = new int[n];
        ifname = new String[n];
        family = new int[n];
        hasProto = new boolean[n];
        protoBits = new long[n * 4];
        flags = new int[n];
        flagMask = new int[n];
        srcStart = new int[n];
        srcCount = new int[n];
        dstStart = new int[n];
        dstCount = new int[n];
        srcPortStart = new int[n];
        srcPortCount = new int[n];
        dstPortStart = new int[n];
        dstPortCount = new int[n];
        text = new String[n];
        evaluations = new long[n + 1];
        packets = new long[n + 1];
        bytes = new long[n + 1];

        int addrs = 0;
        int ports = 0;
        for (final Rule r : rules) {
            addrs += r.from().size() + r.to().size();
            ports += r.fromPorts().size() + r.toPorts().size();
        }
        addrFamily = new int[addrs];
        addrHi = new long[addrs];
        addrLo = new long[addrs];
        maskHi = new long[addrs];
        maskLo = new long[addrs];
        addrNegated = new boolean[addrs];
        portOp = new int[ports];
        portLow = new int[ports];
        portHigh = new int[ports];

        final List<String> warn = new ArrayList<>();
        int a = 0;
        int p = 0;
        for (int i = 0; i < n; i++) {
            final Rule r = rules.get(i);
            pass[i] = r.isPass();
            quick[i] = r.quick();
            keepState[i] = r.isPass() && r.keepState();
            maxStates[i] = r.maxStates();
            direction[i] = r.direction();
            family[i] = r.family();
            flags[i] = r.flags();
            flagMask[i] = r.flagMask();
            text[i] = r.toText();
            ifname[i] = r.interfaceName();
            if (r.interfaceName() != null) {
                final int idx = resolver.ifindex(r.interfaceName());
                if (idx <= 0) {
                    neverMatches[i] = true;
                    warn.add("rule " + i + " (" + r.source() + ":" + r.line() + "): interface '"
                            + r.interfaceName() + "' not found; the rule never matches");
                }
                ifindex[i] = idx;
            }
            hasProto[i] = !r.protocols().isEmpty();
            for (final int proto : r.protocols()) {
                protoBits[i * 4 + (proto >>> 6)] |= 1L << (proto & 63);
            }
            srcStart[i] = a;
            srcCount[i] = r.from().size();
            for (final AddressMatch m : r.from()) {
                put(a++, m);
            }
            dstStart[i] = a;
            dstCount[i] = r.to().size();
            for (final AddressMatch m : r.to()) {
                put(a++, m);
            }
            srcPortStart[i] = p;
            srcPortCount[i] = r.fromPorts().size();
            for (final PortMatch m : r.fromPorts()) {
                put(p++, m);
            }
            dstPortStart[i] = p;
            dstPortCount[i] = r.toPorts().size();
            for (final PortMatch m : r.toPorts()) {
                put(p++, m);
            }
        }
        warnings = Collections.unmodifiableList(warn);
    }

    private void put(final int i, final AddressMatch m) {
        addrFamily[i] = m.family();
        addrHi[i] = m.hi();
        addrLo[i] = m.lo();
        maskHi[i] = Addresses.maskHi(m.family(), m.prefix());
        maskLo[i] = Addresses.maskLo(m.family(), m.prefix());
        addrNegated[i] = m.negated();
    }

    private void put(final int i, final PortMatch m) {
        portOp[i] = m.op();
        portLow[i] = m.low();
        portHigh[i] = m.high();
    }

    /**
     * Compiles rules (in evaluation order; rule i must have number i) into a ruleset.
     *
     * @param resolver maps {@code on IF} names to ifindex; unknown interfaces produce {@link #warnings()}
     */
    public static Ruleset compile(final List<Rule> rules, final InterfaceResolver resolver) {
        return new Ruleset(rules, resolver);
    }

    /**
     * The same rules, interfaces resolved as here, with counters of its own: the ruleset of another queue
     * thread ({@code set queue FIRST:LAST}), since each thread writes its own rules' counters.
     */
    public Ruleset withOwnCounters() {
        return new Ruleset(rules, name -> {
            for (int i = 0; i < size; i++) {
                if (name.equals(ifname[i])) {
                    return ifindex[i];
                }
            }
            return 0;
        });
    }

    /** Number of rules. */
    public int size() {
        return size;
    }

    /** The rule as parsed. */
    public Rule rule(final int rule) {
        return rules.get(rule);
    }

    /** All rules, in evaluation order. */
    public List<Rule> rules() {
        return rules;
    }

    /** Problems found while compiling (unknown interfaces); the ruleset still works. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Finds the rule that decides a packet.
     *
     * @param p         the decoded packet
     * @param dir       {@link #DIR_IN} or {@link #DIR_OUT}
     * @param ifindex   the interface the packet is on in that direction
     * @return the index of the winning rule, or -1 when no rule matched (pf's default: pass, no state)
     */
    public int evaluate(final DecodedPacket p, final int dir, final int ifindex) {
        int winner = -1;
        final int n = size;
        for (int r = 0; r < n; r++) {
            evaluations[r]++;
            if (matches(r, p, dir, ifindex)) {
                winner = r;
                if (quick[r]) {
                    break;
                }
            }
        }
        return winner;
    }

    private boolean matches(final int r, final DecodedPacket p, final int dir, final int ifidx) {
        final int d = direction[r];
        if (d != 0 && d != dir) {
            return false;
        }
        if (neverMatches[r]) {
            return false;
        }
        final int ifi = ifindex[r];
        if (ifi != 0 && ifi != ifidx) {
            return false;
        }
        final int fam = family[r];
        if (fam != 0 && fam != p.family) {
            return false;
        }
        final int proto = p.protocol;
        if (hasProto[r]) {
            if (proto < 0 || proto > 255 || ((protoBits[(r << 2) + (proto >>> 6)] >>> (proto & 63)) & 1L) == 0) {
                return false;
            }
        }
        if (!addressMatches(srcStart[r], srcCount[r], p.family, p.srcHi, p.srcLo)
                || !addressMatches(dstStart[r], dstCount[r], p.family, p.dstHi, p.dstLo)) {
            return false;
        }
        final boolean transport = p.l4Offset >= 0;
        if (srcPortCount[r] != 0 && (!transport || !portMatches(srcPortStart[r], srcPortCount[r], p.srcPort))) {
            return false;
        }
        if (dstPortCount[r] != 0 && (!transport || !portMatches(dstPortStart[r], dstPortCount[r], p.dstPort))) {
            return false;
        }
        final int mask = flagMask[r];
        if (mask != 0 && proto == DecodedPacket.PROTO_TCP) {
            return transport && (p.tcpFlags & mask) == flags[r];
        }
        return true;
    }

    private boolean addressMatches(final int start, final int count, final int fam, final long hi, final long lo) {
        if (count == 0) {
            return true;
        }
        final int end = start + count;
        for (int i = start; i < end; i++) {
            final int f = addrFamily[i];
            if (f != 0 && f != fam) {
                continue;
            }
            final boolean in = ((hi ^ addrHi[i]) & maskHi[i]) == 0 && ((lo ^ addrLo[i]) & maskLo[i]) == 0;
            if (in != addrNegated[i]) {
                return true;
            }
        }
        return false;
    }

    private boolean portMatches(final int start, final int count, final int port) {
        final int end = start + count;
        for (int i = start; i < end; i++) {
            if (PortMatch.matches(portOp[i], portLow[i], portHigh[i], port)) {
                return true;
            }
        }
        return false;
    }

    /** True for a pass rule, and for -1 (no match: pf's implicit pass). */
    public boolean isPass(final int rule) {
        return rule < 0 || pass[rule];
    }

    /** True when a pass rule creates state; false for block rules and for -1. */
    public boolean keepState(final int rule) {
        return rule >= 0 && keepState[rule];
    }

    /** {@code keep state (max N)}: N, or 0 for no limit (also for -1). */
    public int maxStates(final int rule) {
        return rule < 0 ? 0 : maxStates[rule];
    }

    /** True when the rule has {@code log}. */
    public boolean log(final int rule) {
        return rule >= 0 && rules.get(rule).log();
    }

    /** Canonical text of the rule; for -1, pf's implicit default {@code pass all no state}. */
    public String ruleText(final int rule) {
        return rule < 0 ? "pass all no state" : text[rule];
    }

    /**
     * Counts a packet decided by {@code rule} (-1 counts the implicit default rule).
     * Called by the owning PacketAgent only.
     */
    public void recordHit(final int rule, final long packetBytes) {
        final int i = rule < 0 ? size : rule;
        packets[i]++;
        bytes[i] += packetBytes;
    }

    /** How many times the rule was tried by {@link #evaluate} (pf's "Evaluations"); may be stale. */
    public long evaluations(final int rule) {
        return evaluations[rule < 0 ? size : rule];
    }

    /** Packets recorded by {@link #recordHit}; may be slightly stale when read by another thread. */
    public long packets(final int rule) {
        return packets[rule < 0 ? size : rule];
    }

    /** Bytes recorded by {@link #recordHit}; may be slightly stale when read by another thread. */
    public long bytes(final int rule) {
        return bytes[rule < 0 ? size : rule];
    }

    /**
     * True when {@code other} has the same rules in the same order (canonical text) resolved to the same
     * interface indexes: recompiling after an interface change found nothing different.
     */
    public boolean sameAs(final Ruleset other) {
        return java.util.Arrays.equals(text, other.text) && java.util.Arrays.equals(ifindex, other.ifindex);
    }

    /**
     * The interfaces that resolve differently here than in {@code old} (same rules), as
     * {@code NAME OLD->NEW} with 0 for absent, each name once: {@code "lan1 0->7"}.
     */
    public java.util.List<String> interfaceChanges(final Ruleset old) {
        final java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (int i = 0; i < size && i < old.size; i++) {
            if (ifname[i] != null && ifindex[i] != old.ifindex[i]) {
                out.add(ifname[i] + " " + old.ifindex[i] + "->" + ifindex[i]);
            }
        }
        return java.util.List.copyOf(out);
    }

    /** True when {@code other} has the same rules in the same order (their interfaces may resolve differently). */
    public boolean sameRules(final Ruleset other) {
        return java.util.Arrays.equals(text, other.text);
    }

    /**
     * Takes over {@code old}'s counters, rule by rule: the same rules recompiled after an interface
     * change keep counting where they were ({@link #sameRules} must hold). Owning thread only.
     */
    public void carryCountersFrom(final Ruleset old) {
        if (!sameRules(old)) {
            throw new IllegalArgumentException("not the same rules");
        }
        System.arraycopy(old.evaluations, 0, evaluations, 0, evaluations.length);
        System.arraycopy(old.packets, 0, packets, 0, packets.length);
        System.arraycopy(old.bytes, 0, bytes, 0, bytes.length);
    }

    /** All rules in canonical text, one per line, as {@code pfctl -sr}. */
    public String toText() {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < size; i++) {
            sb.append(text[i]).append('\n');
        }
        return sb.toString();
    }
}
