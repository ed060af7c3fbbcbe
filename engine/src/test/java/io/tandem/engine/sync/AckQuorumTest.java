package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which INS_ACKs release a held first packet ({@link AckQuorum}): every answering peer's, a peer joining
 * when first heard from or by an acknowledgement in time and leaving by a missed one; with one peer,
 * FreeBSD's first-ack rule.
 */
class AckQuorumTest {
    private static final int B = 0;
    private static final int C = 1;

    /** State 1 acknowledged by fwB and fwC at {@code now}: both answer from then on. */
    private static void bothAnswering(final AckQuorum q, final long now) {
        q.sent(1, now);
        q.acknowledged(1, B, now + 1);
        q.acknowledged(1, C, now + 1);
    }

    @Test
    void withOnePeerItsAcknowledgementReleasesAtOnce() {
        final AckQuorum q = new AckQuorum(20);
        for (long id = 1; id <= 5; id++) {
            q.sent(id, 1000);
            assertTrue(q.acknowledged(id, B, 1001), "state " + id);
        }
        assertEquals(0, q.heldBack());
        assertEquals(1, q.answeringPeers());
    }

    @Test
    void withTwoAnsweringPeersTheSecondAcknowledgementReleases() {
        final AckQuorum q = new AckQuorum(20);
        q.sent(1, 1000);
        assertTrue(q.acknowledged(1, B, 1001), "no peer known yet: the first acknowledgement releases");
        assertTrue(q.acknowledged(1, C, 1001), "the second, for a state released already, passes on (counted there)");
        assertEquals(2, q.answeringPeers());
        q.sent(2, 1002);
        assertFalse(q.acknowledged(2, B, 1003), "fwC has not acknowledged state 2 yet");
        assertTrue(q.acknowledged(2, C, 1003));
        q.sent(3, 1004);
        assertFalse(q.acknowledged(3, C, 1005), "in either order");
        assertTrue(q.acknowledged(3, B, 1005));
        assertEquals(2, q.heldBack());
    }

    /**
     * The first connection after a start: fwB's and fwC's frames (their bulk-update requests) were heard,
     * so the first held state waits for both, not for whichever acknowledges first. Learning the set from
     * acknowledgements alone released it on fwB's, and fwC dropped the SYN-ACK (once, in CI).
     */
    @Test
    void peersHeardFromAreWaitedForFromTheFirstHold() {
        final AckQuorum q = new AckQuorum(20);
        q.heard(B);
        q.heard(C);
        assertEquals(2, q.answeringPeers());
        q.sent(1, 1000);
        assertFalse(q.acknowledged(1, B, 1001), "fwC has not acknowledged the first state yet");
        assertTrue(q.acknowledged(1, C, 1002));
        assertEquals(1, q.heldBack());
    }

    @Test
    void framesDoNotBringBackAPeerThatMissedOneOnlyAnAcknowledgementInTimeDoes() {
        final AckQuorum q = new AckQuorum(20);
        q.heard(B);
        q.heard(C);
        q.sent(1, 1000);
        assertFalse(q.acknowledged(1, B, 1001));
        q.expire(1021); // fwC never answered: state 1's packet left by its timeout
        assertEquals(1, q.answeringPeers());
        q.heard(C); // fwC's updates still come
        assertEquals(1, q.answeringPeers(), "a frame is not an acknowledgement");
        q.sent(2, 1030);
        assertTrue(q.acknowledged(2, B, 1031), "not waiting for fwC");
        assertTrue(q.acknowledged(2, C, 1032), "fwC acknowledges in time: waited for again");
        q.heard(C);
        q.sent(3, 1040);
        assertFalse(q.acknowledged(3, B, 1041));
        assertTrue(q.acknowledged(3, C, 1041));
    }

    @Test
    void aPeerThatMissesAnAcknowledgementIsNotWaitedForUntilItAnswersAgain() {
        final AckQuorum q = new AckQuorum(20);
        bothAnswering(q, 1000);
        q.sent(2, 1010);
        assertFalse(q.acknowledged(2, B, 1011), "waits for fwC");
        // fwC stays silent: the packet thread releases state 2's packet by its timeout (20 ms)
        q.expire(1031);
        assertEquals(1, q.answeringPeers(), "fwC missed one");
        q.sent(3, 1040);
        assertTrue(q.acknowledged(3, B, 1041), "state 3 does not wait for fwC");
        q.sent(4, 1050);
        assertFalse(q.acknowledged(4, C, 1051), "fwC answers again and is waited for again; fwB is waited for too");
        assertTrue(q.acknowledged(4, B, 1051));
        assertEquals(2, q.answeringPeers());
        q.sent(5, 1060);
        assertFalse(q.acknowledged(5, B, 1061));
        assertTrue(q.acknowledged(5, C, 1061));
    }

