package io.tandem.engine.sync.wire;

import java.nio.charset.StandardCharsets;

/**
 * An oracle for tests: prints a pfsync frame the way FreeBSD 14's {@code tcpdump -v} does, by
 * following the logic of FreeBSD's {@code contrib/tcpdump/print-pfsync.c} ({@code pfsync_print},
 * {@code print_state}, {@code print_src_dst}, {@code print_host}; the revision with
 * {@code pfsync_print_state_1301}/{@code _1400}, read in CTSRD-CHERI/cheribsd at 06dbbf28).
 *
 * <p>Theory of operation. It is written independently of the codec under test: it reads raw bytes
 * with its own offsets, taken from FreeBSD's C declarations ({@code struct pfsync_header},
 * {@code pfsync_subheader}, {@code pfsync_state_1301}/{@code 1400}, {@code pfsync_state_key},
 * {@code pfsync_state_peer} in {@code sys/net/if_pfsync.h} and {@code sys/net/pfvar.h}) and its own
 * action table (tcpdump's {@code actions[]}: names and {@code sizeof} per action, FreeBSD 14's
 * {@code PFSYNC_ACT_MAX} = 15). It walks sections as {@code pfsync_print} does (stop at EOF, "act
 * UNKNOWN" at an action it does not know, "..."/"invalid header length"/"invalid packet length" when
 * {@code len} and the bytes disagree) and prints a state as {@code print_state}: for
 * {@code direction == PF_OUT} the WIRE key's {@code addr[1]} {@code ->} {@code addr[0]} with the
 * {@code src}:{@code dst} peer states, otherwise the STACK key's {@code addr[1]} {@code <-}
 * {@code addr[0]} with {@code dst}:{@code src}. Ports are printed as {@code .port} when non-zero,
 * addresses with {@code inet_ntop} rules. Verbosity 1 is {@code -v}; 2 ({@code -vv}) adds the
 * sequence windows, age, counters and {@code id}/{@code creatorid} lines.
 *
 * <p>It never throws on any input: out-of-range reads are cut off as tcpdump's bounds checks would.
 */
public final class FreeBsdPfsyncPrinter {
    // struct pfsync_header: version @0, _pad @1, len @2 (u16), pfcksum[16] @4; sizeof 20.
    private static final int HEADER = 20;
    // struct pfsync_subheader: action @0, _pad @1, count @2 (u16); sizeof 4.
    private static final int SUBHEADER = 4;
    private static final int PFSYNC_VERSION = 5;
    private static final int ACT_EOF = 12;
    private static final int ACT_MAX = 15;
    private static final int PF_OUT = 2;
    private static final int IPPROTO_ICMP = 1;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 28;
    private static final int TCPS_TIME_WAIT = 10;
    private static final int PF_TCPS_PROXY_SRC = 11;
    private static final int PF_TCPS_PROXY_DST = 12;

    // tcpdump's actions[] (FreeBSD 14): name and sizeof of one message; kinds: 0 none, 1 clr, 2 state,
    // 3 ins_ack, 4 upd_c, 5 upd_req, 6 del_c, 7 bus, 8 tdb.
    private static final String[] NAMES = {
        "clear all", "insert 13.1", "insert ack", "update 13.1", "update compressed", "request uncompressed",
        "delete", "delete compressed", "frag insert", "frag delete", "bulk update status", "tdb", "eof",
        "insert", "update",
    };
    private static final int[] SIZES = {20, 242, 12, 242, 84, 12, 242, 12, 0, 0, 12, 0, 0, 277, 277};
    private static final int[] KINDS = {1, 2, 3, 2, 4, 5, 2, 6, 0, 0, 7, 8, 0, 2, 2};

