package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct sockaddr_nl}, 12 bytes, host byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   nl_family (AF_NETLINK 16)   |          nl_pad (0)           |  0
 * +-------------------------------+-------------------------------+
 * |          nl_pid: port id; 0 = kernel (or "assign" in bind)    |  4
 * +---------------------------------------------------------------+
 * |                     nl_groups: multicast mask                 |  8
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class SockAddrNlFlyweight {
    /** {@code u16 nl_family}. */
    public static final int FAMILY_OFFSET = 0;
    /** {@code u16 nl_pad}. */
    public static final int PAD_OFFSET = FAMILY_OFFSET + 2;
    /** {@code u32 nl_pid}. */
    public static final int PID_OFFSET = PAD_OFFSET + 2;
    /** {@code u32 nl_groups}. */
    public static final int GROUPS_OFFSET = PID_OFFSET + 4;
    /** {@code sizeof(struct sockaddr_nl)}. */
    public static final int LENGTH = GROUPS_OFFSET + 4;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the struct starts
     * @return this
     */
    public SockAddrNlFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code nl_family} */
    public int family() {
        return buffer.getShort(offset + FAMILY_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param family {@code nl_family}
     * @return this
     */
    public SockAddrNlFlyweight family(final int family) {
        buffer.putShort(offset + FAMILY_OFFSET, (short)family, HOST_ORDER);
        buffer.putShort(offset + PAD_OFFSET, (short)0, HOST_ORDER);
        return this;
    }

    /** @return {@code nl_pid} */
    public int pid() {
        return buffer.getInt(offset + PID_OFFSET, HOST_ORDER);
    }

    /**
     * @param pid {@code nl_pid}
     * @return this
     */
    public SockAddrNlFlyweight pid(final int pid) {
        buffer.putInt(offset + PID_OFFSET, pid, HOST_ORDER);
        return this;
    }

    /** @return {@code nl_groups} */
    public int groups() {
        return buffer.getInt(offset + GROUPS_OFFSET, HOST_ORDER);
    }

    /**
     * @param groups {@code nl_groups}
     * @return this
     */
    public SockAddrNlFlyweight groups(final int groups) {
        buffer.putInt(offset + GROUPS_OFFSET, groups, HOST_ORDER);
        return this;
    }
}
