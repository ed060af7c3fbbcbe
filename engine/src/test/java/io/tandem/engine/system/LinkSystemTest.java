package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interfaces that come and go (issue #13): a rule {@code pass in on lanx} whose interface does not
 * exist when {@code scripts/tandem run} starts in tdm-fwA matches nothing, so the client's pings are
 * blocked; once fwA's client-side link is renamed to {@code lanx}, the engine sees the link events,
 * re-resolves its rules (logged) and the pings pass — without a reload or restart. Renamed back, the
 * rule's interface is gone again and a new flow is blocked.
 */
@Tag("system")
class LinkSystemTest {
    private static final int QUEUE = 263;

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")),
                "engine/target/tandem.jar is missing: run `mvn -DskipTests package` before the system tests");
        Lab.lab("up", "--queue", Integer.toString(QUEUE));
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    private static void rename(final String from, final String to) {
        final Lab.Result r = Lab.exec(Lab.FW_A, 10, "sh", "-c", "ip link set " + from + " down && ip link set " + from
                + " name " + to + " && ip link set " + to + " up");
        assertTrue(r.ok(), r.output());
    }

    private static boolean ping(final String id) {
        // a distinct ICMP id per call (ping -e), so that each call is a new flow decided by the rules
        return Lab.exec(Lab.CLIENT, 20, "ping", "-c", "2", "-i", "0.3", "-W", "1", "-e", id, Lab.SERVER_V4).ok();
    }

    @Test
    void aRuleOnAnInterfaceThatAppearsLaterMatchesOnceItIsThere(@TempDir final Path tmp) throws Exception {
        final Path conf = tmp.resolve("tandem.conf");
        Files.writeString(conf, "set metrics none\nset control \"" + tmp.resolve("tandem.sock") + "\"\n"
                + "set journal dir \"" + tmp.resolve("journal") + "\"\n"
                + "block all\npass in on lanx proto icmp\n");
        final Path log = tmp.resolve("tandem.log");
        final Process engine = new ProcessBuilder("ip", "netns", "exec", Lab.FW_A, Lab.root().resolve("scripts/tandem")
                .toString(), "run", "--set", "user none", "-f", conf.toString(), "--queue", Integer.toString(QUEUE))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Lab.waitForText(log, "bound queue " + QUEUE, 30);
            assertTrue(Files.readString(log).contains("interface 'lanx' not found"), Files.readString(log));
            assertFalse(ping("101"), "lanx does not exist: the pass rule matches nothing");

            rename("lan0", "lanx");
            Lab.waitForText(log, "tandem: interfaces changed (lanx 0->", 15);
            assertTrue(ping("102"), "the rule now matches on the renamed link");

            rename("lanx", "lan0");
            Lab.waitForText(log, "(lanx ", 15, 2);
            assertFalse(ping("103"), "lanx is gone again: a new flow is blocked");
        } finally {
            Lab.run(10, "kill", "-TERM", Long.toString(engine.pid()));
            if (!engine.waitFor(20, TimeUnit.SECONDS)) {
                engine.destroyForcibly();
            }
        }
        assertEquals(0, engine.exitValue(), Files.readString(log));
    }


}
