package io.tandem.nativeio.nfqueue;

/**
 * Settings for {@link NfQueueSession#open(NfQueueOptions)}, with the defaults of spec §5: copy range 256, queue
 * length 8192, fail-open on, GSO on, 8 MiB receive buffer requested (16 MiB effective), 64 slots per recvmmsg, slot
 * size copy range + 8 KiB. Fluent setters; validated at open. Setup-time object, not thread safe.
 */
public final class NfQueueOptions {
    /** Default copy range: enough for L3/L4 headers. */
    public static final int DEFAULT_COPY_RANGE = 256;
    /** Default kernel queue length. */
    public static final int DEFAULT_QUEUE_MAXLEN = 8192;
    /** Default requested receive buffer; the kernel doubles it. */
    public static final int DEFAULT_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;
    /** Default recvmmsg vlen. */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /** Room for headers and optional attributes added to the copy range in each slot. */
    public static final int SLOT_HEADROOM = 8192;
    /** Default time to wait for the config ACK. */
    public static final int DEFAULT_ACK_TIMEOUT_MILLIS = 2000;

    private int queue;
    private int copyMode = NfqConstants.NFQNL_COPY_PACKET;
    private int copyRange = DEFAULT_COPY_RANGE;
    private int queueMaxLen = DEFAULT_QUEUE_MAXLEN;
    private boolean failOpen = true;
    private boolean gso = true;
    private boolean conntrack;
    private boolean uidGid;
    private boolean secctx;
    private int receiveBufferBytes = DEFAULT_RECEIVE_BUFFER_BYTES;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int slotSize = -1;
    private int ackTimeoutMillis = DEFAULT_ACK_TIMEOUT_MILLIS;

    /**
     * @param queue queue number 0..65535
     * @return options with defaults for that queue
     */
    public static NfQueueOptions forQueue(final int queue) {
        return new NfQueueOptions().queue(queue);
    }

    /**
     * @param queue queue number 0..65535
     * @return this
     */
    public NfQueueOptions queue(final int queue) {
        this.queue = queue;
        return this;
    }

    /** @return queue number */
    public int queue() {
        return queue;
    }

    /**
     * @param copyMode {@code NFQNL_COPY_*}; the parser needs {@code PACKET}
     * @return this
     */
    public NfQueueOptions copyMode(final int copyMode) {
        this.copyMode = copyMode;
        return this;
    }

    /** @return copy mode */
    public int copyMode() {
        return copyMode;
    }

    /**
     * @param copyRange bytes of each packet copied to user space, 1..65531
     * @return this
     */
    public NfQueueOptions copyRange(final int copyRange) {
        this.copyRange = copyRange;
        return this;
    }

    /** @return copy range */
    public int copyRange() {
        return copyRange;
    }

    /**
     * @param queueMaxLen kernel queue length
     * @return this
     */
    public NfQueueOptions queueMaxLen(final int queueMaxLen) {
        this.queueMaxLen = queueMaxLen;
        return this;
    }

    /** @return queue length */
    public int queueMaxLen() {
        return queueMaxLen;
    }

    /**
     * @param failOpen accept instead of drop when the queue or socket is full (bypasses the firewall)
     * @return this
     */
    public NfQueueOptions failOpen(final boolean failOpen) {
        this.failOpen = failOpen;
        return this;
    }

    /** @return fail-open requested */
    public boolean failOpen() {
        return failOpen;
    }

    /**
     * @param gso receive GSO super-packets unsegmented (recommended)
     * @return this
     */
    public NfQueueOptions gso(final boolean gso) {
        this.gso = gso;
        return this;
    }

    /** @return GSO requested */
    public boolean gso() {
        return gso;
    }

    /**
     * @param conntrack request {@code NFQA_CT} (needs nf_conntrack_netlink; dropped on EOPNOTSUPP)
     * @return this
     */
    public NfQueueOptions conntrack(final boolean conntrack) {
        this.conntrack = conntrack;
        return this;
    }

    /** @return conntrack requested */
    public boolean conntrack() {
        return conntrack;
    }

    /**
     * @param uidGid request {@code NFQA_UID}/{@code NFQA_GID} (dropped on EOPNOTSUPP)
     * @return this
     */
    public NfQueueOptions uidGid(final boolean uidGid) {
        this.uidGid = uidGid;
        return this;
    }