    // struct pfsync_state_1301 (and the shared head of 1400).
    private static final int S_ID = 0;
    private static final int S_IFNAME = 8;
    private static final int S_KEY = 24; // key[2], 36 bytes each: addr[0] @0, addr[1] @16, port[0] @32, port[1] @34
    private static final int KEY_SIZE = 36;
    private static final int S_SRC = 96; // pfsync_state_peer, 32 bytes
    private static final int S_DST = 128;
    private static final int S_RULE = 176;
    private static final int S_ANCHOR = 180;
    private static final int S_CREATION = 188;
    private static final int S_EXPIRE = 192;
    private static final int S_PACKETS = 196;
    private static final int S_BYTES = 212;
    private static final int S_CREATORID = 228;
    private static final int S_AF = 232;
    private static final int S_PROTO = 233;
    private static final int S_DIRECTION = 234;
    // struct pfsync_state_peer: scrub (8), seqlo @8, seqhi @12, seqdiff @16, max_win @20, mss @22,
    // state @24, wscale @25.
    private static final int P_SEQLO = 8;
    private static final int P_SEQHI = 12;
    private static final int P_SEQDIFF = 16;
    private static final int P_STATE = 24;
    private static final int P_WSCALE = 25;
    private static final int PF_WSCALE_MASK = 0x0f;
    private static final int PF_SK_WIRE = 0;
    private static final int PF_SK_STACK = 1;

