package io.tandem.engine.state;

/**
 * Read access to one state's fields, wherever the state is held: a journal record
 * ({@code JournalRecordFlyweight}) or a row of a {@link StateSnapshotMailbox} chunk
 * ({@link StateSnapshotRow}). The printers of {@code tandem states} and {@code tandem journal}
 * read states through it, so each field is printed by one piece of code.
 *
 * <p>Values are pf's, as in {@code pfsync_state}: {@code src} is the initiator and {@code dst} the
 * responder (peer 0 and 1, the {@link StateHalves}), counters index 0 counts initiator → responder,
 * addresses are hi/lo halves (IPv4 in the low 32 bits of lo), times are wall-clock milliseconds.
 */
public interface StateView extends StateHalves {
    int creatorId();

    long id();

    /** Address family: 2 (IPv4) or 10 (IPv6). */
    int af();

    int proto();

    /** {@link PfConstants#PF_IN} or {@link PfConstants#PF_OUT}. */
    int direction();

    long srcHi();

    long srcLo();

    long dstHi();

    long dstLo();

    int srcPort();

    int dstPort();

    int ifindex();

    int rule();

    /** {@code PFSTATE_*} bits. */
    int stateFlags();

    long creationMillis();

    /** Expiry deadline; 0 when there is none. */
    long expireAtMillis();

    long lastActivityMillis();

    /** Packets initiator → responder ({@code dir} 0) or back (1). */
    long packets(int dir);

    long bytes(int dir);

    long seqDiff(int peer);

    /** Whole seconds since creation at {@code nowMillis}, at least 0. */
    default long ageSeconds(final long nowMillis) {
        return Math.max(0, (nowMillis - creationMillis()) / 1000);
    }

    /** Whole seconds to the expiry deadline at {@code nowMillis}, at least 0; -1 when there is no deadline. */
    default long expiresInSeconds(final long nowMillis) {
        final long expire = expireAtMillis();
        return expire == 0 ? -1 : Math.max(0, (expire - nowMillis) / 1000);
    }
}
