package io.tandem.engine.rules;

import java.util.List;

/**
 * One filter rule as written, after parsing and checking: an immutable description. The fast
 * matching form lives in {@link Ruleset}; this class is for printing, tests and tools.
 *
 * <p>Defaults follow pf (4.1 and later): a {@code pass} rule keeps state unless {@code no state} is
 * given, and a stateful pass rule that can match TCP gets {@code flags S/SA} unless {@code flags}
 * is given. {@code block} rules never keep state. An empty address, port or protocol list means
 * "any". The family is the one given with {@code inet}/{@code inet6} or implied by the address
 * literals (0 when either family can match).
 */
public final class Rule {
    /** Action values. */
    public static final int ACTION_PASS = 0;
    public static final int ACTION_BLOCK = 1;

    /** Direction values (same numbers as {@link Ruleset#DIR_IN} and {@link Ruleset#DIR_OUT}); 0 = both. */
    public static final int DIR_ANY = 0;
    public static final int DIR_IN = 1;
    public static final int DIR_OUT = 2;

    /** TCP flag letters in bit order (FIN = bit 0 ... CWR = bit 7), as pf prints them. */
    static final String FLAG_LETTERS = "FSRPAUEW";

    private final int number;
    private final int action;
    private final int direction;
    private final boolean log;
    private final boolean quick;
    private final String interfaceName;
    private final int family;
    private final List<Integer> protocols;
    private final List<AddressMatch> from;
    private final List<PortMatch> fromPorts;
    private final List<AddressMatch> to;
    private final List<PortMatch> toPorts;
    private final int flags;
    private final int flagMask;
    private final boolean keepState;
    private final int maxStates;
    private final String label;
    private final String source;
    private final int line;
    private final int column;
    private final String text;

    public Rule(final int number, final int action, final int direction, final boolean log, final boolean quick,
            final String interfaceName, final int family, final List<Integer> protocols,
            final List<AddressMatch> from, final List<PortMatch> fromPorts,
            final List<AddressMatch> to, final List<PortMatch> toPorts,
            final int flags, final int flagMask, final boolean keepState, final int maxStates,
            final String source, final int line, final int column) {
        this(number, action, direction, log, quick, interfaceName, family, protocols, from, fromPorts, to, toPorts,
                flags, flagMask, keepState, maxStates, null, source, line, column);
    }

    /** @param label pf's {@code label "text"}, or null (see {@link #label()}) */
    public Rule(final int number, final int action, final int direction, final boolean log, final boolean quick,
            final String interfaceName, final int family, final List<Integer> protocols,
            final List<AddressMatch> from, final List<PortMatch> fromPorts,
            final List<AddressMatch> to, final List<PortMatch> toPorts,
            final int flags, final int flagMask, final boolean keepState, final int maxStates, final String label,
            final String source, final int line, final int column) {
        this.number = number;
        this.action = action;
        this.direction = direction;
        this.log = log;
        this.quick = quick;
        this.interfaceName = interfaceName;
        this.family = family;
        this.protocols = List.copyOf(protocols);
        this.from = List.copyOf(from);
        this.fromPorts = List.copyOf(fromPorts);
        this.to = List.copyOf(to);
        this.toPorts = List.copyOf(toPorts);
        this.flags = flags;
        this.flagMask = flagMask;
        this.keepState = keepState;
        this.maxStates = maxStates;
        this.label = label;
        this.source = source;
        this.line = line;
        this.column = column;
        this.text = buildText();
    }

    /** Position of the rule in its ruleset, from 0 (pf's {@code @0}). */
    public int number() {
        return number;
    }

    public int action() {
        return action;
    }

    public boolean isPass() {
        return action == ACTION_PASS;
    }

    /** {@link #DIR_ANY}, {@link #DIR_IN} or {@link #DIR_OUT}. */
    public int direction() {
        return direction;
    }

    public boolean log() {
        return log;
    }

    public boolean quick() {
        return quick;
    }

    /** Interface name of {@code on IF}, or null. */
    public String interfaceName() {
        return interfaceName;
    }

    /** 2 (inet), 10 (inet6) or 0 (either). */
    public int family() {
        return family;
    }

    /** Protocol numbers in ascending order; empty = any. */
    public List<Integer> protocols() {
        return protocols;
    }

