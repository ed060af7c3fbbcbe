package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.UrgentRecordLane;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.nativeio.ipraw.Ipv6Address;
import io.tandem.nativeio.libc.NativeException;
import java.io.PrintStream;
import java.util.function.Supplier;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A packet thread's own pfsync sender, for the INS of a state whose first packet it holds (and of every
 * other state whose INS goes out at once): the frame leaves from the thread that created the state, in the
 * same duty cycle, instead of waiting for the sync thread to wake up.
 *
 * <p>Why. A held first packet waits for a peer's INS_ACK. Through the sync thread, its INS costs a
 * hand-off to a sleeping thread — on a virtual machine tens of microseconds at the median and milliseconds
 * in the tail, the longest of a hold's legs (bench/results/README.md, "Deferral: where a held SYN's time
 * goes"). FreeBSD sends a deferred state's INS from the packet's own context too ({@code pfsync_defer}
 * pushes the queue at once).
 *
 * <p>Theory of operation. The {@link UrgentRecordLane} of one queue thread hands it each INSERT it would
 * carry to the sync agent ({@link #take}); the record is queued in this sender's own {@link SyncOutbox} as
 * an INS, and the lane marks its copy as sent, so the sync agent only notes it. The packet thread calls
 * {@link #flush} after deciding what a receive brought and before it may wait: every queued INS goes out
 * in as few frames as fit the MTU, built by the same outbox, mapping and encoder code as the sync thread's,
 * so a peer cannot tell them apart. Only INS frames leave here; everything else about the state (its
 * updates, its removal) is journaled and sent by the sync thread, which reads it from the journal after
 * the cycle (an update that overtook its INS all the same would be answered by the peer with UPD_REQ, as
 * for any lost INS). The socket
 * ({@link RawPfsyncTransport#openSender}) sends to the same peer from the same interface and never
 * receives. Not used with {@code set sync auth}: the W.12 trailer's sequence numbers must rise in the
 * order frames leave a node, which one signer per node guarantees.
 *
 * <p>Owner: the packet thread of one queue: {@link #open} in its start, {@link #take} and {@link #flush}
 * in its duty cycle, {@link #close} at its end; other threads read the counters ({@link #stats}), plain
 * longs written by the owner, racily as for {@code PfsyncStats}. Memory bound: one outbox
 * ({@link SyncOutbox#STATES} records), one frame buffer and one send buffer, all allocated at construction.
 * Failure policy: a socket that cannot open is reported once and the sender refuses every record, which the
 * sync thread then sends as before; a failed send counts {@code oerrors} (logged once) and its INS is lost
 * as any lost frame is: the held packet is released by the defer timeout. A record other than an INSERT is
 * refused ({@link #take}); an INSERT whose values are no valid state is left out and counted
 * ({@link #unencodable}, logged once), not thrown on the packet thread.
 */
public final class DirectInsSender implements UrgentRecordLane.Sender {
    private final SyncSettings settings;
    private final PrintStream log;
    private final PfsyncStats stats = new PfsyncStats();
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final SyncOutbox outbox;
    private final FrameEgress egress;
    private Supplier<PfsyncTransport> transportFactory;
    private PfsyncTransport transport;
    private long lastMillis;

    /** @param settings the sync settings (interface, peer, format, MTU); their authenticator must be null */
    public DirectInsSender(final SyncSettings settings, final PrintStream log) {
        if (settings.authenticator != null) {
            throw new IllegalArgumentException("DirectInsSender: not with sync auth (one signer per node)");
        }
        this.settings = settings;
        this.log = log;
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(settings.mtu,
                Ipv6Address.looksLikeIpv6(settings.peer)
                        ? PfsyncFrameEncoder.IPV6_HEADER_LENGTH : PfsyncFrameEncoder.IPV4_HEADER_LENGTH, 0);
        this.outbox = new SyncOutbox(encoder, settings.format, new PfsyncStateMapping(settings.format));
        this.egress = new FrameEgress(encoder, null, stats, settings.mtu, settings.peer, log);
        this.transportFactory = () -> RawPfsyncTransport.openSender(settings.ifname, settings.peer);
    }

    /** Replaces the socket factory (tests); before {@link #open}. */
    DirectInsSender transport(final Supplier<PfsyncTransport> factory) {
        this.transportFactory = factory;
        return this;
    }

    /**
     * Packet thread, at its start (in the engine's network namespace): opens the socket. A failure is logged
     * and leaves the sender refusing records; it does not stop the engine.
     */
    public void open() {
        try {
            transport = transportFactory.get();
            egress.transport(transport);
        } catch (final NativeException | IllegalArgumentException e) {
            log.println("tandem: pfsync: the packet thread cannot open its own socket to " + settings.peer + " on "
                    + settings.ifname + " (" + e.getMessage() + "); the sync thread sends every INS");
            transport = null;
        }
    }

    /** Whether {@link #open} succeeded and {@link #close} has not run. */
    public boolean isOpen() {
        return transport != null;
    }

    /**
     * Lane, packet thread: queues the INSERT's INS for {@link #flush}; false when the socket is not open, or
     * for any record but an INSERT (the sync thread sends it as its type asks: this sender knows only INS).
     */
    @Override
    public boolean take(final UnsafeBuffer buffer, final int offset) {
        if (transport == null) {
            return false;
        }
        record.wrap(buffer, offset);
        if (record.type() != JournalRecordType.INSERT.code()) {
            return false;
        }
        final long now = record.wallTimeMillis();
        lastMillis = now;
        if (!outbox.offerState(record, SyncOutbox.Q_INS, now)) {
            outbox.flush(now, egress); // full: send what is queued, then queue this one
            outbox.offerState(record, SyncOutbox.Q_INS, now);
        }
        return true;
    }

    /** Packet thread: sends every queued INS; returns the frames sent (0 when nothing was queued). */
    public int flush() {
        if (outbox.isEmpty()) {
            return 0;
        }
        final int frames = outbox.flush(lastMillis, egress);
        outbox.reportUnencodableOnce(log, "the packet thread's INS sender");
        return frames;
    }

    /** INSERTs this sender left out because their values are no valid state ({@link SyncOutbox#unencodable}). */
    public long unencodable() {
        return outbox.unencodable();
    }

    /** Packet thread, at its end: sends what is queued and closes the socket. */
    public void close() {
        flush();
        final PfsyncTransport t = transport;
        transport = null;
        egress.transport(null);
        if (t != null) {
            t.close();
        }
    }

    /** What this sender sent: {@code opackets}, {@code opackets6}, {@code oerrors} and {@code oacts}. */
    public PfsyncStats stats() {
        return stats;
    }
}
