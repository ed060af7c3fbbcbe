package io.tandem.engine.sync;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where pfsync frames leave and arrive: the raw IP socket in production ({@link RawPfsyncTransport}),
 * a queue in memory in tests.
 *
 * <p>Theory of operation. Owned by the sync thread, which opens it in {@code SyncAgent.onStart} (after
 * entering the engine's network namespace) through a factory, uses it in every duty cycle and closes it
 * in {@code onClose}. {@link #send} hands over one frame; {@link #receive} copies the next one in, and
 * the {@code last*} accessors then describe it: the interface it arrived on, its source address, and
 * for IPv6 the hop limit (an IPv6 raw socket delivers no header). An IPv4 frame is delivered with its
 * IP header, which carries the TTL. Memory bound: whatever the implementation preallocates at open.
 * Failure policy: opening throws; sending and receiving never throw and never allocate, they return a
 * negative errno instead, which the caller counts.
 */
public interface PfsyncTransport extends AutoCloseable {
    /** True for pfsync over IPv6 (FreeBSD 14+): frames arrive without their IP header. */
    boolean ipv6();

    /** The sync interface's index: a frame that arrived elsewhere is {@code badif}. */
    int interfaceIndex();

    /**
     * Sends {@code length} bytes from offset 0 of {@code buffer} to the peer.
     *
     * @return bytes sent, or a negative errno
     */
    int send(UnsafeBuffer buffer, int length);

    /**
     * Copies the next frame into {@code buffer} without waiting (IPv4: header included).
     *
     * @return its length, 0 when there is none, or a negative errno
     */
    int receive(UnsafeBuffer buffer);

    /** The interface the last received frame arrived on. */
    int lastInterfaceIndex();

    /** IPv4: the last frame's source address (big-endian in an int). */
    int lastSourceAddress();

    /** IPv6: the last frame's hop limit, or -1 when the kernel reported none. */
    int lastHopLimit();

    /** IPv6: the high half of the last frame's source address. */
    long lastSourceHi();

    /** IPv6: the low half of the last frame's source address. */
    long lastSourceLo();

    /** The descriptor to wait on for the next frame, or -1 when there is none (a poll ignores it). */
    int fd();

    /** Releases the socket. Idempotent; never throws. */
    @Override
    void close();
}
