package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.OutputStream;
import java.io.PrintStream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The IPv6 receive path ({@link SyncAgent#acceptFrame6}): FreeBSD's {@code pfsync6_input} checks —
 * arrival interface ({@code badif}), hop limit 255 ({@code badttl}) — then the decoder; every frame
 * counted in {@code ipackets6}, none in the IPv4 {@code ipackets}; the peer listed by its IPv6 address.
 */
class SyncAgentIpv6Test {
    private static final long FE80 = 0xfe80_0000_0000_0000L;

    private static SyncAgent agent() {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "ff12::f0";
        s.creatorId = 0x11111111;
        return new SyncAgent(null, new PeerInbox(), new StateSnapshotMailbox(), s,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    private static UnsafeBuffer delC(final int[] length) {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV6_HEADER_LENGTH, 0);
        e.beginFrame().beginSection(PfsyncConstants.ACT_DEL_C);
        e.appendDelC(42, 0x22222222);
        length[0] = e.finish();
        final byte[] b = new byte[length[0]];
        e.buffer().getBytes(0, b);
        return new UnsafeBuffer(b);
    }

    @Test
    void aFrameFromTheSyncInterfaceWithHopLimit255IsDecodedAndCountedAsIpv6() {
        final SyncAgent a = agent();
        final int[] len = new int[1];
        final UnsafeBuffer frame = delC(len);
        a.acceptFrame6(frame, len[0], 0, 255, FE80, 2);
        final PfsyncStats s = a.stats();
        assertEquals(1, s.ipackets6);
        assertEquals(0, s.ipackets, "IPv4 counter untouched");
        assertEquals(1, s.iacts[PfsyncConstants.ACT_DEL_C], "decoded");
        assertEquals(0, s.badif + s.badttl + s.badlen + s.hdrops);
        assertEquals("fe80::2", a.peers().peers().get(0).address());
    }

    @Test
    void wrongInterfaceOrHopLimitIsCountedAndDropped() {
        final SyncAgent a = agent();
        final int[] len = new int[1];
        final UnsafeBuffer frame = delC(len);
        a.acceptFrame6(frame, len[0], 7, 255, FE80, 2);
        a.acceptFrame6(frame, len[0], 0, 64, FE80, 2);
        a.acceptFrame6(frame, len[0], 0, -1, FE80, 2);
        final PfsyncStats s = a.stats();
        assertEquals(3, s.ipackets6);
        assertEquals(1, s.badif);
        assertEquals(2, s.badttl, "hop limit 64, and no hop limit reported at all");
        assertEquals(0, s.iacts[PfsyncConstants.ACT_DEL_C], "nothing decoded");
        assertEquals(0, a.peers().peers().size());
    }
}
