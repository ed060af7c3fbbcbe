package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodedPacket;

import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateIds;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.security.SecureRandom;
import io.tandem.engine.verdict.AwaitedPackets;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.VerdictBatcher;

/**
 * The decision for one decoded packet, made the way pf makes it: state first, rules on a miss.
 *
 * <p>Theory of operation. Owned by the PacketAgent's packet thread, like the {@link StateTable} and
 * the {@link Ruleset} counters it drives; no synchronisation, no allocation.
 * <ol>
 *   <li>An ICMP error is matched against the state of the packet it quotes; if one matches (and,
 *       for TCP, the quoted sequence number is in the window), it passes. Otherwise it goes to the
 *       rules like any other packet — under {@code block all} it is dropped, as in pf.</li>
 *   <li>Any other packet with a transport header is looked up by its 5-tuple (the forward and the
 *       backward key, as NPF keys connections). On a hit, pf's tracker decides: pass, or drop for a
 *       packet outside the window, bad flags or a blind RST — without rule evaluation. A SYN that
 *       reuses the ports of a connection closed on both sides removes the old state and goes on to
 *       the rules, as in pf.</li>
 *   <li>On a miss the ruleset is evaluated. A forwarded packet crosses pf twice: {@code in} on its
 *       input interface, then {@code out} on its output interface. A {@code keep state} rule that
 *       passes it creates a state; the state then also covers the second crossing (states are
 *       floating by default), so the {@code out} rules are not evaluated for that packet. A state
 *       that cannot be created (table full, rule's max reached) drops the packet, as pf does. With
 *       pfsync awaiting on ({@link #awaitPeerStates}), a forwarded packet the rules drop that may be the
 *       first reply to a peer's new state is decided {@link #AWAIT} instead.</li>
 * </ol>
 * With {@code set state-policy if-bound} each crossing looks only for states bound to its own
 * interface and, failing that, evaluates its rules, exactly as pf does for if-bound states.
 * Later fragments carry no ports: they are evaluated by the rules only and never create states
 * (pf without fragment reassembly).
 */
public final class PacketFilter {
    private static final int HOOK_PRE_ROUTING = 0;
    private static final int HOOK_LOCAL_IN = 1;
    private static final int HOOK_FORWARD = 2;

    /** Result of one crossing of the ruleset. */
    private static final int CROSS_DROP = 0;
    private static final int CROSS_PASS = 1;
    private static final int CROSS_PASS_STATE_CREATED = 2;
    private static final int NO_STATE = -1;

    /**
     * {@link #decide} result besides ACCEPT and DROP: the packet created a state whose first packet is
     * deferred ({@link #deferFirstPackets}); the caller holds it ({@link #heldSlot()} names the state).
     */
    public static final int HOLD = 2;

    /**
     * {@link #decide} result: a forwarded packet that matched no state and that a rule dropped, while
     * {@link #awaitPeerStates} is on; the caller holds it in case a peer's state for it arrives
     * ({@code verdict.AwaitedPackets}), and drops it if none does.
     */
    public static final int AWAIT = AwaitedPackets.AWAIT;

    /** Replaced by {@link #reload} on the packet thread; read by the metrics scrape too. */
    private volatile Ruleset ruleset;
    private final StateTable states;
    private final PacketCounters counters;
    private DeferredVerdicts deferrals;
    private boolean defer;
    /** The state created with a held first packet by the current decision, or -1. */
    private int heldSlot = NO_STATE;
    private boolean awaitPeerStates;
    private boolean announce;
    /** The current decision's drop came from a rule (no state matched the crossing). */
    private boolean ruleDropped;
    /**
     * The old state the current decision's SYN-ACK met, one it does not belong to (closed both ways, or
     * one whose checks it failed — the old connection of ports a client reused through a peer): its slot,
     * or {@link #NO_STATE}, and its id.
     */
    private int metSlot = NO_STATE;
    private long metId;
    /** {@link #decideAwaited} is deciding a held packet: a state's checks are final. */
    private boolean releasing;
    /** Awaiting applies to the current decision (a forwarded packet, awaiting on). */
    private boolean awaitThis;

    public PacketFilter(final Ruleset ruleset, final StateTable states, final PacketCounters counters) {
        this.ruleset = ruleset;
        this.states = states;
        this.counters = counters;
    }

    /**
     * Builds the filter a configuration describes: the state table sized by {@code set limit states},
     * pf's timeouts as configured, floating or if-bound states, and this node's creator id
     * ({@code set hostid}, or a random non-zero one). State ids start from the wall clock's seconds
     * shifted left by 32, so they are not reused across restarts (see {@link StateIds}).
     */
    public static PacketFilter fromConfig(final TandemConfig config, final Ruleset ruleset, final PacketCounters counters) {
        return fromConfig(config, ruleset, counters, creatorIdOf(config));
    }

