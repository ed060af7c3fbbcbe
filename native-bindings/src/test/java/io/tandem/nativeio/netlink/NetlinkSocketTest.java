package io.tandem.nativeio.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.nfqueue.NetlinkParseStatus;
import io.tandem.nativeio.nfqueue.NfqPacketParser;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Netlink socket and recvmmsg batch against the real kernel, without binding any queue. */
class NetlinkSocketTest {
    @Test
    void openBindPortIdOptionsPollClose() {
        final NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER);
        try {
            assertTrue(socket.fd() >= 0);
            assertNotEquals(0, socket.portId());
            socket.setNoEnobufs();
            assertEquals(1, socket.getIntOption(NetlinkConstants.SOL_NETLINK, NetlinkConstants.NETLINK_NO_ENOBUFS,
                "getsockopt(NETLINK_NO_ENOBUFS)"));
            final int effective = socket.setReceiveBuffer(1 << 20);
            assertTrue(effective >= 1 << 20, "effective " + effective); // the kernel doubles
            assertEquals(0, socket.poll(0));
            assertTrue(socket.isOpen());
        } finally {
            socket.close();
            socket.close(); // idempotent
        }
        assertFalse(socket.isOpen());
        assertEquals(-LinuxConstants.EBADF, socket.send(0L, 0));
    }

    @Test
    void nlmsgNoopRequestWithAckIsAnsweredThroughRecvmmsg() {
        try (NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER)) {
            final UnsafeBuffer request = OffHeap.allocate(64);
            new NlMsgHdrFlyweight().wrap(request, 0).messageLength(20).type(0x0300 | 0x7f)
                .flags(NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK).seq(77).pid(0);
            request.putInt(16, 0, ByteOrder.BIG_ENDIAN);
            assertEquals(20, socket.send(request, 20));
            assertEquals(1, socket.poll(2000));
            final RecvmmsgBatch batch = new RecvmmsgBatch(4, 512);
            assertEquals(1, batch.receive(socket.fd(), true));
            assertFalse(batch.truncated(0));
            final NfqPacketParser parser = new NfqPacketParser();
            assertEquals(NetlinkParseStatus.OK_ERROR, parser.parse(batch.slot(0), 0, batch.length(0)));
            assertEquals(77, parser.echoedSeq());
            assertTrue(parser.error() < 0, "an unknown message type is refused: " + parser.error());
            assertEquals(-LinuxConstants.EAGAIN, batch.receive(socket.fd(), false));
        }
    }

    /**
     * A waiting receive (MSG_WAITFORONE) on a socket with SO_RCVTIMEO returns the datagram when one comes,
     * and EAGAIN when none came within the timeout, instead of blocking for ever.
     */
    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aWaitingReceiveEndsWithTheReceiveTimeout() {
        try (NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER)) {
            socket.setReceiveTimeout(20);
            final RecvmmsgBatch batch = new RecvmmsgBatch(4, 512);
            assertEquals(-LinuxConstants.EAGAIN, batch.receive(socket.fd(), true), "nothing came: the timeout ends it");
            final UnsafeBuffer request = OffHeap.allocate(64);
            new NlMsgHdrFlyweight().wrap(request, 0).messageLength(20).type(0x0300 | 0x7f)
                .flags(NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK).seq(78).pid(0);
            request.putInt(16, 0, ByteOrder.BIG_ENDIAN);
            assertEquals(20, socket.send(request, 20));
            assertEquals(1, batch.receive(socket.fd(), true), "the answer is received");
        }
    }

    @Test
    void recvmmsgReportsTruncation() {
        try (NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER)) {
            final UnsafeBuffer request = OffHeap.allocate(64);
            new NlMsgHdrFlyweight().wrap(request, 0).messageLength(20).type(0x0300 | 0x7f)
                .flags(NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK).seq(78).pid(0);
            socket.send(request, 20);
            assertEquals(1, socket.poll(2000));
            final RecvmmsgBatch batch = new RecvmmsgBatch(2, 24); // the error answer is longer than 24
            assertEquals(1, batch.receive(socket.fd(), false));
            assertTrue(batch.truncated(0));
            assertEquals(24, batch.length(0));
        }
    }

    @Test
    void batchLayoutIsWired() {
        final RecvmmsgBatch batch = new RecvmmsgBatch(3, 100);
        final UnsafeBuffer m = batch.mmsghdrs();
        for (int i = 0; i < 3; i++) {
            final int base = i * RecvmmsgBatch.MMSGHDR_LENGTH;
            assertEquals(1L, m.getLong(base + RecvmmsgBatch.MSG_IOVLEN_OFFSET, NetlinkConstants.HOST_ORDER));
            assertEquals(0L, m.getLong(base + RecvmmsgBatch.MSG_NAME_OFFSET, NetlinkConstants.HOST_ORDER));
            assertEquals(100, batch.slot(i).capacity());
            assertEquals(0, batch.slot(i).addressOffset() % 64);
        }
        assertArrayEquals(new int[] {64, 56, 16}, new int[] {RecvmmsgBatch.MMSGHDR_LENGTH,
            RecvmmsgBatch.MSGHDR_LENGTH, RecvmmsgBatch.IOVEC_LENGTH});
    }
}
