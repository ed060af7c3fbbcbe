package io.tandem.nativeio.nfqueue;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Write flyweight over {@code struct nfqnl_msg_config_params}, the value of {@code NFQA_CFG_PARAMS}: packed, 5 bytes
 * ({@code nla_len} 9, then 3 pad bytes on the wire).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    copy_range (big-endian)                    |  0
 * +---------------+-----------------------------------------------+
 * |   copy_mode   |                                                  4
 * +---------------+
 * </pre>
 */
public final class NfqnlConfigParamsFlyweight {
    /** {@code be32 copy_range}. */
    public static final int COPY_RANGE_OFFSET = 0;
    /** {@code u8 copy_mode}. */
    public static final int COPY_MODE_OFFSET = COPY_RANGE_OFFSET + 4;
    /** {@code sizeof(struct nfqnl_msg_config_params)}, packed. */
    public static final int LENGTH = COPY_MODE_OFFSET + 1;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the value starts
     * @return this
     */
    public NfqnlConfigParamsFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Write the whole struct.
     *
     * @param copyRange bytes of each packet to copy
     * @param copyMode  e.g. {@link NfqConstants#NFQNL_COPY_PACKET}
     * @return this
     */
    public NfqnlConfigParamsFlyweight set(final int copyRange, final int copyMode) {
        buffer.putInt(offset + COPY_RANGE_OFFSET, copyRange, ByteOrder.BIG_ENDIAN);
        buffer.putByte(offset + COPY_MODE_OFFSET, (byte)copyMode);
        return this;
    }

    /** @return {@code copy_range} */
    public int copyRange() {
        return buffer.getInt(offset + COPY_RANGE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return {@code copy_mode} */
    public int copyMode() {
        return buffer.getByte(offset + COPY_MODE_OFFSET) & 0xff;
    }
}
