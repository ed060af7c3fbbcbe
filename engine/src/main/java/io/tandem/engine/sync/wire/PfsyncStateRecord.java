package io.tandem.engine.sync.wire;

/**
 * The fields common to the three full state record formats (1301, 1400, 1500), as handed to
 * {@link PfsyncRecordHandler#onState}. Format-specific fields are on the flyweight classes
 * ({@link PfsyncState1301Flyweight}, {@link PfsyncState1400Flyweight},
 * {@link PfsyncState1500Flyweight}); cast by {@link #format()}.
 *
 * <p>For format 1500 there is no single af or proto: {@link #af()} and {@link #proto()} return the
 * WIRE values ({@code wire_af}, {@code wire_proto}).
 */
public interface PfsyncStateRecord {
    /** 1301, 1400 or 1500. */
    int format();

    /** Record length in bytes: 242, 277 or 360. */
    int length();

    long id();

    /** Bytes of {@code ifname} before its NUL (16 if unterminated). */
    int ifnameLength();

    boolean ifnameTerminated();

    boolean ifnameEquals(CharSequence name);

    /** Replaces {@code out}'s content with {@code ifname}; allocation-free within capacity. */
    StringBuilder getIfname(StringBuilder out);

    /** {@code ifname} as a String; allocates. */
    String ifname();

    /** key[0], PF_SK_WIRE. */
    PfsyncStateKeyFlyweight wireKey();

    /** key[1], PF_SK_STACK. */
    PfsyncStateKeyFlyweight stackKey();

    PfsyncStatePeerFlyweight src();

    PfsyncStatePeerFlyweight dst();

    long rtAddrHi();

    long rtAddrLo();

    /** Rule number, -1 for none. */
    int rule();

    int anchor();

    int natRule();

    /** Age in seconds (unsigned). */
    long creation();

    /** Seconds left (unsigned); 0 means a full lifetime on import. */
    long expire();

    /** packets[i], i = 0 or 1. */
    long packets(int i);

    /** bytes[i], i = 0 or 1. */
    long bytes(int i);

    int creatorid();

    /** Wire address family: 2 or 28 when valid. */
    int af();

    int proto();

    int direction();

    /** {@code PFSTATE_*} bits (8 bits in 1301, 16 in 1400/1500). */
    int stateFlags();

    int log();

    int timeout();
}
