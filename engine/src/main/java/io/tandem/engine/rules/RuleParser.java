package io.tandem.engine.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Parses one filter rule from the tokens of a statement (macros already expanded).
 *
 * <pre>
 * rule     = action [ "in" | "out" ] [ "log" ] [ "quick" ] [ "on" IFNAME ] [ "inet" | "inet6" ]
 *            [ "proto" ( PROTO | "{" PROTO-list "}" ) ] hosts { option }
 * action   = "pass" | "block" [ "drop" ]
 * hosts    = "all" | [ "from" host ] [ "to" host ]       (neither: same as "all")
 * host     = [ addrspec ] [ "port" portspec ]           (at least one of the two)
 * addrspec = "any" | addr | "{" addr-list "}"
 * addr     = [ "!" ] ( IPV4 | IPV6 ) [ "/" LEN ]
 * portspec = port-item | "{" port-item-list "}"
 * port-item= PORT | unary-op PORT | PORT ":" PORT | PORT "&gt;&lt;" PORT | PORT "&lt;&gt;" PORT
 * option   = "flags" ( FLAGS "/" FLAGS | "/" FLAGS | "any" ) | "no" "state"
 *          | "keep" "state" [ "(" "max" N ")" ] | "label" STRING
 * </pre>
 *
 * <p>Items of brace lists may be separated by commas or blanks; nested lists (from macros) are
 * flattened. Consistency checks follow pf's: {@code port} only with tcp/udp, {@code flags} only with
 * tcp, keep state not on block rules, flags within their mask, and the source, destination and
 * {@code inet}/{@code inet6} must leave at least one address family.
 */
public final class RuleParser {
    private static final int MAX_LIST_DEPTH = 16;
    /** Longest label: pf's PF_RULE_LABEL_SIZE (64) less the terminating NUL. */
    static final int MAX_LABEL = 63;

    private static final String[] UNSUPPORTED = {
        "return", "return-rst", "return-icmp", "return-icmp6", "route-to", "reply-to", "dup-to", "rdr-to",
        "nat-to", "binat-to", "modulate", "synproxy", "scrub", "user", "group", "tag", "tagged",
        "queue", "rtable", "probability", "icmp-type", "icmp6-type", "os", "received-on", "set", "divert-to",
        "divert-packet", "af-to", "once", "allow-opts", "fragment", "match", "prio", "max-mss", "min-ttl",
        "tos", "rdomain", "urpf-failed", "no-route", "self",
    };

    private final TokenCursor c;
    private final String source;

    private RuleParser(final TokenCursor c, final String source) {
        this.c = c;
        this.source = source;
    }

    /**
     * Parses a complete rule statement.
     *
     * @param tokens  the statement, starting at {@code pass} or {@code block}, ending with EOL
     * @param number  the rule's position in the ruleset
     * @param source  file name recorded in the rule
     */
    public static Rule parse(final TokenCursor tokens, final int number, final String source) throws RuleSyntaxException {
        return new RuleParser(tokens, source).rule(number);
    }

