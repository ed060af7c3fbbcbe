package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A packet thread's own INS sender: what it sends is what the sync thread would have sent for the same
 * records, byte for byte, in one frame per flush; nothing leaves before the flush; a sender whose socket
 * did not open refuses records; its frames are counted.
 */
class DirectInsSenderTest {
    private static final int C = 0x0A0B0C0D;
    private static final long NOW = 1_700_000_000_000L;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private static SyncSettings settings(final int format) {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.creatorId = C;
        s.format = format;
        return s;
    }

    /** A held first packet's INSERT (TCP, both halves filled), id and sequence {@code n}. */
    private static UnsafeBuffer heldInsert(final long n) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(b, 0).clear()
                .type(JournalRecordType.INSERT.code()).creatorId(C).id(n).sequence(n).wallTimeMillis(NOW)
                .af(2).proto(6).stateFlags(PfConstants.PFSTATE_ACK).syncHints(SyncHints.IMMEDIATE);
        r.peer(0, 1000 + (int) n, 2000, 0, 65535, 1460, 2, 7);
        r.peer(1, 5000, 6000, 0, 29200, 1460, 1, 7);
        return b;
    }

    private static byte[] received(final InMemoryPfsyncTransport end) {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final int n = end.receive(b);
        assertTrue(n > 20, "a frame arrived");
        final byte[] bytes = new byte[n - 20]; // without the IPv4 header the transport puts in front
        b.getBytes(20, bytes);
        return bytes;
    }

    @Test
    void itSendsWhatTheSyncThreadWouldHaveSentInOneFramePerFlush() {
        for (final int format : new int[] {1301, 1400, 1500}) {
            final InMemoryPfsyncTransport[] link = InMemoryPfsyncTransport.link(1, 2);
            final DirectInsSender sender = new DirectInsSender(settings(format), log).transport(() -> link[0]);
            sender.open();
            assertTrue(sender.isOpen());
            assertTrue(sender.take(heldInsert(7), 0));
            assertTrue(sender.take(heldInsert(8), 0));
            assertEquals(0, link[1].pending(), "nothing leaves before the flush");
            assertEquals(1, sender.flush());
            assertEquals(0, sender.flush(), "nothing left");
            final byte[] direct = received(link[1]);

            final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV4_HEADER_LENGTH, 0);
            final SyncOutbox reference = new SyncOutbox(encoder, format, new PfsyncStateMapping(format));
            final JournalRecordFlyweight r = new JournalRecordFlyweight();
            assertTrue(reference.offerState(r.wrap(heldInsert(7), 0), SyncOutbox.Q_INS, NOW));
            assertTrue(reference.offerState(r.wrap(heldInsert(8), 0), SyncOutbox.Q_INS, NOW));
            final List<byte[]> frames = new ArrayList<>();
            reference.flush(NOW, length -> {
                final byte[] f = new byte[length];
                encoder.buffer().getBytes(0, f);
                frames.add(f);
            });
            assertEquals(1, frames.size());
            assertArrayEquals(frames.get(0), direct, "format " + format + ": the sync thread's frame, byte for byte");

            final int ins = format == 1500 ? PfsyncConstants.ACT_INS_1500
                    : format == 1400 ? PfsyncConstants.ACT_INS_1400 : PfsyncConstants.ACT_INS;
            assertEquals(1, sender.stats().opackets);
            assertEquals(2, sender.stats().oacts[ins]);
            sender.close();
            assertFalse(sender.isOpen());
            assertTrue(link[0].closed());
            assertFalse(sender.take(heldInsert(9), 0), "closed: the sync thread sends");
        }
    }

    @Test
    void aSocketThatCannotOpenLeavesEveryInsToTheSyncThread() {
        final DirectInsSender sender = new DirectInsSender(settings(1400), log).transport(() -> {
            throw new NativeException(LinuxConstants.ENODEV, "no interface 'sync0'");
        });
        sender.open();
        assertFalse(sender.isOpen());
        assertFalse(sender.take(heldInsert(1), 0));
        assertEquals(0, sender.flush());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("the sync thread sends every INS"), logBytes.toString());
    }

    /**
     * Only an INSERT is taken: any other record (a request for a peer's state, which holds no state, a
     * removal, an update) is left to the sync thread. Once, with the journal suspended, such records
     * reached the sender, were queued as INS, and the request's empty state stopped the engine.
     */
    @Test
    void everyRecordButAnInsertIsLeftToTheSyncThread() {
        final InMemoryPfsyncTransport[] link = InMemoryPfsyncTransport.link(1, 2);
        final DirectInsSender sender = new DirectInsSender(settings(1400), log).transport(() -> link[0]);
        sender.open();
        for (final JournalRecordType type : new JournalRecordType[] {JournalRecordType.SYNC_REQUEST,
                JournalRecordType.DELETE, JournalRecordType.UPDATE, JournalRecordType.CLEAR}) {
            final UnsafeBuffer b = heldInsert(4);
            new JournalRecordFlyweight().wrap(b, 0).type(type.code());
            assertFalse(sender.take(b, 0), type.name());
        }
        final UnsafeBuffer request = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        new JournalRecordFlyweight().wrap(request, 0).clear().type(JournalRecordType.SYNC_REQUEST.code())
                .creatorId(C).id(5).wallTimeMillis(NOW).syncHints(SyncHints.IMMEDIATE);
        assertFalse(sender.take(request, 0));
        assertEquals(0, sender.flush(), "nothing was queued");
        assertEquals(0, sender.stats().opackets);
    }

    @Test
    void aFailedSendCountsOerrors() {
        final InMemoryPfsyncTransport[] link = InMemoryPfsyncTransport.link(1, 2);
        final DirectInsSender sender = new DirectInsSender(settings(1400), log).transport(() -> link[0]);
        sender.open();
        link[0].failSends(LinuxConstants.ENOBUFS);
        assertTrue(sender.take(heldInsert(3), 0));
        sender.flush();
        assertEquals(1, sender.stats().oerrors);
        assertEquals(0, sender.stats().opackets);
    }

    @Test
    void notWithAuthentication() {
        final SyncSettings s = settings(1400);
        s.authenticator = new FrameAuthenticator(ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n"), C, true,
                60_000, () -> 0L);
        assertThrows(IllegalArgumentException.class, () -> new DirectInsSender(s, log));
    }
}