    private static final String[] TCPSTATES = {
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
        "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT",
    };
    private static final String[] PFUDPS_NAMES = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};
    private static final String[] PFOTHERS_NAMES = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};

    private final byte[] b;
    private final int base;
    private final int caplen;
    private final int vflag;
    private final StringBuilder out = new StringBuilder();

    private FreeBsdPfsyncPrinter(final byte[] frame, final int offset, final int length, final int vflag) {
        this.b = frame;
        this.base = offset;
        this.caplen = Math.max(0, Math.min(length, frame.length - offset));
        this.vflag = vflag;
    }

    /** The text tcpdump prints for the pfsync part of an IP packet ({@code pfsync_ip_print}). */
    public static String print(final byte[] frame, final int offset, final int length, final int vflag) {
        final FreeBsdPfsyncPrinter p = new FreeBsdPfsyncPrinter(frame, offset, length, vflag);
        if (p.caplen < HEADER) {
            return "[|pfsync]";
        }
        p.frame();
        return p.out.toString();
    }

    private void frame() {
        int plen = u16(2);
        out.append("PFSYNCv").append(u8(0)).append(" len ").append(plen);
        if (u8(0) != PFSYNC_VERSION) {
            return;
        }
        plen -= HEADER;
        int bp = HEADER;
        int len = caplen - HEADER;
        while (plen > 0) {
            if (len < SUBHEADER) {
                break;
            }
            final int action = u8(bp);
            final int count = u16(bp + 2);
            bp += SUBHEADER;
            len -= SUBHEADER;
            plen -= SUBHEADER;
            if (action >= ACT_MAX) {
                out.append("\n    act UNKNOWN id ").append(action);
                return;
            }
            out.append("\n    ").append(NAMES[action]).append(" count ").append(count);
            final int alen = SIZES[action];
            if (action == ACT_EOF) {
                return;
            }
            if (KINDS[action] == 0) {
                out.append("\n    unimplemented action ").append(action);
                return;
            }
            for (int i = 0; i < count; i++) {
                if (len < alen) {
                    len = 0;
                    break;
                }
                if (vflag > 0) {
                    message(KINDS[action], bp);
                }
                bp += alen;
                len -= alen;
                plen -= alen;
            }
        }
        if (plen > 0) {
            out.append("\n    ...");
            return;
        }
        if (plen < 0) {
            out.append("\n    invalid header length");
            return;
        }
        if (len > 0) {
            out.append("\n    invalid packet length");
        }
    }

    private void message(final int kind, final int at) {
        switch (kind) {
            case 1:
                out.append("\n\tcreatorid: ").append(hex8(u32(at + 16)));
                if (u8(at) != 0) {
                    out.append(" interface: ").append(cstring(at, 16));
                }
                break;
            case 2:
                out.append('\n');
                state(at);
                break;
            case 3:
            case 5:
            case 6:
                idLine(u64(at), u32(at + 8));
                break;
            case 4:
                idLine(u64(at), u32(at + 72));
                if (vflag > 2) {
                    out.append("\n\tTCP? :");
                    srcDst(at + 8, at + 40, IPPROTO_TCP);
                }
                break;
            case 7: {
                long endtime = u32(at + 4) & 0xFFFF_FFFFL;
                final long sec = endtime % 60;
                endtime /= 60;
                final long min = endtime % 60;
                endtime /= 60;
                final int status = u8(at + 8);
                out.append("\n\tcreatorid: ").append(hex8(u32(at))).append(" age: ").append(two(endtime)).append(':')
                        .append(two(min)).append(':').append(two(sec)).append(" status: ")
                        .append(status == 1 ? "start" : status == 2 ? "end" : "UNKNOWN");
                break;
            }
            default:
                break; // tdb: not produced by our encoder
        }
    }

    private void idLine(final long id, final int creatorid) {
        out.append("\n\tid: ").append(String.format("%016x", id)).append(" creatorid: ").append(hex8(creatorid));
    }

    /** {@code print_state}. */
    private void state(final int s) {
        final int direction = u8(s + S_DIRECTION);
        final int proto = u8(s + S_PROTO);
        final int af = u8(s + S_AF);
        final int src;
        final int dst;
        final int sk;
        final int nk;
        if (direction == PF_OUT) {
            src = s + S_SRC;
            dst = s + S_DST;
            sk = s + S_KEY + PF_SK_STACK * KEY_SIZE;
            nk = s + S_KEY + PF_SK_WIRE * KEY_SIZE;
        } else {
            src = s + S_DST;
            dst = s + S_SRC;
            sk = s + S_KEY + PF_SK_WIRE * KEY_SIZE;
            nk = s + S_KEY + PF_SK_STACK * KEY_SIZE;
        }
        final int[] skPort = {u16(sk + 32), u16(sk + 34)};
        if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
            if (direction == PF_OUT) {
                skPort[0] = u16(nk + 32);
            } else {
                skPort[1] = u16(nk + 34);
            }
        }
        out.append('\t').append(cstring(s + S_IFNAME, 16)).append(' ');
        out.append("proto ").append(proto).append(' ');
        host(nk + 16, u16(nk + 34), af);
        if (!sameAddress(nk + 16, sk + 16, af) || u16(nk + 34) != skPort[1]) {
            out.append(" (");
            host(sk + 16, skPort[1], af);
            out.append(')');
        }
        out.append(direction == PF_OUT ? " -> " : " <- ");
        host(nk, u16(nk + 32), af);
        if (!sameAddress(nk, sk, af) || u16(nk + 32) != skPort[0]) {
            out.append(" (");
            host(sk, skPort[0], af);
            out.append(')');
        }
        srcDst(src, dst, proto);
        if (vflag > 1) {
            long creation = u32(s + S_CREATION) & 0xFFFF_FFFFL;
            long expire = u32(s + S_EXPIRE) & 0xFFFF_FFFFL;
            final long csec = creation % 60;
            creation /= 60;
            final long cmin = creation % 60;
            creation /= 60;
            out.append("\n\tage ").append(two(creation)).append(':').append(two(cmin)).append(':').append(two(csec));
            final long esec = expire % 60;
            expire /= 60;
            final long emin = expire % 60;
            expire /= 60;
            out.append(", expires in ").append(two(expire)).append(':').append(two(emin)).append(':').append(two(esec));
            out.append(", ").append(Long.toUnsignedString(u64(s + S_PACKETS))).append(':')
                    .append(Long.toUnsignedString(u64(s + S_PACKETS + 8))).append(" pkts, ")
                    .append(Long.toUnsignedString(u64(s + S_BYTES))).append(':')
                    .append(Long.toUnsignedString(u64(s + S_BYTES + 8))).append(" bytes");
            if (u32(s + S_ANCHOR) != -1) {
                out.append(", anchor ").append(u32(s + S_ANCHOR) & 0xFFFF_FFFFL);
            }
            if (u32(s + S_RULE) != -1) {
                out.append(", rule ").append(u32(s + S_RULE) & 0xFFFF_FFFFL);
            }
            idLine(u64(s + S_ID), u32(s + S_CREATORID));
        }
    }

    /** {@code print_src_dst}. */
    private void srcDst(final int src, final int dst, final int proto) {
        final int ss = u8(src + P_STATE);
        final int ds = u8(dst + P_STATE);
        if (proto == IPPROTO_TCP) {
            if (ss <= TCPS_TIME_WAIT && ds <= TCPS_TIME_WAIT) {
                out.append("   ").append(TCPSTATES[ss]).append(':').append(TCPSTATES[ds]);
            } else if (ss == PF_TCPS_PROXY_SRC || ds == PF_TCPS_PROXY_SRC) {
                out.append("   PROXY:SRC");
            } else if (ss == PF_TCPS_PROXY_DST || ds == PF_TCPS_PROXY_DST) {
                out.append("   PROXY:DST");
            } else {
                out.append("   <BAD STATE LEVELS ").append(ss).append(':').append(ds).append('>');
            }
            if (vflag > 1) {
                out.append("\n\t");
                seq(src);
                final boolean scaled = u8(src + P_WSCALE) != 0 && u8(dst + P_WSCALE) != 0;
                if (scaled) {
                    out.append(" wscale ").append(u8(src + P_WSCALE) & PF_WSCALE_MASK);
                }
                out.append("  ");
                seq(dst);
                if (scaled) {
                    out.append(" wscale ").append(u8(dst + P_WSCALE) & PF_WSCALE_MASK);
                }
            }
        } else if (proto == IPPROTO_UDP && ss < PFUDPS_NAMES.length && ds < PFUDPS_NAMES.length) {
            out.append("   ").append(PFUDPS_NAMES[ss]).append(':').append(PFUDPS_NAMES[ds]);
        } else if (proto != IPPROTO_ICMP && ss < PFOTHERS_NAMES.length && ds < PFOTHERS_NAMES.length) {
            out.append("   ").append(PFOTHERS_NAMES[ss]).append(':').append(PFOTHERS_NAMES[ds]);
        } else {
            out.append("   ").append(ss).append(':').append(ds);
        }
    }

    private void seq(final int p) {
        final long lo = u32(p + P_SEQLO) & 0xFFFF_FFFFL;
        final long hi = u32(p + P_SEQHI) & 0xFFFF_FFFFL;
        final long diff = u32(p + P_SEQDIFF) & 0xFFFF_FFFFL;
        out.append('[').append(lo).append(" + ").append((hi - lo) & 0xFFFF_FFFFL).append(']');
        if (diff != 0) {
            out.append("(+").append(diff).append(')');
        }
    }

    /** {@code print_host}: {@code inet_ntop(af, addr)}, then {@code .port} if the port is not 0. */
    private void host(final int addr, final int port, final int af) {
        if (af == AF_INET) {
            out.append(u8(addr)).append('.').append(u8(addr + 1)).append('.').append(u8(addr + 2)).append('.')
                    .append(u8(addr + 3));
        } else if (af == AF_INET6) {
            out.append(inet6(addr));
        } else {
            out.append('?');
        }
        if (port != 0) {
            out.append('.').append(port);
        }
    }

    private boolean sameAddress(final int a, final int c, final int af) {
        final int n = af == AF_INET ? 4 : 16;
        for (int i = 0; i < n; i++) {
            if (u8(a + i) != u8(c + i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code inet_ntop(AF_INET6)}: the longest run of two or more zero groups becomes "::". */
    private String inet6(final int addr) {
        final int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = u16(addr + 2 * i);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    private static String two(final long v) {
        return v < 10 ? "0" + v : Long.toString(v);
    }

    private static String hex8(final int v) {
        return String.format("%08x", v);
    }

    private String cstring(final int at, final int max) {
        int n = 0;
        while (n < max && u8(at + n) != 0) {
            n++;
        }
        final int start = base + at;
        if (at < 0 || at + n > caplen) {
            return "";
        }
        return new String(b, start, n, StandardCharsets.US_ASCII);
    }

    private int u8(final int at) {
        return at >= 0 && at < caplen ? b[base + at] & 0xFF : 0;
    }

    private int u16(final int at) {
        return u8(at) << 8 | u8(at + 1);
    }

    private int u32(final int at) {
        return u16(at) << 16 | u16(at + 2);
    }

    private long u64(final int at) {
        return (long) u32(at) << 32 | u32(at + 4) & 0xFFFF_FFFFL;
    }
}
