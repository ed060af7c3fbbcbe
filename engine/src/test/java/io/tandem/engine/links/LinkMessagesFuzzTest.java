package io.tandem.engine.links;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fuzz target for the link watcher's reading of rtnetlink datagrams: any bytes give a count of link
 * messages, or that count marked malformed, and never an exception or a read outside the datagram
 * (the buffer is exactly the datagram's length, so Agrona's bounds checks would throw). In the
 * normal test run Jazzer replays the seeds under {@code LinkMessagesFuzzTestInputs/count/}.
 */
class LinkMessagesFuzzTest {
    private final NlMsgHdrFlyweight header = new NlMsgHdrFlyweight();

    @FuzzTest(maxDuration = "20s")
    void count(final byte[] data) {
        final int n = LinkWatcher.countLinkMessages(new UnsafeBuffer(data), data.length, header);
        final int found = n < 0 ? -n - 1 : n;
        if (found > data.length / NlMsgHdrFlyweight.LENGTH) {
            throw new IllegalStateException(found + " messages in " + data.length + " bytes");
        }
    }
}