    /** As {@link #fromConfig(TandemConfig, Ruleset, PacketCounters)} with a given creator id (the journal's). */
    public static PacketFilter fromConfig(final TandemConfig config, final Ruleset ruleset, final PacketCounters counters,
            final int creatorId) {
        return fromConfig(config, ruleset, counters, creatorId, 0, 1);
    }

    /**
     * The filter of the {@code index}-th of {@code count} queue threads ({@code set queue FIRST:LAST}): its
     * table holds its share of {@code set limit states} (the limit divided among the threads, rounded up)
     * and its ids interleave with the other threads' ({@link StateTable#idSequence}, {@link StateIds#threadOf}).
     */
    public static PacketFilter fromConfig(final TandemConfig config, final Ruleset ruleset, final PacketCounters counters,
            final int creatorId, final int index, final int count) {
        return fromConfig(config, ruleset, counters, creatorId, index, count,
                StateIds.initialBase(System.currentTimeMillis()));
    }

    /** As above with the run's id base ({@link StateIds#initialBase}), the same for every queue thread. */
    public static PacketFilter fromConfig(final TandemConfig config, final Ruleset ruleset, final PacketCounters counters,
            final int creatorId, final int index, final int count, final long idBase) {
        final int limit = (int) ((config.limitStates() + (long) count - 1) / count);
        final PacketFilter filter = withTable(config, ruleset, counters, creatorId, idBase, limit);
        filter.states.idSequence(index, count);
        return filter;
    }

    /**
     * A filter as the configuration describes, but with a table of at most {@code capacity} states of its own
     * and its own state counters: the warm-up's ({@link io.tandem.engine.warmup.PacketPathWarmup}), which runs
     * made-up traffic through the packet path before the queue is bound and then drops the filter.
     */
    public static PacketFilter scratch(final TandemConfig config, final Ruleset ruleset, final PacketCounters counters,
            final int creatorId, final int capacity) {
        return withTable(config, ruleset, counters, creatorId, StateIds.initialBase(System.currentTimeMillis()),
                Math.min(capacity, config.limitStates()));
    }

    private static PacketFilter withTable(final TandemConfig config, final Ruleset ruleset,
            final PacketCounters counters, final int creatorId, final long idBase, final int capacity) {
        final StateTable states = new StateTable(capacity, Math.max(1, ruleset.size()),
                config.statesIfBound(), true, StateTimeouts.of(config.timeouts()), creatorId,
                idBase, new StateCounters());
        return new PacketFilter(ruleset, states, counters);
    }

    /** {@code set hostid}, or a random non-zero creator id when it is 0 (pf draws one the same way). */
    public static int creatorIdOf(final TandemConfig config) {
        if (config.hostId() != 0) {
            return (int) config.hostId();
        }
        final SecureRandom random = new SecureRandom();
        int id = 0;
        while (id == 0) {
            id = random.nextInt();
        }
        return id;
    }

    /**
     * pfsync deferral: from now on a forwarded packet that creates a state (and is not addressed to a
     * multicast or broadcast address) is decided {@link #HOLD}: its state is marked PFSTATE_ACK, and
     * the caller hands the packet to {@code held}. Any later packet of a state whose first packet is
     * still held releases it first (pf's {@code pfsync_update_state}). Packets for or from this host
     * (INPUT, OUTPUT) are never held: their replies cannot take another firewall.
     */
    public void deferFirstPackets(final DeferredVerdicts held) {
        this.deferrals = held;
        this.defer = held != null;
    }

    /**
     * Awaiting a peer's state (docs/pfsync.md): from now on a packet queued from FORWARD that matches no
     * state, that a rule drops, and that may be a first reply (a TCP SYN-ACK or RST, a UDP datagram, an
     * ICMP echo reply) is decided {@link #AWAIT} instead of DROP — it may be the reply to a connection
     * whose state another firewall created a moment ago and is sending. So is a forwarded SYN-ACK that meets
     * a TCP state it does not belong to: a client reused the ports through a peer, whose new state is to
     * supersede the old one here. Against a state closed both ways (both halves at FIN_WAIT_2 or later)
     * it is awaited unchecked; against any other TCP state when it fails pf's checks (the old connection's
     * closing updates are not in yet). Packets for or from this host are never awaited.
     */
    public void awaitPeerStates(final boolean on) {
        this.awaitPeerStates = on;
    }