    private Rule rule(final int number) throws RuleSyntaxException {
        final Token first = c.next();
        final int action;
        if (first.is("pass")) {
            action = Rule.ACTION_PASS;
        } else if (first.is("block")) {
            action = Rule.ACTION_BLOCK;
            if (c.peek().is("return") || c.peek().is("return-rst") || c.peek().is("return-icmp")
                    || c.peek().is("return-icmp6")) {
                throw new RuleSyntaxException(c.peek(), "'block " + c.peek().text() + "' is not supported; "
                        + "Tandem only drops (block drop)");
            }
            c.accept("drop");
        } else {
            throw new RuleSyntaxException(first, "expected 'pass' or 'block', got " + first.describe());
        }
        int direction = Rule.DIR_ANY;
        if (c.accept("in")) {
            direction = Rule.DIR_IN;
        } else if (c.accept("out")) {
            direction = Rule.DIR_OUT;
        }
        boolean log = false;
        if (c.accept("log")) {
            log = true;
            if (c.peek().is("(")) {
                throw new RuleSyntaxException(c.peek(), "log options are not supported");
            }
        }
        final boolean quick = c.accept("quick");
        String ifname = null;
        if (c.accept("on")) {
            final Token t = c.next();
            if (t.is("{") || t.is("!")) {
                throw new RuleSyntaxException(t, "interface lists and negation are not supported; use one interface name");
            }
            if (t.kind() != Token.Kind.WORD || !validInterfaceName(t.text())) {
                throw new RuleSyntaxException(t, "expected an interface name, got " + t.describe());
            }
            ifname = t.text();
        }
        int family = 0;
        Token familyToken = null;
        if (c.peek().is("inet") || c.peek().is("inet6")) {
            familyToken = c.next();
            family = familyToken.is("inet") ? 2 : 10;
        }
        final List<Integer> protocols = new ArrayList<>();
        if (c.accept("proto")) {
            final TreeSet<Integer> set = new TreeSet<>();
            if (c.peek().is("{")) {
                list(c.next(), 0, () -> set.add(protocol(c.next())));
            } else {
                set.add(protocol(c.next()));
            }
            protocols.addAll(set);
        }

        final List<AddressMatch> from = new ArrayList<>();
        final List<PortMatch> fromPorts = new ArrayList<>();
        final List<AddressMatch> to = new ArrayList<>();
        final List<PortMatch> toPorts = new ArrayList<>();
        Token fromAt = null;
        Token toAt = null;
        Token portAt = null;
        if (c.accept("all")) {
            // nothing
        } else {
            boolean any = false;
            if (c.peek().is("from")) {
                c.next();
                fromAt = c.peek();
                final Token p = host(from, fromPorts);
                portAt = p;
                any = true;
            }
            if (c.peek().is("to")) {
                c.next();
                toAt = c.peek();
                final Token p = host(to, toPorts);
                portAt = portAt != null ? portAt : p;
                any = true;
            }
            if (!any) {
                // pf: "pass" alone is "pass all"
                final Token t = c.peek();
                if (t.is("<")) {
                    throw new RuleSyntaxException(t, "tables are not supported; use a list in braces or a macro");
                }
            }
        }

        int flags = 0;
        int flagMask = 0;
        Token flagsAt = null;
        boolean keepState = action == Rule.ACTION_PASS;
        Token stateAt = null;
        int maxStates = 0;
        String label = null;
        while (!c.atEnd()) {
            final Token t = c.next();
            if (t.is("flags")) {
                if (flagsAt != null) {
                    throw new RuleSyntaxException(t, "duplicate 'flags'");
                }
                flagsAt = t;
                if (c.accept("any")) {
                    flags = 0;
                    flagMask = 0;
                } else {
                    if (!c.peek().is("/")) {
                        final Token f = c.next();
                        flags = flagBits(f);
                        if (!c.peek().is("/")) {
                            throw new RuleSyntaxException(c.peek(), "expected '/' and a flag mask after flags "
                                    + f.text() + ", got " + c.peek().describe());
                        }
                    }
                    c.expect("/");
                    final Token m = c.next();
                    flagMask = flagBits(m);
                    if (flagMask == 0) {
                        throw new RuleSyntaxException(m, "flag mask must not be empty");
                    }
                    if ((flags & flagMask) != flags) {
                        throw new RuleSyntaxException(m, "flags always false: " + Rule.flagString(flags)
                                + " is not within the mask " + Rule.flagString(flagMask));
                    }
                }
            } else if (t.is("keep") || t.is("no")) {
                if (stateAt != null) {
                    throw new RuleSyntaxException(t, "duplicate state option");
                }
                stateAt = t;
                c.expect("state");
                keepState = t.is("keep");
                if (keepState && c.peek().is("(")) {
                    maxStates = stateOptions();
                }
                if (keepState && action == Rule.ACTION_BLOCK) {
                    throw new RuleSyntaxException(t, "keep state on block rules doesn't make sense");
                }
            } else if (t.is("label")) {
                if (label != null) {
                    throw new RuleSyntaxException(t, "duplicate 'label'");
                }
                label = label(c.next());
            } else if (t.is("(")) {
                throw new RuleSyntaxException(t, "state options '(...)' must follow 'keep state'");
            } else if (t.is("modulate") || t.is("synproxy")) {
                throw new RuleSyntaxException(t, "'" + t.text() + " state' is not supported; use 'keep state'");
            } else {
                unsupported(t);
                throw new RuleSyntaxException(t, "unexpected " + t.describe());
            }
        }

        // Consistency checks, as pf's filter_consistent().
        if (!fromPorts.isEmpty() || !toPorts.isEmpty()) {
            boolean ok = !protocols.isEmpty();
            for (final int p : protocols) {
                ok &= p == 6 || p == 17;
            }
            if (!ok) {
                throw new RuleSyntaxException(portAt, "port only applies to tcp/udp; add 'proto tcp' or 'proto udp'");
            }
        }
        if (flagsAt != null && !protocols.isEmpty() && !protocols.contains(6)) {
            throw new RuleSyntaxException(flagsAt, "flags only apply to tcp");
        }
        final int srcFamilies = families(from);
        final int dstFamilies = families(to);
        final int ruleFamilies = family == 2 ? 1 : family == 10 ? 2 : 3;
        if ((srcFamilies & ruleFamilies) == 0) {
            throw new RuleSyntaxException(fromAt, "address family mismatch: source is "
                    + familyNames(srcFamilies) + " but the rule is " + familyNames(ruleFamilies));
        }
        if ((dstFamilies & ruleFamilies) == 0) {
            throw new RuleSyntaxException(toAt, "address family mismatch: destination is "
                    + familyNames(dstFamilies) + " but the rule is " + familyNames(ruleFamilies));
        }
        final int common = srcFamilies & dstFamilies & ruleFamilies;
        if (common == 0) {
            throw new RuleSyntaxException(toAt, "address family mismatch: source is " + familyNames(srcFamilies)
                    + ", destination is " + familyNames(dstFamilies));
        }
        final int effectiveFamily = common == 1 ? 2 : common == 2 ? 10 : 0;

        // pf >= 4.1: stateful pass rules that can see TCP default to flags S/SA.
        final boolean tcp = protocols.isEmpty() || protocols.contains(6);
        if (action == Rule.ACTION_PASS && keepState && tcp && flagsAt == null) {
            flags = 0x02;
            flagMask = 0x12;
        }
        return new Rule(number, action, direction, log, quick, ifname, effectiveFamily, protocols,
                from, fromPorts, to, toPorts, flags, flagMask, keepState, maxStates, label,
                source, first.line(), first.column());
    }

