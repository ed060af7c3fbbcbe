package io.tandem.bench.engine;

import io.tandem.engine.packet.MemoryPacketQueue;
import io.tandem.engine.packet.PacketQueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link PacketQueue} that hands the packet agent the same receive batch over and over: {@code perReceive}
 * datagrams, each one NFQUEUE PACKET message as the kernel sends a forwarded IPv4/UDP packet (PACKET_HDR,
 * IFINDEX_INDEV, IFINDEX_OUTDEV, HWADDR, SKB_INFO, PAYLOAD), with a fresh packet id written into each
 * datagram per receive so the agent sees the kernel's ascending ids. Sent verdicts are only counted.
 *
 * <p>Benchmark scaffolding for {@link AgentCycleBenchmark}: one thread, no system calls, no waiting.
 */
final class ReplayQueue extends MemoryPacketQueue {
    /** Where the packet id sits in each datagram: nlmsghdr 16 + nfgenmsg 4 + nlattr header 4. */
    static final int PACKET_ID_OFFSET = 24;
    static final int NFQNL_MSG_PACKET = 0x0300; // NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET
    static final int NFQA_PACKET_HDR = 1;
    static final int NFQA_IFINDEX_INDEV = 5;
    static final int NFQA_IFINDEX_OUTDEV = 6;
    static final int NFQA_HWADDR = 9;
    static final int NFQA_PAYLOAD = 10;
    static final int NFQA_SKB_INFO = 14;
    static final int NF_INET_FORWARD = 2;

    private final int perReceive;
    private long nextId = 1;

    /**
     * @param perReceive datagrams per receive (packets per wake-up in the end-to-end benchmark: about 13)
     * @param flows      distinct UDP flows, packet k of a batch in flow k mod flows (source port 5302 + flow)
     * @param queue      the queue number in the messages
     */
    ReplayQueue(final int perReceive, final int flows, final int queue) {
        super(perReceive);
        this.perReceive = perReceive;
        for (int i = 0; i < perReceive; i++) {
            slot(i).wrap(ByteBuffer.allocateDirect(512));
            length(i, writePacketMessage(slot(i), queue, 5302 + i % flows));
        }
    }

    /** One PACKET message carrying a 92-byte IPv4/UDP datagram 10.0.1.2:sport → 10.0.2.2:5201; returns its length. */
    private static int writePacketMessage(final UnsafeBuffer b, final int queue, final int sourcePort) {
        int o = 16;
        b.putByte(o, (byte) 2); // nfgenmsg: AF_INET, version 0, queue (big-endian)
        b.putByte(o + 1, (byte) 0);
        b.putShort(o + 2, (short) queue, ByteOrder.BIG_ENDIAN);
        o += 4;
        o = attribute(b, o, NFQA_PACKET_HDR, 7); // id (4, set per receive), hw_protocol 0x0800, hook
        b.putShort(o - 8 + 4 + 4, (short) 0x0800, ByteOrder.BIG_ENDIAN);
        b.putByte(o - 8 + 4 + 6, (byte) NF_INET_FORWARD);
        o = attribute(b, o, NFQA_IFINDEX_INDEV, 4);
        b.putInt(o - 4, 2, ByteOrder.BIG_ENDIAN);
        o = attribute(b, o, NFQA_IFINDEX_OUTDEV, 4);
        b.putInt(o - 4, 3, ByteOrder.BIG_ENDIAN);
        o = attribute(b, o, NFQA_HWADDR, 12); // hw_addrlen 6, pad, address
        b.putShort(o - 12, (short) 6, ByteOrder.BIG_ENDIAN);
        o = attribute(b, o, NFQA_SKB_INFO, 4);
        final int ipLength = 20 + 8 + 64;
        final int payload = o + 4;
        o = attribute(b, o, NFQA_PAYLOAD, ipLength);
        b.putByte(payload, (byte) 0x45);
        b.putShort(payload + 2, (short) ipLength, ByteOrder.BIG_ENDIAN);
        b.putByte(payload + 8, (byte) 63); // TTL
        b.putByte(payload + 9, (byte) 17); // UDP
        b.putInt(payload + 12, 0x0a000102, ByteOrder.BIG_ENDIAN);
        b.putInt(payload + 16, 0x0a000202, ByteOrder.BIG_ENDIAN);
        b.putShort(payload + 20, (short) sourcePort, ByteOrder.BIG_ENDIAN);
        b.putShort(payload + 22, (short) 5201, ByteOrder.BIG_ENDIAN);
        b.putShort(payload + 24, (short) (8 + 64), ByteOrder.BIG_ENDIAN);
        final int length = payload + ipLength; // the last attribute unpadded, as the kernel sends it
        b.putInt(0, length); // nlmsghdr, host order: length, type, flags, seq, pid
        b.putShort(4, (short) NFQNL_MSG_PACKET);
        return length;
    }

    /** Writes an attribute header for {@code valueLength} bytes of zeros at {@code o}; returns the aligned end. */
    private static int attribute(final UnsafeBuffer b, final int o, final int type, final int valueLength) {
        b.putShort(o, (short) (4 + valueLength));
        b.putShort(o + 2, (short) type);
        b.setMemory(o + 4, valueLength, (byte) 0);
        return o + ((4 + valueLength + 3) & ~3);
    }

    @Override
    public int receive() {
        for (int i = 0; i < perReceive; i++) {
            slot(i).putInt(PACKET_ID_OFFSET, (int) nextId++, ByteOrder.BIG_ENDIAN);
        }
        return perReceive;
    }

    long packetsQueued() {
        return nextId - 1;
    }
}
