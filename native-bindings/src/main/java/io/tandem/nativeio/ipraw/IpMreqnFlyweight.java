package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct ip_mreqn}, 12 bytes: the argument of {@code IP_ADD_MEMBERSHIP},
 * {@code IP_DROP_MEMBERSHIP} and {@code IP_MULTICAST_IF}. Selecting the interface by index (rather than by a local
 * address, as {@code struct ip_mreq} does) keeps the choice exact when the sync interface shares an address range.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          imr_multiaddr: group (big-endian); 0 for MULTICAST_IF  |  0
 * +---------------------------------------------------------------+
 * |          imr_address: local address (big-endian); 0 = any     |  4
 * +---------------------------------------------------------------+
 * |          imr_ifindex: interface index (int, host order)       |  8
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class IpMreqnFlyweight {
    /** {@code struct in_addr imr_multiaddr}. */
    public static final int MULTIADDR_OFFSET = 0;
    /** {@code struct in_addr imr_address}. */
    public static final int ADDRESS_OFFSET = MULTIADDR_OFFSET + 4;
    /** {@code int imr_ifindex}. */
    public static final int IFINDEX_OFFSET = ADDRESS_OFFSET + 4;
    /** {@code sizeof(struct ip_mreqn)}. */
    public static final int LENGTH = IFINDEX_OFFSET + 4;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return this
     */
    public IpMreqnFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code imr_multiaddr}, first octet in the most significant byte */
    public int multiaddr() {
        return buffer.getInt(offset + MULTIADDR_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param group {@code imr_multiaddr}, first octet in the most significant byte
     * @return this
     */
    public IpMreqnFlyweight multiaddr(final int group) {
        buffer.putInt(offset + MULTIADDR_OFFSET, group, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** @return {@code imr_address}, first octet in the most significant byte */
    public int address() {
        return buffer.getInt(offset + ADDRESS_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param address {@code imr_address}, first octet in the most significant byte; 0 for any
     * @return this
     */
    public IpMreqnFlyweight address(final int address) {
        buffer.putInt(offset + ADDRESS_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** @return {@code imr_ifindex} */
    public int ifindex() {
        return buffer.getInt(offset + IFINDEX_OFFSET, HOST_ORDER);
    }

    /**
     * @param ifindex {@code imr_ifindex}
     * @return this
     */
    public IpMreqnFlyweight ifindex(final int ifindex) {
        buffer.putInt(offset + IFINDEX_OFFSET, ifindex, HOST_ORDER);
        return this;
    }
}