    @Test
    void aPeerAlwaysLaterThanTheTimeoutIsNotWaitedFor() {
        final AckQuorum q = new AckQuorum(20);
        q.sent(1, 1000);
        assertTrue(q.acknowledged(1, B, 1001), "fwB answers in time");
        assertTrue(q.acknowledged(1, C, 1050), "fwC's acknowledgement comes after the timeout: passed on ...");
        assertEquals(1, q.answeringPeers(), "... and fwC is not waited for");
        for (long id = 2; id < 10; id++) {
            final long t = 1000 + id * 100;
            q.sent(id, t);
            assertTrue(q.acknowledged(id, B, t + 1), "state " + id + " released by fwB alone");
            assertTrue(q.acknowledged(id, C, t + 40));
        }
        assertEquals(0, q.heldBack());
        assertEquals(1, q.answeringPeers());
    }

    @Test
    void whenEveryPeerMissedOneTheFirstAcknowledgementReleasesAgain() {
        final AckQuorum q = new AckQuorum(20);
        bothAnswering(q, 1000);
        q.sent(2, 1010);
        q.expire(1100); // nobody answered state 2
        assertEquals(0, q.answeringPeers());
        q.sent(3, 1200);
        assertTrue(q.acknowledged(3, C, 1201));
    }

    @Test
    void anAcknowledgementOfAStateNotPendingPassesOn() {
        final AckQuorum q = new AckQuorum(20);
        bothAnswering(q, 1000);
        assertTrue(q.acknowledged(99, B, 1002), "never sent with PFSTATE_ACK here");
        q.sent(2, 1003);
        q.expire(1030);
        assertTrue(q.acknowledged(2, B, 1031), "late: the packet left by its timeout, the state is swept");
    }

    @Test
    void beyondHalfTheCapacityWithinOneTimeoutAStateIsNotRememberedAndTheFirstAcknowledgementReleases() {
        final AckQuorum q = new AckQuorum(20);
        bothAnswering(q, 1000);
        final int room = AckQuorum.CAPACITY / 2 - 1; // state 1 takes a slot too
        for (long id = 2; id < 2 + room; id++) {
            q.sent(id, 1005);
        }
        assertEquals(0, q.overflows(), "half the capacity is remembered");
        final long first = 2 + room;
        for (long id = first; id < first + 3; id++) {
            q.sent(id, 1006);
        }
        assertEquals(3, q.overflows());
        assertTrue(q.acknowledged(first, B, 1007),
                "not remembered: fwB's acknowledgement releases, fwC is not waited for");
        assertFalse(q.acknowledged(2, B, 1007), "a remembered one still waits for fwC");
        assertEquals(2, q.answeringPeers());
        q.expire(1030); // the defer timeout passed: every state forgotten (the unacknowledged ones dropped both peers)
        q.sent(first + 10, 1031);
        q.acknowledged(first + 10, B, 1032);
        q.acknowledged(first + 10, C, 1032); // both answering again
        q.sent(first + 11, 1033);
        assertFalse(q.acknowledged(first + 11, B, 1034), "there is room again: remembered, and waits for fwC");
        assertEquals(3, q.overflows());
    }

    /** The open-addressed table against a map, through many inserts, completions and sweeps. */
    @Test
    void theTableKeepsEveryPendingStateThroughRemovals() {
        final AckQuorum q = new AckQuorum(1000);
        final Random random = new Random(42);
        final Map<Long, Long> pending = new HashMap<>(); // id -> sent
        q.sent(1, 0);
        q.acknowledged(1, B, 0);
        q.acknowledged(1, C, 0); // both answering
        long now = 1;
        for (int step = 0; step < 200_000; step++) {
            now += random.nextInt(3) == 0 ? 1 : 0;
            q.expire(now); // this millisecond's sweep, before the step's own calls
            final long t = now;
            pending.entrySet().removeIf(e -> t - e.getValue() > 1000);
            if (q.answeringPeers() < 2) { // a sweep dropped a peer (a state nobody acknowledged): both again
                q.sent(7, now);
                q.acknowledged(7, B, now);
                q.acknowledged(7, C, now);
            }
            final long id = 1 + random.nextInt(3000) * 4096L + random.nextInt(2); // many share a home slot
            if (random.nextBoolean() && pending.size() < AckQuorum.CAPACITY / 2 - 1) {
                q.sent(id, now);
                pending.put(id, now);
            } else if (pending.containsKey(id)) {
                // B then C: held back, then released, and gone
                final boolean first = q.acknowledged(id, B, now);
                assertFalse(first, "state " + id + " is pending and waits for fwC");
                assertTrue(q.acknowledged(id, C, now));
                pending.remove(id);
                assertTrue(q.acknowledged(id, B, now), "no longer pending");
            }
        }
    }
}
