package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.Syscalls;
import io.tandem.nativeio.netlink.RecvmmsgBatch;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test-only raw IPv4 sender with {@code IP_HDRINCL}: the test writes the whole IPv4 header, so it can send frames
 * the production socket never would (TTL 64 for the {@code badttl} path). The kernel still fills the checksum, the
 * total length, and the id when it is 0. Owned by the thread that made it.
 */
final class HeaderIncludedSender implements AutoCloseable {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();
    private static final int NAME = 0;
    private static final int IOVEC = NAME + SockAddrInFlyweight.LENGTH;
    private static final int MSGHDR = IOVEC + RecvmmsgBatch.IOVEC_LENGTH;
    private static final int OPTION = MSGHDR + RecvmmsgBatch.MSGHDR_LENGTH;
    private static final int IFNAME = OPTION + 8;
    private static final int FRAME = IFNAME + LinuxConstants.IF_NAMESIZE;
    private static final int FRAME_CAPACITY = 2048;

    private final LibC libc = Syscalls.libc();
    private final UnsafeBuffer memory = OffHeap.allocate(FRAME + FRAME_CAPACITY);
    private final int fd;

    HeaderIncludedSender(final int protocol, final String device) {
        fd = Syscalls.check(libc.socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_CLOEXEC,
            protocol), "socket(AF_INET, SOCK_RAW, " + protocol + ")", null);
        memory.putInt(OPTION, 1, HOST);
        Syscalls.check(libc.setsockopt(fd, LinuxConstants.IPPROTO_IP, LinuxConstants.IP_HDRINCL,
            memory.addressOffset() + OPTION, 4), "setsockopt(IP_HDRINCL, 1)", null);
        final byte[] name = device.getBytes(StandardCharsets.US_ASCII);
        memory.putBytes(IFNAME, name);
        Syscalls.check(libc.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_BINDTODEVICE,
            memory.addressOffset() + IFNAME, name.length + 1), "setsockopt(SO_BINDTODEVICE, " + device + ")", null);
        memory.putLong(MSGHDR + RecvmmsgBatch.MSG_NAME_OFFSET, memory.addressOffset() + NAME, HOST);
        memory.putInt(MSGHDR + RecvmmsgBatch.MSG_NAMELEN_OFFSET, SockAddrInFlyweight.LENGTH, HOST);
        memory.putLong(MSGHDR + RecvmmsgBatch.MSG_IOV_OFFSET, memory.addressOffset() + IOVEC, HOST);
        memory.putLong(MSGHDR + RecvmmsgBatch.MSG_IOVLEN_OFFSET, 1L, HOST);
        memory.putLong(IOVEC + RecvmmsgBatch.IOV_BASE_OFFSET, memory.addressOffset() + FRAME, HOST);
    }

    /**
     * Send one datagram with a hand-built header: version 4, IHL 5, the given TOS and TTL, DF, source 0 (the
     * kernel fills it), then the payload.
     *
     * @return bytes sent (header included) or a negative errno
     */
    int send(final int protocol, final int ttl, final int tos, final int source, final int destination,
             final byte[] payload) {
        memory.putByte(FRAME + IpPacketInfo.VERSION_IHL_OFFSET, (byte)0x45);
        memory.putByte(FRAME + IpPacketInfo.TOS_OFFSET, (byte)tos);
        memory.putShort(FRAME + IpPacketInfo.TOTAL_LENGTH_OFFSET, (short)(20 + payload.length), ByteOrder.BIG_ENDIAN);
        memory.putShort(FRAME + IpPacketInfo.ID_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        memory.putShort(FRAME + IpPacketInfo.FRAGMENT_OFFSET, (short)IpPacketInfo.IP_DF, ByteOrder.BIG_ENDIAN);
        memory.putByte(FRAME + IpPacketInfo.TTL_OFFSET, (byte)ttl);
        memory.putByte(FRAME + IpPacketInfo.PROTOCOL_OFFSET, (byte)protocol);
        memory.putShort(FRAME + IpPacketInfo.CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        memory.putInt(FRAME + IpPacketInfo.SOURCE_OFFSET, source, ByteOrder.BIG_ENDIAN);
        memory.putInt(FRAME + IpPacketInfo.DESTINATION_OFFSET, destination, ByteOrder.BIG_ENDIAN);
        memory.putBytes(FRAME + 20, payload);
        new SockAddrInFlyweight().wrap(memory, NAME).set(destination);
        memory.putLong(IOVEC + RecvmmsgBatch.IOV_LEN_OFFSET, 20L + payload.length, HOST);
        final long result = libc.sendmsg(fd, memory.addressOffset() + MSGHDR, 0);
        return result < 0 ? -Syscalls.lastErrno() : (int)result;
    }

    @Override
    public void close() {
        libc.close(fd);
    }
}
