package io.tandem.engine.rules;

/**
 * One item of a port specification, with pf's operators.
 *
 * <pre>
 *   = N      port == N            != N     port != N
 *   &lt; N      port &lt; N             &lt;= N     port &lt;= N
 *   &gt; N      port &gt; N             &gt;= N     port &gt;= N
 *   N:M      N &lt;= port &lt;= M  (inclusive range)
 *   N &gt;&lt; M   N &lt; port &lt; M    (exclusive range)
 *   N &lt;&gt; M   port &lt; N || port &gt; M (outside the range)
 * </pre>
 *
 * @param op   one of the {@code OP_*} constants
 * @param low  first operand (the only one for unary operators)
 * @param high second operand of range operators, else equal to {@code low}
 */
public record PortMatch(int op, int low, int high) {
    public static final int OP_EQ = 1;
    public static final int OP_NE = 2;
    public static final int OP_LT = 3;
    public static final int OP_LE = 4;
    public static final int OP_GT = 5;
    public static final int OP_GE = 6;
    public static final int OP_RANGE = 7;
    public static final int OP_INSIDE = 8;
    public static final int OP_OUTSIDE = 9;

    /** Operator symbols indexed by op; ranges are printed between the operands. */
    static final String[] SYMBOLS = {"?", "=", "!=", "<", "<=", ">", ">=", ":", "><", "<>"};

    /** The match itself; also used by the compiled ruleset (static, allocation free). */
    public static boolean matches(final int op, final int a, final int b, final int port) {
        switch (op) {
            case OP_EQ: return port == a;
            case OP_NE: return port != a;
            case OP_LT: return port < a;
            case OP_LE: return port <= a;
            case OP_GT: return port > a;
            case OP_GE: return port >= a;
            case OP_RANGE: return port >= a && port <= b;
            case OP_INSIDE: return port > a && port < b;
            case OP_OUTSIDE: return port < a || port > b;
            default: return false;
        }
    }

    public boolean matches(final int port) {
        return matches(op, low, high, port);
    }

    /** Canonical text; {@code inList} drops the {@code =} of a plain port, as in {@code { 22, 80 }}. */
    public String toText(final boolean inList) {
        switch (op) {
            case OP_RANGE: return low + ":" + high;
            case OP_INSIDE:
            case OP_OUTSIDE: return low + " " + SYMBOLS[op] + " " + high;
            case OP_EQ: return inList ? Integer.toString(low) : "= " + low;
            default: return SYMBOLS[op] + " " + low;
        }
    }

    @Override
    public String toString() {
        return toText(false);
    }
}
