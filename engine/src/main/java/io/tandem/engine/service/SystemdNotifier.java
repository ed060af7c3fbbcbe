package io.tandem.engine.service;

import io.tandem.engine.agent.AgentHeartbeats;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.UnixDatagramSocket;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Tells systemd how the engine is doing, as {@code sd_notify(3)} does, for a {@code Type=notify} unit
 * with {@code WatchdogSec=}.
 *
 * <p>Theory of operation. systemd passes the address of its notification socket in
 * {@code $NOTIFY_SOCKET}: a path, or {@code @name} in the abstract namespace. Each notification is one
 * datagram of newline-separated {@code KEY=VALUE} lines sent there on a Unix datagram socket
 * ({@link UnixDatagramSocket}; systemd authenticates the sender by its pid, so the engine must be the
 * unit's main process: the launcher {@code exec}s java). Without {@code $NOTIFY_SOCKET} (started by
 * hand, in tests, in the lab) every method does nothing.
 * <ul>
 * <li>{@link #ready} sends {@code READY=1} and a {@code STATUS=} line once the engine's start completed:
 *     the packet thread recovered the journal and bound its queue, and the sync thread runs. Until then
 *     systemd holds back units ordered after this one and counts {@code TimeoutStartSec=}.</li>
 * <li>The watchdog. When systemd set {@code $WATCHDOG_USEC} (and {@code $WATCHDOG_PID} is unset or
 *     this process), {@link #startWatchdog} starts the daemon thread {@code tandem-watchdog}, which
 *     wakes every half of that interval and sends {@code WATCHDOG=1} only if every agent thread
 *     (packet, journal, sync) completed a duty cycle since its previous wake-up
 *     ({@link AgentHeartbeats.Watch#stalled()}) and the engine is not failing. An idle packet thread
 *     still cycles at least once a second (its poll is bounded), so silence means a thread is stuck or
 *     gone; one line names it, the thread keeps watching (it pings again if the thread recovers in
 *     time), and after {@code WatchdogSec=} without a ping systemd kills the engine (SIGABRT) and
 *     {@code Restart=on-failure} starts it again, recovering the states from the journal.</li>
 * <li>{@link #stopping} stops the watchdog and sends {@code STOPPING=1}, so that systemd shows the unit
 *     as deactivating while the threads flush and unbind.</li>
 * </ul>
 *
 * <p>Owner: the engine's main thread calls {@link #ready}, {@link #stopping} and {@link #close}; the
 * watchdog thread only sends pings; sends are serialised. Memory: one socket with a 4 KiB scratch
 * block, one thread. Failure policy: a notification that cannot be sent is logged once as a warning and
 * never stops the engine (systemd will then time the unit out, which says more than a crash here would);
 * a socket that cannot be opened leaves the notifier disabled, with one warning.
 */
public final class SystemdNotifier implements AutoCloseable {
    private final String address;
    private final long watchdogMicros;
    private final PrintStream log;
    private final UnixDatagramSocket socket;
    private final CountDownLatch watchdogStop = new CountDownLatch(1);
    private Thread watchdog;
    private boolean sendFailureLogged;

    private SystemdNotifier(final String address, final long watchdogMicros, final PrintStream log,
            final UnixDatagramSocket socket) {
        this.address = address;
        this.watchdogMicros = watchdogMicros;
        this.log = log;
        this.socket = socket;
    }

    /** The notifier for this process's environment. */
    public static SystemdNotifier fromEnvironment(final PrintStream log) {
        return fromEnvironment(System.getenv(), ProcessHandle.current().pid(), log);
    }

    /**
     * The notifier for {@code env} ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID})
     * as seen by process {@code pid}; disabled when there is no usable socket address.
     */
    public static SystemdNotifier fromEnvironment(final Map<String, String> env, final long pid, final PrintStream log) {
        final String address = env.get("NOTIFY_SOCKET");
        if (address == null || address.isEmpty()) {
            return new SystemdNotifier(null, 0, log, null);
        }
        if (!address.startsWith("/") && !address.startsWith("@")) {
            log.println("tandem: warning: NOTIFY_SOCKET=" + address + " is not a Unix socket path or @name;"
                    + " not notifying systemd");
            return new SystemdNotifier(null, 0, log, null);
        }
        final UnixDatagramSocket socket;
        try {
            socket = UnixDatagramSocket.open();
        } catch (final NativeException e) {
            log.println("tandem: warning: " + e.getMessage() + "; not notifying systemd");
            return new SystemdNotifier(null, 0, log, null);
        }
        return new SystemdNotifier(address, watchdogMicrosOf(env, pid), log, socket);
    }

    /** {@code $WATCHDOG_USEC} when it is meant for {@code pid}, else 0. */
    static long watchdogMicrosOf(final Map<String, String> env, final long pid) {
        final String usec = env.get("WATCHDOG_USEC");
        final String forPid = env.get("WATCHDOG_PID");
        try {
            if (usec == null || forPid != null && !forPid.isEmpty() && Long.parseLong(forPid.trim()) != pid) {
                return 0;
            }
            final long micros = Long.parseLong(usec.trim());
            return micros > 0 ? micros : 0;
        } catch (final NumberFormatException e) {
            return 0;
        }
    }

    /** True when started by systemd with a notification socket. */
    public boolean enabled() {
        return socket != null;
    }

    /** The watchdog interval systemd asked for, in microseconds; 0 when there is none. */
    public long watchdogMicros() {
        return watchdogMicros;
    }

    /** Sends {@code READY=1} with a one-line status ({@code systemctl status} shows it). */
    public void ready(final String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /**
     * Starts the watchdog thread when systemd asked for one: every half interval it pings if no agent
     * stalled and {@code failing} is false. Call once, after {@link #ready}.
     */
    public void startWatchdog(final AgentHeartbeats heartbeats, final BooleanSupplier failing) {
        if (!enabled() || watchdogMicros == 0 || watchdog != null) {
            return;
        }
        final long periodNanos = TimeUnit.MICROSECONDS.toNanos(watchdogMicros) / 2;
        final AgentHeartbeats.Watch watch = heartbeats.watch();
        final Thread t = new Thread(() -> watch(watch, heartbeats, failing, periodNanos), "tandem-watchdog");
        t.setDaemon(true);
        watchdog = t;
        t.start();
    }

    private void watch(final AgentHeartbeats.Watch watch, final AgentHeartbeats heartbeats,
            final BooleanSupplier failing, final long periodNanos) {
        boolean quiet = false;
        try {
            while (!watchdogStop.await(periodNanos, TimeUnit.NANOSECONDS)) {
                final List<String> stalled = watch.stalled();
                if (stalled.isEmpty() && !heartbeats.beats().isEmpty() && !failing.getAsBoolean()) {
                    if (quiet) {
                        log.println("tandem: watchdog: every thread is cycling again; notifying systemd again");
                        log.flush();
                        quiet = false;
                    }
                    send("WATCHDOG=1");
                } else if (!quiet) {
                    log.println("tandem: watchdog: " + (stalled.isEmpty() ? "the engine is failing"
                            : String.join(", ", stalled) + " completed no duty cycle in "
                                    + TimeUnit.NANOSECONDS.toMillis(periodNanos) + " ms")
                            + "; not notifying systemd, which restarts the engine after WatchdogSec");
                    log.flush();
                    quiet = true;
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the watchdog and sends {@code STOPPING=1}. */
    public void stopping() {
        stopWatchdog();
        send("STOPPING=1");
    }

    /** Sends one notification ({@code KEY=VALUE} lines); false when disabled or when it failed. */
    public synchronized boolean send(final String state) {
        if (socket == null) {
            return false;
        }
        final long sent = socket.send(address, state);
        if (sent < 0 && !sendFailureLogged) {
            sendFailureLogged = true;
            log.println("tandem: warning: could not notify systemd at " + address + ": " + NativeException.errnoName((int) -sent)
                    + " (" + state.lines().findFirst().orElse("") + ")");
        }
        return sent >= 0;
    }

    /** Stops the watchdog thread and closes the socket; idempotent. */
    @Override
    public void close() {
        stopWatchdog();
        synchronized (this) {
            if (socket != null) {
                socket.close();
            }
        }
    }

    private void stopWatchdog() {
        watchdogStop.countDown();
        final Thread t = watchdog;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String oneLine(final String s) {
        return s.replace('\n', ' ');
    }
}
