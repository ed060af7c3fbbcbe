package io.tandem.nativeio.nfqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.RecvmmsgBatch;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing once warm: measured with the thread's allocated-bytes counter around a loop.
 */
class NfqAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static long parseAndEncode(final NfqPacketParser parser, final NfqVerdictEncoder encoder,
                                       final UnsafeBuffer packet, final int length, final int iterations) {
        long sum = 0;
        for (int i = 0; i < iterations; i++) {
            if (parser.parse(packet, 0, length) == NetlinkParseStatus.OK_PACKET) {
                encoder.appendVerdict(parser.queue(), parser.packetId(), NfqConstants.NF_ACCEPT);
                encoder.appendVerdictWithMark(parser.queue(), parser.packetId(), NfqConstants.NF_ACCEPT, i);
                encoder.appendBatchVerdict(parser.queue(), parser.packetId(), NfqConstants.NF_ACCEPT);
                sum += encoder.length() + parser.payloadLength();
                encoder.reset();
            }
        }
        return sum;
    }

    @Test
    void parseAndEncodeAllocateNothing() {
        final byte[] bytes = NfqFixtures.packet(true, 0);
        final UnsafeBuffer packet = new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 64));
        packet.putBytes(0, bytes);
        final NfqPacketParser parser = new NfqPacketParser();
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        assertTrue(allocated() >= 0, "thread allocation measurement unsupported");

        parseAndEncode(parser, encoder, packet, bytes.length, 300_000); // warm up, let the JIT compile
        allocated();
        final long before = allocated();
        final long sum = parseAndEncode(parser, encoder, packet, bytes.length, 1_000_000);
        final long after = allocated();
        assertEquals(1_000_000L * (32 + 40 + 32 + NfqFixtures.PAYLOAD.length), sum);
        assertEquals(0, after - before, "bytes allocated by 1,000,000 parse+encode iterations");
    }

    private static long pollAndReceive(final NetlinkSocket socket, final RecvmmsgBatch batch, final int iterations) {
        long sum = 0;
        for (int i = 0; i < iterations; i++) {
            sum += socket.poll(0);
            sum += batch.receive(socket.fd(), false);
        }
        return sum;
    }

    @Test
    void pollAndRecvmmsgAllocateNothing() {
        try (NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER)) {
            final RecvmmsgBatch batch = new RecvmmsgBatch(8, 1024);
            assertEquals(0, socket.poll(0));
            assertEquals(-LinuxConstants.EAGAIN, batch.receive(socket.fd(), false));

            pollAndReceive(socket, batch, 100_000); // warm up
            // A real per-call allocation shows in every round; a one-off (JIT or jnr-ffi lazy initialisation
            // finishing late on a loaded 2-vCPU machine) does not, so allow up to three rounds.
            final StringBuilder rounds = new StringBuilder();
            long delta = -1;
            for (int round = 0; round < 3 && delta != 0; round++) {
                allocated();
                final long before = allocated();
                final long sum = pollAndReceive(socket, batch, 100_000);
                final long after = allocated();
                assertEquals(100_000L * -LinuxConstants.EAGAIN, sum);
                delta = after - before;
                rounds.append(delta).append(' ');
            }
            assertEquals(0, delta, "bytes allocated by 100,000 poll + recvmmsg calls, per round: " + rounds);
        }
    }
}
