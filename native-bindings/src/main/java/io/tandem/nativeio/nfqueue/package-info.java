/**
 * The nfnetlink_queue (NFQUEUE) codec and session.
 *
 * <p>{@link io.tandem.nativeio.nfqueue.NfQueueSession} binds and configures one queue (setup, may throw);
 * {@link io.tandem.nativeio.nfqueue.NfqPacketParser} decodes received messages into preallocated fields and
 * {@link io.tandem.nativeio.nfqueue.NfqVerdictEncoder} appends verdicts into one preallocated send buffer (hot path,
 * never throw, never allocate); {@link io.tandem.nativeio.nfqueue.NfqConfigEncoder} builds the config messages;
 * {@link io.tandem.nativeio.nfqueue.NfQueueProcStats} reads {@code /proc/net/netfilter/nfnetlink_queue}.
 *
 * <p>Every nfqueue value (ids, marks, ifindexes, verdicts, config words) is big-endian; the netlink headers around
 * them are host order. The reference is {@code /work/shared/spec/nfqueue-netlink.md}.
 */
package io.tandem.nativeio.nfqueue;
