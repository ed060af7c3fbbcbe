package io.tandem.engine.sync;

import io.tandem.engine.state.PfConstants;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * What a received frame goes through ({@link FrameIngress}; spec C.1, W.3, W.12; FreeBSD's
 * {@code pfsync_input}): the IP header complete ({@code hdrops}), the sync interface ({@code badif}),
 * TTL 255 ({@code badttl}), the authentication trailer when configured ({@code badauth}, before any
 * record), then the decoder — pfsync header ({@code hdrops}), version 5 ({@code badver}), lengths
 * ({@code badlen}), actions ({@code badact}), records ({@code badval}). Every frame counts once in
 * {@code ipackets} (or {@code ipackets6}), a failure counts under its own name and nothing is thrown;
 * the valid records become {@link PeerInbox} messages (drained here into a real table), BUS goes to the
 * {@link BulkRequester} and UPD_REQ 0/0 starts a {@link BulkUpdateSender}.
 */
class FrameIngressTest {
    private static final int OWN = 0x11111111;
    private static final int PEER = 0x22222222;
    private static final int OTHER = 0x33333333;
    private static final int SYNC_IF = 3;
    private static final int SOURCE = 0xC6120302; // 198.18.3.2
    private static final long NOW = 1_700_000_000_000L;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final ClusterKeyFile KEYS = ClusterKeyFile.parse("cluster.key", "7 " + "ab".repeat(32) + "\n");

