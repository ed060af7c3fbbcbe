package io.tandem.engine.journal;

/**
 * Record types of the journal (byte 3 of a record), with the names the tools print.
 *
 * <ul>
 *   <li>INSERT — a state was created (by a local rule, or learned from a peer).</li>
 *   <li>UPDATE — a state changed in a way that matters to recovery and to peers: a TCP peer's state
 *       (SYN_SENT → ESTABLISHED → FIN_WAIT…), or its timeout class.</li>
 *   <li>DELETE — a state was removed; the reason byte says why ({@link JournalDeleteReason}).</li>
 *   <li>CLEAR — the states of one creatorid were flushed: the record's creatorid (a flush writes one
 *       per creator id in the table, and the sync agent sends each as a pfsync CLR; 0 = every state),
 *       or, when the origin is a peer, the creatorid in the origin field.</li>
 *   <li>SNAPSHOT — the full current contents of one live state, written by the rolling snapshot.</li>
 *   <li>EPOCH_START / EPOCH_END — bracket one pass of the rolling snapshot over the whole table;
 *       recovery starts at the last complete epoch's start.</li>
 *   <li>DEFER / RELEASE — reserved for the deferral of first packets (pfsync).</li>
 *   <li>START — an engine started writing (creatorid, hostid), for the tools and for ownership.</li>
 *   <li>SYNC_REQUEST — a pfsync peer sent a compressed update (UPD_C) for a state this node does not
 *       hold; the sync agent asks the peers for it (UPD_REQ with the record's creatorid and id).
 *       Recovery ignores it.</li>
 *   <li>SYNC_DELETE — a pfsync peer reported a state this node removed for good a moment ago (its
 *       report crossed our DEL_C, or our DEL_C was lost); the sync agent sends DEL_C again with the
 *       record's creatorid and id. Recovery ignores it.</li>
 * </ul>
 */
public enum JournalRecordType {
    UNKNOWN(0),
    INSERT(1),
    UPDATE(2),
    DELETE(3),
    CLEAR(4),
    SNAPSHOT(5),
    EPOCH_START(6),
    EPOCH_END(7),
    DEFER(8),
    RELEASE(9),
    START(10),
    SYNC_REQUEST(11),
    SYNC_DELETE(12);

    private static final JournalRecordType[] BY_CODE = new JournalRecordType[256];

    static {
        for (final JournalRecordType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    JournalRecordType(final int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type of a code; {@link #UNKNOWN} for codes this version does not know. */
    public static JournalRecordType of(final int code) {
        final JournalRecordType t = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return t == null ? UNKNOWN : t;
    }

    /** Lower-case name for output and filters ({@code insert}, {@code epoch_start}...). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
