package io.tandem.nativeio.nfqueue;

import io.tandem.nativeio.TestBytes;

/**
 * Hand-built nfqueue messages as the kernel would send them on x86-64 (headers little-endian, values big-endian).
 * Built byte by byte, independently of the encoders under test.
 */
public final class NfqFixtures {
    /** Payload of the packet fixtures: a 29-byte IPv4/UDP-ish packet, odd on purpose. */
    public static final byte[] PAYLOAD = TestBytes.hex(
        "45 00 00 1d 12 34 40 00 40 11 00 00 0a 00 00 01 0a 00 00 02 30 39 00 35 00 09 00 00 ab");
    /** Packet id of the fixtures. */
    public static final int PACKET_ID = 0x01020304;
    /** Length of {@link #packet(boolean, int)} without a mark: 97, odd. */
    public static final int PACKET_LENGTH = 16 + 4 + 12 + 8 + 8 + 8 + 8 + 4 + 29;

    private NfqFixtures() {
    }

    /**
     * A PACKET message on queue 258 with attributes {1, 5, 6, [3,] 13, 14, 10}; the PAYLOAD attribute is last and
     * unpadded, so nlmsg_len is odd.
     *
     * @param withMark add NFQA_MARK 0xcafe0001
     * @param trailing extra bytes appended after the message (not counted in nlmsg_len)
     * @return the bytes
     */
    public static byte[] packet(final boolean withMark, final int trailing) {
        final int length = PACKET_LENGTH + (withMark ? 8 : 0);
        final TestBytes b = new TestBytes()
            .le32(length).le16(0x0300).le16(0).le32(0).le32(0)      // nlmsghdr: PACKET, seq 0, pid 0
            .u8(2).u8(0).be16(258)                                   // nfgenmsg: AF_INET, v0, queue 258
            .le16(11).le16(1).be32(PACKET_ID).be16(0x0800).u8(2).zeros(1) // PACKET_HDR, FORWARD, pad 1
            .le16(8).le16(5).be32(7)                                 // IFINDEX_INDEV 7
            .le16(8).le16(6).be32(9);                                // IFINDEX_OUTDEV 9
        if (withMark) {
            b.le16(8).le16(3).be32(0xcafe0001);                      // MARK
        }
        b.le16(8).le16(13).be32(1500)                                // CAP_LEN 1500
            .le16(8).le16(14).be32(3)                                // SKB_INFO CSUMNOTREADY|GSO
            .le16(4 + PAYLOAD.length).le16(10).raw(PAYLOAD);         // PAYLOAD, unpadded, last
        b.zeros(trailing);
        final byte[] bytes = b.toByteArray();
        if (bytes.length != length + trailing) {
            throw new IllegalStateException("fixture length " + bytes.length);
        }
        return bytes;
    }

    /**
     * NLMSG_ERROR for one of our verdicts (queue 258): error -ENOENT, echoed VERDICT header with seq = id, then the
     * echoed payload: nfgenmsg, VERDICT_HDR {verdict, id} (verdict at byte 44, id at byte 48).
     *
     * @param packetId the id
     * @param verdict  the verdict
     * @return 52 bytes
     */
    public static byte[] verdictError(final int packetId, final int verdict) {
        return new TestBytes()
            .le32(52).le16(2).le16(0).le32(packetId).le32(1234)       // nlmsghdr: NLMSG_ERROR, flags 0
            .le32(-2)                                                 // error -ENOENT
            .le32(32).le16(0x0301).le16(1).le32(packetId).le32(0)     // echoed header: VERDICT, REQUEST
            .u8(0).u8(0).be16(258)                                    // echoed nfgenmsg
            .le16(12).le16(2).be32(verdict).be32(packetId)            // echoed VERDICT_HDR
            .toByteArray();
    }

    /**
     * @param seq   echoed seq
     * @param error error code (0 = ACK)
     * @return a 36-byte NLMSG_ERROR for a config request
     */
    public static byte[] ack(final int seq, final int error) {
        return new TestBytes()
            .le32(36).le16(2).le16(0x100).le32(seq).le32(1234) // NLM_F_CAPPED: no payload echo
            .le32(error)
            .le32(64).le16(0x0302).le16(5).le32(seq).le32(0)
            .toByteArray();
    }
}
