package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LinuxConstants;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct sockaddr_in}, 16 bytes. The family is host order; port and address are network
 * (big-endian) order. Raw IP sockets have no ports: the port is 0 on send and the kernel reports 0 on receive.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  sin_family (AF_INET 2, host) |     sin_port (0, big-endian)  |  0
 * +-------------------------------+-------------------------------+
 * |                  sin_addr (IPv4, big-endian)                  |  4
 * +---------------------------------------------------------------+
 * |                                                               |  8
 * +                        sin_zero[8] (0)                        +
 * |                                                               | 12
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class SockAddrInFlyweight {
    /** {@code sa_family_t sin_family}. */
    public static final int FAMILY_OFFSET = 0;
    /** {@code in_port_t sin_port}. */
    public static final int PORT_OFFSET = FAMILY_OFFSET + 2;
    /** {@code struct in_addr sin_addr}. */
    public static final int ADDRESS_OFFSET = PORT_OFFSET + 2;
    /** {@code unsigned char sin_zero[8]}. */
    public static final int ZERO_OFFSET = ADDRESS_OFFSET + 4;
    /** {@code sizeof(struct sockaddr_in)}. */
    public static final int LENGTH = ZERO_OFFSET + 8;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return this
     */
    public SockAddrInFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Write {@code AF_INET}, port 0, the address and zero padding.
     *
     * @param address IPv4 address, first octet in the most significant byte
     * @return this
     */
    public SockAddrInFlyweight set(final int address) {
        family(LinuxConstants.AF_INET);
        buffer.putShort(offset + PORT_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        address(address);
        buffer.putLong(offset + ZERO_OFFSET, 0L, HOST_ORDER);
        return this;
    }

    /** @return {@code sin_family} */
    public int family() {
        return buffer.getShort(offset + FAMILY_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param family {@code sin_family}
     * @return this
     */
    public SockAddrInFlyweight family(final int family) {
        buffer.putShort(offset + FAMILY_OFFSET, (short)family, HOST_ORDER);
        return this;
    }

    /** @return {@code sin_port}, 0 for raw sockets */
    public int port() {
        return buffer.getShort(offset + PORT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /** @return {@code sin_addr}, first octet in the most significant byte */
    public int address() {
        return address(buffer, offset);
    }

    /**
     * @param address {@code sin_addr}, first octet in the most significant byte
     * @return this
     */
    public SockAddrInFlyweight address(final int address) {
        buffer.putInt(offset + ADDRESS_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * Read {@code sin_addr} without a flyweight instance.
     *
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return the address, first octet in the most significant byte
     */
    public static int address(final DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset + ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN);
    }
}
