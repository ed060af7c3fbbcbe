package io.tandem.engine.sync.wire;

/**
 * FreeBSD's {@code struct pfsyncstats} under the same names, so the values compare with
 * {@code netstat -s -p pfsync} on a FreeBSD peer (W.11, C.8). Plain longs written by the owner
 * thread (the sync agent; in tests, whoever drives the codec) and read by the metrics scrape.
 *
 * <p>The {@link PfsyncFrameDecoder} counts what it can judge from the pfsync bytes: ipackets or
 * ipackets6, hdrops, badver, badlen, badact, badval and iacts. The transport and the agent count
 * the rest: badif, badttl, badauth, stale, badstate, opackets, opackets6, onomem, oerrors and oacts
 * (see {@link PfsyncFrameEncoder#countOutput(PfsyncStats)}).
 */
public final class PfsyncStats {
    /** Counter descriptors in FreeBSD's field order: name as in {@code pfsyncstats}, and help text. */
    public enum Counter {
        IPACKETS("ipackets", "pfsync IPv4 frames received"),
        IPACKETS6("ipackets6", "pfsync IPv6 frames received"),
        BADIF("badif", "frames received on an interface other than the sync interface"),
        BADTTL("badttl", "frames with TTL or hop limit other than 255"),
        HDROPS("hdrops", "frames shorter than the pfsync header"),
        BADVER("badver", "frames with a version other than 5"),
        BADACT("badact", "sections with an unknown or unsupported action (rest of frame discarded)"),
        BADLEN("badlen", "frames shorter than len, without EOF, or with bytes after EOF"),
        BADAUTH("badauth", "frames failing authentication (our extension)"),
        STALE("stale", "updates rejected as older than ours (at least one half)"),
        BADVAL("badval", "records with an invalid field, skipped"),
        BADSTATE("badstate", "records naming an unknown state, or failed imports"),
        OPACKETS("opackets", "pfsync IPv4 frames sent"),
        OPACKETS6("opackets6", "pfsync IPv6 frames sent"),
        ONOMEM("onomem", "frames dropped for lack of a buffer"),
        OERRORS("oerrors", "frames the IP output refused");

        private final String statName;
        private final String help;

        Counter(final String statName, final String help) {
            this.statName = statName;
            this.help = help;
        }

        /** FreeBSD's field name without the {@code pfsyncs_} prefix. */
        public String statName() {
            return statName;
        }

        public String help() {
            return help;
        }
    }

    public long ipackets;
    public long ipackets6;
    public long badif;
    public long badttl;
    public long hdrops;
    public long badver;
    public long badact;
    public long badlen;
    public long badauth;
    public long stale;
    public long badval;
    public long badstate;
    public long opackets;
    public long opackets6;
    public long onomem;
    public long oerrors;
    /** Records received per action 0..16 (FreeBSD adds each section's count). */
    public final long[] iacts = new long[PfsyncConstants.ACT_MAX];
    /** Records sent per action 0..16. */
    public final long[] oacts = new long[PfsyncConstants.ACT_MAX];

    /** Value of one scalar counter. */
    public long get(final Counter counter) {
        switch (counter) {
            case IPACKETS: return ipackets;
            case IPACKETS6: return ipackets6;
            case BADIF: return badif;
            case BADTTL: return badttl;
            case HDROPS: return hdrops;
            case BADVER: return badver;
            case BADACT: return badact;
            case BADLEN: return badlen;
            case BADAUTH: return badauth;
            case STALE: return stale;
            case BADVAL: return badval;
            case BADSTATE: return badstate;
            case OPACKETS: return opackets;
            case OPACKETS6: return opackets6;
            case ONOMEM: return onomem;
            case OERRORS: return oerrors;
            default: throw new IllegalArgumentException("unknown counter");
        }
    }

    /** Zeroes every counter. */
    public void reset() {
        ipackets = 0;
        ipackets6 = 0;
        badif = 0;
        badttl = 0;
        hdrops = 0;
        badver = 0;
        badact = 0;
        badlen = 0;
        badauth = 0;
        stale = 0;
        badval = 0;
        badstate = 0;
        opackets = 0;
        opackets6 = 0;
        onomem = 0;
        oerrors = 0;
        java.util.Arrays.fill(iacts, 0);
        java.util.Arrays.fill(oacts, 0);
    }
}
