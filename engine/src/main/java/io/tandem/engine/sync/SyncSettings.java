package io.tandem.engine.sync;

/**
 * What the sync agent is configured with (the {@code set sync ...} options), with pf's defaults.
 * A plain value holder, built once at start-up.
 */
public final class SyncSettings {
    /** Interface frames are sent and received on (pf's syncdev). */
    public String ifname;
    /**
     * Where frames go: 224.0.0.240 (multicast) or a unicast peer as a dotted quad, or an IPv6 literal
     * (ff12::f0 or a unicast peer), which makes the agent speak pfsync over IPv6.
     */
    public String peer = "224.0.0.240";
    /** This node's creatorid, used in BUS messages. */
    public int creatorId;
    /** Network namespace the sync thread enters first (tests and the lab), or null. */
    public String netns;
    /** State record format sent: 1301, 1400 (default, as FreeBSD 14's) or 1500; all three are received. */
    public int format = 1400;
    /** Largest frame, IP header included; the sync interface's MTU caps it. */
    public int mtu = 1500;
    /** Longest a queued message waits before its frame is sent (pf's 1-second timer). */
    public long flushDelayMillis = 1000;
    /** Bulk update pacing: full frames per second sent to a peer asking for the whole table. */
    public int bulkFramesPerSecond = 5000;
    /** {@code set sync defer-timeout}: how long a held first packet waits at most (ms). */
    public long deferTimeoutMillis = 20;
    /** Signs and verifies the W.12 trailer ({@code set sync auth hmac-sha256}), or null for plain pfsync. */
    public io.tandem.engine.sync.auth.FrameAuthenticator authenticator;
}
