package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No error message shows a key: not one pasted into {@code set sync auth-key}, a rule or a macro, nor a key file. */
class KeyMaterialTest {
    static final String KEY = "3f8a0c5be1d2947a6b0e9c4d2f1a8b7c5e3d9a0f6b2c8e4d1a7f3b9c0e5d2a6b";
    static final String BASE64_KEY = "P4oMWrHSlHprDpxNLxqLfF49mg9rLI5NGn87nA5dKms=";

    private static String error(final String text) {
        final String message = assertThrows(ConfigException.class, () -> ConfigParser.parse("k.conf", text)).getMessage();
        assertNoKey(message);
        return message;
    }

    static void assertNoKey(final String text) {
        for (final String secret : new String[] {KEY, KEY.toUpperCase(Locale.ROOT), KEY.substring(0, 16),
            KEY.substring(48), BASE64_KEY.substring(0, 20), BASE64_KEY.substring(24, 44)}) {
            assertFalse(text.contains(secret), "key material in: " + text);
        }
    }

    @Test
    void aKeyPastedIntoAuthKeyIsNotEchoed() {
        final String value = "sync auth-key takes the absolute \"PATH\" of the key file, or none;"
                + " the text is not shown, as it may be key material";
        assertEquals("k.conf:1:19: " + value, error("set sync auth-key \"" + KEY + "\"\n"));
        assertEquals("k.conf:1:19: " + value, error("set sync auth-key " + KEY + "\n"));
        assertEquals("k.conf:1:19: " + value, error("set sync auth-key 1 " + KEY + "\n"));
        assertEquals("k.conf:1:19: " + value, error("set sync auth-key " + BASE64_KEY + "\n"));
        final String after = "unexpected text after the sync auth-key value; the text is not shown, as it may be key material";
        assertEquals("k.conf:1:38: " + after, error("set sync auth-key \"/etc/cluster.key\" " + KEY + "\n"));
        assertEquals("k.conf:1:40: " + after,
                error("set sync { auth-key \"/etc/cluster.key\" " + KEY + " }\n"));
        assertEquals("k.conf:2:19: " + value, error("k = \"" + KEY + "\"\nset sync auth-key $k\n"));
        // Other options of the statement, before the key, still say what is wrong with them.
        assertEquals("k.conf:1:12: unknown sync 'bogus'; known syncs: interface, peer, format, maxupdates, mtu,"
                + " flush-delay, bulk-rate, defer, defer-timeout, defer-limit, defer-poll, direct-ins, await-timeout, await-limit, auth, auth-key, auth-require,"
                + " auth-max-skew", error("set sync { bogus 1, auth-key " + KEY + " }\n"));
    }

    @Test
    void theCommandLineOverrideFollowsTheSameRule() {
        final String message = assertThrows(ConfigException.class,
                () -> TandemConfig.defaults().withOverride("sync auth-key " + KEY)).getMessage();
        assertNoKey(message);
        assertEquals("<command line>:1:15: sync auth-key takes the absolute \"PATH\" of the key file, or none;"
                + " the text is not shown, as it may be key material", message);
    }

    @Test
    void aKeyAnywhereElseIsNotQuoted() {
        assertEquals("k.conf:1:11: host names are not resolved; use an address or a macro (got '[64 hex digits not shown]')",
                error("pass from " + KEY + "\n"));
        assertEquals("k.conf:2:11: host names are not resolved; use an address or a macro (got '[43 characters not shown]')",
                error("k = \"" + BASE64_KEY + "\"\npass from $k\n"));
        assertEquals("k.conf:1:1: unknown keyword '[64 hex digits not shown]'; expected 'set', 'pass', 'block' or a"
                + " macro definition (name = \"value\")", error(KEY + " 1\n"));
        assertEquals("k.conf:1:17: expected an absolute \"PATH\" or none for journal dir, got \"[64 hex digits not shown]\"",
                error("set journal dir \"" + KEY + "\"\n"));
    }

    @Test
    void aCharacterTheLexerRefusesIsShownAloneNeverItsWord() {
        // '+' cannot start or continue a token: the lexer stops at it and shows that one character.
        assertEquals("k.conf:1:24: unexpected character '+'", error("set sync auth-key P4oMW+HSlHprDpxNLxqLfF49\n"));
    }

    @Test
    void ordinaryTextIsNotRedacted() {
        for (final String text : new String[] {"invalid IPv6 address '2001:0db8:0000:0000:0000:ff00:0042:8329'",
            "queue 12345678901234567890 out of range 0..65535", "unknown timeout 'tcp.established_really_long_name'",
            "expected an absolute \"PATH\" or none for journal dir, got \"var/lib/tandem/journal\"",
            "hostid 0x100000000 out of range", "interface 'enp0s31f6'"}) {
            assertEquals(text, ConfigException.redact(text));
        }
    }

    @Test
    void aKeyFileGivenAsTheConfiguration(@TempDir final Path dir) throws IOException {
        final String[] keyFiles = {
            "# cluster key\n1 " + KEY + "\n",
            "1 " + KEY + "\n2 " + KEY.substring(32) + KEY.substring(0, 32) + "\n",
            KEY + " 1\n",
            KEY + "\n",
            "key " + KEY + "\n",
            "k = \"" + KEY + "\"\npass from $k\n",
            "1 P4oMW+HSlHprDpxNLxqLfF49mg9rLI5NGn87nA5dKms=\n",
            "1 " + BASE64_KEY + "\n",
            BASE64_KEY + "\n",
        };
        for (final String text : keyFiles) {
            final Path file = dir.resolve("cluster.key");
            Files.writeString(file, text);
            final String message = assertThrows(ConfigException.class, () -> ConfigParser.parse(file)).getMessage();
            assertNoKey(message);
        }
    }
}
