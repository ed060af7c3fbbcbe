package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct nlattr}, a 4-byte header in host byte order followed by the value.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      nla_len (host order)     |N|O|   nla_type (host order)   |  0
 * +-------------------------------+-+-+---------------------------+
 * |            value: nla_len - 4 bytes, then pad to 4            |  4
 * +---------------------------------------------------------------+
 *   N = NLA_F_NESTED, O = NLA_F_NET_BYTEORDER; {@link #type()} masks both off.
 * </pre>
 *
 * Padding rules: {@code nla_len} counts the header and the value but not the padding; the next attribute starts at
 * {@code NLA_ALIGN(nla_len)}. When sending, every attribute is padded ({@link #putU32BigEndian} and friends return the
 * padded size) so that {@code nlmsg_len} is a multiple of 4. When receiving, the last attribute may be unpadded: bound
 * attributes by {@code nlmsg_len}, never by the padded size.
 */
public final class NlAttrFlyweight {
    /** {@code u16 nla_len}. */
    public static final int ATTRIBUTE_LENGTH_OFFSET = 0;
    /** {@code u16 nla_type}. */
    public static final int TYPE_OFFSET = ATTRIBUTE_LENGTH_OFFSET + 2;
    /** {@code sizeof(struct nlattr)}; the value starts here. */
    public static final int LENGTH = TYPE_OFFSET + 2;
    /** Alias of {@link #LENGTH}: where the value starts. */
    public static final int VALUE_OFFSET = LENGTH;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /**
     * @param buffer the buffer, read only
     * @param offset where the attribute starts
     * @return this
     */
    public NlAttrFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /**
     * @param buffer the buffer, read and write
     * @param offset where the attribute starts
     * @return this
     */
    public NlAttrFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the wrapped offset */
    public int offset() {
        return offset;
    }

    /** @return {@code nla_len}, unsigned */
    public int attributeLength() {
        return buffer.getShort(offset + ATTRIBUTE_LENGTH_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param length {@code nla_len}: header plus value, no padding
     * @return this
     */
    public NlAttrFlyweight attributeLength(final int length) {
        mutableBuffer.putShort(offset + ATTRIBUTE_LENGTH_OFFSET, (short)length, HOST_ORDER);
        return this;
    }

    /** @return {@code nla_type} with {@code NLA_F_NESTED} and {@code NLA_F_NET_BYTEORDER} masked off */
    public int type() {
        return buffer.getShort(offset + TYPE_OFFSET, HOST_ORDER) & NetlinkConstants.NLA_TYPE_MASK;
    }

    /** @return {@code nla_type} as on the wire, flags included */
    public int rawType() {
        return buffer.getShort(offset + TYPE_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param type {@code nla_type}
     * @return this
     */
    public NlAttrFlyweight type(final int type) {
        mutableBuffer.putShort(offset + TYPE_OFFSET, (short)type, HOST_ORDER);
        return this;
    }

    /** @return the absolute buffer offset of the value */
    public int valueOffset() {
        return offset + VALUE_OFFSET;
    }

    /** @return value length: {@code nla_len - 4}, may be negative for a malformed attribute */
    public int valueLength() {
        return attributeLength() - LENGTH;
    }

    /**
     * Write an attribute with a big-endian 32-bit value and zero padding.
     *
     * @param buffer destination
     * @param offset where the attribute starts
     * @param type   {@code nla_type}
     * @param value  the value, written big-endian
     * @return bytes written including padding (always 8)
     */
    public static int putU32BigEndian(final MutableDirectBuffer buffer, final int offset, final int type,
                                      final int value) {
        putHeader(buffer, offset, LENGTH + 4, type);
        buffer.putInt(offset + VALUE_OFFSET, value, ByteOrder.BIG_ENDIAN);
        return LENGTH + 4;
    }

    /**
     * Write an attribute header and zero the padding after a value of {@code valueLength} bytes; the caller writes
     * the value.
     *
     * @param buffer      destination
     * @param offset      where the attribute starts
     * @param type        {@code nla_type}
     * @param valueLength value bytes (the padding is not counted in {@code nla_len})
     * @return bytes the attribute occupies including padding
     */
    public static int putHeaderAndPad(final MutableDirectBuffer buffer, final int offset, final int type,
                                      final int valueLength) {
        final int attributeLength = LENGTH + valueLength;
        final int aligned = NetlinkConstants.align(attributeLength);
        putHeader(buffer, offset, attributeLength, type);
        for (int i = offset + attributeLength; i < offset + aligned; i++) {
            buffer.putByte(i, (byte)0);
        }
        return aligned;
    }

    private static void putHeader(final MutableDirectBuffer buffer, final int offset, final int attributeLength,
                                  final int type) {
        buffer.putShort(offset + ATTRIBUTE_LENGTH_OFFSET, (short)attributeLength, HOST_ORDER);
        buffer.putShort(offset + TYPE_OFFSET, (short)type, HOST_ORDER);
    }
}
