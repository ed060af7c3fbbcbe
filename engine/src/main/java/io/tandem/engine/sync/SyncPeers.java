package io.tandem.engine.sync;

import io.tandem.engine.rules.Addresses;
import io.tandem.nativeio.ipraw.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The pfsync peers this node has heard from, for the status view: per source address the frames
 * received, the last frame's time and the creatorids its records named.
 *
 * <p>Written by the sync thread once per accepted frame, read by the admin-socket and metrics
 * threads; guarded by this object's monitor (an uncontended lock per frame, off the packet path).
 * The packet threads read only each peer's last-frame time, without the lock ({@link #lastHeardMillis}:
 * whether the peer that carried a state still speaks, for the takeover of {@link SyncPolicy}).
 * Memory bound: {@link #MAX_PEERS} peers (more are counted in the last row's totals), four
 * creatorids per peer.
 */
public final class SyncPeers {
    public static final int MAX_PEERS = 32;
    private static final int CREATORS = 4;

    /** A peer's address: IPv4 as {@code (0, address)} with {@link #inet6} false, IPv6 as its two halves. */
    private final long[] addressHi = new long[MAX_PEERS];
    private final long[] addressLo = new long[MAX_PEERS];
    private final boolean[] inet6 = new boolean[MAX_PEERS];
    private final long[] frames = new long[MAX_PEERS];
    /** Each peer's last frame time, also read outside the lock ({@link #lastHeardMillis}). */
    private final AtomicLongArray lastFrameMillis = new AtomicLongArray(MAX_PEERS);
    private final int[][] creators = new int[MAX_PEERS][CREATORS];
    private int count;
    private int current = -1;

    /** A frame from {@code source} was accepted; following {@link #creator} calls belong to it. */
    void frame(final int source, final long now) {
        frame(0, source & 0xFFFF_FFFFL, false, now);
    }

    /** A frame from the IPv6 ({@code v6}) or IPv4 source {@code hi:lo} was accepted. */
    synchronized void frame(final long hi, final long lo, final boolean v6, final long now) {
        int i = 0;
        while (i < count && (addressHi[i] != hi || addressLo[i] != lo || inet6[i] != v6)) {
            i++;
        }
        if (i == count) {
            if (count == MAX_PEERS) {
                i = MAX_PEERS - 1;
            } else {
                count++;
                addressHi[i] = hi;
                addressLo[i] = lo;
                inet6[i] = v6;
            }
        }
        frames[i]++;
        lastFrameMillis.setRelease(i, now);
        current = i;
    }

    /** Sync thread: the index of the peer whose frame is being read ({@link #frame}), -1 before any. */
    int current() {
        return current;
    }

    /**
     * Any thread, without the lock: the time of the last frame accepted from peer {@code index}
     * ({@link SyncPeers} index, as {@link #current}), 0 when none; the packet threads read it.
     */
    public long lastHeardMillis(final int index) {
        return index < 0 || index >= MAX_PEERS ? 0 : lastFrameMillis.getAcquire(index);
    }

    /** A record of the current frame named {@code creatorid}. */
    synchronized void creator(final int creatorid) {
        if (current < 0 || creatorid == 0) {
            return;
        }
        final int[] c = creators[current];
        for (int k = 0; k < CREATORS; k++) {
            if (c[k] == creatorid) {
                return;
            }
            if (c[k] == 0) {
                c[k] = creatorid;
                return;
            }
        }
    }

    /** One peer as seen from here. */
    public record Peer(String address, long frames, long lastFrameMillis, List<Integer> creatorIds) {
    }

    public synchronized List<Peer> peers() {
        final List<Peer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            final List<Integer> ids = new ArrayList<>();
            for (final int c : creators[i]) {
                if (c != 0) {
                    ids.add(c);
                }
            }
            out.add(new Peer(inet6[i] ? Addresses.formatInet6(addressHi[i], addressLo[i])
                    : Ipv4Address.format((int) addressLo[i]), frames[i], lastFrameMillis.get(i), ids));
        }
        return out;
    }

    /** Peers heard from within {@code windowMillis} of {@code now}. */
    public synchronized int active(final long now, final long windowMillis) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (now - lastFrameMillis.get(i) <= windowMillis) {
                n++;
            }
        }
        return n;
    }
}
