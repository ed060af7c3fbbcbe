package io.tandem.engine.sync.wire;

/**
 * Protocol constants of FreeBSD's pfsync v5 ({@code if_pfsync.h}, {@code pfvar.h}, {@code pf.h}) as
 * profiled in the spec's section W, and the record length of each action.
 *
 * <p>v5 carries no per-record length: the action number alone fixes the record size, so the table
 * {@link #recordLength(int)} is part of the protocol. A receiver that disagrees about one size
 * misparses the rest of the frame.
 */
public final class PfsyncConstants {
    /** {@code PFSYNC_VERSION}: the header version of every frame, whatever the state format. */
    public static final int PFSYNC_VERSION = 5;
    /** {@code IPPROTO_PFSYNC}. */
    public static final int IPPROTO_PFSYNC = 240;
    /** IP protocol numbers whose states key on the ICMP echo identifier. */
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_ICMPV6 = 58;
    /** {@code PFSYNC_DFLTTL}: sent and required TTL or hop limit. */
    public static final int PFSYNC_DFLTTL = 255;
    /** {@code INADDR_PFSYNC_GROUP} 224.0.0.240 as a big-endian IPv4 value. */
    public static final int INADDR_PFSYNC_GROUP = 0xE000_00F0;
    /** The same group in dotted form, for configuration and logs. */
    public static final String PFSYNC_GROUP_IPV4 = "224.0.0.240";
    /** FreeBSD 14+ IPv6 group. */
    public static final String PFSYNC_GROUP_IPV6 = "ff12::f0";
    /** {@code IPTOS_LOWDELAY}, the TOS of every frame. */
    public static final int IPTOS_LOWDELAY = 0x10;

    // Actions (FreeBSD 15 numbering; 1/3 are INS_1301/UPD_1301 there).
    public static final int ACT_CLR = 0;
    public static final int ACT_INS = 1;
    public static final int ACT_INS_ACK = 2;
    public static final int ACT_UPD = 3;
    public static final int ACT_UPD_C = 4;
    public static final int ACT_UPD_REQ = 5;
    public static final int ACT_DEL = 6;
    public static final int ACT_DEL_C = 7;
    public static final int ACT_INS_F = 8;
    public static final int ACT_DEL_F = 9;
    public static final int ACT_BUS = 10;
    public static final int ACT_TDB = 11;
    public static final int ACT_EOF = 12;
    public static final int ACT_INS_1400 = 13;
    public static final int ACT_UPD_1400 = 14;
    public static final int ACT_INS_1500 = 15;
    public static final int ACT_UPD_1500 = 16;
    /** Number of defined action codes (FreeBSD 15's {@code PFSYNC_ACT_MAX}); size of iacts/oacts. */
    public static final int ACT_MAX = 17;

    /** State record formats ({@code PFSYNC_MSG_VERSION_*}). */
    public static final int FORMAT_1301 = 1301;
    public static final int FORMAT_1400 = 1400;
    public static final int FORMAT_1500 = 1500;
    /**
     * {@code rtableid} of a state with no routing table: -1, as {@code pf_setup_pdesc} initialises
     * {@code pd->act.rtableid} and as FreeBSD 15's {@code pfsync_state_import} accepts besides
     * {@code 0..rt_numfibs-1}. Sent in 1400 and 1500 records.
     */
    public static final int RTABLEID_UNSET = -1;

    /** {@code sizeof(struct pfsync_tdb)} on FreeBSD (28-byte sockaddr_union); skipped on input. */
    public static final int TDB_LENGTH = 48;
    /** The EOF section: a bare subheader {@code 0c 00 00 01}, no body (FreeBSD 10 and later). */
    public static final int EOF_LENGTH = PfsyncSubheaderFlyweight.LENGTH;
    /** Smallest frame: header plus EOF (IP header excluded). */
    public static final int MIN_FRAME_LENGTH = PfsyncHeaderFlyweight.LENGTH + EOF_LENGTH;
    /** Length of the optional W.12 authentication trailer (future work), outside {@code len}. */
    public static final int AUTH_TRAILER_LENGTH = 48;

    /** Address families on the wire: BSD values. */
    public static final int AF_INET = 2;
    /** FreeBSD's {@code AF_INET6}; never put Linux's 10 on the wire. */
    public static final int AF_INET6_FREEBSD = 28;
    /** Linux's {@code AF_INET6}, the engine's own value. */
    public static final int AF_INET6_LINUX = 10;

    // pf's own constants that records carry (directions PF_*, half states TCPS_* and PFUDPS_*,
    // PFSTATE_* flags) are in io.tandem.engine.state.PfConstants, shared with the state table.

    /** {@code PFTM_*} timeout classes used by the engine. */
    public static final int PFTM_TCP_FIRST_PACKET = 0;
    public static final int PFTM_TCP_OPENING = 1;
    public static final int PFTM_TCP_ESTABLISHED = 2;
    public static final int PFTM_TCP_CLOSING = 3;
    public static final int PFTM_TCP_FIN_WAIT = 4;
    public static final int PFTM_TCP_CLOSED = 5;
    public static final int PFTM_UDP_FIRST_PACKET = 6;
    public static final int PFTM_UDP_SINGLE = 7;
    public static final int PFTM_UDP_MULTIPLE = 8;
    public static final int PFTM_ICMP_FIRST_PACKET = 9;
    public static final int PFTM_ICMP_ERROR_REPLY = 10;
    public static final int PFTM_OTHER_FIRST_PACKET = 11;
    public static final int PFTM_OTHER_SINGLE = 12;
    public static final int PFTM_OTHER_MULTIPLE = 13;
    /** {@code PFTM_OLD_MAX}: we send only classes below this (understood by every FreeBSD). */
    public static final int PFTM_OLD_MAX = 20;
    /** {@code PFTM_MAX} of FreeBSD 14+ (SCTP classes 20-24): we accept classes below this. */
    public static final int PFTM_MAX = 25;

