package io.tandem.nativeio.nfqueue;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct nfqnl_msg_verdict_hdr}, the value of {@code NFQA_VERDICT_HDR}: 8 bytes, big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      verdict (big-endian)                     |  0
 * +---------------------------------------------------------------+
 * |                   packet id (big-endian)                      |  4
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class NfqnlVerdictHdrFlyweight {
    /** {@code be32 verdict}. */
    public static final int VERDICT_OFFSET = 0;
    /** {@code be32 id}. */
    public static final int ID_OFFSET = VERDICT_OFFSET + 4;
    /** {@code sizeof(struct nfqnl_msg_verdict_hdr)}. */
    public static final int LENGTH = ID_OFFSET + 4;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /**
     * @param buffer the buffer, read only
     * @param offset where the value starts
     * @return this
     */
    public NfqnlVerdictHdrFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /**
     * @param buffer the buffer, read and write
     * @param offset where the value starts
     * @return this
     */
    public NfqnlVerdictHdrFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code verdict} */
    public int verdict() {
        return buffer.getInt(offset + VERDICT_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param verdict {@code verdict}
     * @return this
     */
    public NfqnlVerdictHdrFlyweight verdict(final int verdict) {
        mutableBuffer.putInt(offset + VERDICT_OFFSET, verdict, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** @return {@code id}, unsigned */
    public long id() {
        return buffer.getInt(offset + ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff_ffffL;
    }

    /**
     * @param id {@code id}, low 32 bits used
     * @return this
     */
    public NfqnlVerdictHdrFlyweight id(final long id) {
        mutableBuffer.putInt(offset + ID_OFFSET, (int)id, ByteOrder.BIG_ENDIAN);
        return this;
    }
}
