package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LinuxConstants;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of {@code struct sockaddr_in6}, 28 bytes, with static accessors over a buffer. The family, flow info
 * and scope id are host order; port and address network order. Raw sockets send with port 0 (the kernel then
 * uses the socket's protocol) and report 0 on receive. The address is held as two longs, {@code hi} = bytes 0-7
 * and {@code lo} = bytes 8-15, each big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | sin6_family (AF_INET6, host)  |    sin6_port (0, big-endian)  |  0
 * +-------------------------------+-------------------------------+
 * |                    sin6_flowinfo (0)                          |  4
 * +---------------------------------------------------------------+
 * |                                                               |  8
 * +                  sin6_addr (16 bytes, big-endian)             +
 * ~                                                               ~
 * +---------------------------------------------------------------+
 * |                 sin6_scope_id (ifindex, host)                 | 24
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class SockAddrIn6Flyweight {
    /** {@code sa_family_t sin6_family}. */
    public static final int FAMILY_OFFSET = 0;
    /** {@code in_port_t sin6_port}. */
    public static final int PORT_OFFSET = FAMILY_OFFSET + 2;
    /** {@code uint32_t sin6_flowinfo}. */
    public static final int FLOWINFO_OFFSET = PORT_OFFSET + 2;
    /** {@code struct in6_addr sin6_addr}. */
    public static final int ADDRESS_OFFSET = FLOWINFO_OFFSET + 4;
    /** {@code uint32_t sin6_scope_id}. */
    public static final int SCOPE_ID_OFFSET = ADDRESS_OFFSET + 16;
    /** {@code sizeof(struct sockaddr_in6)}. */
    public static final int LENGTH = SCOPE_ID_OFFSET + 4;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private SockAddrIn6Flyweight() {
    }

    /** Writes {@code AF_INET6}, port 0, flow info 0, the address and the scope id at {@code offset}. */
    public static void put(final MutableDirectBuffer buffer, final int offset, final long hi, final long lo,
                           final int scopeId) {
        buffer.putShort(offset + FAMILY_OFFSET, (short)LinuxConstants.AF_INET6, HOST_ORDER);
        buffer.putShort(offset + PORT_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + FLOWINFO_OFFSET, 0, HOST_ORDER);
        buffer.putLong(offset + ADDRESS_OFFSET, hi, ByteOrder.BIG_ENDIAN);
        buffer.putLong(offset + ADDRESS_OFFSET + 8, lo, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + SCOPE_ID_OFFSET, scopeId, HOST_ORDER);
    }

    /** @return the first 8 address bytes, big-endian */
    public static long addressHi(final DirectBuffer buffer, final int offset) {
        return buffer.getLong(offset + ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the last 8 address bytes, big-endian */
    public static long addressLo(final DirectBuffer buffer, final int offset) {
        return buffer.getLong(offset + ADDRESS_OFFSET + 8, ByteOrder.BIG_ENDIAN);
    }
}
