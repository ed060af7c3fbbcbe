package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Nested macros, real recursion, and the budget on the total work of expansion. */
class MacroExpansionTest {

    private static String error(final String text) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigException.class, () -> ConfigParser.parse("m.conf", text)).getMessage());
    }

    /** {@code m0 = ""}, then {@code mI = "$mI-1"} (or with {@code width} uses each), used on the last line. */
    private static String chain(final int depth, final int width) {
        final StringBuilder sb = new StringBuilder("m0 = \"\"\n");
        for (int i = 1; i <= depth; i++) {
            sb.append('m').append(i).append(" = \"");
            for (int k = 0; k < width; k++) {
                sb.append(k > 0 ? " $m" : "$m").append(i - 1);
            }
            sb.append("\"\n");
        }
        return sb.append("pass all $m").append(depth).append('\n').toString();
    }

    @Test
    void nestedEmptyMacrosExpandToNothing() throws ConfigException {
        final TandemConfig config = ConfigParser.parse("m.conf", chain(ConfigParser.MAX_MACRO_DEPTH - 1, 1));
        assertEquals(ConfigParser.parse("x.conf", "pass all").toNormalizedText(), config.toNormalizedText());
        // A statement that is only empty macros is no statement.
        assertEquals(0, ConfigParser.parse("m.conf", "e = \"\"\nf = \"$e $e\"\n$f\n$e $f\n").rules().size());
    }

    @Test
    void nestedMacrosWithValues() throws ConfigException {
        final TandemConfig c = ConfigParser.parse("m.conf", "e = \"\"\nport = \"22 $e\"\nports = \"{ $e $port 443 }\"\n"
                + "pass proto tcp to port $ports $e\n");
        assertEquals(ConfigParser.parse("x.conf", "pass proto tcp to port { 22 443 }").toNormalizedText(),
                c.toNormalizedText());
    }

    @Test
    void nestingDeeperThanTheLimitSaysSo() {
        // $m64 uses $m63 ... uses $m0: 65 macros open at once.
        final int depth = ConfigParser.MAX_MACRO_DEPTH;
        assertEquals("m.conf:" + (depth + 2) + ":10: macro expansion exceeds 64 levels of nesting (at '$m0' inside '$m"
                + depth + "')", error(chain(depth, 1)));
    }

    @Test
    void realRecursionIsReportedAsRecursion() {
        assertEquals("m.conf:3:6: macro 'a' expands recursively: $a -> $b -> $a",
                error("a = \"x $b\"\nb = \"$a\"\npass $a\n"));
        assertEquals("m.conf:2:6: macro 'a' expands recursively: $a -> $a", error("a = \"$a\"\npass $a\n"));
        assertEquals("m.conf:4:11: macro 'b' expands recursively: $b -> $c -> $b",
                error("c = \"$b\"\nb = \"$c\"\na = \"$b\"\npass from $a\n"));
    }

    @Test
    void exponentialNestingHitsTheUseBudgetQuickly() {
        final long start = System.nanoTime();
        assertEquals("m.conf:42:10: macro expansion exceeds 1048576 macro uses in this file (at '$m0' inside '$m40')",
                error(chain(40, 2)));
        assertEquals("m.conf:12:10: macro expansion exceeds 1048576 macro uses in this file (at '$m9' inside '$m10')",
                error(chain(10, 4)));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "took too long");
    }

    @Test
    void exponentialTextHitsTheCharacterBudget() {
        // Each level doubles a 1,000-character value: 2^14 copies of it exceed 16 MiB after few uses.
        final StringBuilder sb = new StringBuilder("m0 = \"" + "a ".repeat(500) + "\"\n");
        for (int i = 1; i <= 20; i++) {
            sb.append('m').append(i).append(" = \"$m").append(i - 1).append(" $m").append(i - 1).append("\"\n");
        }
        sb.append("pass all $m20\n");
        final String message = error(sb.toString());
        // Whichever limit comes first, the message names it; here the statement's token limit.
        assertEquals("m.conf:22:10: statement too long after macro expansion (more than 100000 tokens)", message);
        // A value that is all comment expands to no token, yet its characters count at every use.
        final StringBuilder many = new StringBuilder("big = \"# " + "x".repeat(60_000) + "\"\n");
        many.append("pass all $big\n".repeat(300));
        assertEquals("m.conf:281:10: macro expansion exceeds 16777216 characters in this file (at '$big')",
                error(many.toString()));
    }

    @Test
    void definitionTimeExpansionCountsToo() {
        final StringBuilder sb = new StringBuilder("a = \"" + "x".repeat(60_000) + "\"\n");
        sb.append("a = $a\n".repeat(300));
        assertEquals("m.conf:281:5: macro expansion exceeds 16777216 characters in this file (at '$a')",
                error(sb.toString()));
    }

    private static void assertTrue(final boolean condition, final String message) {
        org.junit.jupiter.api.Assertions.assertTrue(condition, message);
    }
}
