package io.tandem.engine.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link PfsyncTransport} in memory for tests: two ends of a link, each frame sent on one end
 * queued for the other. Like the kernel, the IPv4 end puts a header in front of what it receives
 * (TTL 255, protocol 240, the sender's address). Single-threaded; it allocates (a test helper).
 */
final class InMemoryPfsyncTransport implements PfsyncTransport {
    static final int IFINDEX = 3;

    private final int address;
    private final ArrayDeque<byte[]> arriving = new ArrayDeque<>();
    private InMemoryPfsyncTransport other;
    private int lastSource;
    private boolean closed;
    private int failWith;
    long framesSent;
    /** Frames this end has received so far. */
    long framesReceived;
    /** For each frame this end sent: how many it had received by then (the order of answers and input). */
    final List<Long> receivedAtSend = new ArrayList<>();
    int lastSentLength;

    private InMemoryPfsyncTransport(final int address) {
        this.address = address;
    }

    /** Two ends of one link; frames sent on one arrive on the other from {@code addressA} or {@code addressB}. */
    static InMemoryPfsyncTransport[] link(final int addressA, final int addressB) {
        final InMemoryPfsyncTransport a = new InMemoryPfsyncTransport(addressA);
        final InMemoryPfsyncTransport b = new InMemoryPfsyncTransport(addressB);
        a.other = b;
        b.other = a;
        return new InMemoryPfsyncTransport[] {a, b};
    }

    /** Frames waiting to be received on this end. */
    int pending() {
        return arriving.size();
    }

    boolean closed() {
        return closed;
    }

    /** From now on every send fails with {@code errno} (0: sends succeed again). */
    void failSends(final int errno) {
        this.failWith = errno;
    }

    @Override
    public boolean ipv6() {
        return false;
    }

    @Override
    public int interfaceIndex() {
        return IFINDEX;
    }

    @Override
    public int send(final UnsafeBuffer buffer, final int length) {
        if (failWith != 0) {
            return -failWith;
        }
        lastSentLength = length;
        final byte[] packet = new byte[20 + length];
        packet[0] = 0x45;
        packet[2] = (byte) (packet.length >> 8);
        packet[3] = (byte) packet.length;
        packet[8] = (byte) 255; // TTL
        packet[9] = (byte) 240; // pfsync
        packet[12] = (byte) (address >> 24);
        packet[13] = (byte) (address >> 16);
        packet[14] = (byte) (address >> 8);
        packet[15] = (byte) address;
        buffer.getBytes(0, packet, 20, length);
        other.arriving.add(packet);
        framesSent++;
        receivedAtSend.add(framesReceived);
        return length;
    }

    @Override
    public int receive(final UnsafeBuffer buffer) {
        final byte[] packet = arriving.poll();
        if (packet == null) {
            return 0;
        }
        buffer.putBytes(0, packet);
        framesReceived++;
        lastSource = other.address;
        return packet.length;
    }

    @Override
    public int lastInterfaceIndex() {
        return IFINDEX;
    }

    @Override
    public int lastSourceAddress() {
        return lastSource;
    }

    @Override
    public int lastHopLimit() {
        return -1;
    }

    @Override
    public long lastSourceHi() {
        return 0;
    }

    @Override
    public long lastSourceLo() {
        return 0;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public void close() {
        closed = true;
    }
}