    /**
     * From now on the INS of a state a forwarded packet creates goes to the peers at once
     * ({@link StateTable#CREATE_ANNOUNCED}) even when its packet is not held: a peer that awaits
     * states ({@link #awaitPeerStates}) then holds the reply only for as long as the INS takes.
     */
    public void announceNewStates(final boolean on) {
        this.announce = on;
    }

    /**
     * True when a state matches the packet now, for the crossings {@code hook} makes: with floating states
     * one lookup; with if-bound states the input or the output interface's. No rule is evaluated.
     */
    public boolean hasState(final DecodedPacket p, final int hook, final int indev, final int outdev) {
        return hasStateOtherThan(p, hook, indev, outdev, NO_STATE, 0);
    }

    /**
     * {@link #hasState}, not counting the state at {@code slot} with id {@code id}: the old state an awaited
     * packet met ({@link #metSlot}), which is not the one it awaits. {@code slot} {@link #NO_STATE}: any state.
     */
    public boolean hasStateOtherThan(final DecodedPacket p, final int hook, final int indev, final int outdev,
            final int slot, final long id) {
        if (!states.ifBound()) {
            return other(states.lookup(p, 0), slot, id);
        }
        return other(states.lookup(p, indev), slot, id)
                || hook == HOOK_FORWARD && other(states.lookup(p, outdev), slot, id);
    }

    private boolean other(final int found, final int slot, final long id) {
        return found >= 0 && (found != slot || states.id(found) != id);
    }

    /**
     * A held packet's decision once a state other than the one it met has arrived
     * ({@link AwaitedPackets#releaseArrived}): {@link #decide}, with that state's checks final — a packet
     * that fails them is dropped, not awaited again.
     */
    public int decideAwaited(final DecodedPacket p, final int hook, final int indev, final int outdev,
            final long bytes, final long now) {
        releasing = true;
        try {
            return decide(p, hook, indev, outdev, bytes, now);
        } finally {
            releasing = false;
        }
    }

    /**
     * After an {@link #AWAIT} decision: the slot of the old state the packet met (a SYN-ACK for ports a
     * client reused through a peer), or {@link #NO_STATE} when it met none.
     */
    public int metSlot() {
        return metSlot;
    }

    /** After an {@link #AWAIT} decision with a {@link #metSlot}: that state's id. */
    public long metId() {
        return metId;
    }

    /**
     * A reload: from the next packet on, the rules on a miss are {@code next}'s; the table's states are
     * kept and detached from the old rule numbers ({@link StateTable#reload}). Packet thread, between
     * two packets.
     */
    public void reload(final Ruleset next, final StateTimeouts timeouts) {
        states.reload(Math.max(1, next.size()), timeouts);
        this.ruleset = next;
    }

    /**
     * The same rules recompiled after an interface change ({@link Ruleset#sameRules}): swapped in with the
     * old ruleset's counters, and the states stay attached to their rules. Packet thread.
     */
    public void relink(final Ruleset next) {
        next.carryCountersFrom(ruleset);
        this.ruleset = next;
    }

    /** The state whose first packet the last {@link #HOLD} decision holds. */
    public int heldSlot() {
        return heldSlot;
    }

    public Ruleset ruleset() {
        return ruleset;
    }

    public StateTable states() {
        return states;
    }

    /**
     * Decides a decoded packet.
     *
     * @param hook   netfilter hook the packet was queued from
     * @param indev  input interface index (0 when none)
     * @param outdev output interface index (0 when none)
     * @param bytes  the packet's length, for rule counters
     * @param now    wall-clock milliseconds, read once per duty cycle
     * @return {@link VerdictBatcher#ACCEPT} or {@link VerdictBatcher#DROP}
     */
    public int decide(final DecodedPacket p, final int hook, final int indev, final int outdev, final long bytes,
            final long now) {
        return decide(p, hook, indev, outdev, bytes, now, StateTable.NO_KEY_HASH);
    }

