package io.tandem.engine.packet;

import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.C6;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.S6;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.udp4;
import static io.tandem.engine.packet.PacketFilterFixtures.udp6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRing;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tandem kill / flush states: what each form removes, and words that do not parse. */
class StateCommandTest {
    private static Harness fourStates() {
        final Harness h = new Harness("pass out proto udp keep state\npass out inet6 proto udp to port 53 keep state\n");
        h.localOut(udp4(C4, 1001, S4, 53), WAN);      // rule 0
        h.localOut(udp4("10.0.0.2", 1002, S4, 53), WAN);
        h.localOut(udp4("10.0.1.9", 1003, "192.0.2.99", 123), WAN);
        h.localOut(udp6(C6, 1004, S6, 53), WAN);      // rule 1 (last match)
        assertEquals(4, h.states().size());
        return h;
    }

    @Test
    void killHostMatchesTheInitiatorAndOptionallyTheResponder() {
        final Harness h = fourStates();
        assertEquals("kill host 10.0.0.0/24: 2 states removed", StateCommand.parseKill("host 10.0.0.0/24").run(h.states()));
        assertEquals(2, h.states().size());
        assertEquals("kill host 10.0.0.0/8 192.0.2.10: 0 states removed",
                StateCommand.parseKill("host 10.0.0.0/8 192.0.2.10").run(h.states()));
        assertEquals("kill host 2001:db8:1::/48: 1 state removed",
                StateCommand.parseKill("host 2001:db8:1::/48").run(h.states()));
        assertEquals(3, h.states().counters().get(StateRemoveReason.FLUSHED.counter()));
    }

    @Test
    void killIdAndRuleAndFlush() {
        final Harness h = fourStates();
        final StateTable t = h.states();
        final int slot = t.nextLive(0);
        final String id = Long.toHexString(t.id(slot));
        assertEquals("kill id " + id + ": 1 state removed", StateCommand.parseKill("id " + id).run(t));
        assertEquals("kill id " + id + ": 0 states removed", StateCommand.parseKill("id " + id).run(t));
        final StringBuilder rules = new StringBuilder();
        for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
            rules.append(t.rule(s)).append(' ');
        }
        assertEquals("kill rule 1: 1 state removed", StateCommand.parseKill("rule 1").run(t), "rules: " + rules);
        assertEquals("flush states: 2 states removed", StateCommand.flush().run(t)); // no journal: listener told
        assertEquals(0, t.size());
        assertEquals(4, t.counters().get(StateCounter.REMOVED_FLUSHED));
    }

    /** kill label: the states whose rule carries that label (pf's label "text"), looked up in the ruleset. */
    @Test
    void killLabelMatchesTheStatesOfRulesWithThatLabel() {
        final Harness h = new Harness("pass out proto udp to port 53 label \"dns out\"\n"
                + "pass out proto udp to port 123 label ntp\npass out inet6 proto udp label \"dns out\"\n");
        h.localOut(udp4(C4, 1001, S4, 53), WAN);
        h.localOut(udp4("10.0.0.2", 1002, S4, 53), WAN);
        h.localOut(udp4("10.0.1.9", 1003, "192.0.2.99", 123), WAN);
        h.localOut(udp6(C6, 1004, S6, 53), WAN);
        final StateTable t = h.states();
        assertEquals(4, t.size());
        assertEquals("kill label \"nothing\": 0 states removed",
                StateCommand.parseKill("label nothing").run(t, h.filter.ruleset(), null));
        assertEquals("kill label \"dns out\": 3 states removed",
                StateCommand.parseKill("label  dns out ").run(t, h.filter.ruleset(), null));
        assertEquals(1, t.size());
        assertEquals(123, t.dstPort(t.nextLive(0)));
        assertThrows(IllegalArgumentException.class, () -> StateCommand.parseKill("label " + "x".repeat(64)));
    }

    /**
     * A flush journals one CLEAR per creator id in the table (ours and a peer's), then removes the
     * states without a DELETE each: the sync agent sends each CLEAR as one CLR.
     */
    @Test
    void flushJournalsOneClearPerCreatorAndNoDeletes(@TempDir final Path dir) throws Exception {
        final Harness h = fourStates();
        final StateTable t = h.states();
        final int peer = 0x0badcafe;
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().copyFrom(t, t.nextLive(0)).creatorId(peer).id(77).ports(4000, 4001);
        assertTrue(t.restore(r, -1, h.now, true) >= 0);
        try (JournalRing ring = JournalRing.open(dir, 1 << 16)) {
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), t.creatorId(), 60, 0, 0);
            t.setListener(recorder);
            final String done = StateCommand.flush().run(t, null, recorder);
            assertEquals("flush states: 5 states removed; CLR sent for creators "
                    + String.format("%08x", t.creatorId()) + ", 0badcafe", done);
            assertEquals(0, t.size());
            assertEquals(5, t.counters().get(StateCounter.REMOVED_FLUSHED));
            final List<String> records = new ArrayList<>();
            ring.ring().read((type, buffer, index, length) -> {
                final JournalRecordFlyweight x = new JournalRecordFlyweight().wrap(buffer, index);
                records.add(JournalRecordType.of(x.type()) + " " + String.format("%08x", x.creatorId())
                        + " " + x.originKind());
            }, 100);
            assertEquals(List.of("CLEAR " + String.format("%08x", t.creatorId()) + " 0", "CLEAR 0badcafe 0"), records);
        }
    }

    @Test
    void wordsThatDoNotParseSayWhy() {
        for (final String bad : new String[] {"", "host", "host 10.0.0.300", "host 10.0.0.0/33", "host 10.0.0.1 ::1",
                "id xyz", "rule -1", "rule one", "gateway 1.2.3.4", "host 1.2.3.4 5.6.7.8 9.9.9.9"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StateCommand.parseKill(bad), bad);
            assertTrue(e.getMessage().length() > 10, bad + ": " + e.getMessage());
        }
    }
}
