package io.tandem.bench.engine;

import io.tandem.engine.decode.DecodedPacket;
import java.util.SplittableRandom;

/**
 * {@code flows} established TCP connections between clients in 10.0.0.0/8 and one server,
 * 192.0.2.1 port 5201, replayed as full-size data segments in both directions.
 *
 * <p>Theory of operation. A flow is an index {@code f}: its client address and port are computed
 * from {@code f} (16,384 ports per address), and its next sequence numbers are kept in two
 * {@code long[]}s, so a million flows cost 16 MB here and no packet templates. Two buffers (one per
 * direction) are rewritten per packet: addresses, ports, sequence and acknowledgement.
 * {@link #next} walks all client→server segments in flow order, then all server→client segments,
 * and starts over; every segment carries {@link #PAYLOAD} bytes and acknowledges everything the
 * peer sent, so every packet stays inside pf's windows, round after round.
 *
 * <p>{@link #open} makes the flows real through the engine: SYN, SYN-ACK, ACK per flow (Linux
 * options: MSS, SACK permitted, timestamps, window scale 7). It opens them in a shuffled order, so
 * state-table slots are unrelated to flow order: the benchmark walks its own arrays sequentially
 * while the engine's slots and hash index are hit at random, as with real traffic.
 */
final class TcpFlows {
    static final int SERVER_ADDRESS = 0xC000_0201; // 192.0.2.1
    static final int SERVER_PORT = 5201;
    static final int CLIENT_NET = 0x0A00_0000; // 10.0.0.0/8
    static final int FIRST_PORT = 1024;
    static final int PORT_BITS = 14;
    /** A full 1500-byte IPv4 packet: 20 IP + 32 TCP (timestamps) + 1448. */
    static final int PAYLOAD = 1448;
    static final int WSCALE = 7;
    /** 502 << 7 = 64256 bytes, Linux's usual initial window. */
    static final int WINDOW = 502;
    static final int SYN_WINDOW = 64240;
    private static final int SYN_ACK_WINDOW = 65160;
    private static final long SEQ_MASK = 0xFFFF_FFFFL;

    private final int flows;
    private final long[] clientSeq;
    private final long[] serverSeq;
    private final TcpPacketWriter toServer = TcpPacketWriter.segment(PAYLOAD);
    private final TcpPacketWriter toClient = TcpPacketWriter.segment(PAYLOAD);
    private int position;

    TcpFlows(final int flows) {
        if (flows < 1 || flows > (1 << 24)) {
            throw new IllegalArgumentException("flows out of range: " + flows);
        }
        this.flows = flows;
        clientSeq = new long[flows];
        serverSeq = new long[flows];
        for (int f = 0; f < flows; f++) {
            clientSeq[f] = isn(f, 0x9E37_79B9L);
            serverSeq[f] = isn(f, 0x85EB_CA6BL);
        }
        toServer.flags(DecodedPacket.TH_ACK | DecodedPacket.TH_PUSH, WINDOW);
        toClient.flags(DecodedPacket.TH_ACK | DecodedPacket.TH_PUSH, WINDOW);
    }

    static int clientAddress(final int flow) {
        return CLIENT_NET + 1 + (flow >>> PORT_BITS);
    }

    static int clientPort(final int flow) {
        return FIRST_PORT + (flow & ((1 << PORT_BITS) - 1));
    }

    /** A non-zero initial sequence number (pf treats seqlo 0 as "half not yet seen"). */
    private static long isn(final int flow, final long multiplier) {
        return ((flow + 1) * multiplier) & SEQ_MASK | 1;
    }

    int flows() {
        return flows;
    }

    /**
     * Opens every flow through {@code path} (three-way handshake, in a shuffled order) and checks
     * that each packet was accepted; setup only, allocates.
     */
    void open(final PacketPath path, final long shuffleSeed) {
        final int[] order = new int[flows];
        for (int i = 0; i < flows; i++) {
            order[i] = i;
        }
        final SplittableRandom random = new SplittableRandom(shuffleSeed);
        for (int i = flows - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        final TcpPacketWriter syn = TcpPacketWriter.syn(WSCALE);
        final TcpPacketWriter ack = TcpPacketWriter.segment(0).flags(DecodedPacket.TH_ACK, WINDOW);
        for (int i = 0; i < flows; i++) {
            final int f = order[i];
            final int client = clientAddress(f);
            final int port = clientPort(f);
            final int c0 = (int) clientSeq[f];
            final int s0 = (int) serverSeq[f];
            syn.addresses(client, SERVER_ADDRESS).ports(port, SERVER_PORT).sequence(c0, 0)
                .flags(DecodedPacket.TH_SYN, SYN_WINDOW);
            path.process(syn);
            syn.addresses(SERVER_ADDRESS, client).ports(SERVER_PORT, port).sequence(s0, c0 + 1)
                .flags(DecodedPacket.TH_SYN | DecodedPacket.TH_ACK, SYN_ACK_WINDOW);
            path.process(syn);
            ack.addresses(client, SERVER_ADDRESS).ports(port, SERVER_PORT).sequence(c0 + 1, s0 + 1);
            path.process(ack);
            clientSeq[f] = (c0 + 1) & SEQ_MASK;
            serverSeq[f] = (s0 + 1) & SEQ_MASK;
            if ((i & 63) == 63) {
                path.endOfBatch(0);
            }
        }
        path.endOfBatch(0);
        path.requireAllAccepted("handshakes of " + flows + " flows");
    }

    /** Sends the next data segment of the replay into {@code path}'s batch. */
    void next(final PacketPath path) {
        final int p = position;
        position = p + 1 == 2 * flows ? 0 : p + 1;
        if (p < flows) {
            final long seq = clientSeq[p];
            clientSeq[p] = (seq + PAYLOAD) & SEQ_MASK;
            toServer.addresses(clientAddress(p), SERVER_ADDRESS).ports(clientPort(p), SERVER_PORT)
                .sequence((int) seq, (int) serverSeq[p]);
            path.process(toServer);
            return;
        }
        final int f = p - flows;
        final long seq = serverSeq[f];
        serverSeq[f] = (seq + PAYLOAD) & SEQ_MASK;
        toClient.addresses(SERVER_ADDRESS, clientAddress(f)).ports(SERVER_PORT, clientPort(f))
            .sequence((int) seq, (int) clientSeq[f]);
        path.process(toClient);
    }
}