    /**
     * The text of {@code label "text"} (a quoted string, or one word from a macro), as pf.conf allows
     * it: at most {@value #MAX_LABEL} characters (pf's PF_RULE_LABEL_SIZE less its NUL), printable,
     * no double quote; pf's label macros ({@code $if}, {@code $srcaddr}, {@code $nr}, ...) are not
     * expanded, so a {@code $} is refused rather than kept as text pf would replace.
     */
    private static String label(final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.STRING && t.kind() != Token.Kind.WORD) {
            throw new RuleSyntaxException(t, "expected a label in double quotes after 'label', got " + t.describe());
        }
        final String text = t.text();
        if (text.isEmpty()) {
            throw new RuleSyntaxException(t, "empty label");
        }
        if (text.length() > MAX_LABEL) {
            throw new RuleSyntaxException(t, "label longer than " + MAX_LABEL + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            final char ch = text.charAt(i);
            if (ch < 0x20 || ch == 0x7f || ch == '"') {
                throw new RuleSyntaxException(t, "a label may not contain control characters or '\"'");
            }
            if (ch == '$') {
                throw new RuleSyntaxException(t, "label macros ($if, $srcaddr, $nr, ...) are not supported");
            }
        }
        return text;
    }

    /** Parses {@code [addrspec] [port portspec]}; returns the {@code port} token or null. */
    private Token host(final List<AddressMatch> addrs, final List<PortMatch> ports) throws RuleSyntaxException {
        final Token t = c.peek();
        boolean got = false;
        if (t.is("any")) {
            c.next();
            got = true;
        } else if (t.is("{")) {
            c.next();
            list(t, 0, () -> addressItem(addrs, true));
            got = true;
        } else if (t.is("to") || t.kind() == Token.Kind.EOL) {
            throw new RuleSyntaxException(t, "expected an address or 'port', got " + t.describe());
        } else if (!t.is("port")) {
            addressItem(addrs, false);
            got = true;
        }
        Token portAt = null;
        if (c.peek().is("port")) {
            portAt = c.next();
            if (c.peek().is("{")) {
                list(c.next(), 0, () -> ports.add(portItem(true)));
            } else {
                ports.add(portItem(false));
            }
            got = true;
        }
        if (!got) {
            throw new RuleSyntaxException(t, "expected an address or 'port', got " + t.describe());
        }
        // A list holding "any" matches everything: keep the fast "any" form.
        for (final AddressMatch a : addrs) {
            if (a.isAny()) {
                addrs.clear();
                break;
            }
        }
        return portAt;
    }

