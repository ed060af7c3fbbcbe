package io.tandem.engine.links;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The link watcher's count of RTM_NEWLINK / RTM_DELLINK messages, and malformed datagrams. */
class LinkMessagesTest {
    private static byte[] message(final int length, final int type, final int total) {
        final ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.nativeOrder());
        b.putInt(length).putShort((short) type);
        return b.array();
    }

    private static int count(final byte[]... parts) {
        int n = 0;
        for (final byte[] p : parts) {
            n += p.length;
        }
        final byte[] all = new byte[n];
        int at = 0;
        for (final byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return LinkWatcher.countLinkMessages(new UnsafeBuffer(all), all.length, new NlMsgHdrFlyweight());
    }

    @Test
    void linkMessagesAreCountedAndOthersSkipped() {
        assertEquals(2, count(message(32, 16, 32), message(20, 24, 20), message(32, 17, 32)), "NEWLINK, a route (padded), DELLINK");
        assertEquals(0, count());
    }

    @Test
    void aDatagramThatDoesNotEndOnAWholeMessageIsMalformedWithWhatCameBefore() {
        assertEquals(-2, count(message(32, 16, 32), new byte[] {32, 0, 0}), "one message, then 3 stray bytes");
        assertEquals(-1, count(message(4096, 16, 32)), "a length past the end");
        assertEquals(-1, count(message(8, 16, 32)), "a length below the header's");
    }
}
