package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateChangeListener;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * One exchange record per state: {@link StateTable#restore} puts a whole state back from a journal
 * record, as journal recovery ({@link JournalRecovery#put}) and a pfsync import ({@code PeerInbox})
 * do, and {@link JournalRecordFlyweight#copyFrom} writes a slot back into a record. Each field is
 * checked against what the former 20-argument {@code restore} and the paired {@code restorePeer}
 * calls produced.
 */
class StateExchangeRecordTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int CREATOR = 0x0a0b0c0d;
    private static final long EXPIRE_AT = T0 + 3_600_000;
    private static final int EST = PfConstants.TCPS_ESTABLISHED;

    /** A peer's established TCP state with every field set and distinct. */
    private static JournalRecordFlyweight record() {
        return new JournalRecordFlyweight().wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0)
                .clear().type(JournalRecordType.INSERT.code()).creatorId(CREATOR).id(77).af(2)
                .proto(DecodedPacket.PROTO_TCP).direction(PfConstants.PF_OUT)
                .timeoutClass(StateTimeouts.TCP_ESTABLISHED).ifindex(3).addresses(0, 0xC6120101L, 0, 0xC6120201L).ports(40000, 443).rule(2)
                .peer(0, 1000, 66_000, 5, 65535, 1460, EST, 0x87)
                .peer(1, 5000, 70_000, 0, 29200, 1400, EST, 0x82)
                .creationMillis(T0 - 5000).expireAtMillis(EXPIRE_AT).lastActivityMillis(T0 - 100)
                .counters(10, 9, 1000, 900);
    }

    private static StateTable table(final int capacity, final boolean ifBound) {
        final long[] t = StateTimeouts.defaultSeconds(capacity);
        t[StateTimeouts.ADAPTIVE_START] = 0;
        t[StateTimeouts.ADAPTIVE_END] = 0;
        return new StateTable(capacity, 4, ifBound, true, StateTimeouts.of(t), 0x1234abcd, 0,
                new StateCounters());
    }

    private static long timeoutMillis(final StateTable t) {
        return t.timeouts().seconds(StateTimeouts.TCP_ESTABLISHED) * 1000L;
    }

    /** The listener must not hear of restored states. */
    private static final class Calls implements StateChangeListener {
        int count;

        @Override
        public void onInsert(final StateTable table, final int slot, final int syncHints) {
            count++;
        }

        @Override
        public void onUpdate(final StateTable table, final int slot, final int syncHints) {
            count++;
        }

        @Override
        public void onRemove(final StateTable table, final int slot, final StateRemoveReason reason) {
            count++;
        }
    }

    private static void assertIdentityAndCounters(final StateTable t, final int slot, final JournalRecordFlyweight r) {
        assertEquals(slot, t.findById(CREATOR, 77));
        assertEquals(r.af(), t.family(slot));
        assertEquals(r.proto(), t.protocol(slot));
        assertEquals(r.srcLo(), t.srcLo(slot));
        assertEquals(r.dstLo(), t.dstLo(slot));
        assertEquals(r.srcPort(), t.srcPort(slot));
        assertEquals(r.dstPort(), t.dstPort(slot));
        assertEquals(r.direction(), t.direction(slot));
        assertEquals(r.creatorId(), t.creatorId(slot));
        assertEquals(r.id(), t.id(slot));
        assertEquals(r.creationMillis(), t.creationMillis(slot));
        assertEquals(r.timeoutClass(), t.timeoutClass(slot));
        assertEquals(EXPIRE_AT, t.expiresAtMillis(slot), "the recorded deadline is kept");
        for (int i = 0; i < 2; i++) {
            assertEquals(r.packets(i), t.packets(slot, i));
            assertEquals(r.bytes(i), t.bytes(slot, i));
            assertEquals(r.seqDiff(i), t.seqDiff(slot, i));
            assertEquals(r.maxWin(i), t.maxWin(slot, i));
            assertEquals(r.mss(i), t.mss(slot, i));
            assertEquals(r.peerState(i), t.peerState(slot, i));
            assertEquals(r.wscale(i), t.wscale(slot, i));
        }
    }

    @Test
    void aJournalRecordRestoresTheWholeStateWithTcpWindowsCleared() {
        final StateTable t = table(8, false);
        final Calls calls = new Calls();
        t.setListener(calls);
        final JournalRecordFlyweight r = record();
        final int slot = JournalRecovery.put(t, r);
        assertIdentityAndCounters(t, slot, r);
        assertEquals(2, t.rule(slot), "recovery keeps the recorded rule");
        assertEquals(1, t.ruleStates(2));
        assertEquals(0, t.ifindex(slot), "a floating table keys no interface");
        assertEquals(EXPIRE_AT - timeoutMillis(t), t.lastActivityMillis(slot));
        for (int i = 0; i < 2; i++) {
            assertEquals(0, t.seqLo(slot, i), "TCP windows are re-learned after a restart");
            assertEquals(1, t.seqHi(slot, i));
        }
        assertEquals(0, calls.count);
    }

    @Test
    void aPeersRecordIsImportedWithItsWindowsAndCopiesBackToTheSameRecord() {
        final StateTable t = table(8, true);
        final Calls calls = new Calls();
        t.setListener(calls);
        final JournalRecordFlyweight r = record();
        final int slot = t.restore(r, -1, r.expireAtMillis() - timeoutMillis(t), true); // as PeerInbox does
        assertIdentityAndCounters(t, slot, r);
        assertEquals(-1, t.rule(slot), "a peer's rule numbers are not ours");
        assertEquals(3, t.ifindex(slot));
        for (int i = 0; i < 2; i++) {
            assertEquals(r.seqLo(i), t.seqLo(slot, i), "a peer's windows are kept");
            assertEquals(r.seqHi(i), t.seqHi(slot, i));
        }
        assertEquals(0, calls.count);

        final JournalRecordFlyweight back = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0).clear().copyFrom(t, slot);
        r.rule(-1).lastActivityMillis(EXPIRE_AT - timeoutMillis(t)); // what the import supplied
        for (int b = JournalRecordFlyweight.STATE_FLAGS_OFFSET; b < JournalRecordFlyweight.EPOCH_OFFSET; b++) {
            if (b < JournalRecordFlyweight.WALL_TIME_OFFSET || b >= JournalRecordFlyweight.CREATOR_ID_OFFSET) {
                assertEquals(r.buffer().getByte(b), back.buffer().getByte(b), "state byte " + b);
            }
        }
    }

    @Test
    void duplicatesFullTablesAndUnknownTimeoutClassesAreCounted() {
        final StateTable t = table(2, false);
        final JournalRecordFlyweight r = record();
        t.restore(r, 2, T0, false);
        assertEquals(StateTable.FAIL_DUPLICATE, t.restore(r, 2, T0, false));
        r.addresses(0, 0xC6120201L, 0, 0xC6120101L).ports(443, 40000); // the reverse key
        assertEquals(StateTable.FAIL_DUPLICATE, t.restore(r, 2, T0, true));
        assertEquals(2, t.counters().get(StateCounter.INSERT_FAILED_DUPLICATE));
        r.ports(443, 40001).timeoutClass(22).id(78); // a FreeBSD SCTP timeout class
        final int slot = t.restore(r, 2, T0, true);
        assertEquals(StateTimeouts.TCP_ESTABLISHED, t.timeoutClass(slot));
        assertEquals(1, t.counters().get(StateCounter.RESTORED_UNKNOWN_TIMEOUT));
        r.ports(443, 40002).id(79);
        assertEquals(StateTable.FAIL_FULL, t.restore(r, 2, T0, true));
        assertEquals(1, t.counters().get(StateCounter.INSERT_FAILED_FULL));
        assertEquals(2, t.ruleStates(2));
    }
}
