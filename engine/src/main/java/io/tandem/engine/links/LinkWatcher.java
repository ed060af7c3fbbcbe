package io.tandem.engine.links;

import io.tandem.nativeio.libc.NetNamespace;
import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Watches the kernel's link events and asks for the rules' interfaces to be resolved again when one
 * appears, goes away or is renamed (pf resolves {@code on IF} when the interface attaches; Tandem
 * compiles interface names to indexes, so it must recompile).
 *
 * <p><b>Theory of operation.</b> Thread {@code tandem-links} owns one rtnetlink socket subscribed to
 * {@code RTMGRP_LINK}, opened on that thread (in the engine's network namespace, entered first when
 * the engine runs in one, as the packet thread does). It waits in {@code poll(2)} (at most
 * {@link #POLL_MILLIS} ms, to notice {@link #close}), reads every waiting message and counts
 * {@code RTM_NEWLINK} and {@code RTM_DELLINK}; a burst of events (a link set down, renamed and up
 * again is three or more) is settled for {@link #SETTLE_MILLIS} ms and then handed to the callback
 * once. The callback — {@code ConfigReload.relink} — recompiles the rules and swaps them in on the
 * packet thread only if some interface now resolves differently. <b>Memory:</b> a 64 KiB receive
 * buffer. <b>Failure policy:</b> the socket cannot be opened: logged once, the engine runs without
 * it (interfaces resolve at start and on reload only). An overrun of the socket (ENOBUFS: events
 * lost) triggers a re-resolution, since something changed. A callback that throws is logged and the
 * watcher goes on.
 */
public final class LinkWatcher implements AutoCloseable {
    static final int POLL_MILLIS = 500;
    static final int SETTLE_MILLIS = 200;
    private static final int ENOBUFS = 105;
    private static final int MSG_DONTWAIT = 0x40;

    private final String netns;
    private final Runnable onChange;
    private final PrintStream log;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long events;
    private volatile long malformed;
    private volatile long resolutions;

    /**
     * @param netns    network namespace to enter first (a name under /run/netns), or null
     * @param onChange called on the watcher's thread after a settled burst of link events
     */
    public LinkWatcher(final String netns, final Runnable onChange, final PrintStream log) {
        this.netns = netns;
        this.onChange = onChange;
        this.log = log;
        this.thread = new Thread(this::run, "tandem-links");
        this.thread.setDaemon(true);
    }

    public LinkWatcher start() {
        thread.start();
        return this;
    }

    private void run() {
        final NetlinkSocket socket;
        try {
            if (netns != null) {
                NetNamespace.enterForCurrentThread(netns);
            }
            socket = NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE, NetlinkConstants.RTMGRP_LINK);
        } catch (final RuntimeException e) {
            log.println("tandem: warning: link events unavailable (" + e.getMessage() + "); rules resolve"
                    + " interface names at start and on reload only");
            return;
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder()));
        final NlMsgHdrFlyweight header = new NlMsgHdrFlyweight();
        try (socket) {
            long pendingSince = 0;
            while (running) {
                final int ready = socket.poll(pendingSince == 0 ? POLL_MILLIS : SETTLE_MILLIS);
                if (ready > 0) {
                    final int n = socket.receive(buffer, MSG_DONTWAIT);
                    if (n > 0 && linkMessages(buffer, n, header) > 0 || n == -ENOBUFS) {
                        if (pendingSince == 0) {
                            pendingSince = System.nanoTime();
                        }
                    }
                }
                if (pendingSince != 0 && System.nanoTime() - pendingSince >= SETTLE_MILLIS * 1_000_000L) {
                    pendingSince = 0;
                    resolutions++;
                    try {
                        onChange.run();
                    } catch (final RuntimeException e) {
                        log.println("tandem: re-resolving interfaces failed: " + e);
                    }
                }
            }
        }
    }

    /** Counts the RTM_NEWLINK / RTM_DELLINK messages in one datagram; a malformed one is counted too. */
    private int linkMessages(final UnsafeBuffer buffer, final int length, final NlMsgHdrFlyweight header) {
        final int found = countLinkMessages(buffer, length, header);
        if (found < 0) {
            malformed++; // the messages before the damage still count: the rules are re-resolved anyway
            events += -found - 1;
            return -found - 1;
        }
        events += found;
        return found;
    }

    /**
     * The RTM_NEWLINK / RTM_DELLINK messages among the netlink messages of one datagram of
     * {@code length} bytes: their count, or {@code -(count + 1)} when the datagram does not end on a
     * whole message (a length below the header's, or past the datagram's end). Never reads outside
     * {@code [0, length)} of {@code buffer}.
     */
    static int countLinkMessages(final UnsafeBuffer buffer, final int length, final NlMsgHdrFlyweight header) {
        int found = 0;
        int offset = 0;
        while (offset + NlMsgHdrFlyweight.LENGTH <= length) {
            header.wrap(buffer, offset);
            final int len = header.messageLength();
            if (len < NlMsgHdrFlyweight.LENGTH || len > length - offset) {
                return -(found + 1);
            }
            if (header.type() == NetlinkConstants.RTM_NEWLINK || header.type() == NetlinkConstants.RTM_DELLINK) {
                found++;
            }
            offset += (len + 3) & ~3;
        }
        return offset < length ? -(found + 1) : found; // trailing bytes shorter than a header
    }

    /** Datagrams from the kernel that did not end on a whole netlink message. */
    public long malformed() {
        return malformed;
    }

    /** Link events seen. */
    public long events() {
        return events;
    }

    /** Times the rules' interfaces were re-resolved after events. */
    public long resolutions() {
        return resolutions;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(2 * POLL_MILLIS + 1000L);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