    /** Source address items (OR); empty = any. */
    public List<AddressMatch> from() {
        return from;
    }

    public List<PortMatch> fromPorts() {
        return fromPorts;
    }

    public List<AddressMatch> to() {
        return to;
    }

    public List<PortMatch> toPorts() {
        return toPorts;
    }

    /** TCP flags that must be set among {@link #flagMask()}; mask 0 = flags not checked. */
    public int flags() {
        return flags;
    }

    public int flagMask() {
        return flagMask;
    }

    public boolean keepState() {
        return keepState;
    }

    /** {@code (max N)} of keep state, 0 = no limit. */
    public int maxStates() {
        return maxStates;
    }

    /**
     * pf's {@code label "text"}: a name for the rule, kept on it so that {@code tandem kill label
     * TEXT} (pfctl -k label -k TEXT) finds the states the rule created; null when the rule has none.
     */
    public String label() {
        return label;
    }

    /** File (or other source) the rule came from. */
    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** True when the rule can match TCP packets (no protocol given, or tcp listed). */
    public boolean canMatchTcp() {
        return protocols.isEmpty() || protocols.contains(6);
    }

    /** Formats TCP flag bits as pf's letters (FSRPAUEW order). */
    public static String flagString(final int bits) {
        final StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            if ((bits & (1 << i)) != 0) {
                sb.append(FLAG_LETTERS.charAt(i));
            }
        }
        return sb.toString();
    }

    /** The canonical one-line text, as {@code pfctl -sr} prints it (macros expanded, lists in braces). */
    public String toText() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    private String buildText() {
        final StringBuilder sb = new StringBuilder(96);
        sb.append(action == ACTION_PASS ? "pass" : "block");
        if (direction == DIR_IN) {
            sb.append(" in");
        } else if (direction == DIR_OUT) {
            sb.append(" out");
        }
        if (log) {
            sb.append(" log");
        }
        if (quick) {
            sb.append(" quick");
        }
        if (interfaceName != null) {
            sb.append(" on ").append(interfaceName);
        }
        if (family != 0) {
            sb.append(' ').append(AddressMatch.familyName(family));
        }
        if (!protocols.isEmpty()) {
            sb.append(" proto ");
            if (protocols.size() == 1) {
                sb.append(WellKnownNames.protocolName(protocols.get(0)));
            } else {
                sb.append("{ ");
                for (int i = 0; i < protocols.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(WellKnownNames.protocolName(protocols.get(i)));
                }
                sb.append(" }");
            }
        }
        if (from.isEmpty() && to.isEmpty() && fromPorts.isEmpty() && toPorts.isEmpty()) {
            sb.append(" all");
        } else {
            sb.append(" from ");
            appendHost(sb, from, fromPorts);
            sb.append(" to ");
            appendHost(sb, to, toPorts);
        }
        final boolean tcp = canMatchTcp();
        if (flagMask != 0) {
            sb.append(" flags ").append(flagString(flags)).append('/').append(flagString(flagMask));
        } else if (action == ACTION_PASS && keepState && tcp) {
            sb.append(" flags any");
        }
        if (action == ACTION_PASS) {
            if (keepState) {
                sb.append(" keep state");
                if (maxStates > 0) {
                    sb.append(" (max ").append(maxStates).append(')');
                }
            } else {
                sb.append(" no state");
            }
        }
        if (label != null) {
            sb.append(" label \"").append(label).append('"');
        }
        return sb.toString();
    }

    private static void appendHost(final StringBuilder sb, final List<AddressMatch> addrs, final List<PortMatch> ports) {
        if (addrs.isEmpty()) {
            sb.append("any");
        } else if (addrs.size() == 1) {
            sb.append(addrs.get(0));
        } else {
            sb.append("{ ");
            for (int i = 0; i < addrs.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(addrs.get(i));
            }
            sb.append(" }");
        }
        if (!ports.isEmpty()) {
            sb.append(" port ");
            if (ports.size() == 1) {
                sb.append(ports.get(0).toText(false));
            } else {
                sb.append("{ ");
                for (int i = 0; i < ports.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(ports.get(i).toText(true));
                }
                sb.append(" }");
            }
        }
    }
}
