package io.tandem.nativeio.nfqueue;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Write flyweight over {@code struct nfqnl_msg_config_cmd}, the value of {@code NFQA_CFG_CMD}: 4 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    command    |     _pad      |       pf (big-endian, 0)      |  0
 * +---------------+---------------+-------------------------------+
 * </pre>
 */
public final class NfqnlConfigCmdFlyweight {
    /** {@code u8 command}. */
    public static final int COMMAND_OFFSET = 0;
    /** {@code u8 _pad}. */
    public static final int PAD_OFFSET = COMMAND_OFFSET + 1;
    /** {@code be16 pf}: unused since 3.8, always 0. */
    public static final int PF_OFFSET = PAD_OFFSET + 1;
    /** {@code sizeof(struct nfqnl_msg_config_cmd)}. */
    public static final int LENGTH = PF_OFFSET + 2;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the value starts
     * @return this
     */
    public NfqnlConfigCmdFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Write the whole struct.
     *
     * @param command e.g. {@link NfqConstants#NFQNL_CFG_CMD_BIND}
     * @param pf      protocol family, 0
     * @return this
     */
    public NfqnlConfigCmdFlyweight set(final int command, final int pf) {
        buffer.putByte(offset + COMMAND_OFFSET, (byte)command);
        buffer.putByte(offset + PAD_OFFSET, (byte)0);
        buffer.putShort(offset + PF_OFFSET, (short)pf, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** @return {@code command} */
    public int command() {
        return buffer.getByte(offset + COMMAND_OFFSET) & 0xff;
    }
}
