package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.dump;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.sync.wire.PfsyncConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Golden bytes for the W.12 trailer layout, written by hand from the table in the spec. */
class PfsyncAuthTrailerFlyweightTest {
    @Test
    void offsetsFollowTheSpecTable() {
        assertEquals(0, PfsyncAuthTrailerFlyweight.VERSION_OFFSET);
        assertEquals(1, PfsyncAuthTrailerFlyweight.ALGORITHM_OFFSET);
        assertEquals(2, PfsyncAuthTrailerFlyweight.KEY_ID_OFFSET);
        assertEquals(4, PfsyncAuthTrailerFlyweight.CREATOR_ID_OFFSET);
        assertEquals(8, PfsyncAuthTrailerFlyweight.SEQUENCE_OFFSET);
        assertEquals(16, PfsyncAuthTrailerFlyweight.TAG_OFFSET);
        assertEquals(16, PfsyncAuthTrailerFlyweight.SIGNED_PREFIX);
        assertEquals(48, PfsyncAuthTrailerFlyweight.LENGTH);
        assertEquals(PfsyncConstants.AUTH_TRAILER_LENGTH, PfsyncAuthTrailerFlyweight.LENGTH);
    }

    @Test
    void writesBigEndianFieldsAtTheirOffsets() {
        final byte[] bytes = new byte[3 + PfsyncAuthTrailerFlyweight.LENGTH + 2];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final byte[] tag = new byte[32];
        for (int i = 0; i < tag.length; i++) {
            tag[i] = (byte) (0xA0 + i);
        }
        new PfsyncAuthTrailerFlyweight().wrap(buffer, 3)
            .version(1).algorithm(1).keyId(0xFEDC).creatorid(0x0A0B0C0D).sequence(0x0102030405060708L)
            .putTag(tag, 0);

        final byte[] expected = hex(
            "00 00 00"                       // before the trailer
            + " 01 01 fe dc"                 // version 1, algorithm 1 (HMAC-SHA-256), key id 0xfedc
            + " 0a 0b 0c 0d"                 // creatorid
            + " 01 02 03 04 05 06 07 08"     // sequence
            + " a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af"
            + " b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf"  // tag
            + " 00 00");                     // after the trailer
        assertEquals(dump(expected), dump(bytes));
    }

    @Test
    void readsUnsignedFields() {
        final byte[] bytes = hex("01 ff ff ff  ff ff ff fe  ff ff ff ff ff ff ff fd  5a*32");
        final PfsyncAuthTrailerFlyweight t = new PfsyncAuthTrailerFlyweight().wrap(new UnsafeBuffer(bytes), 0);
        assertEquals(1, t.version());
        assertEquals(255, t.algorithm());
        assertEquals(0xFFFF, t.keyId());
        assertEquals(0xFFFFFFFE, t.creatorid());
        assertEquals(-3L, t.sequence());
        assertEquals(0x5A, t.tag(0));
        assertEquals(0x5A, t.tag(31));
        final byte[] tag = new byte[34];
        t.getTag(tag, 1);
        assertEquals(0, tag[0]);
        assertEquals(0x5A, tag[1]);
        assertEquals(0x5A, tag[32]);
        assertEquals(0, tag[33]);
    }
}