    /** @return uid/gid requested */
    public boolean uidGid() {
        return uidGid;
    }

    /**
     * @param secctx request {@code NFQA_SECCTX} (dropped on EOPNOTSUPP)
     * @return this
     */
    public NfQueueOptions secctx(final boolean secctx) {
        this.secctx = secctx;
        return this;
    }

    /** @return security context requested */
    public boolean secctx() {
        return secctx;
    }

    /**
     * @param receiveBufferBytes requested socket receive buffer; the kernel doubles it
     * @return this
     */
    public NfQueueOptions receiveBufferBytes(final int receiveBufferBytes) {
        this.receiveBufferBytes = receiveBufferBytes;
        return this;
    }

    /** @return requested receive buffer */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * @param batchSize recvmmsg vlen, 1..1024
     * @return this
     */
    public NfQueueOptions batchSize(final int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    /** @return recvmmsg vlen */
    public int batchSize() {
        return batchSize;
    }

    /**
     * @param slotSize bytes per receive slot; -1 for copy range + {@link #SLOT_HEADROOM}
     * @return this
     */
    public NfQueueOptions slotSize(final int slotSize) {
        this.slotSize = slotSize;
        return this;
    }

    /** @return bytes per receive slot, the default resolved */
    public int slotSize() {
        return slotSize > 0 ? slotSize : copyRange + SLOT_HEADROOM;
    }

    /**
     * @param ackTimeoutMillis how long to wait for each config ACK
     * @return this
     */
    public NfQueueOptions ackTimeoutMillis(final int ackTimeoutMillis) {
        this.ackTimeoutMillis = ackTimeoutMillis;
        return this;
    }

    /** @return ACK timeout */
    public int ackTimeoutMillis() {
        return ackTimeoutMillis;
    }

    /** @return the {@code NFQA_CFG_F_*} bits these options request */
    public int requestedFlags() {
        return (failOpen ? NfqConstants.NFQA_CFG_F_FAIL_OPEN : 0)
            | (gso ? NfqConstants.NFQA_CFG_F_GSO : 0)
            | (conntrack ? NfqConstants.NFQA_CFG_F_CONNTRACK : 0)
            | (uidGid ? NfqConstants.NFQA_CFG_F_UID_GID : 0)
            | (secctx ? NfqConstants.NFQA_CFG_F_SECCTX : 0);
    }

    /**
     * @throws IllegalArgumentException naming the first bad setting
     */
    public void validate() {
        check(queue >= 0 && queue <= 0xffff, "queue must be 0..65535, got " + queue);
        check(copyMode >= NfqConstants.NFQNL_COPY_NONE && copyMode <= NfqConstants.NFQNL_COPY_PACKET,
            "copyMode must be 0..2, got " + copyMode);
        check(copyRange >= 1 && copyRange <= NfqConstants.MAX_COPY_RANGE,
            "copyRange must be 1.." + NfqConstants.MAX_COPY_RANGE + ", got " + copyRange);
        check(queueMaxLen >= 1, "queueMaxLen must be positive, got " + queueMaxLen);
        check(receiveBufferBytes >= 4096, "receiveBufferBytes must be at least 4096, got " + receiveBufferBytes);
        check(batchSize >= 1 && batchSize <= 1024, "batchSize must be 1..1024, got " + batchSize);
        check(slotSize() >= 64 + Math.min(copyRange, 256), "slotSize too small for the copy range: " + slotSize());
        check(ackTimeoutMillis >= 1, "ackTimeoutMillis must be positive, got " + ackTimeoutMillis);
    }

    private static void check(final boolean ok, final String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return "NfQueueOptions{queue=" + queue + ", copyMode=" + copyMode + ", copyRange=" + copyRange
            + ", queueMaxLen=" + queueMaxLen + ", failOpen=" + failOpen + ", gso=" + gso + ", conntrack=" + conntrack
            + ", uidGid=" + uidGid + ", secctx=" + secctx + ", receiveBufferBytes=" + receiveBufferBytes
            + ", batchSize=" + batchSize + ", slotSize=" + slotSize() + ", ackTimeoutMillis=" + ackTimeoutMillis + '}';
    }
}
