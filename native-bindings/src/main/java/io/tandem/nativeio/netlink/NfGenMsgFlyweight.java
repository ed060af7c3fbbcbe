package io.tandem.nativeio.netlink;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct nfgenmsg}, 4 bytes, following the {@code nlmsghdr} of every nfnetlink message.
 * {@code res_id} (the queue number for nfqueue) is big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | nfgen_family  |    version    |      res_id (big-endian)      |  0
 * +---------------+---------------+-------------------------------+
 * </pre>
 */
public final class NfGenMsgFlyweight {
    /** {@code u8 nfgen_family}: 0 in config and verdicts, the hook's family in packets. */
    public static final int FAMILY_OFFSET = 0;
    /** {@code u8 version}: {@link #NFNETLINK_V0}. */
    public static final int VERSION_OFFSET = FAMILY_OFFSET + 1;
    /** {@code be16 res_id}. */
    public static final int RES_ID_OFFSET = VERSION_OFFSET + 1;
    /** {@code sizeof(struct nfgenmsg)}. */
    public static final int LENGTH = RES_ID_OFFSET + 2;
    /** {@code NFNETLINK_V0}. */
    public static final int NFNETLINK_V0 = 0;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /**
     * @param buffer the buffer, read only
     * @param offset where the struct starts
     * @return this
     */
    public NfGenMsgFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /**
     * @param buffer the buffer, read and write
     * @param offset where the struct starts
     * @return this
     */
    public NfGenMsgFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code nfgen_family}, unsigned */
    public int family() {
        return buffer.getByte(offset + FAMILY_OFFSET) & 0xff;
    }

    /**
     * @param family {@code nfgen_family}
     * @return this
     */
    public NfGenMsgFlyweight family(final int family) {
        mutableBuffer.putByte(offset + FAMILY_OFFSET, (byte)family);
        return this;
    }

    /** @return {@code version} */
    public int version() {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xff;
    }

    /**
     * @param version {@code version}
     * @return this
     */
    public NfGenMsgFlyweight version(final int version) {
        mutableBuffer.putByte(offset + VERSION_OFFSET, (byte)version);
        return this;
    }

    /** @return {@code res_id}, unsigned, read big-endian */
    public int resId() {
        return buffer.getShort(offset + RES_ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /**
     * @param resId {@code res_id}, written big-endian
     * @return this
     */
    public NfGenMsgFlyweight resId(final int resId) {
        mutableBuffer.putShort(offset + RES_ID_OFFSET, (short)resId, ByteOrder.BIG_ENDIAN);
        return this;
    }
}