    /** {@code PFSYNC_FLAG_*} bits of {@code sync_flags}. */
    public static final int PFSYNC_FLAG_SRCNODE = 0x04;
    public static final int PFSYNC_FLAG_NATSRCNODE = 0x08;
    /** {@code PFSYNC_SCRUB_FLAG_VALID} in the peer scrub block. */
    public static final int PFSYNC_SCRUB_FLAG_VALID = 0x01;

    /** {@code pfsync_bus.status}. */
    public static final int PFSYNC_BUS_START = 1;
    public static final int PFSYNC_BUS_END = 2;

    /** Rule numbers we send: {@code htonl(-1)}, none (peer rule numbers are never trusted). */
    public static final int NO_RULE = -1;
    /** {@code IFNAMSIZ} on FreeBSD. */
    public static final int IFNAMSIZ = 16;
    /** {@code PF_TAG_NAME_SIZE}. */
    public static final int PF_TAG_NAME_SIZE = 64;
    /** Interface name of floating states ({@code IFG_ALL}). */
    public static final String IFNAME_ALL = "all";

    /** Record bytes per action, -1 where undefined (INS_F, DEL_F); EOF has no body. */
    private static final int[] RECORD_LENGTH = new int[ACT_MAX];

    static {
        RECORD_LENGTH[ACT_CLR] = PfsyncClrFlyweight.LENGTH;
        RECORD_LENGTH[ACT_INS] = PfsyncState1301Flyweight.LENGTH;
        RECORD_LENGTH[ACT_INS_ACK] = PfsyncInsAckFlyweight.LENGTH;
        RECORD_LENGTH[ACT_UPD] = PfsyncState1301Flyweight.LENGTH;
        RECORD_LENGTH[ACT_UPD_C] = PfsyncUpdCFlyweight.LENGTH;
        RECORD_LENGTH[ACT_UPD_REQ] = PfsyncUpdReqFlyweight.LENGTH;
        RECORD_LENGTH[ACT_DEL] = PfsyncState1301Flyweight.LENGTH;
        RECORD_LENGTH[ACT_DEL_C] = PfsyncDelCFlyweight.LENGTH;
        RECORD_LENGTH[ACT_INS_F] = -1;
        RECORD_LENGTH[ACT_DEL_F] = -1;
        RECORD_LENGTH[ACT_BUS] = PfsyncBusFlyweight.LENGTH;
        RECORD_LENGTH[ACT_TDB] = TDB_LENGTH;
        RECORD_LENGTH[ACT_EOF] = 0;
        RECORD_LENGTH[ACT_INS_1400] = PfsyncState1400Flyweight.LENGTH;
        RECORD_LENGTH[ACT_UPD_1400] = PfsyncState1400Flyweight.LENGTH;
        RECORD_LENGTH[ACT_INS_1500] = PfsyncState1500Flyweight.LENGTH;
        RECORD_LENGTH[ACT_UPD_1500] = PfsyncState1500Flyweight.LENGTH;
    }

    private PfsyncConstants() {
    }

    /** Record length of {@code action}; -1 for INS_F, DEL_F and any action outside 0..16. */
    public static int recordLength(final int action) {
        return action >= 0 && action < ACT_MAX ? RECORD_LENGTH[action] : -1;
    }

    /** State record format carried by {@code action}, or 0 when the action carries no full state. */
    public static int stateFormat(final int action) {
        switch (action) {
            case ACT_INS:
            case ACT_UPD:
            case ACT_DEL:
                return FORMAT_1301;
            case ACT_INS_1400:
            case ACT_UPD_1400:
                return FORMAT_1400;
            case ACT_INS_1500:
            case ACT_UPD_1500:
                return FORMAT_1500;
            default:
                return 0;
        }
    }

    /** Maps an engine (Linux) or wire address family to the wire value: 2 → 2, 10 or 28 → 28, else -1. */
    public static int wireAf(final int af) {
        if (af == AF_INET) {
            return AF_INET;
        }
        return af == AF_INET6_LINUX || af == AF_INET6_FREEBSD ? AF_INET6_FREEBSD : -1;
    }

    /** Maps a wire address family to Linux's: 2 → 2, 28 → 10, anything else -1. */
    public static int linuxAf(final int wireAf) {
        if (wireAf == AF_INET) {
            return AF_INET;
        }
        return wireAf == AF_INET6_FREEBSD ? AF_INET6_LINUX : -1;
    }

    /** Short name of an action as FreeBSD's tcpdump labels it, for logs and tools (no allocation). */
    public static String actionName(final int action) {
        switch (action) {
            case ACT_CLR: return "CLR";
            case ACT_INS: return "INS";
            case ACT_INS_ACK: return "INS_ACK";
            case ACT_UPD: return "UPD";
            case ACT_UPD_C: return "UPD_C";
            case ACT_UPD_REQ: return "UPD_REQ";
            case ACT_DEL: return "DEL";
            case ACT_DEL_C: return "DEL_C";
            case ACT_INS_F: return "INS_F";
            case ACT_DEL_F: return "DEL_F";
            case ACT_BUS: return "BUS";
            case ACT_TDB: return "TDB";
            case ACT_EOF: return "EOF";
            case ACT_INS_1400: return "INS_1400";
            case ACT_UPD_1400: return "UPD_1400";
            case ACT_INS_1500: return "INS_1500";
            case ACT_UPD_1500: return "UPD_1500";
            default: return "UNKNOWN";
        }
    }
}
