package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct in_pktinfo}, 12 bytes: the data of an {@code IPPROTO_IP}/{@code IP_PKTINFO} control
 * message, delivered with each datagram once the {@code IP_PKTINFO} option is on.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ipi_ifindex: interface the packet arrived on (int, host)    |  0
 * +---------------------------------------------------------------+
 * |   ipi_spec_dst: local address of that interface (big-endian)  |  4
 * +---------------------------------------------------------------+
 * |   ipi_addr: destination address of the header (big-endian)    |  8
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class InPktinfoFlyweight {
    /** {@code int ipi_ifindex}. */
    public static final int IFINDEX_OFFSET = 0;
    /** {@code struct in_addr ipi_spec_dst}. */
    public static final int SPEC_DST_OFFSET = IFINDEX_OFFSET + 4;
    /** {@code struct in_addr ipi_addr}. */
    public static final int ADDR_OFFSET = SPEC_DST_OFFSET + 4;
    /** {@code sizeof(struct in_pktinfo)}. */
    public static final int LENGTH = ADDR_OFFSET + 4;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return this
     */
    public InPktinfoFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code ipi_ifindex} */
    public int ifindex() {
        return ifindex(buffer, offset);
    }

    /**
     * @param ifindex {@code ipi_ifindex}
     * @return this
     */
    public InPktinfoFlyweight ifindex(final int ifindex) {
        buffer.putInt(offset + IFINDEX_OFFSET, ifindex, HOST_ORDER);
        return this;
    }

    /** @return {@code ipi_spec_dst}, first octet in the most significant byte */
    public int specDst() {
        return buffer.getInt(offset + SPEC_DST_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param address {@code ipi_spec_dst}
     * @return this
     */
    public InPktinfoFlyweight specDst(final int address) {
        buffer.putInt(offset + SPEC_DST_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** @return {@code ipi_addr}, first octet in the most significant byte */
    public int addr() {
        return addr(buffer, offset);
    }

    /**
     * @param address {@code ipi_addr}
     * @return this
     */
    public InPktinfoFlyweight addr(final int address) {
        buffer.putInt(offset + ADDR_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return {@code ipi_ifindex}
     */
    public static int ifindex(final DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset + IFINDEX_OFFSET, HOST_ORDER);
    }

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return {@code ipi_addr}
     */
    public static int addr(final DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset + ADDR_OFFSET, ByteOrder.BIG_ENDIAN);
    }
}
