package io.tandem.engine.sync;

import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.nativeio.ipraw.Ipv4Address;
import io.tandem.nativeio.ipraw.Ipv6Address;
import io.tandem.nativeio.ipraw.RawIp6Socket;
import io.tandem.nativeio.ipraw.RawIpSocket;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The pfsync transport on a raw IP socket, protocol (IPv6: next header) 240.
 *
 * <p>Theory of operation. {@link #open} opens the socket for the peer's address family and sets it up
 * as FreeBSD's pfsync does: TTL or hop limit 255 and the other options {@link RawIpSocket#openIpv4} and
 * {@link RawIp6Socket#openIpv6} set, bound to the sync interface, that interface for multicast, an 8 MiB receive
 * buffer so a bulk update waits in the kernel instead of being dropped, and the group joined when the
 * peer is a multicast group ({@code 224.0.0.240}, {@code ff12::f0}); a unicast peer is sent to directly.
 * {@link #openSender} opens the same socket for sending only (no group, a receive filter that keeps nothing).
 * Owner: the sync thread, from {@code SyncAgent.onStart} to {@code onClose}; a sender's, its packet thread. Memory bound: the sockets'
 * preallocated off-heap message headers. Failure policy: {@link #open} throws (the engine does not
 * start); send and receive return a negative errno, counted by the caller.
 */
public final class RawPfsyncTransport implements PfsyncTransport {
    private static final int RECEIVE_BUFFER_BYTES = 8 << 20;

    private final RawIpSocket socket;
    private final RawIp6Socket socket6;
    private final int peerAddress;
    private final long peerHi;
    private final long peerLo;
    private final int ifindex;

    private RawPfsyncTransport(final RawIpSocket socket, final RawIp6Socket socket6, final int peerAddress,
            final long peerHi, final long peerLo, final int ifindex) {
        this.socket = socket;
        this.socket6 = socket6;
        this.peerAddress = peerAddress;
        this.peerHi = peerHi;
        this.peerLo = peerLo;
        this.ifindex = ifindex;
    }

    /** Opens the socket for {@code peer} (an IPv4 or IPv6 address or group) on interface {@code ifname}. */
    public static RawPfsyncTransport open(final String ifname, final String peer) {
        return open(ifname, peer, true);
    }

    /**
     * Opens a socket that only sends to {@code peer} on interface {@code ifname}: the same options,
     * interface and destination as {@link #open(String, String)}, but no group joined, and every frame it
     * would receive discarded in the kernel ({@link RawIpSocket#discardReceived}). A packet thread's
     * {@link DirectInsSender} sends with one, beside the sync thread's socket, which takes the frames.
     */
    public static RawPfsyncTransport openSender(final String ifname, final String peer) {
        return open(ifname, peer, false);
    }

    private static RawPfsyncTransport open(final String ifname, final String peer, final boolean receives) {
        if (Ipv6Address.looksLikeIpv6(peer)) {
            final long[] peer6 = Ipv6Address.parse(peer);
            final RawIp6Socket s = RawIp6Socket.openIpv6(PfsyncConstants.IPPROTO_PFSYNC);
            try {
                final int index = s.bindToDevice(ifname);
                s.setMulticastInterface(index);
                if (!receives) {
                    s.discardReceived();
                } else {
                    s.setReceiveBuffer(RECEIVE_BUFFER_BYTES);
                    if (Ipv6Address.isMulticast(peer6[0])) {
                        s.joinGroup(peer6[0], peer6[1], index);
                    }
                }
                return new RawPfsyncTransport(null, s, 0, peer6[0], peer6[1], index);
            } catch (final RuntimeException e) {
                s.close();
                throw e;
            }
        }
        final int address = Ipv4Address.parse(peer);
        final RawIpSocket s = RawIpSocket.openIpv4(PfsyncConstants.IPPROTO_PFSYNC);
        try {
            final int index = s.bindToDevice(ifname);
            s.setMulticastInterface(index);
            if (!receives) {
                s.discardReceived();
            } else {
                s.setReceiveBuffer(RECEIVE_BUFFER_BYTES);
                if (Ipv4Address.isMulticast(address)) {
                    s.joinGroup(address, index);
                }
            }
            return new RawPfsyncTransport(s, null, address, 0, 0, index);
        } catch (final RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public boolean ipv6() {
        return socket6 != null;
    }

    @Override
    public int interfaceIndex() {
        return ifindex;
    }

    @Override
    public int send(final UnsafeBuffer buffer, final int length) {
        return socket6 != null ? socket6.sendTo(buffer, 0, length, peerHi, peerLo, ifindex)
                : socket.sendTo(buffer, 0, length, peerAddress);
    }

    @Override
    public int receive(final UnsafeBuffer buffer) {
        return socket6 != null ? socket6.receive(buffer) : socket.receive(buffer);
    }

    @Override
    public int lastInterfaceIndex() {
        return socket6 != null ? socket6.lastInterfaceIndex() : socket.lastInterfaceIndex();
    }

    @Override
    public int lastSourceAddress() {
        return socket6 != null ? 0 : socket.lastSourceAddress();
    }

    @Override
    public int lastHopLimit() {
        return socket6 != null ? socket6.lastHopLimit() : RawIp6Socket.NO_HOP_LIMIT;
    }

    @Override
    public long lastSourceHi() {
        return socket6 != null ? socket6.lastSourceHi() : 0;
    }

    @Override
    public long lastSourceLo() {
        return socket6 != null ? socket6.lastSourceLo() : 0;
    }

    @Override
    public int fd() {
        return socket6 != null ? socket6.fd() : socket.fd();
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
        if (socket6 != null) {
            socket6.close();
        }
    }
}