    private void addressItem(final List<AddressMatch> out, final boolean inList) throws RuleSyntaxException {
        Token t = c.next();
        boolean negated = false;
        if (t.is("!")) {
            negated = true;
            t = c.next();
        }
        if (t.is("any")) {
            if (negated) {
                throw new RuleSyntaxException(t, "'!any' matches nothing");
            }
            if (!inList) {
                throw new RuleSyntaxException(t, "unexpected 'any'");
            }
            out.add(AddressMatch.ANY);
            return;
        }
        if (t.is("<")) {
            throw new RuleSyntaxException(t, "tables are not supported; use a list in braces or a macro");
        }
        if (t.is("(")) {
            throw new RuleSyntaxException(t, "interface addresses '(if)' are not supported; use an address or a macro");
        }
        if (t.kind() != Token.Kind.WORD) {
            throw new RuleSyntaxException(t, "expected an address, got " + t.describe());
        }
        unsupported(t);
        final String s = t.text();
        final int family;
        long hi = 0;
        long lo;
        if (s.indexOf(':') >= 0) {
            final long[] v6 = Addresses.parseInet6(s);
            if (v6 == null) {
                throw new RuleSyntaxException(t, "invalid IPv6 address '" + s + "'");
            }
            family = 10;
            hi = v6[0];
            lo = v6[1];
        } else if (looksNumeric(s)) {
            lo = Addresses.parseInet4(s);
            if (lo < 0) {
                throw new RuleSyntaxException(t, "invalid IPv4 address '" + s + "'");
            }
            family = 2;
        } else {
            throw new RuleSyntaxException(t, "host names are not resolved; use an address or a macro (got '" + s + "')");
        }
        final int max = family == 2 ? 32 : 128;
        int prefix = max;
        if (c.accept("/")) {
            final Token p = c.next();
            final long len = number(p.text());
            if (p.kind() != Token.Kind.WORD || len < 0) {
                throw new RuleSyntaxException(p, "expected a prefix length, got " + p.describe());
            }
            if (len > max) {
                throw new RuleSyntaxException(p, "prefix length " + len + " out of range for "
                        + AddressMatch.familyName(family));
            }
            prefix = (int) len;
        }
        out.add(AddressMatch.of(family, hi, lo, prefix, negated));
    }

    private PortMatch portItem(final boolean inList) throws RuleSyntaxException {
        final Token t = c.peek();
        int op = 0;
        if (t.kind() == Token.Kind.PUNCT) {
            switch (t.text()) {
                case "=": op = PortMatch.OP_EQ; break;
                case "!=": op = PortMatch.OP_NE; break;
                case "<": op = PortMatch.OP_LT; break;
                case "<=": op = PortMatch.OP_LE; break;
                case ">": op = PortMatch.OP_GT; break;
                case ">=": op = PortMatch.OP_GE; break;
                default: break;
            }
        }
        if (op != 0) {
            c.next();
            final int p = port(c.next());
            return new PortMatch(op, p, p);
        }
        final Token first = c.next();
        if (first.kind() == Token.Kind.WORD && first.text().indexOf(':') > 0
                && first.text().indexOf(':') < first.text().length() - 1) {
            final String s = first.text();
            final int colon = s.indexOf(':');
            final int a = port(first, s.substring(0, colon));
            final int b = port(first, s.substring(colon + 1));
            return range(first, PortMatch.OP_RANGE, a, b);
        }
        final int a = port(first);
        final Token next = c.peek();
        if (next.is(":") || next.is("><") || next.is("<>")) {
            c.next();
            final int b = port(c.next());
            final int rop = next.is(":") ? PortMatch.OP_RANGE : next.is("><") ? PortMatch.OP_INSIDE : PortMatch.OP_OUTSIDE;
            return range(first, rop, a, b);
        }
        return new PortMatch(PortMatch.OP_EQ, a, a);
    }

    private static PortMatch range(final Token at, final int op, final int a, final int b) throws RuleSyntaxException {
        if (a > b) {
            throw new RuleSyntaxException(at, "invalid port range " + a + PortMatch.SYMBOLS[op] + b
                    + ": the first port must not exceed the second");
        }
        return new PortMatch(op, a, b);
    }

