package io.tandem.engine.packet;

import io.tandem.nativeio.nfqueue.NfqConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * NFQUEUE netlink messages as the kernel sends them, built byte by byte for the packet agent's unit
 * tests (the layout of native-bindings' {@code NfqFixtures}: netlink headers in host order, attribute
 * values big-endian, attributes padded to 4 bytes), and a reader of the verdict messages the agent
 * sends back.
 */
final class NfqMessages {
    static final int NLMSG_ERROR = 2;
    static final int ETH_P_IP = 0x0800;
    static final int ETH_P_IPV6 = 0x86DD;
    static final int ENOENT = 2;

    private NfqMessages() {
    }

    /** A PACKET message on {@code queue}: PACKET_HDR {id, hw protocol, hook}, IFINDEX_INDEV/OUTDEV (when not 0), PAYLOAD. */
    static byte[] packet(final int queue, final long id, final int hook, final int indev, final int outdev,
            final byte[] payload) {
        final int hwProtocol = payload.length > 0 && (payload[0] & 0xF0) == 0x60 ? ETH_P_IPV6 : ETH_P_IP;
        final int length = 16 + 4 + 12 + (indev != 0 ? 8 : 0) + (outdev != 0 ? 8 : 0) + 4 + payload.length;
        final ByteBuffer b = ByteBuffer.allocate(align(length)).order(ByteOrder.nativeOrder());
        b.putInt(length).putShort((short) NfqConstants.TYPE_PACKET).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 2).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) queue);
        attribute(b, NfqConstants.NFQA_PACKET_HDR, 7);
        b.putInt((int) id).putShort((short) hwProtocol).put((byte) hook).put((byte) 0);
        if (indev != 0) {
            attribute(b, NfqConstants.NFQA_IFINDEX_INDEV, 4);
            b.putInt(indev);
        }
        if (outdev != 0) {
            attribute(b, NfqConstants.NFQA_IFINDEX_OUTDEV, 4);
            b.putInt(outdev);
        }
        attribute(b, NfqConstants.NFQA_PAYLOAD, payload.length);
        b.put(payload);
        return b.array();
    }

    /** An NLMSG_ERROR answering our VERDICT for {@code id} with {@code -errno} (the id was unknown: ENOENT). */
    static byte[] verdictError(final int queue, final long id, final int errno) {
        final ByteBuffer b = ByteBuffer.allocate(52).order(ByteOrder.nativeOrder());
        b.putInt(52).putShort((short) NLMSG_ERROR).putShort((short) 0).putInt((int) id).putInt(0);
        b.putInt(-errno);
        b.putInt(32).putShort((short) NfqConstants.TYPE_VERDICT).putShort((short) 1).putInt((int) id).putInt(0);
        b.put((byte) 0).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) queue);
        attribute(b, NfqConstants.NFQA_VERDICT_HDR, 8);
        b.putInt(1).putInt((int) id);
        return b.array();
    }

    /** Several messages in one datagram, as the kernel may deliver them. */
    static byte[] datagram(final byte[]... messages) {
        int length = 0;
        for (final byte[] m : messages) {
            length += m.length;
        }
        final byte[] d = new byte[length];
        int offset = 0;
        for (final byte[] m : messages) {
            System.arraycopy(m, 0, d, offset, m.length);
            offset += m.length;
        }
        return d;
    }

    /** An attribute header (host order); the caller writes the value, big-endian, and its padding. */
    private static void attribute(final ByteBuffer b, final int type, final int valueLength) {
        b.order(ByteOrder.nativeOrder()).putShort((short) (4 + valueLength)).putShort((short) type)
                .order(ByteOrder.BIG_ENDIAN);
    }

    static int align(final int length) {
        return (length + 3) & ~3;
    }

    /** One verdict message the agent sent. */
    record Verdict(boolean batch, long id, int verdict) {
        static Verdict single(final long id, final int verdict) {
            return new Verdict(false, id, verdict);
        }

        static Verdict batchUpTo(final long id, final int verdict) {
            return new Verdict(true, id, verdict);
        }

        @Override
        public String toString() {
            return (batch ? "BATCH<=" : "VERDICT ") + id + (verdict == 1 ? " accept" : verdict == 0 ? " drop"
                    : " verdict " + verdict);
        }
    }

    /** Reads the VERDICT and VERDICT_BATCH messages in {@code length} bytes; anything else fails the test. */
    static List<Verdict> verdicts(final byte[] bytes, final int offset, final int length, final int queue) {
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        final List<Verdict> out = new ArrayList<>();
        int o = offset;
        while (o < offset + length) {
            final int messageLength = b.getInt(o, ByteOrder.nativeOrder());
            final int type = b.getShort(o + 4, ByteOrder.nativeOrder()) & 0xFFFF;
            if (type != NfqConstants.TYPE_VERDICT && type != NfqConstants.TYPE_VERDICT_BATCH) {
                throw new AssertionError("not a verdict message: type 0x" + Integer.toHexString(type));
            }
            if ((b.getShort(o + 18, ByteOrder.BIG_ENDIAN) & 0xFFFF) != queue) {
                throw new AssertionError("verdict for another queue");
            }
            if ((b.getShort(o + 22, ByteOrder.nativeOrder()) & 0xFFFF) != NfqConstants.NFQA_VERDICT_HDR) {
                throw new AssertionError("no VERDICT_HDR attribute");
            }
            final int verdict = b.getInt(o + 24, ByteOrder.BIG_ENDIAN);
            final long id = b.getInt(o + 28, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
            out.add(new Verdict(type == NfqConstants.TYPE_VERDICT_BATCH, id, verdict));
            o += align(messageLength);
        }
        return out;
    }
}
