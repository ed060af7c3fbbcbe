package io.tandem.engine.tools;

import static io.tandem.engine.state.PfConstants.PFUDPS_NSTATES;
import static io.tandem.engine.state.PfConstants.PF_OUT;
import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_DST;
import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_SRC;
import static io.tandem.engine.state.PfConstants.TCP_NSTATES;

import io.tandem.engine.state.PfConstants;

/**
 * A state as FreeBSD's {@code pfctl -ss -v} prints it, the one formatter of that text for
 * {@code tandem states} and {@code tandem journal states}: the first line ({@link #line}), the TCP
 * sequence windows ({@link #windows}), then age, expiry and counters ({@link #ageAndCounters}).
 * Each command puts the parts together with what its source holds (a line of the admin socket, a
 * journal record) and its own identity line.
 *
 * <p>Theory of operation. pfctl does not print "source to destination": it prints pf's state key,
 * {@code addr[1]} then {@code addr[0]} ({@code sbin/pfctl/pf_print_state.c}, {@code print_state}),
 * with {@code ->} for a state created outbound and {@code <-} for one created inbound, and the peer
 * states in the same left-to-right order ({@code src:dst} outbound, {@code dst:src} inbound). Which
 * address is in which slot is pf's key convention (docs/pfsync-wire.md, "Key slots"): the initiator
 * is {@code addr[0]} of an inbound state and {@code addr[1]} of an outbound one. So this class first
 * places Tandem's initiator/responder into pf's slots — the same table {@code PfsyncStateMapping}
 * uses on the wire — and then prints the slots as {@code print_state} does. The result reads
 * {@code client -> server} for outbound states and {@code server <- client} for inbound ones.
 *
 * <p>Hosts follow {@code print_host}: the address, then {@code :port} (IPv4) or {@code [port]}
 * (IPv6) whenever the port is not 0 — also for ICMP, whose ports hold the echo identifier. Peer
 * states follow {@code print_state}'s protocol cases (TCP names, UDP and other names, numbers for
 * ICMP). No NAT: the WIRE and STACK keys are equal, so pfctl's "(translated)" part never appears.
 * The windows follow {@code print_seq} and the window scale is shown when both halves have one. Times
 * are {@code HH:MM:SS} ({@link #hms}). Tool threads only: allocates.
 */
public final class PfctlStateText {
    private PfctlStateText() {
    }

    /** pf's key slot of the initiator: 0 for a state created inbound, 1 outbound. */
    public static int initiatorSlot(final int direction) {
        return direction == PF_OUT ? 1 : 0;
    }

    /** True when pfctl prints the initiator's half first (outbound states: {@code src:dst}). */
    public static boolean initiatorFirst(final int direction) {
        return direction == PF_OUT;
    }

    /**
     * {@code IFNAME PROTO addr[1] ARROW addr[0]       S1:S2}, without a newline; the interface is
     * {@code all} (floating) for {@code ifindex} 0, else {@code if<ifindex>}. {@code srcState} and
     * {@code dstState} are the initiator's and responder's peer states.
     */
    public static String line(final long ifindex, final int proto, final boolean inet6, final int direction,
            final String srcAddress, final int srcPort, final String dstAddress, final int dstPort,
            final int srcState, final int dstState) {
        final String[] host = new String[2];
        final int s = initiatorSlot(direction);
        host[s] = host(srcAddress, srcPort, inet6);
        host[1 - s] = host(dstAddress, dstPort, inet6);
        final boolean first = initiatorFirst(direction);
        return (ifindex == 0 ? "all" : "if" + ifindex) + ' ' + RecordFormatter.protoName(proto) + ' ' + host[1]
                + (direction == PF_OUT ? " -> " : " <- ") + host[0] + "    "
                + states(proto, first ? srcState : dstState, first ? dstState : srcState);
    }

    /**
     * A TCP state's second line, without a newline: {@code   [seqlo + seqhi-seqlo] wscale N} for each
     * half, in the order of {@link #line} (the initiator's first for outbound states).
     */
    public static String windows(final int direction, final long srcSeqLo, final long srcSeqHi, final int srcWscale,
            final long dstSeqLo, final long dstSeqHi, final int dstWscale) {
        final boolean scaled = srcWscale != 0 && dstWscale != 0;
        final String src = window(srcSeqLo, srcSeqHi, srcWscale, scaled);
        final String dst = window(dstSeqLo, dstSeqHi, dstWscale, scaled);
        return initiatorFirst(direction) ? "   " + src + "  " + dst : "   " + dst + "  " + src;
    }

    /** {@code print_seq}, then {@code wscale} when both halves scale (as {@code print_state}). */
    private static String window(final long seqLo, final long seqHi, final int wscale, final boolean scaled) {
        final String w = "[" + seqLo + " + " + ((seqHi - seqLo) & 0xFFFF_FFFFL) + "]";
        return scaled ? w + " wscale " + (wscale & PfConstants.PF_WSCALE_MASK) : w;
    }

    /**
     * {@code   age HH:MM:SS, expires in HH:MM:SS, P:P pkts, B:B bytes, rule R, timeout T}, without a
     * newline; {@code expiresInSeconds} -1 prints {@code never}. Counters run initiator → responder,
     * then back.
     */
    public static String ageAndCounters(final long ageSeconds, final long expiresInSeconds, final long packetsFwd,
            final long packetsRev, final long bytesFwd, final long bytesRev, final long rule, final String timeout) {
        final String expires = expiresInSeconds == -1 ? "never" : hms(expiresInSeconds);
        return "   age " + hms(ageSeconds) + ", expires in " + expires + ", " + packetsFwd + ':' + packetsRev
                + " pkts, " + bytesFwd + ':' + bytesRev + " bytes, rule " + rule + ", timeout " + timeout;
    }

    /** {@code HH:MM:SS} (hours may exceed 24), as pfctl prints ages and expiry; negatives clamp to 0. */
    public static String hms(final long seconds) {
        final long t = Math.max(0, seconds);
        final long h = t / 3600;
        final long m = t / 60 % 60;
        final long s = t % 60;
        return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }

    /** {@code print_host} without DNS: address, then {@code :port} or {@code [port]} if the port is not 0. */
    public static String host(final String address, final int port, final boolean inet6) {
        if (port == 0) {
            return address;
        }
        return inet6 ? address + "[" + port + "]" : address + ":" + port;
    }

    /** The peer-state column of {@code print_state}, three spaces included. */
    static String states(final int proto, final int a, final int b) {
        if (proto == 6) {
            if (a >= 0 && a < TCP_NSTATES && b >= 0 && b < TCP_NSTATES) {
                return "   " + PfConstants.tcpStateName(a) + ":" + PfConstants.tcpStateName(b);
            }
            if (a == PF_TCPS_PROXY_SRC || b == PF_TCPS_PROXY_SRC) {
                return "   PROXY:SRC";
            }
            if (a == PF_TCPS_PROXY_DST || b == PF_TCPS_PROXY_DST) {
                return "   PROXY:DST";
            }
            return "   <BAD STATE LEVELS " + a + ":" + b + ">";
        }
        if (proto != 1 && proto != 58 && a >= 0 && a < PFUDPS_NSTATES && b >= 0 && b < PFUDPS_NSTATES) {
            return "   " + PfConstants.udpStateName(a) + ":" + PfConstants.udpStateName(b);
        }
        return "   " + a + ":" + b;
    }
}
