package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRing;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 3, as a property: two or three engines — each a real state table, journal recorder,
 * {@link LocalChanges} and {@link SyncOutbox} on the way out, the real pfsync encoder and decoder,
 * {@link FrameIngress} and {@link PeerInbox} on the way in — exchange frames over a network that
 * loses, repeats and reorders them, while packets of UDP, ICMP and TCP connections reach random
 * engines from either side, so that two engines often create a state for the same connection.
 * Once the packets stop and the network delivers: (a) every connection has one state with one
 * identity on every engine that holds it, (b) engines that hold a state agree on its halves, (c) the
 * traffic dies out, and a further round of full reports draws no correction and no collision.
 */
class ClusterConvergencePropertyTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int CONNECTIONS = 6;
    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    /** One engine: its table, journal, and both halves of its sync agent, without threads or sockets. */
    private final class Engine {
        final int creator;
        final int address;
        final StateTable table;
        final JournalRing ring;
        final JournalRecorder recorder;
        final PeerInbox inbox = new PeerInbox();
        final SyncOutbox outbox;
        final LocalChanges changes;
        final FrameIngress ingress;
        final List<byte[]> sent = new ArrayList<>();
        final JournalRecordFlyweight record = new JournalRecordFlyweight();

        Engine(final int creator, final int address, final Path journalDir) throws Exception {
            this.creator = creator;
            this.address = address;
            Files.createDirectories(journalDir);
            table = new StateTable(256, 4, false, true, StateTimeouts.defaults(256), creator, 0, new StateCounters());
            SyncPolicy.of(table).enableSyncUpdates(4);
            ring = JournalRing.open(journalDir, 1 << 22);
            recorder = new JournalRecorder(ring, new JournalHealth(journalDir, 0), creator, 60, 0, 0);
            table.setListener(recorder);
            final PfsyncStateMapping mapping = new PfsyncStateMapping(1400);
            final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
            outbox = new SyncOutbox(encoder, 1400, mapping);
            changes = new LocalChanges(outbox, creator);
            final PfsyncStats stats = new PfsyncStats();
            final BulkUpdateSender bulk = new BulkUpdateSender(java.util.List.of(new StateSnapshotMailbox()), encoder, outbox, mapping,
                    creator, 1000);
            ingress = new FrameIngress(stats, new SyncPeers(), mapping, PeerInboxes.of(inbox), null,
                    new BulkRequester(encoder, QUIET), bulk, creator, (id, c) -> {
                        throw new AssertionError("no node in this model holds a first packet");
                    });
            this.encoderRef = encoder;
        }

        final PfsyncFrameEncoder encoderRef;

        /** The sync thread's part: journal records to the outbox, frames out when due. */
        void sync(final long now) {
            SyncPolicy.of(table).reportDue(now, 1000);
            ring.ring().read((type, buffer, index, length) -> {
                record.wrap(buffer, index);
                changes.accept(record, now, this::capture);
            }, Integer.MAX_VALUE);
            if (outbox.due(now, 50)) {
                outbox.flush(now, this::capture);
            }
        }

        private void capture(final int length) {
            final byte[] frame = new byte[20 + length];
            frame[0] = 0x45;
            frame[2] = (byte) (frame.length >> 8);
            frame[3] = (byte) frame.length;
            frame[8] = (byte) 255; // TTL
            frame[9] = (byte) 240;
            encoderRef.buffer().getBytes(0, frame, 20, length);
            sent.add(frame);
        }

        /** A frame from a peer: checked and decoded on the sync thread, applied on the packet thread. */
        void receive(final byte[] frame, final int source, final long now) {
            ingress.acceptFrame(new UnsafeBuffer(frame), frame.length, 0, source, now, this::capture);
            inbox.drain(table, recorder, now, 10_000);
        }
    }

    /** A connection: client port k to server port 7000 + k; protocol by k. */
    private static int protocolOf(final int k) {
        return k % 3 == 0 ? DecodedPacket.PROTO_UDP : k % 3 == 1 ? DecodedPacket.PROTO_ICMP : DecodedPacket.PROTO_TCP;
    }

    private static final long CLIENT = 0xC6120101L;
    private static final long SERVER = 0xC6120201L;

    /** TCP per connection: client and server sequence numbers, handshake stage. */
    private static final class Tcp {
        long clientSeq = 1000;
        long serverSeq = 900_000;
        int stage; // 0 nothing, 1 SYN sent, 2 SYN-ACK sent, 3 established
    }

    private static DecodedPacket packet(final int k, final boolean fromClient, final Tcp tcp, final DecodedPacket p) {
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = protocolOf(k);
        p.srcLo = fromClient ? CLIENT : SERVER;
        p.dstLo = fromClient ? SERVER : CLIENT;
        p.l4Offset = 20;
        final int cport = 40_000 + k;
        final int sport = 7000 + k;
        if (p.protocol == DecodedPacket.PROTO_ICMP) {
            p.icmpType = fromClient ? 8 : 0;
            p.icmpId = cport;
            p.srcPort = cport;
            p.dstPort = cport;
            p.payloadLength = 56;
        } else {
            p.srcPort = fromClient ? cport : sport;
            p.dstPort = fromClient ? sport : cport;
        }
        if (p.protocol == DecodedPacket.PROTO_TCP) {
            final int len = tcp.stage >= 3 ? 100 : 0;
            if (fromClient) {
                p.tcpFlags = tcp.stage == 0 ? DecodedPacket.TH_SYN : DecodedPacket.TH_ACK;
                p.seq = tcp.clientSeq;
                p.ack = tcp.serverSeq;
            } else {
                p.tcpFlags = tcp.stage == 1 ? DecodedPacket.TH_SYN | DecodedPacket.TH_ACK : DecodedPacket.TH_ACK;
                p.seq = tcp.serverSeq;
                p.ack = tcp.clientSeq;
            }
            p.window = 65535;
            p.wscale = -1;
            p.payloadLength = len;
        } else if (p.protocol == DecodedPacket.PROTO_UDP) {
            p.payloadLength = 32;
        }
        p.ipLength = 40 + p.payloadLength;
        return p;
    }

    /** Advances the TCP model after a packet passed (a dropped packet is simply lost). */
    private static void advance(final Tcp tcp, final boolean fromClient, final DecodedPacket p) {
        final boolean syn = (p.tcpFlags & DecodedPacket.TH_SYN) != 0;
        if (fromClient) {
            tcp.clientSeq = (tcp.clientSeq + p.payloadLength + (syn ? 1 : 0)) & 0xFFFF_FFFFL;
            if (tcp.stage == 0) {
                tcp.stage = 1;
            } else if (tcp.stage == 2) {
                tcp.stage = 3;
            }
        } else {
            tcp.serverSeq = (tcp.serverSeq + p.payloadLength + (syn ? 1 : 0)) & 0xFFFF_FFFFL;
            if (tcp.stage == 1 && syn) {
                tcp.stage = 2;
            }
        }
    }

    @Test
    void twoAndThreeEnginesConvergeOnOneStatePerConnectionAndGoQuiet() throws Exception {
        final SplittableRandom random = new SplittableRandom(20261201);
        for (int round = 0; round < 60; round++) {
            final int n = 2 + round % 2;
            final Engine[] engines = new Engine[n];
            for (int e = 0; e < n; e++) {
                // Creator ids in random order, so that the winner of a collision is sometimes the later one.
                engines[e] = new Engine(0x1000 + random.nextInt(0x1000) * 16 + e, 0xC6120300 + e,
                        dir.resolve("r" + round + "e" + e));
            }
            final Tcp[] tcp = new Tcp[CONNECTIONS];
            for (int k = 0; k < CONNECTIONS; k++) {
                tcp[k] = new Tcp();
            }
            final List<byte[]> frames = new ArrayList<>();
            final List<Integer> from = new ArrayList<>();
            final DecodedPacket p = new DecodedPacket();
            long now = T0;
            for (int step = 0; step < 400; step++) {
                now += random.nextInt(40);
                final int action = random.nextInt(10);
                if (action < 5) { // a packet of a random connection, from a random side, at a random engine
                    final int k = random.nextInt(CONNECTIONS);
                    final boolean fromClient = protocolOf(k) == DecodedPacket.PROTO_TCP
                            ? tcp[k].stage != 1 && (tcp[k].stage == 0 || random.nextBoolean())
                            : random.nextInt(3) > 0;
                    final Engine at = engines[protocolOf(k) == DecodedPacket.PROTO_TCP && n == 2
                            ? (fromClient ? 0 : 1) : random.nextInt(n)]; // TCP: split path on two engines
                    packet(k, fromClient, tcp[k], p);
                    if (pass(at, p, now) && protocolOf(k) == DecodedPacket.PROTO_TCP) {
                        advance(tcp[k], fromClient, p);
                    }
                } else if (action < 7) {
                    final Engine e = engines[random.nextInt(n)];
                    e.sync(now);
                    collect(engines, frames, from);
                } else if (!frames.isEmpty()) { // the network: deliver, lose (10%) or repeat (10%) one frame
                    final int m = random.nextInt(frames.size());
                    final int fate = random.nextInt(10);
                    if (fate != 0) {
                        deliver(engines, frames.get(m), from.get(m), now);
                    }
                    if (fate != 1) {
                        frames.remove(m);
                        from.remove(m);
                    }
                    collect(engines, frames, from);
                }
            }

            // The packets stop; the network delivers everything, in order. Trailing reports and the
            // answers they draw go out; the exchange must die out.
            int exchanges = 0;
            do {
                now += 1500;
                for (final Engine e : engines) {
                    e.sync(now);
                }
                collect(engines, frames, from);
                while (!frames.isEmpty()) {
                    deliver(engines, frames.remove(0), from.remove(0), now);
                    collect(engines, frames, from);
                }
                for (final Engine e : engines) {
                    e.sync(now);
                }
                collect(engines, frames, from);
                assertTrue(++exchanges < 20, "the exchange must die out (round " + round + ")");
            } while (!frames.isEmpty() || pending(engines));

            checkOneIdentityPerConnection(engines, round, false);

            // Every engine reports all it holds in full (as a bulk update would), reliably: now every
            // engine holds every state, and they agree.
            fullRound(engines, frames, from, now += 1500);
            checkOneIdentityPerConnection(engines, round, true);
            // A second full round changes nothing: no corrections, no collisions, no new messages beyond it.
            final long[] before = counters(engines);
            fullRound(engines, frames, from, now += 1500);
            final long[] after = counters(engines);
            assertEquals(before[0], after[0], "corrections after convergence (round " + round + ")");
            assertEquals(before[1], after[1], "collisions after convergence (round " + round + ")");
            checkOneIdentityPerConnection(engines, round, true);
            for (final Engine e : engines) {
                e.ring.close();
            }
        }
    }

    /** What PacketFilter does with a packet: the state decides, else a pass rule creates one. */
    private static boolean pass(final Engine at, final DecodedPacket p, final long now) {
        final int slot = at.table.lookup(p, 0);
        if (slot >= 0) {
            final int r = at.table.track(slot, p, at.table.lastLookupForward(), now);
            return r == StateTable.PASS;
        }
        if (p.protocol == DecodedPacket.PROTO_TCP && p.tcpFlags != DecodedPacket.TH_SYN) {
            return false; // pass ... flags S/SA: only a SYN makes a TCP state
        }
        return at.table.create(p, 0, PfConstants.PF_IN, 0, now) >= 0;
    }

    private static boolean pending(final Engine[] engines) {
        for (final Engine e : engines) {
            if (SyncPolicy.of(e.table).reportsPending() > 0) {
                return true;
            }
        }
        return false;
    }

    private static void collect(final Engine[] engines, final List<byte[]> frames, final List<Integer> from) {
        for (int i = 0; i < engines.length; i++) {
            for (final byte[] f : engines[i].sent) {
                frames.add(f);
                from.add(i);
            }
            engines[i].sent.clear();
        }
    }

    private static void deliver(final Engine[] engines, final byte[] frame, final int sender, final long now) {
        for (int i = 0; i < engines.length; i++) {
            if (i != sender) {
                engines[i].receive(frame, engines[sender].address, now);
            }
        }
    }

    private static void fullRound(final Engine[] engines, final List<byte[]> frames, final List<Integer> from,
            final long now) {
        for (final Engine e : engines) {
            for (int s = e.table.nextLive(0); s >= 0; s = e.table.nextLive(s + 1)) {
                SyncPolicy.of(e.table).markReported(s, now);
                e.recorder.onUpdate(e.table, s, SyncHints.REPLY | SyncHints.FULL | SyncHints.IMMEDIATE);
            }
            e.sync(now);
            collect(engines, frames, from);
            while (!frames.isEmpty()) {
                deliver(engines, frames.remove(0), from.remove(0), now);
                collect(engines, frames, from);
            }
        }
        for (final Engine e : engines) { // answers owed after the round
            e.sync(now);
        }
        collect(engines, frames, from);
        while (!frames.isEmpty()) {
            deliver(engines, frames.remove(0), from.remove(0), now);
            collect(engines, frames, from);
        }
    }

    private static long[] counters(final Engine[] engines) {
        long corrections = 0;
        long collisions = 0;
        for (final Engine e : engines) {
            corrections += e.inbox.corrections();
            collisions += e.inbox.collisionsWon() + e.inbox.collisionsLost();
        }
        return new long[] {corrections, collisions};
    }

    /** (a) one identity per connection on every engine; (b), with {@code all}, every engine holds it, equal. */
    private static void checkOneIdentityPerConnection(final Engine[] engines, final int round, final boolean all) {
        final Map<String, String> identity = new HashMap<>();
        final Map<String, String> halves = new HashMap<>();
        final Map<String, Integer> holders = new HashMap<>();
        for (final Engine e : engines) {
            final StateTable t = e.table;
            for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
                final String key = t.protocol(s) + ":" + Math.min(t.srcPort(s), t.dstPort(s)) + "-"
                        + Math.max(t.srcPort(s), t.dstPort(s));
                final String id = Integer.toHexString(t.creatorId(s)) + "/" + t.id(s);
                final String prev = identity.putIfAbsent(key, id);
                assertTrue(prev == null || prev.equals(id), "round " + round + ": " + key + " has identities " + prev
                        + " and " + id);
                final String h = t.peerState(s, 0) + "," + t.peerState(s, 1) + "," + t.seqLo(s, 0) + "," + t.seqLo(s, 1)
                        + "," + t.seqHi(s, 0) + "," + t.seqHi(s, 1);
                if (all) {
                    final String prevHalves = halves.putIfAbsent(key, h);
                    assertTrue(prevHalves == null || prevHalves.equals(h), "round " + round + ": " + key
                            + " halves differ: " + prevHalves + " vs " + h);
                }
                holders.merge(key, 1, Integer::sum);
            }
        }
        if (all) {
            for (final Map.Entry<String, Integer> h : holders.entrySet()) {
                assertEquals(engines.length, h.getValue(), "round " + round + ": every engine holds " + h.getKey());
            }
        }
    }
}