    /**
     * {@link #decide(DecodedPacket, int, int, int, long, long)} with the hash of the packet's key that
     * {@link ReceivedBatch#prefetch} took ({@link StateTable#lookupHash} on {@code indev}), so that the
     * lookup does not hash it again; {@link StateTable#NO_KEY_HASH} when there is none. Used for the
     * floating-state lookup only (with if-bound states each crossing hashes its own interface).
     */
    public int decide(final DecodedPacket p, final int hook, final int indev, final int outdev, final long bytes,
            final long now, final long keyHash) {
        heldSlot = NO_STATE;
        ruleDropped = false;
        metSlot = NO_STATE;
        awaitThis = awaitPeerStates && hook == HOOK_FORWARD && !releasing;
        final boolean forwardedUnicast = (defer || announce) && hook == HOOK_FORWARD && !multicastOrBroadcast(p);
        deferThis = defer && forwardedUnicast;
        announceThis = announce && forwardedUnicast;
        final int verdict = decideCrossings(p, hook, indev, outdev, bytes, now, keyHash);
        if (heldSlot != NO_STATE && verdict != VerdictBatcher.ACCEPT) {
            states.deferred(heldSlot, false); // if-bound: a later crossing dropped it after all
            heldSlot = NO_STATE;
        }
        if (heldSlot != NO_STATE) {
            return HOLD;
        }
        return (ruleDropped || metSlot != NO_STATE) && awaitThis && verdict == VerdictBatcher.DROP && awaitable(p, hook)
                ? AWAIT : verdict;
    }

    /**
     * Packets that may be the first reply to a state a peer is sending ({@link #awaitPeerStates}): a TCP
     * SYN-ACK or RST (the server's answer to the SYN), any UDP datagram, an ICMP or ICMPv6 echo reply.
     * Other TCP segments and ICMP messages come after a reply passed, when the state is long there, or are
     * scans: holding them would only keep the queue's verdicts from being batched.
     */
    private static boolean awaitable(final DecodedPacket p, final int hook) {
        if (hook != HOOK_FORWARD || p.icmpError || !p.hasTransportHeader()) {
            return false;
        }
        return switch (p.protocol) {
            case DecodedPacket.PROTO_TCP -> (p.tcpFlags & DecodedPacket.TH_RST) != 0
                    || (p.tcpFlags & (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK))
                            == (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK);
            case DecodedPacket.PROTO_UDP -> true;
            case DecodedPacket.PROTO_ICMP -> p.icmpType == ICMP_ECHO_REPLY;
            case DecodedPacket.PROTO_ICMPV6 -> p.icmpType == ICMP6_ECHO_REPLY;
            default -> false;
        };
    }

    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP6_ECHO_REPLY = 129;

    /** Multicast and limited-broadcast destinations, whose first packets pf never defers. */
    static boolean multicastOrBroadcast(final DecodedPacket p) {
        if (p.family == DecodedPacket.FAMILY_INET) {
            return (p.dstLo & 0xF000_0000L) == 0xE000_0000L || (p.dstLo & 0xFFFF_FFFFL) == 0xFFFF_FFFFL;
        }
        return (p.dstHi >>> 56) == 0xFF;
    }

    private boolean deferThis;
    private boolean announceThis;

    private int decideCrossings(final DecodedPacket p, final int hook, final int indev, final int outdev,
            final long bytes, final long now, final long keyHash) {
        final boolean inbound = hook == HOOK_PRE_ROUTING || hook == HOOK_LOCAL_IN;
        if (states.ifBound()) {
            // if-bound: every crossing looks only for states bound to its own interface, as pf does.
            if (hook == HOOK_FORWARD) {
                return crossing(p, Ruleset.DIR_IN, indev, bytes, now) == CROSS_DROP
                        || crossing(p, Ruleset.DIR_OUT, outdev, bytes, now) == CROSS_DROP
                        ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
            }
            return crossing(p, inbound ? Ruleset.DIR_IN : Ruleset.DIR_OUT, inbound ? indev : outdev, bytes, now)
                    == CROSS_DROP ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
        }
        // Floating states (pf's default) match on any interface: one lookup covers both crossings.
        final int byState = stateCheck(p, 0, now, keyHash);
        if (byState != NO_STATE) {
            return byState == CROSS_DROP ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
        }
        if (hook == HOOK_FORWARD) {
            final int in = cross(p, Ruleset.DIR_IN, indev, bytes, now);
            if (in != CROSS_PASS) {
                return in == CROSS_DROP ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
            }
            return cross(p, Ruleset.DIR_OUT, outdev, bytes, now) == CROSS_DROP ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
        }
        return cross(p, inbound ? Ruleset.DIR_IN : Ruleset.DIR_OUT, inbound ? indev : outdev, bytes, now) == CROSS_DROP
                ? VerdictBatcher.DROP : VerdictBatcher.ACCEPT;
    }

    /** One crossing with if-bound states: the states bound to this interface first, then the rules. */
    private int crossing(final DecodedPacket p, final int direction, final int ifindex, final long bytes, final long now) {
        final int byState = stateCheck(p, ifindex, now, StateTable.NO_KEY_HASH);
        return byState != NO_STATE ? byState : cross(p, direction, ifindex, bytes, now);
    }