    private static int port(final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.WORD) {
            throw new RuleSyntaxException(t, "expected a port number, got " + t.describe());
        }
        return port(t, t.text());
    }

    private static int port(final Token t, final String s) throws RuleSyntaxException {
        final long n = number(s);
        if (n >= 0) {
            if (n > 65535) {
                throw new RuleSyntaxException(t, "port " + s + " out of range 0..65535");
            }
            return (int) n;
        }
        final int svc = WellKnownNames.servicePort(s);
        if (svc < 0) {
            throw new RuleSyntaxException(t, "expected a port number, got '" + s + "'");
        }
        return svc;
    }

    private static int protocol(final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.WORD) {
            throw new RuleSyntaxException(t, "expected a protocol, got " + t.describe());
        }
        final long n = number(t.text());
        if (n >= 0) {
            if (n > 255) {
                throw new RuleSyntaxException(t, "protocol number " + t.text() + " out of range 0..255");
            }
            return (int) n;
        }
        final int p = WellKnownNames.protocolNumber(t.text());
        if (p < 0) {
            throw new RuleSyntaxException(t, "unknown protocol '" + t.text() + "'");
        }
        return p;
    }

    private static int flagBits(final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.WORD) {
            throw new RuleSyntaxException(t, "expected TCP flags (letters of FSRPAUEW), got " + t.describe());
        }
        int bits = 0;
        for (int i = 0; i < t.text().length(); i++) {
            final int bit = Rule.FLAG_LETTERS.indexOf(t.text().charAt(i));
            if (bit < 0) {
                throw new RuleSyntaxException(t, "unknown TCP flag '" + t.text().charAt(i)
                        + "' in '" + t.text() + "'; flags are letters of FSRPAUEW");
            }
            bits |= 1 << bit;
        }
        return bits;
    }

    /** {@code ( max N )}; returns N. */
    private int stateOptions() throws RuleSyntaxException {
        c.expect("(");
        int max = 0;
        boolean first = true;
        while (!c.peek().is(")")) {
            if (!first) {
                c.accept(",");
            }
            first = false;
            final Token t = c.next();
            if (t.is("max")) {
                if (max != 0) {
                    throw new RuleSyntaxException(t, "duplicate 'max'");
                }
                final Token n = c.next();
                final long v = number(n.text());
                if (n.kind() != Token.Kind.WORD || v < 1 || v > Integer.MAX_VALUE) {
                    throw new RuleSyntaxException(n, "expected a state limit 1.." + Integer.MAX_VALUE + ", got "
                            + n.describe());
                }
                max = (int) v;
            } else if (t.kind() == Token.Kind.EOL) {
                throw new RuleSyntaxException(t, "expected ')', got end of line");
            } else {
                throw new RuleSyntaxException(t, "unsupported state option " + t.describe() + "; only 'max N' is supported");
            }
        }
        c.expect(")");
        if (max == 0) {
            throw new RuleSyntaxException(c.peek(), "expected 'max N' in state options");
        }
        return max;
    }

    @FunctionalInterface
    private interface ItemParser {
        void parse() throws RuleSyntaxException;
    }

    /** Parses list items after an opening brace up to the matching close; nested braces are flattened. */
    private void list(final Token open, final int depth, final ItemParser item) throws RuleSyntaxException {
        if (depth >= MAX_LIST_DEPTH) {
            throw new RuleSyntaxException(open, "lists nested too deeply");
        }
        int count = 0;
        while (true) {
            final Token t = c.peek();
            if (t.kind() == Token.Kind.EOL) {
                throw new RuleSyntaxException(open, "unterminated list: '{' without '}'");
            }
            if (t.is("}")) {
                c.next();
                break;
            }
            if (t.is(",")) {
                if (count == 0) {
                    throw new RuleSyntaxException(t, "unexpected ','");
                }
                c.next();
                continue;
            }
            if (t.is("{")) {
                c.next();
                list(t, depth + 1, item);
            } else {
                item.parse();
            }
            count++;
        }
        if (count == 0) {
            throw new RuleSyntaxException(open, "empty list");
        }
    }

    private static void unsupported(final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.WORD) {
            return;
        }
        for (final String u : UNSUPPORTED) {
            if (u.equals(t.text())) {
                throw new RuleSyntaxException(t, "'" + u + "' is not supported by Tandem");
            }
        }
    }

    private static int families(final List<AddressMatch> addrs) {
        if (addrs.isEmpty()) {
            return 3;
        }
        int f = 0;
        for (final AddressMatch a : addrs) {
            f |= a.family() == 2 ? 1 : a.family() == 10 ? 2 : 3;
        }
        return f;
    }

    private static String familyNames(final int set) {
        return set == 1 ? "inet" : set == 2 ? "inet6" : "inet or inet6";
    }

    private static boolean looksNumeric(final String s) {
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            if ((ch < '0' || ch > '9') && ch != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean validInterfaceName(final String s) {
        if (s.isEmpty() || s.length() > 15) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            if (ch == ':' || ch == '/') {
                return false;
            }
        }
        return true;
    }

    /** Parses a non-negative decimal of at most 10 digits; -1 when {@code s} is not one. */
    public static long number(final String s) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }
}
