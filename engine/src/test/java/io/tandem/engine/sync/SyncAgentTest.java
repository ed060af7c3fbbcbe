package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalDeleteReason;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Which local removals the sync agent announces with DEL_C. */
class SyncAgentTest {
    private static final int OWN = 0x11111111;
    private static final int PEER = 0x22222222;

    private static JournalRecordFlyweight delete(final int creator, final JournalDeleteReason reason) {
        return new JournalRecordFlyweight().wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0)
                .clear().type(JournalRecordType.DELETE.code()).creatorId(creator).id(7).reason(reason.code());
    }

    @Test
    void aPeersStateThatOnlyExpiredHereIsNotAnnounced() {
        assertFalse(LocalChanges.announcesDelete(delete(PEER, JournalDeleteReason.EXPIRED), OWN),
                "its creator refreshes it and announces its end; ours may time out a second early");
        assertTrue(LocalChanges.announcesDelete(delete(OWN, JournalDeleteReason.EXPIRED), OWN));
        assertTrue(LocalChanges.announcesDelete(delete(PEER, JournalDeleteReason.CLOSED), OWN),
                "a connection closed through this node (split path) is announced whoever created it");
        assertTrue(LocalChanges.announcesDelete(delete(PEER, JournalDeleteReason.FLUSHED), OWN));
    }
}
