package io.tandem.nativeio.ipraw;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct cmsghdr}, 16 bytes on 64-bit Linux, host byte order, followed by the data. Control
 * messages in {@code msg_control} follow each other at {@link #align(long)}ed lengths ({@code CMSG_NXTHDR}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  0
 * +        cmsg_len (size_t): header + data, unpadded             +
 * |                                                               |  4
 * +---------------------------------------------------------------+
 * |        cmsg_level (int), e.g. IPPROTO_IP 0                    |  8
 * +---------------------------------------------------------------+
 * |        cmsg_type (int), e.g. IP_PKTINFO 8                     | 12
 * +---------------------------------------------------------------+
 * |        data (CMSG_DATA), padded to 8 bytes                    | 16
 * </pre>
 */
public final class CmsgHdrFlyweight {
    /** {@code size_t cmsg_len}. */
    public static final int LEN_OFFSET = 0;
    /** {@code int cmsg_level}. */
    public static final int LEVEL_OFFSET = LEN_OFFSET + 8;
    /** {@code int cmsg_type}. */
    public static final int TYPE_OFFSET = LEVEL_OFFSET + 4;
    /** {@code sizeof(struct cmsghdr)}, also the offset of the data ({@code CMSG_LEN(0)}). */
    public static final int LENGTH = TYPE_OFFSET + 4;
    /** Alignment of control messages ({@code sizeof(size_t)}). */
    public static final int ALIGNTO = 8;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param length a length in bytes
     * @return {@code CMSG_ALIGN(length)}
     */
    public static long align(final long length) {
        return (length + ALIGNTO - 1) & -ALIGNTO;
    }

    /**
     * @param dataLength bytes of data
     * @return {@code CMSG_LEN(dataLength)}: the {@code cmsg_len} of a message with that much data
     */
    public static int cmsgLen(final int dataLength) {
        return LENGTH + dataLength;
    }

    /**
     * @param dataLength bytes of data
     * @return {@code CMSG_SPACE(dataLength)}: bytes a message with that much data takes in the control buffer
     */
    public static int cmsgSpace(final int dataLength) {
        return LENGTH + (int)align(dataLength);
    }

    /**
     * @param buffer the buffer
     * @param offset where the header starts
     * @return this
     */
    public CmsgHdrFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code cmsg_len} */
    public long len() {
        return len(buffer, offset);
    }

    /**
     * @param length {@code cmsg_len}
     * @return this
     */
    public CmsgHdrFlyweight len(final long length) {
        buffer.putLong(offset + LEN_OFFSET, length, HOST_ORDER);
        return this;
    }

    /** @return {@code cmsg_level} */
    public int level() {
        return level(buffer, offset);
    }

    /**
     * @param level {@code cmsg_level}
     * @return this
     */
    public CmsgHdrFlyweight level(final int level) {
        buffer.putInt(offset + LEVEL_OFFSET, level, HOST_ORDER);
        return this;
    }

    /** @return {@code cmsg_type} */
    public int type() {
        return type(buffer, offset);
    }

    /**
     * @param type {@code cmsg_type}
     * @return this
     */
    public CmsgHdrFlyweight type(final int type) {
        buffer.putInt(offset + TYPE_OFFSET, type, HOST_ORDER);
        return this;
    }

    /**
     * @param buffer the buffer
     * @param offset where the header starts
     * @return {@code cmsg_len}
     */
    public static long len(final DirectBuffer buffer, final int offset) {
        return buffer.getLong(offset + LEN_OFFSET, HOST_ORDER);
    }

    /**
     * @param buffer the buffer
     * @param offset where the header starts
     * @return {@code cmsg_level}
     */
    public static int level(final DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset + LEVEL_OFFSET, HOST_ORDER);
    }

    /**
     * @param buffer the buffer
     * @param offset where the header starts
     * @return {@code cmsg_type}
     */
    public static int type(final DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset + TYPE_OFFSET, HOST_ORDER);
    }
}