    /**
     * pf_test_state_*: the state of the packet (or, for an ICMP error, of the packet it quotes)
     * decides, or {@link #NO_STATE} when there is none (or a SYN reused a closed connection's ports).
     */
    private int stateCheck(final DecodedPacket p, final int ifindex, final long now, final long keyHash) {
        if (p.icmpError) {
            if (states.lookupIcmpError(p, ifindex) >= 0) {
                counters.increment(PacketCounter.ICMP_ERROR_RELATED);
                return CROSS_PASS;
            }
            return NO_STATE;
        }
        if (!p.hasTransportHeader()) {
            return NO_STATE;
        }
        final int slot = states.lookup(p, ifindex, keyHash);
        if (slot < 0) {
            return NO_STATE;
        }
        if (deferrals != null && (states.stateFlags(slot) & PfConstants.PFSTATE_ACK) != 0) {
            deferrals.releaseForPacket(slot, System.nanoTime()); // the held first packet goes out first
        }
        final boolean synAck = (p.tcpFlags & (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK))
                == (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK);
        if (awaitThis && synAck && closedBothWays(slot)) {
            // A SYN-ACK for a connection this table holds closed: the client reused its ports through a
            // peer, whose new state (superseding this one) may be on its way. pf's checks would drop it;
            // it is awaited instead, unchecked, so that it moves nothing in the old state.
            metOldState(slot);
            return CROSS_DROP;
        }
        final int result = states.track(slot, p, states.lastLookupForward(), now);
        if (result == StateTable.PASS) {
            counters.increment(PacketCounter.STATE_MATCH_PASS);
            return CROSS_PASS;
        }
        if (result == StateTable.STATE_REUSED) {
            return NO_STATE; // the old state is gone; the SYN is a new connection for the rules
        }
        if (awaitThis && synAck && states.protocol(slot) == DecodedPacket.PROTO_TCP) {
            // A SYN-ACK that fails pf's checks against a state not known here to be closed: the same
            // reuse, with the old connection's closing updates not in yet (a failed check moves no
            // window; TcpTracker only resets a half whose handshake mismatched, as pf does). The peer's
            // INS supersedes the old state on arrival; else the timeout drops it.
            // Not a state match: how it leaves is counted when it does (AwaitedPackets).
            metOldState(slot);
        } else {
            counters.increment(PacketCounter.STATE_MATCH_DROP);
        }
        return CROSS_DROP;
    }

    private void metOldState(final int slot) {
        metSlot = slot;
        metId = states.id(slot);
    }

    private boolean closedBothWays(final int slot) {
        return states.protocol(slot) == DecodedPacket.PROTO_TCP
                && states.peerState(slot, 0) >= PfConstants.TCPS_FIN_WAIT_2
                && states.peerState(slot, 1) >= PfConstants.TCPS_FIN_WAIT_2;
    }

    /** Removes expired states; bounded work ({@code budget} slots examined). */
    public int expire(final long now, final int budget) {
        return states.expire(now, budget);
    }

    /** One crossing of the ruleset (pf_test_rule): match, count, and create a state if asked. */
    private int cross(final DecodedPacket p, final int direction, final int ifindex, final long bytes, final long now) {
        final int rule = ruleset.evaluate(p, direction, ifindex);
        if (rule < 0) {
            counters.increment(PacketCounter.DEFAULT_PASS);
            return CROSS_PASS; // pf's implicit rule: pass all, no state
        }
        ruleset.recordHit(rule, bytes);
        if (!ruleset.isPass(rule)) {
            ruleDropped = true;
            return CROSS_DROP;
        }
        if (!ruleset.keepState(rule)) {
            return CROSS_PASS;
        }
        final boolean deferred = deferThis && heldSlot == NO_STATE;
        final int slot = states.create(p, rule, ruleset.maxStates(rule),
                direction == Ruleset.DIR_IN ? PfConstants.PF_IN : PfConstants.PF_OUT, ifindex, now,
                deferred ? StateTable.CREATE_DEFERRED : announceThis ? StateTable.CREATE_ANNOUNCED
                        : StateTable.CREATE_QUEUED);
        if (slot >= 0) {
            if (deferred) {
                heldSlot = slot;
            }
            return CROSS_PASS_STATE_CREATED;
        }
        if (slot == StateTable.FAIL_UNTRACKABLE) {
            return CROSS_PASS; // e.g. a later fragment: passes by the rule, without a state
        }
        counters.increment(PacketCounter.STATE_CREATE_DROPS);
        return CROSS_DROP;
    }
}