    private final PfsyncStats stats = new PfsyncStats();
    private final SyncPeers peers = new SyncPeers();
    private final PeerInbox inbox = new PeerInbox();
    private final PfsyncStateMapping mapping = new PfsyncStateMapping(1400);
    private final PfsyncFrameEncoder ownEncoder = new PfsyncFrameEncoder(1500);
    private final BulkRequester requester = new BulkRequester(ownEncoder, QUIET);
    private final BulkUpdateSender bulk = new BulkUpdateSender(java.util.List.of(new StateSnapshotMailbox()), ownEncoder,
            new SyncOutbox(ownEncoder, 1400, mapping), mapping, OWN, 5000);
    private final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), OWN, 0,
            new StateCounters());
    /** The INS_ACKs this node queued, "creatorid/id". */
    private final List<String> acknowledged = new ArrayList<>();
    /** Lengths of the frames this node sent in answer (a bulk update's first frame). */
    private final List<Integer> sent = new ArrayList<>();

    private FrameIngress ingress(final FrameAuthenticator auth) {
        final FrameIngress in = new FrameIngress(stats, peers, mapping, PeerInboxes.of(inbox), auth, requester, bulk, OWN,
                (id, creator) -> acknowledged.add(Long.toHexString(creator & 0xFFFF_FFFFL) + "/" + id));
        in.syncInterface(SYNC_IF);
        return in;
    }

    // ---------------------------------------------------------------------------------------------
    // Frames
    // ---------------------------------------------------------------------------------------------

    /** The pfsync part of a frame built by {@code body} (sections and records) with the peer's encoder. */
    private static byte[] pfsync(final Consumer<PfsyncFrameEncoder> body) {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        e.beginFrame();
        body.accept(e);
        final int length = e.finish();
        return Arrays.copyOf(((UnsafeBuffer) e.buffer()).byteArray(), length);
    }

    /** The same, signed by the peer: {@code len} bytes and the 48-byte trailer. */
    private static byte[] signed(final FrameAuthenticator signer, final Consumer<PfsyncFrameEncoder> body) {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV4_HEADER_LENGTH,
                FrameAuthenticator.TRAILER_LENGTH);
        e.beginFrame();
        body.accept(e);
        final int length = e.finish();
        final int trailer = signer.sign(e.buffer(), 0, length);
        return Arrays.copyOf(((UnsafeBuffer) e.buffer()).byteArray(), length + trailer);
    }

    /** One DEL_C of the peer's state 42: the smallest valid frame (40 bytes). */
    private static byte[] delC() {
        return pfsync(e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
    }

    /** An IPv4 packet carrying {@code payload}, protocol 240, with the given TTL, from 198.18.3.2. */
    private static byte[] ipv4(final byte[] payload, final int ttl) {
        final byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = (byte) ttl;
        p[9] = (byte) 240;
        p[12] = (byte) (SOURCE >> 24);
        p[13] = (byte) (SOURCE >> 16);
        p[14] = (byte) (SOURCE >> 8);
        p[15] = (byte) SOURCE;
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    private static byte[] ipv4(final byte[] payload) {
        return ipv4(payload, 255);
    }

    private void receive(final FrameIngress in, final byte[] packet) {
        receive(in, packet, SYNC_IF);
    }

    private void receive(final FrameIngress in, final byte[] packet, final int arrivedOn) {
        in.acceptFrame(new UnsafeBuffer(packet), packet.length, arrivedOn, SOURCE, NOW, sent::add);
    }

    /** The packet thread: applies what reached the inbox; returns the messages (acknowledgements included). */
    private int drain() {
        return inbox.drain(table, null, NOW, 1000);
    }

    /** A UDP state of the peer's, id {@code id}, as pfsync state values. */
    private PfsyncStateValues udpState(final long id) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().type(JournalRecordType.INSERT.code()).creatorId(PEER).id(id).af(2).proto(17).direction(1)
                .timeoutClass(PfsyncConstants.PFTM_UDP_MULTIPLE).addresses(0, 0xC6120101L, 0, 0xC6120201L)
                .ports(40_000 + (int) id, 53).rule(0)
                .peer(0, 0, 0, 0, 0, 0, 2, 0).peer(1, 0, 0, 0, 0, 0, 2, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 60_000);
        final PfsyncStateValues v = new PfsyncStateValues();
        mapping.toValues(r, NOW, v);
        return v;
    }

    /** Sum of the error counters of C.1 and W.11 (all but ipackets, stale and badstate). */
    private long errors() {
        return stats.badif + stats.badttl + stats.hdrops + stats.badver + stats.badact + stats.badlen
                + stats.badauth + stats.badval;
    }

    // ---------------------------------------------------------------------------------------------
    // A good frame
    // ---------------------------------------------------------------------------------------------

    @Test
    void aGoodFrameIsDecodedIntoTheInboxAndItsPeerListed() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(delC()));
        assertEquals(1, stats.ipackets);
        assertEquals(0, errors());
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(1, drain(), "one DEL_C message for the packet thread");
        assertEquals(1, inbox.badState(), "naming a state we do not hold");
        final List<SyncPeers.Peer> heard = peers.peers();
        assertEquals(1, heard.size());
        assertEquals("198.18.3.2", heard.get(0).address());
        assertEquals(List.of(PEER), heard.get(0).creatorIds());
        assertEquals(NOW, heard.get(0).lastFrameMillis());
    }

    @Test
    void theIpTotalLengthBoundsTheFrameSoLinkPaddingIsIgnored() {
        final FrameIngress in = ingress(null);
        final byte[] packet = ipv4(delC());
        final byte[] padded = Arrays.copyOf(packet, packet.length + 6); // e.g. Ethernet padding
        receive(in, padded);
        assertEquals(0, errors(), "the bytes after the IP total length are not frame bytes");
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_DEL_C]);
    }

    // ---------------------------------------------------------------------------------------------
    // The checks of C.1, in order
    // ---------------------------------------------------------------------------------------------

    @Test
    void anIncompleteIpHeaderIsHdrops() {
        final FrameIngress in = ingress(null);
        final byte[] packet = ipv4(delC());
        receive(in, Arrays.copyOf(packet, 19));                       // shorter than an IP header
        final byte[] notIpv4 = packet.clone();
        notIpv4[0] = 0x65;                                            // version 6 in an IPv4 socket
        receive(in, notIpv4);
        final byte[] longHeader = packet.clone();
        longHeader[0] = 0x4F;                                         // ihl 60 bytes
        receive(in, Arrays.copyOf(longHeader, 40));
        receive(in, new byte[0]);
        assertEquals(4, stats.ipackets);
        assertEquals(4, stats.hdrops);
        assertEquals(4, errors());
        assertEquals(0, drain());
        assertTrue(peers.peers().isEmpty());
    }

    @Test
    void aFrameFromAnotherInterfaceIsBadif() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(delC()), 7);
        receive(in, ipv4(delC(), 64), 7);
        assertEquals(2, stats.ipackets);
        assertEquals(2, stats.badif, "the interface is checked before the TTL");
        assertEquals(2, errors());
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_DEL_C], "not decoded");
        assertEquals(0, drain());
        assertTrue(peers.peers().isEmpty());
    }

    @Test
    void aTtlOtherThan255IsBadttl() {
        final FrameIngress in = ingress(null);
        for (final int ttl : new int[] {0, 1, 64, 254}) {
            receive(in, ipv4(delC(), ttl));
        }
        assertEquals(4, stats.ipackets);
        assertEquals(4, stats.badttl, "a frame that crossed a router (or was sent from afar) is refused");
        assertEquals(4, errors());
        assertEquals(0, drain());
        assertTrue(peers.peers().isEmpty());
    }

    @Test
    void aPfsyncHeaderShorterThan20BytesIsHdrops() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(Arrays.copyOf(delC(), 19)));
        receive(in, ipv4(new byte[0]));
        final byte[] shortTotal = ipv4(delC());
        shortTotal[2] = 0;
        shortTotal[3] = 30; // the IP total length leaves 10 bytes of pfsync
        receive(in, shortTotal);
        assertEquals(3, stats.ipackets);
        assertEquals(3, stats.hdrops);
        assertEquals(3, errors());
        assertEquals(0, drain());
    }

    @Test
    void aVersionOtherThan5IsBadver() {
        final FrameIngress in = ingress(null);
        for (final int version : new int[] {4, 6, 0, 255}) {
            final byte[] frame = delC();
            frame[0] = (byte) version;
            receive(in, ipv4(frame));
        }
        assertEquals(4, stats.ipackets);
        assertEquals(4, stats.badver);
        assertEquals(4, errors());
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(0, drain());
    }

    @Test
    void aFrameShorterThanItsLenIsBadlenAndNothingIsApplied() {
        final FrameIngress in = ingress(null);
        final byte[] frame = delC();
        receive(in, ipv4(Arrays.copyOf(frame, frame.length - 1)));   // truncated on the way
        final byte[] longLen = frame.clone();
        longLen[3] = (byte) (frame.length + 4);                       // len says more than arrived
        receive(in, ipv4(longLen));
        final byte[] cutByIp = ipv4(frame);
        cutByIp[3] = (byte) (cutByIp[3] - 4);                         // the IP total length ends inside it
        receive(in, cutByIp);
        assertEquals(3, stats.ipackets);
        assertEquals(3, stats.badlen);
        assertEquals(3, errors());
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(0, drain());
    }

    @Test
    void aSectionRunningPastLenOrNoEofIsBadlenAndNothingIsApplied() {
        final FrameIngress in = ingress(null);
        final byte[] overCount = pfsync(e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        overCount[20 + 3] = 2;                                        // DEL_C count 2, one record present
        receive(in, ipv4(overCount));
        final byte[] noEof = pfsync(e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        final byte[] cut = Arrays.copyOf(noEof, noEof.length - 4);    // EOF removed, len fixed to match
        cut[3] = (byte) cut.length;
        receive(in, ipv4(cut));
        assertEquals(2, stats.ipackets);
        assertEquals(2, stats.badlen);
        assertEquals(2, errors());
        assertEquals(0, drain(), "the walk precedes the dispatch: nothing applied");
    }

    @Test
    void bytesAfterEofAreBadlenButTheRecordsAreAppliedAsFreeBsdDoes() {
        final FrameIngress in = ingress(null);
        final byte[] frame = delC();
        receive(in, ipv4(Arrays.copyOf(frame, frame.length + 8)));
        assertEquals(1, stats.badlen);
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(1, drain());
    }

    @Test
    void anUnknownOrUnsupportedActionIsBadactAndDiscardsTheRestOfTheFrame() {
        final FrameIngress in = ingress(null);
        for (final int action : new int[] {PfsyncConstants.ACT_INS_F, PfsyncConstants.ACT_DEL_F, 17, 200, 255}) {
            // DEL_C, then a section of the bad action, then INS_ACK: the DEL_C applies, the rest does not.
            final byte[] good = pfsync(e -> {
                e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER);
            });
            final byte[] frame = new byte[good.length + 4 + 16];
            System.arraycopy(good, 0, frame, 0, good.length - 4);    // header + DEL_C section
            int at = good.length - 4;
            frame[at] = (byte) action;
            frame[at + 3] = 0;                                        // count 0
            at += 4;
            frame[at] = PfsyncConstants.ACT_INS_ACK;
            frame[at + 3] = 1;
            frame[at + 12] = 0x11;                                    // INS_ACK {id 0, creatorid 0x11000000}
            at += 16;
            frame[at] = PfsyncConstants.ACT_EOF;
            frame[at + 3] = 1;
            frame[3] = (byte) frame.length;
            receive(in, ipv4(frame));
        }
        assertEquals(5, stats.ipackets);
        assertEquals(5, stats.badact);
        assertEquals(5, errors());
        assertEquals(5, stats.iacts[PfsyncConstants.ACT_DEL_C], "the section before the bad one applied");
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_INS_ACK], "the one after it not even counted");
        assertEquals(5, drain(), "five DEL_C, no INS_ACK");
        assertEquals(0, in.acksForOthers());
    }

    @Test
    void anInvalidRecordIsBadvalAndSkippedTheRestOfTheFrameApplies() {
        final FrameIngress in = ingress(null);
        final byte[] frame = pfsync(e -> {
            e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(41, PEER);
            e.appendDelC(42, PEER);
        });
        frame[20 + 4 + 12 + 8] = 0;                                   // the second record's creatorid := 0
        frame[20 + 4 + 12 + 9] = 0;
        frame[20 + 4 + 12 + 10] = 0;
        frame[20 + 4 + 12 + 11] = 0;
        final byte[] badTimeout = pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7)));
        receive(in, ipv4(frame));
        badTimeout[20 + 4 + badTimeoutOffset()] = (byte) 200;        // timeout class 200 >= PFTM_MAX
        receive(in, ipv4(badTimeout));
        assertEquals(2, stats.ipackets);
        assertEquals(2, stats.badval);
        assertEquals(2, errors());
        assertEquals(1, drain(), "only the valid DEL_C");
        assertEquals(0, inbox.imported(), "the state with a bad timeout was not imported");
    }

    /** Offset of {@code timeout} in a 1400 state record, found by changing it in the encoder's output. */
    private int badTimeoutOffset() {
        final byte[] a = pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7)));
        final PfsyncStateValues v = udpState(7);
        v.timeout = PfsyncConstants.PFTM_UDP_MULTIPLE - 1;
        final byte[] b = pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(v));
        for (int i = 24; i < a.length; i++) {
            if (a[i] != b[i]) {
                return i - 24;
            }
        }
        throw new AssertionError("timeout not found");
    }

    @Test
    void noPrefixOfAGoodFrameThrowsAndEachIsCountedOnce() {
        final FrameIngress in = ingress(null);
        final byte[] packet = ipv4(pfsync(e -> {
            e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7));
            e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER);
        }));
        for (int n = 0; n < packet.length; n++) {
            final byte[] prefix = Arrays.copyOf(packet, n);
            assertDoesNotThrow(() -> receive(in, prefix));
            assertEquals(n + 1, stats.ipackets);
        }
        assertEquals(packet.length, stats.hdrops + stats.badlen, "each prefix refused as short");
        assertEquals(0, drain());
    }

    // ---------------------------------------------------------------------------------------------
    // Authentication (W.12)
    // ---------------------------------------------------------------------------------------------

    private static FrameAuthenticator verifier(final boolean require) {
        return new FrameAuthenticator(KEYS, OWN, require, 60_000, () -> NOW * 1000);
    }

    private static FrameAuthenticator signer() {
        return new FrameAuthenticator(KEYS, PEER, true, 60_000, () -> NOW * 1000);
    }

    @Test
    void withAuthenticationASignedFrameIsAppliedWithoutItsTrailer() {
        final FrameAuthenticator auth = verifier(true);
        final FrameIngress in = ingress(auth);
        receive(in, ipv4(signed(signer(), e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER))));
        assertEquals(1, auth.count(AuthResult.OK));
        assertEquals(0, errors(), "the trailer is not bytes after EOF");
        assertEquals(1, drain());
        assertEquals(1, peers.peers().size());
    }

    @Test
    void withAuthenticationAFrameThatFailsIsBadauthBeforeAnyRecordIsRead() {
        final FrameAuthenticator auth = verifier(true);
        final FrameIngress in = ingress(auth);
        final FrameAuthenticator signer = signer();
        receive(in, ipv4(delC()));                                   // no trailer
        final byte[] tampered = signed(signer, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        tampered[20 + 4 + 7] ^= 1;                                    // id 42 -> 43 after signing
        receive(in, ipv4(tampered));
        final byte[] good = ipv4(signed(signer, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(44, PEER)));
        receive(in, good);
        receive(in, good);                                            // the same frame again
        final byte[] otherKey = signed(new FrameAuthenticator(ClusterKeyFile.parse("other.key",
                "8 " + "cd".repeat(32) + "\n"), PEER, true, 60_000, () -> NOW * 1000),
                e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(45, PEER));
        receive(in, ipv4(otherKey));
        assertEquals(1, auth.count(AuthResult.MISSING));
        assertEquals(1, auth.count(AuthResult.BAD_TAG));
        assertEquals(1, auth.count(AuthResult.OK));
        assertEquals(1, auth.count(AuthResult.REPLAY));
        assertEquals(1, auth.count(AuthResult.UNKNOWN_KEY));
        assertEquals(5, stats.ipackets, "each counted once, the refused ones too");
        assertEquals(4, stats.badauth);
        assertEquals(4, errors());
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_DEL_C], "records of refused frames not even counted");
        assertEquals(1, drain(), "only the good frame, once");
    }

    @Test
    void withAuthenticationInterfaceAndTtlAreCheckedFirst() {
        final FrameAuthenticator auth = verifier(true);
        final FrameIngress in = ingress(auth);
        final FrameAuthenticator signer = signer();
        receive(in, ipv4(signed(signer, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER))), 7);
        receive(in, ipv4(signed(signer, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(43, PEER)), 64));
        assertEquals(1, stats.badif);
        assertEquals(1, stats.badttl);
        assertEquals(0, stats.badauth);
        long verified = 0;
        for (final AuthResult r : AuthResult.values()) {
            verified += auth.count(r);
        }
        assertEquals(0, verified, "the authenticator never saw them");
    }

    @Test
    void whileAKeyIsRolledOutAnUnsignedFrameIsAcceptedButABadOneIsNot() {
        final FrameAuthenticator auth = verifier(false);
        final FrameIngress in = ingress(auth);
        receive(in, ipv4(delC()));
        final byte[] tampered = signed(signer(), e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        tampered[tampered.length - 1] ^= 1;
        receive(in, ipv4(tampered));
        assertEquals(1, auth.count(AuthResult.ACCEPTED_UNAUTHENTICATED));
        assertEquals(1, auth.count(AuthResult.BAD_TAG));
        assertEquals(1, stats.badauth);
        assertEquals(1, drain());
    }

    // ---------------------------------------------------------------------------------------------
    // Where the records go (C.5)
    // ---------------------------------------------------------------------------------------------

    /**
     * Each record reaches the packet thread marked with the peer whose frame carried it, so that the
     * state's carrier is known: while that peer's frames come, its state is not taken over.
     */
    @Test
    void aStateImportedFromAFrameIsMarkedWithThePeerThatSentIt() {
        final SyncPolicy policy = SyncPolicy.of(table);
        policy.watchPeers(peers);
        receive(ingress(null), ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7)))));
        assertEquals(1, drain());
        final int slot = table.findById(PEER, 7);
        assertFalse(policy.peerFellSilent(slot, NOW + 50), "updated 50 ms ago");
        peers.frame(SOURCE, NOW + 100);
        assertFalse(policy.peerFellSilent(slot, NOW + 150), "its sender spoke 50 ms ago");
        assertTrue(policy.peerFellSilent(slot, NOW + 200), "its sender silent for 100 ms");
    }

    @Test
    void aFullStateIsImportedAndCountsAsBulkProgressWhileAsking() {
        final FrameIngress in = ingress(null);
        requester.start(NOW, sent::add);
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7)))));
        assertEquals(1, drain());
        assertEquals(1, inbox.imported());
        assertEquals(1, table.size());
        assertEquals(PEER, table.creatorId(table.nextLive(0)));
        assertEquals(7, table.id(table.nextLive(0)));
        assertEquals(1, requester.statesReceived());
    }

    /**
     * A peer's INS with PFSTATE_ACK (its first packet is held) is answered with INS_ACK as soon as it is
     * in the inbox, marked for the packet thread to apply before it decides what it receives next; an
     * INS without the flag, or an UPD with it, is not answered.
     */
    @Test
    void anInsThatAsksForAnAckIsAnsweredOnArrivalAndMarkedForThePacketThread() {
        final FrameIngress in = ingress(null);
        final PfsyncStateValues held = udpState(7);
        held.stateFlags = PfConstants.PFSTATE_ACK;
        final PfsyncStateValues updated = udpState(8);
        updated.stateFlags = PfConstants.PFSTATE_ACK;
        receive(in, ipv4(pfsync(e -> {
            e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(held);
            e.appendState1400(udpState(9));
            e.beginSection(PfsyncConstants.ACT_UPD_1400).appendState1400(updated);
        })));
        assertEquals(List.of("22222222/7"), acknowledged);
        assertEquals(0, inbox.drain(table, null, NOW, 0));
        assertEquals(1, inbox.applyAcknowledged(), "the acknowledged INS, ahead of the others");
        assertTrue(table.findById(PEER, 7) >= 0);
        assertEquals(2, drain(), "the others in their turn");
    }

    @Test
    void anInsThatFindsTheInboxFullIsNotAcknowledged() {
        final FrameIngress in = ingress(null);
        final PfsyncStateValues held = udpState(7);
        held.stateFlags = PfConstants.PFSTATE_ACK;
        final byte[] frame = ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(held)));
        final UnsafeBuffer filler = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        while (inbox.offer(PeerInbox.DELETE, filler, 0)) {
            // fill the ring
        }
        final long dropped = inbox.dropped();
        receive(in, frame);
        assertEquals(dropped + 1, inbox.dropped(), "the INS was dropped and counted");
        assertEquals(List.of(), acknowledged, "so the peer is not told we hold it: its packet waits for the timeout");
    }

    @Test
    void anInsAckForOurStateGoesToTheAckLaneAndAnotherNodesIsOnlyCounted() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(pfsync(e -> {
            e.beginSection(PfsyncConstants.ACT_INS_ACK).appendInsAck(9, OWN);
            e.appendInsAck(10, OTHER);
            e.appendInsAck(11, OTHER);
        })));
        assertEquals(3, stats.iacts[PfsyncConstants.ACT_INS_ACK]);
        assertEquals(2, in.acksForOthers());
        assertEquals(1, drain(), "our acknowledgement only");
    }

    @Test
    void anUpdReqForOneStateIsARequestAndZeroZeroStartsABulkUpdate() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(5, PEER))));
        assertFalse(bulk.active());
        assertEquals(1, drain());
        assertEquals(1, inbox.badState(), "a request for a state we do not hold");

        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(0, 0))));
        assertTrue(bulk.active(), "the bulk update the peer asked for");
        assertEquals(1, sent.size(), "its BUS START sent at once");
        assertEquals(0, drain(), "nothing for the packet thread");
    }

    @Test
    void aClrOfAllOrNoInterfaceReachesTheInboxAndAnUnknownInterfaceIsBadval() {
        final FrameIngress in = ingress(null);
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_INS_1400).appendState1400(udpState(7)))));
        assertEquals(1, drain());
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_CLR).appendClr("tandem-noif9", PEER))));
        assertEquals(1, stats.badval, "an interface name we cannot map skips the record (W.6)");
        assertEquals(0, drain());
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_CLR).appendClr("all", PEER))));
        assertEquals(1, drain());
        assertEquals(1, inbox.cleared());
        assertEquals(0, table.size());
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_CLR).appendClr("", PEER))));
        assertEquals(1, drain());
    }

    @Test
    void aBusEndGoesToTheRequester() {
        final FrameIngress in = ingress(null);
        requester.start(NOW, sent::add);
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_BUS)
                .appendBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_START))));
        assertTrue(requester.requesting());
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_BUS)
                .appendBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_END))));
        assertTrue(requester.inSync());
        assertFalse(requester.requesting());
        assertEquals(1, drain(), "BULK_END for the packet thread: reconcile the table with the bulk");
        receive(in, ipv4(pfsync(e -> e.beginSection(PfsyncConstants.ACT_BUS)
                .appendBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_END))));
        assertEquals(0, drain(), "a second END, not asked for: nothing");
    }

    // ---------------------------------------------------------------------------------------------
    // IPv6 (pfsync6_input)
    // ---------------------------------------------------------------------------------------------

    @Test
    void ipv6FramesAreCheckedForInterfaceAndHopLimitAndCountedInIpackets6() {
        final FrameIngress in = ingress(null);
        final byte[] frame = delC();
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        in.acceptFrame6(b, frame.length, SYNC_IF, 255, 0xfe80_0000_0000_0000L, 2, NOW, sent::add);
        in.acceptFrame6(b, frame.length, 7, 255, 0xfe80_0000_0000_0000L, 2, NOW, sent::add);
        in.acceptFrame6(b, frame.length, SYNC_IF, 64, 0xfe80_0000_0000_0000L, 2, NOW, sent::add);
        in.acceptFrame6(b, 10, SYNC_IF, 255, 0xfe80_0000_0000_0000L, 2, NOW, sent::add);
        assertEquals(4, stats.ipackets6);
        assertEquals(0, stats.ipackets);
        assertEquals(1, stats.badif);
        assertEquals(1, stats.badttl);
        assertEquals(1, stats.hdrops);
        assertEquals(3, errors());
        assertEquals(1, drain());
        assertEquals("fe80::2", peers.peers().get(0).address());
    }

    @Test
    void ipv6FramesAreAuthenticatedToo() {
        final FrameAuthenticator auth = verifier(true);
        final FrameIngress in = ingress(auth);
        final byte[] unsigned = delC();
        in.acceptFrame6(new UnsafeBuffer(unsigned), unsigned.length, SYNC_IF, 255, 0, 1, NOW, sent::add);
        final byte[] good = signed(signer(), e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        in.acceptFrame6(new UnsafeBuffer(good), good.length, SYNC_IF, 255, 0, 1, NOW, sent::add);
        assertEquals(2, stats.ipackets6);
        assertEquals(1, stats.badauth);
        assertEquals(1, errors());
        assertEquals(1, drain());
    }
}
