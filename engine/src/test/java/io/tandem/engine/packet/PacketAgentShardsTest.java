package io.tandem.engine.packet;

import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.FORWARD;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.PacketBuilder;
import io.tandem.engine.decode.PacketDecoder;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.shard.QueueShards;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.verdict.VerdictBatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Two queue agents sharing the flows ({@code set queue 7:8}), each over its own in-memory queue and
 * driven on the test thread: both directions of many UDP flows arrive on whichever queue a random
 * choice puts them (as the kernel's {@code --queue-balance} or {@code --queue-cpu-fanout} may), and
 * every packet must be answered on the queue it arrived on, with the verdict of the one table that
 * owns its flow — replies pass only by state, so a reply decided against the other table would be
 * dropped.
 */
class PacketAgentShardsTest {
    private static final int[] QUEUES = {7, 8};
    private static final int PEER = 0x22222222;
    private static final String RULES = String.join("\n", "block all", "pass proto udp to port 53", "");

    private final List<InMemoryPacketQueue> queues = new ArrayList<>();
    private final List<PacketCounters> counters = new ArrayList<>();

    private List<PacketAgent> agents(final QueueShards shards, final boolean batchVerdicts) throws ConfigException {
        final TandemConfig config = ConfigParser.parse("t.conf", "set queue 7:8\nset journal dir none\n" + RULES);
        final List<PacketAgent> out = new ArrayList<>();
        for (int i = 0; i < QUEUES.length; i++) {
            final PacketCounters c = new PacketCounters(QUEUES[i]);
            final PacketFilter filter = PacketFilter.fromConfig(config,
                    config.compileRuleset(PacketFilterFixtures::ifindexOf), c, 0x1234, i, QUEUES.length);
            final PacketAgentSettings settings = new PacketAgentSettings(QUEUES[0], -1, 0xFFFF, 1024, false, false,
                    1 << 20, 64, batchVerdicts, false, 0, null).forQueueIndex(i);
            final InMemoryPacketQueue q = new InMemoryPacketQueue(64, 4096);
            queues.add(q);
            counters.add(c);
            out.add(new PacketAgent(settings, filter, c).queue(q::open).shards(shards.links(i)));
        }
        return out;
    }

    private static byte[] request(final int queue, final long id, final int sport) {
        return NfqMessages.packet(queue, id, FORWARD, LAN, WAN,
                PacketBuilder.ipv4(C4, S4).udp(sport, 53).payload(20).build());
    }

    private static byte[] reply(final int queue, final long id, final int sport) {
        return NfqMessages.packet(queue, id, FORWARD, WAN, LAN,
                PacketBuilder.ipv4(S4, C4).udp(53, sport).payload(40).build());
    }

    private long sum(final PacketCounter c) {
        return counters.get(0).get(c) + counters.get(1).get(c);
    }

    @Test
    void everyPacketIsDecidedByTheTableThatOwnsItsFlowAndAnsweredOnItsOwnQueue() throws Exception {
        runFlows(false);
    }

    @Test
    void batchedVerdictsNeverCoverAPacketStillOutWithItsOwner() throws Exception {
        runFlows(true);
    }

    /**
     * A peer's INS the sync thread acknowledged sits in the owner's inbox behind more messages than a
     * cycle applies, and the reply it announced arrives on the other queue, which hands it over: the
     * owner applies the INS before deciding the hand-off, so the reply passes by the peer's state.
     */
    @Test
    void aHandedOverReplyIsDecidedAfterThePeersAcknowledgedIns() throws Exception {
        int sport = 20_000;
        while (owner(sport) != 1) {
            sport++;
        }
        try (QueueShards shards = new QueueShards(2)) {
            final List<PacketAgent> agents = agents(shards, false);
            final List<PeerInbox> inboxes = List.of(new PeerInbox(), new PeerInbox());
            for (int i = 0; i < 2; i++) {
                agents.get(i).peerInbox(inboxes.get(i)).onStart();
                agents.get(i).doWork(); // attaches the inbox to the table
            }
            final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
            final JournalRecordFlyweight m = new JournalRecordFlyweight().wrap(staging, 0);
            for (int i = 0; i < 300; i++) {
                m.clear().type(JournalRecordType.DELETE.code()).originKind(JournalRecorder.ORIGIN_PEER)
                        .creatorId(PEER).id(1000 + i);
                assertTrue(inboxes.get(1).offer(PeerInbox.DELETE, staging, 0));
            }
            peersUdpInsert(m, 5, sport);
            assertTrue(inboxes.get(1).offerAcknowledged(PeerInbox.STATE, staging, 0));
            queues.get(0).offer(reply(QUEUES[0], 1, sport));

            drive(agents, List.of(Map.of(1L, VerdictBatcher.ACCEPT), Map.of()));
            assertEquals(1, counters.get(1).get(PacketCounter.HANDOFF_DECIDED), "decided by its owner");
            assertEquals(1, counters.get(1).get(PacketCounter.STATE_MATCH_PASS), "by the peer's state");
            agents.forEach(PacketAgent::onClose);
        }
    }

    /**
     * Awaiting across queues: a reply with no state yet arrives on the queue that does not own its flow;
     * the owner holds it (the receiving queue keeps it, unanswered) until the peer's INS for the flow is
     * applied from the owner's inbox, and the verdict the state gives goes back to the receiving queue.
     */
    @Test
    void aHandedOverReplyAwaitsThePeersStateAtItsOwnerAndIsAnsweredOnItsOwnQueue() throws Exception {
        int sport = 21_000;
        while (owner(sport) != 1) {
            sport++;
        }
        try (QueueShards shards = new QueueShards(2)) {
            final List<PacketAgent> agents = agents(shards, true);
            final List<PeerInbox> inboxes = List.of(new PeerInbox(), new PeerInbox());
            for (int i = 0; i < 2; i++) {
                agents.get(i).peerInbox(inboxes.get(i)).awaitPeerStates(16, 60_000).onStart(); // idle cycles wait: no timeout here
                agents.get(i).doWork(); // attaches the inbox to the table
            }
            queues.get(0).offer(reply(QUEUES[0], 1, sport));
            for (int round = 0; round < 4; round++) {
                agents.get(0).doWork();
                agents.get(1).doWork();
            }
            assertEquals(List.of(), queues.get(0).verdicts(QUEUES[0]), "held, not dropped: no state yet");
            assertEquals(1, counters.get(1).get(PacketCounter.AWAITED), "held by the flow's owner");

            final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
            peersUdpInsert(new JournalRecordFlyweight().wrap(staging, 0), 6, sport);
            assertTrue(inboxes.get(1).offer(PeerInbox.STATE, staging, 0));
            drive(agents, List.of(Map.of(1L, VerdictBatcher.ACCEPT), Map.of()));
            assertEquals(1, counters.get(1).get(PacketCounter.AWAIT_PASSED), "passed by the peer's state");
            agents.forEach(PacketAgent::onClose);
        }
    }

    /** The peer's INS for the UDP flow from C4:{@code sport} to S4:53, as its sync thread offers it. */
    private static void peersUdpInsert(final JournalRecordFlyweight m, final long id, final int sport) {
        m.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .creatorId(PEER).id(id).af(2).proto(17).direction(0).timeoutClass(8)
                .addresses(0, 0x0A000001L, 0, 0xC000020AL).ports(sport, 53).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 0, 0)
                .creationMillis(System.currentTimeMillis()).expireAtMillis(System.currentTimeMillis() + 30_000);
    }

    private static int owner(final int sport) {
        final byte[] bytes = PacketBuilder.ipv4(C4, S4).udp(sport, 53).payload(20).build();
        final DecodedPacket p = new DecodedPacket();
        new PacketDecoder().decode(new UnsafeBuffer(bytes), 0, bytes.length, bytes.length, 0x0800, p);
        return FlowOwner.of(p, 2);
    }

    private void runFlows(final boolean batchVerdicts) throws Exception {
        final int flows = 300;
        try (QueueShards shards = new QueueShards(2)) {
            final List<PacketAgent> agents = agents(shards, batchVerdicts);
            agents.forEach(PacketAgent::onStart);
            final SplittableRandom random = new SplittableRandom(42);
            final long[] nextId = {1, 1};
            final List<Map<Long, Integer>> expected = List.of(new HashMap<>(), new HashMap<>());
            // Requests first (each creates its flow's state), on a random queue each.
            for (int f = 0; f < flows; f++) {
                final int q = random.nextInt(2);
                final long id = nextId[q]++;
                queues.get(q).offer(request(QUEUES[q], id, 10_000 + f));
                expected.get(q).put(id, VerdictBatcher.ACCEPT);
            }
            drive(agents, expected);
            // Then the replies, again on a random queue each: they pass only by their flow's state.
            for (int f = 0; f < flows; f++) {
                final int q = random.nextInt(2);
                final long id = nextId[q]++;
                queues.get(q).offer(reply(QUEUES[q], id, 10_000 + f));
                expected.get(q).put(id, VerdictBatcher.ACCEPT);
            }
            // And a reply nobody asked for: no state, the rules block it.
            queues.get(0).offer(reply(QUEUES[0], nextId[0], 9_999));
            expected.get(0).put(nextId[0]++, VerdictBatcher.DROP);
            drive(agents, expected);

            assertEquals(flows, agents.get(0).states().size() + agents.get(1).states().size(),
                    "one state per flow, in one table");
            int owned0 = 0;
            for (int f = 0; f < flows; f++) {
                final byte[] bytes = PacketBuilder.ipv4(C4, S4).udp(10_000 + f, 53).payload(20).build();
                final DecodedPacket p = new DecodedPacket();
                new PacketDecoder().decode(new UnsafeBuffer(bytes), 0, bytes.length, bytes.length, 0x0800, p);
                owned0 += FlowOwner.of(p, 2) == 0 ? 1 : 0;
            }
            assertEquals(owned0, agents.get(0).states().size(), "queue 7's table holds exactly the flows it owns");
            assertEquals(flows, sum(PacketCounter.STATE_MATCH_PASS), "every reply passed by its flow's state");
            assertEquals(2L * flows + 1, sum(PacketCounter.PACKETS_RECEIVED));
            assertEquals(sum(PacketCounter.HANDOFF_SENT), sum(PacketCounter.HANDOFF_DECIDED));
            assertTrue(counters.get(0).get(PacketCounter.HANDOFF_SENT) > 0
                    && counters.get(1).get(PacketCounter.HANDOFF_SENT) > 0, "both queues handed packets over");
            assertEquals(0, sum(PacketCounter.HANDOFF_REFUSED));
            agents.forEach(PacketAgent::onClose);
        }
    }

    /**
     * Over a million packets through two agents, half of them handed to the other one and their verdicts
     * sent back: once warm, the test thread (which runs both duty cycles) allocates nothing.
     */
    @Test
    void handingPacketsOverAndTheirVerdictsBackAllocatesNothing() throws Exception {
        try (QueueShards shards = new QueueShards(2)) {
            final List<PacketAgent> agents = agents(shards, true);
            agents.forEach(PacketAgent::onStart);
            final byte[][][] batches = new byte[2][64][];
            for (int q = 0; q < 2; q++) {
                for (int i = 0; i < 64; i++) { // 16 flows, each arriving on both queues: about half cross over
                    batches[q][i] = request(QUEUES[q], i + 1, 20_000 + i % 16);
                }
            }
            final Runnable work = () -> {
                for (int round = 0; round < 8000; round++) { // 8,000 x 128 = 1,024,000 packets
                    for (int q = 0; q < 2; q++) {
                        for (final byte[] m : batches[q]) {
                            queues.get(q).offer(m);
                        }
                    }
                    for (int k = 0; k < 2; k++) { // receive and hand over; decide the other's; release
                        agents.get(0).doWork();
                        agents.get(1).doWork();
                    }
                    queues.get(0).clearSent();
                    queues.get(1).clearSent();
                }
            };
            work.run();
            final io.tandem.engine.testing.AllocationMeter meter = new io.tandem.engine.testing.AllocationMeter();
            assertEquals(0, meter.measure(3, work), "a round of 1,024,000 packets allocated: " + meter.rounds());
            final long packets = sum(PacketCounter.PACKETS_RECEIVED);
            assertEquals(sum(PacketCounter.PACKETS_RECEIVED), sum(PacketCounter.VERDICT_ACCEPT),
                    "every packet answered on its own queue");
            assertTrue(sum(PacketCounter.HANDOFF_SENT) > packets / 4, "a good share crossed over");
            agents.forEach(PacketAgent::onClose);
        }
    }

    /** Runs both agents until every offered packet has its verdict on its own queue; checks each verdict. */
    private void drive(final List<PacketAgent> agents, final List<Map<Long, Integer>> expected) {
        for (int round = 0; round < 1000; round++) {
            agents.get(0).doWork();
            agents.get(1).doWork();
            if (answered(0, expected.get(0)) && answered(1, expected.get(1))) {
                return;
            }
        }
        throw new AssertionError("verdicts missing: queue 7 " + queues.get(0).verdicts(QUEUES[0]) + " queue 8 "
                + queues.get(1).verdicts(QUEUES[1]));
    }

    /** True when the queue's verdicts so far cover exactly the expected ids, each with its expected verdict. */
    private boolean answered(final int q, final Map<Long, Integer> expected) {
        final Map<Long, Integer> got = new HashMap<>();
        final List<NfqMessages.Verdict> vs = queues.get(q).verdicts(QUEUES[q]);
        final List<Long> ids = new ArrayList<>(expected.keySet());
        ids.sort(Long::compare);
        for (final NfqMessages.Verdict v : vs) {
            if (v.batch()) {
                for (final long id : ids) {
                    if (id <= v.id() && !got.containsKey(id)) {
                        got.put(id, v.verdict());
                    }
                }
            } else {
                assertTrue(!got.containsKey(v.id()), "queue " + QUEUES[q] + ": packet " + v.id() + " answered twice");
                got.put(v.id(), v.verdict());
            }
        }
        for (final Map.Entry<Long, Integer> e : got.entrySet()) {
            final Integer want = expected.get(e.getKey());
            assertEquals(want, e.getValue(), "queue " + QUEUES[q] + " packet " + e.getKey());
        }
        return got.keySet().containsAll(expected.keySet());
    }
}
