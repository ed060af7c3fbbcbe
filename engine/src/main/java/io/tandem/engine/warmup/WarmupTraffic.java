package io.tandem.engine.warmup;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.header.IcmpHeaderFlyweight;
import io.tandem.engine.decode.header.Ipv4HeaderFlyweight;
import io.tandem.engine.decode.header.Ipv6HeaderFlyweight;
import io.tandem.engine.decode.header.TcpHeaderFlyweight;
import io.tandem.engine.decode.header.UdpHeaderFlyweight;
import io.tandem.nativeio.nfqueue.NfqConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One round of made-up forwarded traffic, as NFQUEUE PACKET messages the way the kernel sends them, for
 * {@link PacketPathWarmup}.
 *
 * <p>A round is {@link #GROUPS} groups of six conversations between a client and a server: a TCP
 * connection, a UDP exchange and an ICMP echo, in IPv4 and in IPv6. The TCP connection is SYN, SYN-ACK,
 * ACK, a request and its acknowledgement, a reply and its acknowledgement, FIN both ways and the last
 * ACK, with Linux's options and sequence numbers that pf's tracking accepts; the UDP exchange a request
 * and its reply twice; the echo a request and its reply. Group {@code g} of round {@code r} uses the
 * client port (and echo id) {@code FIRST_PORT + r * GROUPS + g}, so each of {@link #ROUNDS} rounds creates
 * new states; the groups follow one another. Addresses are documentation prefixes (198.51.100.0/24 and
 * 203.0.113.0/24, 2001:db8::/32); the client side is input interface {@link #CLIENT_IFINDEX}, the server
 * side {@link #SERVER_IFINDEX}; every packet is queued from FORWARD. Checksums are 0: the decoder does not
 * check them (the kernel has).
 *
 * <p>Layout of each message, the attributes the kernel sends for a forwarded packet (netlink header in
 * host order, attribute values big-endian): {@code nlmsghdr} (16), {@code nfgenmsg} (4), PACKET_HDR (4 + 8:
 * id, hw protocol, hook), IFINDEX_INDEV (8), IFINDEX_OUTDEV (8), HWADDR (4 + 12), SKB_INFO (8), PAYLOAD
 * (4 + the IP packet, its length not padded).
 *
 * <p>Owner: the thread that runs the warm-up. Memory bound: fixed at construction, one direct buffer of
 * {@link #PACKETS} messages (512 KiB). Setup code: it allocates while it builds, never after.
 */
final class WarmupTraffic {
    /** Conversation groups per round. */
    static final int GROUPS = 64;
    /** Rounds with distinct client ports ({@link #round}); round numbers wrap after this many. */
    static final int ROUNDS = 32;
    /** The first client port (and echo id). */
    static final int FIRST_PORT = 1024;
    /** Input interface index of the client side. */
    static final int CLIENT_IFINDEX = 1;
    /** Input interface index of the server side. */
    static final int SERVER_IFINDEX = 2;
    /** Packets per group: TCP 10, UDP 4, ICMP 2, in each family. */
    static final int PACKETS_PER_GROUP = 2 * (10 + 4 + 2);
    /** Packets per round. */
    static final int PACKETS = GROUPS * PACKETS_PER_GROUP;
    /** States a round creates when every conversation is passed with state. */
    static final int STATES_PER_ROUND = GROUPS * 6;

    /** Where the packet id sits in a message: after nlmsghdr (16), nfgenmsg (4) and the attribute header (4). */
    static final int PACKET_ID_OFFSET = 16 + 4 + 4;
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int NLA_HEADER = 4;
    private static final int MESSAGE_HEADERS =
            16 + 4 + (NLA_HEADER + 8) + 2 * (NLA_HEADER + 4) + (NLA_HEADER + 12) + (NLA_HEADER + 4) + NLA_HEADER;
    private static final int LARGEST_IP_PACKET = Ipv6HeaderFlyweight.LENGTH + 40 + 100;
    private static final int CLIENT_WINDOW = 64240;
    private static final int SERVER_WINDOW = 65160;
    private static final int WINDOW_SCALE = 7;
    private static final int CLIENT_ISN = 0x1000_0000;
    private static final int SERVER_ISN = 0x7000_0000;
    private static final int TCP_PAYLOAD = 100;
    private static final int UDP_PAYLOAD = 40;
    private static final int ECHO_PAYLOAD = 56;
    private static final int SERVER_TCP_PORT = 443;
    private static final int SERVER_UDP_PORT = 53;

    private final int queue;
    private final UnsafeBuffer messages;
    private final int[] offsets = new int[PACKETS];
    private final int[] lengths = new int[PACKETS];
    /** Absolute offset of each message's client port (or echo id) field, big-endian 16 bits. */
    private final int[] portFields = new int[PACKETS];
    private final ByteBuffer ip = ByteBuffer.allocate(LARGEST_IP_PACKET).order(ByteOrder.BIG_ENDIAN);
    private int count;
    private int end;

    /** @param queue the queue number written into every message's {@code nfgenmsg} */
    WarmupTraffic(final int queue) {
        this.queue = queue;
        this.messages = new UnsafeBuffer(ByteBuffer.allocateDirect(PACKETS * align(MESSAGE_HEADERS + LARGEST_IP_PACKET)));
        for (int g = 0; g < GROUPS; g++) {
            conversations(false);
            conversations(true);
        }
        round(0);
    }

    /** Number of messages in a round ({@link #PACKETS}). */
    int size() {
        return count;
    }

    /** The buffer all messages are in. */
    UnsafeBuffer buffer() {
        return messages;
    }

    /** Offset of message {@code i} in {@link #buffer()}. */
    int offset(final int i) {
        return offsets[i];
    }

    /** Length of message {@code i}. */
    int length(final int i) {
        return lengths[i];
    }

    /** Writes packet id {@code id} into message {@code i}, as the kernel numbers a queue's packets. */
    void packetId(final int i, final long id) {
        messages.putInt(offsets[i] + PACKET_ID_OFFSET, (int) id, ByteOrder.BIG_ENDIAN);
    }

    /** Gives every conversation the client port of round {@code r} (modulo {@link #ROUNDS}). */
    void round(final int r) {
        final int base = FIRST_PORT + (r % ROUNDS) * GROUPS;
        for (int i = 0; i < count; i++) {
            messages.putShort(portFields[i], (short) (base + i / PACKETS_PER_GROUP), ByteOrder.BIG_ENDIAN);
        }
    }

    /** The six conversations of one group in one family, in the order they would cross the firewall. */
    private void conversations(final boolean v6) {
        final int c = CLIENT_ISN;
        final int s = SERVER_ISN;
        final int ack = DecodedPacket.TH_ACK;
        final int push = DecodedPacket.TH_PUSH | ack;
        final int fin = DecodedPacket.TH_FIN | ack;
        tcp(v6, true, DecodedPacket.TH_SYN, c, 0, CLIENT_WINDOW, true, 0);
        tcp(v6, false, DecodedPacket.TH_SYN | ack, s, c + 1, SERVER_WINDOW, true, 0);
        tcp(v6, true, ack, c + 1, s + 1, CLIENT_WINDOW >> WINDOW_SCALE, false, 0);
        tcp(v6, true, push, c + 1, s + 1, CLIENT_WINDOW >> WINDOW_SCALE, false, TCP_PAYLOAD);
        tcp(v6, false, ack, s + 1, c + 1 + TCP_PAYLOAD, SERVER_WINDOW >> WINDOW_SCALE, false, 0);
        tcp(v6, false, push, s + 1, c + 1 + TCP_PAYLOAD, SERVER_WINDOW >> WINDOW_SCALE, false, TCP_PAYLOAD);
        tcp(v6, true, ack, c + 1 + TCP_PAYLOAD, s + 1 + TCP_PAYLOAD, CLIENT_WINDOW >> WINDOW_SCALE, false, 0);
        tcp(v6, true, fin, c + 1 + TCP_PAYLOAD, s + 1 + TCP_PAYLOAD, CLIENT_WINDOW >> WINDOW_SCALE, false, 0);
        tcp(v6, false, fin, s + 1 + TCP_PAYLOAD, c + 2 + TCP_PAYLOAD, SERVER_WINDOW >> WINDOW_SCALE, false, 0);
        tcp(v6, true, ack, c + 2 + TCP_PAYLOAD, s + 2 + TCP_PAYLOAD, CLIENT_WINDOW >> WINDOW_SCALE, false, 0);
        for (int i = 0; i < 2; i++) {
            udp(v6, true);
            udp(v6, false);
        }
        echo(v6, true);
        echo(v6, false);
    }

    private void tcp(final boolean v6, final boolean fromClient, final int flags, final int seq, final int ackNumber,
            final int window, final boolean syn, final int payload) {
        final int options = syn ? 20 : 12;
        final int l4 = ipHeader(v6, fromClient, DecodedPacket.PROTO_TCP, TcpHeaderFlyweight.MIN_LENGTH + options + payload);
        ip.putShort(l4 + TcpHeaderFlyweight.SOURCE_PORT_OFFSET, (short) (fromClient ? 0 : SERVER_TCP_PORT));
        ip.putShort(l4 + TcpHeaderFlyweight.DESTINATION_PORT_OFFSET, (short) (fromClient ? SERVER_TCP_PORT : 0));
        ip.putInt(l4 + TcpHeaderFlyweight.SEQUENCE_OFFSET, seq);
        ip.putInt(l4 + TcpHeaderFlyweight.ACKNOWLEDGMENT_OFFSET, ackNumber);
        ip.put(l4 + TcpHeaderFlyweight.DATA_OFFSET_OFFSET, (byte) ((TcpHeaderFlyweight.MIN_LENGTH + options) / 4 << 4));
        ip.put(l4 + TcpHeaderFlyweight.FLAGS_OFFSET, (byte) flags);
        ip.putShort(l4 + TcpHeaderFlyweight.WINDOW_OFFSET, (short) window);
        int o = l4 + TcpHeaderFlyweight.MIN_LENGTH;
        if (syn) {
            ip.put(o++, (byte) TcpHeaderFlyweight.OPTION_MSS).put(o++, (byte) TcpHeaderFlyweight.OPTION_MSS_LENGTH);
            ip.putShort(o, (short) 1460);
            o += 2;
            ip.put(o++, (byte) TcpHeaderFlyweight.OPTION_SACK_PERMITTED)
                    .put(o++, (byte) TcpHeaderFlyweight.OPTION_SACK_PERMITTED_LENGTH);
        } else {
            ip.put(o++, (byte) TcpHeaderFlyweight.OPTION_NOP).put(o++, (byte) TcpHeaderFlyweight.OPTION_NOP);
        }
        ip.put(o++, (byte) TcpHeaderFlyweight.OPTION_TIMESTAMP).put(o++, (byte) TcpHeaderFlyweight.OPTION_TIMESTAMP_LENGTH);
        ip.putInt(o, fromClient ? 1000 + count : 5000 + count); // TSval grows with every packet sent
        ip.putInt(o + 4, ackNumber == 0 ? 0 : fromClient ? 5000 + count : 1000 + count);
        o += 8;
        if (syn) {
            ip.put(o++, (byte) TcpHeaderFlyweight.OPTION_NOP).put(o++, (byte) TcpHeaderFlyweight.OPTION_WSCALE)
                    .put(o++, (byte) TcpHeaderFlyweight.OPTION_WSCALE_LENGTH).put(o++, (byte) WINDOW_SCALE);
        }
        message(v6, fromClient, l4 + (fromClient ? TcpHeaderFlyweight.SOURCE_PORT_OFFSET
                : TcpHeaderFlyweight.DESTINATION_PORT_OFFSET), o + payload);
    }

    private void udp(final boolean v6, final boolean fromClient) {
        final int l4 = ipHeader(v6, fromClient, DecodedPacket.PROTO_UDP, UdpHeaderFlyweight.LENGTH + UDP_PAYLOAD);
        ip.putShort(l4 + UdpHeaderFlyweight.SOURCE_PORT_OFFSET, (short) (fromClient ? 0 : SERVER_UDP_PORT));
        ip.putShort(l4 + UdpHeaderFlyweight.DESTINATION_PORT_OFFSET, (short) (fromClient ? SERVER_UDP_PORT : 0));
        ip.putShort(l4 + UdpHeaderFlyweight.LENGTH_OFFSET, (short) (UdpHeaderFlyweight.LENGTH + UDP_PAYLOAD));
        message(v6, fromClient, l4 + (fromClient ? UdpHeaderFlyweight.SOURCE_PORT_OFFSET
                : UdpHeaderFlyweight.DESTINATION_PORT_OFFSET), l4 + UdpHeaderFlyweight.LENGTH + UDP_PAYLOAD);
    }

    private void echo(final boolean v6, final boolean request) {
        final int l4 = ipHeader(v6, request, v6 ? DecodedPacket.PROTO_ICMPV6 : DecodedPacket.PROTO_ICMP,
                IcmpHeaderFlyweight.LENGTH + ECHO_PAYLOAD);
        final int type = v6 ? (request ? IcmpHeaderFlyweight.ICMP6_ECHO_REQUEST : IcmpHeaderFlyweight.ICMP6_ECHO_REPLY)
                : request ? IcmpHeaderFlyweight.ICMP_ECHO : IcmpHeaderFlyweight.ICMP_ECHO_REPLY;
        ip.put(l4 + IcmpHeaderFlyweight.TYPE_OFFSET, (byte) type);
        ip.putShort(l4 + IcmpHeaderFlyweight.SEQUENCE_OFFSET, (short) 1);
        message(v6, request, l4 + IcmpHeaderFlyweight.IDENTIFIER_OFFSET, l4 + IcmpHeaderFlyweight.LENGTH + ECHO_PAYLOAD);
    }

    /** Clears {@link #ip} and writes the IP header of a packet of {@code l4Length} bytes after it; returns its length. */
    private int ipHeader(final boolean v6, final boolean fromClient, final int protocol, final int l4Length) {
        for (int i = 0; i < ip.capacity(); i++) {
            ip.put(i, (byte) 0);
        }
        if (v6) {
            ip.putInt(Ipv6HeaderFlyweight.VERSION_CLASS_FLOW_OFFSET, Ipv6HeaderFlyweight.VERSION << 28);
            ip.putShort(Ipv6HeaderFlyweight.PAYLOAD_LENGTH_OFFSET, (short) l4Length);
            ip.put(Ipv6HeaderFlyweight.NEXT_HEADER_OFFSET, (byte) protocol);
            ip.put(Ipv6HeaderFlyweight.HOP_LIMIT_OFFSET, (byte) 63);
            address6(fromClient ? Ipv6HeaderFlyweight.SOURCE_ADDRESS_OFFSET : Ipv6HeaderFlyweight.DESTINATION_ADDRESS_OFFSET, 1);
            address6(fromClient ? Ipv6HeaderFlyweight.DESTINATION_ADDRESS_OFFSET : Ipv6HeaderFlyweight.SOURCE_ADDRESS_OFFSET, 2);
            return Ipv6HeaderFlyweight.LENGTH;
        }
        ip.put(Ipv4HeaderFlyweight.VERSION_IHL_OFFSET,
                (byte) (Ipv4HeaderFlyweight.VERSION << 4 | Ipv4HeaderFlyweight.MIN_LENGTH / 4));
        ip.putShort(Ipv4HeaderFlyweight.TOTAL_LENGTH_OFFSET, (short) (Ipv4HeaderFlyweight.MIN_LENGTH + l4Length));
        ip.putShort(Ipv4HeaderFlyweight.FLAGS_FRAGMENT_OFFSET_OFFSET, (short) Ipv4HeaderFlyweight.FLAG_DF);
        ip.put(Ipv4HeaderFlyweight.TTL_OFFSET, (byte) 63);
        ip.put(Ipv4HeaderFlyweight.PROTOCOL_OFFSET, (byte) protocol);
        final int client = 198 << 24 | 51 << 16 | 100 << 8 | 10;
        final int server = 203 << 24 | 113 << 8 | 10;
        ip.putInt(Ipv4HeaderFlyweight.SOURCE_ADDRESS_OFFSET, fromClient ? client : server);
        ip.putInt(Ipv4HeaderFlyweight.DESTINATION_ADDRESS_OFFSET, fromClient ? server : client);
        return Ipv4HeaderFlyweight.MIN_LENGTH;
    }

    /** 2001:db8:{@code site}::10 at {@code offset}. */
    private void address6(final int offset, final int site) {
        ip.putInt(offset, 0x2001_0db8);
        ip.putShort(offset + 4, (short) site);
        ip.put(offset + 15, (byte) 0x10);
    }

    /** Wraps {@code ipLength} bytes of {@link #ip} into the next PACKET message. */
    private void message(final boolean v6, final boolean fromClient, final int portField, final int ipLength) {
        final int start = end;
        int o = start + 16;
        messages.putByte(o, (byte) (v6 ? AF_INET6 : AF_INET)); // nfgenmsg: family, version 0, queue
        messages.putShort(o + 2, (short) queue, ByteOrder.BIG_ENDIAN);
        o += 4;
        o = attribute(o, NfqConstants.NFQA_PACKET_HDR, 7); // id (set per receive), hw protocol, hook
        messages.putShort(o - 4, (short) (v6 ? ETH_P_IPV6 : ETH_P_IP), ByteOrder.BIG_ENDIAN);
        messages.putByte(o - 2, (byte) NfqConstants.NF_INET_FORWARD);
        o = attribute(o, NfqConstants.NFQA_IFINDEX_INDEV, 4);
        messages.putInt(o - 4, fromClient ? CLIENT_IFINDEX : SERVER_IFINDEX, ByteOrder.BIG_ENDIAN);
        o = attribute(o, NfqConstants.NFQA_IFINDEX_OUTDEV, 4);
        messages.putInt(o - 4, fromClient ? SERVER_IFINDEX : CLIENT_IFINDEX, ByteOrder.BIG_ENDIAN);
        o = attribute(o, NfqConstants.NFQA_HWADDR, 12); // be16 length, pad, the sender's MAC (8 bytes)
        messages.putShort(o - 12, (short) 6, ByteOrder.BIG_ENDIAN);
        messages.putByte(o - 8, (byte) 0x02); // locally administered
        messages.putByte(o - 3, (byte) (fromClient ? CLIENT_IFINDEX : SERVER_IFINDEX));
        o = attribute(o, NfqConstants.NFQA_SKB_INFO, 4); // no flags: a checksummed, unsegmented packet
        final int payload = o + NLA_HEADER;
        attribute(o, NfqConstants.NFQA_PAYLOAD, ipLength);
        messages.putBytes(payload, ip, 0, ipLength);
        final int length = payload + ipLength - start; // the last attribute unpadded, as the kernel sends it
        messages.putInt(start, length, ByteOrder.nativeOrder()); // nlmsghdr: length, type, flags, seq, pid
        messages.putShort(start + 4, (short) NfqConstants.TYPE_PACKET, ByteOrder.nativeOrder());
        offsets[count] = start;
        lengths[count] = length;
        portFields[count] = payload + portField;
        count++;
        end = start + align(length);
    }

    /** An attribute header (host order) at {@code o}; returns the offset after its value, padded to 4. */
    private int attribute(final int o, final int type, final int valueLength) {
        messages.putShort(o, (short) (NLA_HEADER + valueLength), ByteOrder.nativeOrder());
        messages.putShort(o + 2, (short) type, ByteOrder.nativeOrder());
        return o + align(NLA_HEADER + valueLength);
    }

    private static int align(final int length) {
        return (length + 3) & ~3;
    }
}
