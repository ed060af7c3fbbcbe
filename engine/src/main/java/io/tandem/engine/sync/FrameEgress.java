package io.tandem.engine.sync;

import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.nativeio.libc.NativeException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The way out: a frame the encoder finished, signed when authentication is on, copied into the send
 * buffer and handed to the {@link PfsyncTransport}. It is the {@link IntConsumer} every part that sends
 * (outbox, bulk requester, bulk sender, ingress) is given.
 *
 * <p>Theory of operation. {@link #accept} takes the pfsync length of the frame in the encoder's buffer;
 * with {@code set sync auth hmac-sha256} the authenticator appends the W.12 trailer there; the frame is
 * copied into a direct buffer of {@code mtu + 64} bytes and sent. Owner: the sync thread; the
 * transport is attached in {@code SyncAgent.onStart} and detached in {@code onClose}. Memory bound: the
 * send buffer. Failure policy: a failed send counts {@code oerrors} (the first is logged, once); a
 * frame sent without a transport (the receive path driven alone, as the fuzz target does) counts
 * {@code oerrors} too. A sent frame counts {@code opackets} (IPv6: {@code opackets6}) and, through
 * {@link PfsyncFrameEncoder#countOutput}, its per-action {@code oacts}. Allocation-free.
 */
final class FrameEgress implements IntConsumer {
    private final PfsyncFrameEncoder encoder;
    private final FrameAuthenticator auth;
    private final PfsyncStats stats;
    private final PrintStream log;
    private final String peer;
    private final UnsafeBuffer sendBuffer;
    private PfsyncTransport transport;

    FrameEgress(final PfsyncFrameEncoder encoder, final FrameAuthenticator auth, final PfsyncStats stats,
            final int mtu, final String peer, final PrintStream log) {
        this.encoder = encoder;
        this.auth = auth;
        this.stats = stats;
        this.peer = peer;
        this.log = log;
        this.sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(mtu + 64));
    }

    /** The transport frames go to from now on, or null for none. */
    void transport(final PfsyncTransport t) {
        this.transport = t;
    }

    /** Signs (when configured) and sends the frame of {@code pfsyncLength} bytes in the encoder's buffer. */
    @Override
    public void accept(final int pfsyncLength) {
        final PfsyncTransport t = transport;
        if (t == null) {
            stats.oerrors++; // not started (the fuzz target drives the receive path alone)
            return;
        }
        final int length = auth == null ? pfsyncLength : pfsyncLength + auth.sign(encoder.buffer(), 0, pfsyncLength);
        sendBuffer.putBytes(0, encoder.buffer(), 0, length);
        final int sent = t.send(sendBuffer, length);
        if (sent < 0) {
            if (stats.oerrors++ == 0) {
                log.println("tandem: pfsync: sending to " + peer + " failed: "
                        + NativeException.errnoName(-sent) + " (counted as oerrors; reported once)");
            }
        } else {
            if (t.ipv6()) {
                stats.opackets6++;
            } else {
                stats.opackets++;
            }
            encoder.countOutput(stats);
        }
    }
}
