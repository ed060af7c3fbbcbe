package io.tandem.engine.state;

/**
 * pf's constants, in one place: directions, TCP half states with the names pfctl prints, UDP and
 * other half states, window-scale bits and TCP window limits, and the {@code PFSTATE_*} flags. The
 * state table tracks connections with them, the pfsync codec puts them on the wire and the tools
 * print them, so every part of Tandem speaks pf's numbers ({@code pfvar.h}, {@code pf.h},
 * {@code tcp_fsm.h}, {@code tcp.h}, {@code pf.c}).
 */
public final class PfConstants {
    /**
     * Direction of the creating packet: pf's {@code PF_INOUT}, {@code PF_IN}, {@code PF_OUT}; a pfsync
     * receiver rejects anything above {@code PF_OUT}.
     */
    public static final int PF_INOUT = 0;
    public static final int PF_IN = 1;
    public static final int PF_OUT = 2;

    /** TCP half states, BSD {@code tcp_fsm.h} numbering as pf uses them. */
    public static final int TCPS_CLOSED = 0;
    public static final int TCPS_LISTEN = 1;
    public static final int TCPS_SYN_SENT = 2;
    public static final int TCPS_SYN_RECEIVED = 3;
    public static final int TCPS_ESTABLISHED = 4;
    public static final int TCPS_CLOSE_WAIT = 5;
    public static final int TCPS_FIN_WAIT_1 = 6;
    public static final int TCPS_CLOSING = 7;
    public static final int TCPS_LAST_ACK = 8;
    public static final int TCPS_FIN_WAIT_2 = 9;
    public static final int TCPS_TIME_WAIT = 10;
    /** {@code TCP_NSTATES}: the number of {@code TCPS_*} states, each with a name. */
    public static final int TCP_NSTATES = TCPS_TIME_WAIT + 1;
    /** pf's synproxy half states. */
    public static final int PF_TCPS_PROXY_SRC = TCP_NSTATES;
    /** The highest half state pfsync carries; a receiver rejects anything above. */
    public static final int PF_TCPS_PROXY_DST = PF_TCPS_PROXY_SRC + 1;

    /** UDP half states (pf's {@code PFUDPS_*}); other protocols use the same values ({@code PFOTHERS_*}). */
    public static final int PFUDPS_NO_TRAFFIC = 0;
    public static final int PFUDPS_SINGLE = 1;
    public static final int PFUDPS_MULTIPLE = 2;
    /** {@code PFUDPS_NSTATES}, also {@code PFOTHERS_NSTATES}. */
    public static final int PFUDPS_NSTATES = PFUDPS_MULTIPLE + 1;
    public static final int PFOTHERS_NO_TRAFFIC = 0;
    public static final int PFOTHERS_SINGLE = 1;
    public static final int PFOTHERS_MULTIPLE = 2;

    /** {@code wscale} bit meaning "the SYN carried a window-scale option". */
    public static final int PF_WSCALE_FLAG = 0x80;
    /** {@code wscale} bits holding the shift. */
    public static final int PF_WSCALE_MASK = 0x0f;
    /** Largest shift RFC 7323 allows; pf clamps larger values to it. */
    public static final int TCP_MAX_WINSHIFT = 14;
    /** Largest unscaled window. */
    public static final int TCP_MAXWIN = 65535;
    /** pf's MAXACKWINDOW: one maximal window plus an arbitrary 1500-byte fudge. */
    public static final int MAXACKWINDOW = 0xffff + 1500;

    /** {@code PFSTATE_*} bits of a state's {@code state_flags}. */
    public static final int PFSTATE_ALLOWOPTS = 0x01;
    public static final int PFSTATE_SLOPPY = 0x02;
    public static final int PFSTATE_PFLOW = 0x04;
    public static final int PFSTATE_NOSYNC = 0x08;
    /** The state's first packet is held until a peer acknowledges the state (deferral; INS_ACK). */
    public static final int PFSTATE_ACK = 0x10;

    /** pfctl's names of the {@code TCPS_*} states ({@code tcpstates[]}, {@code tcp_fsm.h}). */
    private static final String[] TCP_STATE_NAMES = {
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
        "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT",
    };
    /** {@code PFUDPS_NAMES}, equal to {@code PFOTHERS_NAMES}. */
    private static final String[] UDP_STATE_NAMES = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};

    private PfConstants() {
    }

    /** The name pfctl prints for a TCP half state, {@code 0 <= state < TCP_NSTATES}. */
    public static String tcpStateName(final int state) {
        return TCP_STATE_NAMES[state];
    }

    /** The name pfctl prints for a UDP or other half state, {@code 0 <= state < PFUDPS_NSTATES}. */
    public static String udpStateName(final int state) {
        return UDP_STATE_NAMES[state];
    }
}
