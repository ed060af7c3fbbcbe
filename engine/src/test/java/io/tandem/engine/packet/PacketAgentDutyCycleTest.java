package io.tandem.engine.packet;

import static io.tandem.engine.packet.NfqMessages.Verdict.batchUpTo;
import static io.tandem.engine.packet.NfqMessages.Verdict.single;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.FORWARD;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.agent.AgentThreads;
import io.tandem.engine.assembly.TandemEngine;
import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.PacketBuilder;
import io.tandem.engine.sync.PeerInbox;
import io.tandem.engine.sync.SyncPolicy;
import io.tandem.engine.testing.AllocationMeter;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.VerdictBatcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.tandem.engine.testing.Await;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentTerminationException;
import org.junit.jupiter.api.Test;

/**
 * The packet agent's duty cycle driven through Agrona's {@code Agent} interface ({@code onStart},
 * {@code doWork}, {@code onClose}) over an {@link InMemoryPacketQueue}: NFQUEUE netlink messages built
 * from fixture bytes ({@link NfqMessages}, payloads from {@link PacketBuilder}) go in, and the test
 * reads back the verdict messages the agent sends — how many sends, which ids, accept or drop, single
 * or batch — and its counters. Most tests call the duty cycle on the test thread; the ones about
 * threads run the agent on its own thread, as the engine does.
 */
class PacketAgentDutyCycleTest {
    private static final int QUEUE = 7;
    private static final int PEER = 0x22222222;
    private static final int ACCEPT = VerdictBatcher.ACCEPT;
    private static final int DROP = VerdictBatcher.DROP;
    private static final String RULES = String.join("\n", "block all", "pass proto udp to port 53", "");

    private InMemoryPacketQueue queue;
    private PacketCounters counters;

    private PacketAgent agent(final boolean batchVerdicts, final boolean acceptMalformed, final int batch,
            final int slotSize) {
        return agent(batchVerdicts, acceptMalformed, batch, slotSize, 0);
    }

    private PacketAgent agent(final boolean batchVerdicts, final boolean acceptMalformed, final int batch,
            final int slotSize, final int busyPollMicros) {
        return agent(RULES, batchVerdicts, acceptMalformed, batch, slotSize, busyPollMicros);
    }

    private PacketAgent agent(final String conf, final boolean batchVerdicts, final boolean acceptMalformed,
            final int batch, final int slotSize, final int busyPollMicros) {
        final TandemConfig config = config(conf);
        counters = new PacketCounters(QUEUE);
        final PacketFilter filter = PacketFilter.fromConfig(config,
                config.compileRuleset(PacketFilterFixtures::ifindexOf), counters);
        final PacketAgentSettings settings = new PacketAgentSettings(QUEUE, -1, 0xFFFF, 1024, false, false,
                1 << 20, batch, batchVerdicts, acceptMalformed, busyPollMicros, null);
        queue = new InMemoryPacketQueue(batch, slotSize);
        return new PacketAgent(settings, filter, counters).queue(queue::open);
    }

    private PacketAgent agent() {
        return agent(true, false, 64, 4096);
    }

    /** The default agent with {@code conf} as its whole configuration. */
    private PacketAgent agent(final String conf) {
        return agent(conf, true, false, 64, 4096, 0);
    }

    private static TandemConfig config(final String text) {
        try {
            return ConfigParser.parse("t.conf", text);
        } catch (final ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** A forwarded UDP packet LAN → WAN from client port {@code sport} to {@code dport}. */
    private static byte[] udp(final long id, final int sport, final int dport) {
        return NfqMessages.packet(QUEUE, id, FORWARD, LAN, WAN,
                PacketBuilder.ipv4(C4, S4).udp(sport, dport).payload(20).build());
    }

    private long count(final PacketCounter c) {
        return counters.get(c);
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        Await.until(condition, what);
    }

    @Test
    void eachReceiveBatchIsDecidedAndAnsweredWithOneSendOfBatchedVerdicts() {
        final PacketAgent a = agent();
        a.onStart();
        queue.offer(udp(1, 1001, 53));
        queue.offer(udp(2, 1002, 53));
        queue.offer(udp(3, 1003, 53));
        queue.offer(udp(4, 1004, 99)); // no rule passes it: block all
        queue.offer(udp(5, 1005, 53));

        assertEquals(5, a.doWork(), "five messages handled in one cycle");

        assertEquals(1, queue.sends(), "one send for the whole receive batch");
        assertEquals(List.of(batchUpTo(3, ACCEPT), single(4, DROP), single(5, ACCEPT)), queue.verdicts(QUEUE));
        assertEquals(5, count(PacketCounter.PACKETS_RECEIVED));
        assertEquals(4, count(PacketCounter.VERDICT_ACCEPT));
        assertEquals(1, count(PacketCounter.VERDICT_DROP));
        assertEquals(1, count(PacketCounter.VERDICT_MESSAGES_BATCH));
        assertEquals(2, count(PacketCounter.VERDICT_MESSAGES_SINGLE));
        assertEquals(1, count(PacketCounter.VERDICT_SENDS));
        assertEquals(1, count(PacketCounter.RECEIVE_CALLS));
        assertEquals(1, count(PacketCounter.DUTY_CYCLES));
        assertEquals(0, count(PacketCounter.PACKET_ID_GAPS));
        assertEquals(4, a.states().size(), "a state for each passed flow");

        // The next packet of flow 1 passes by its state, without the rules.
        queue.offer(udp(6, 1001, 53));
        assertEquals(1, a.doWork());
        assertEquals(List.of(single(6, ACCEPT)), queue.verdictsOfSend(1, QUEUE));
        assertEquals(1, count(PacketCounter.STATE_MATCH_PASS));
        a.onClose();
    }

    @Test
    void singleVerdictModeSendsOneVerdictPerPacketStillInOneSendPerBatch() {
        final PacketAgent a = agent(false, false, 64, 4096);
        a.onStart();
        queue.offer(udp(1, 1001, 53));
        queue.offer(udp(2, 1002, 53));
        queue.offer(udp(3, 1003, 99));

        assertEquals(3, a.doWork());

        assertEquals(1, queue.sends());
        assertEquals(List.of(single(1, ACCEPT), single(2, ACCEPT), single(3, DROP)), queue.verdicts(QUEUE));
        assertEquals(0, count(PacketCounter.VERDICT_MESSAGES_BATCH));
        assertEquals(3, count(PacketCounter.VERDICT_MESSAGES_SINGLE));
        a.onClose();
    }

    @Test
    void aCycleTakesAtMostTheBatchSizeAndAnEmptyQueueIsWaitedOnInTheNextReceive() {
        final PacketAgent a = agent(true, false, 4, 4096);
        a.onStart();
        for (int id = 1; id <= 6; id++) {
            queue.offer(udp(id, 1000 + id, 53));
        }

        assertEquals(4, a.doWork(), "the first batch: the batch size");
        assertEquals(2, a.doWork(), "then the rest");
        assertEquals(0, queue.waitingReceives(), "a full batch: no wait, more may be queued");
        assertEquals(List.of(batchUpTo(4, ACCEPT)), queue.verdictsOfSend(0, QUEUE));
        assertEquals(List.of(batchUpTo(6, ACCEPT)), queue.verdictsOfSend(1, QUEUE));

        assertEquals(0, a.doWork(), "nothing queued (EAGAIN)");
        assertEquals(1, queue.waitingReceives(), "a short batch emptied the queue: the next receive waited for a"
                + " packet (recvmmsg with MSG_WAITFORONE), without a receive that would only say EAGAIN");
        assertEquals(0, a.doWork());
        assertEquals(2, queue.waitingReceives(), "and so does every receive while nothing comes");
        assertEquals(0, queue.polls(), "no poll: without sync and other queues only a packet can wake the thread");
        assertEquals(2, queue.sends(), "an empty flush sends nothing");
        assertEquals(0, count(PacketCounter.RECEIVE_ERRORS), "EAGAIN is not an error");
        queue.offer(udp(7, 1007, 53));
        assertEquals(1, a.doWork(), "a packet ends the wait");
        a.onClose();
    }

    @Test
    void thePacketThatEndsAWaitIsDecidedBeforeTheTablesSlicesWhichRunBeforeTheNextWait() throws Exception {
        final PacketAgent a = agent(RULES + "set timeout { udp.first 1, udp.single 1, udp.multiple 1, interval 1 }\n");
        a.onStart();
        queue.offer(udp(1, 1001, 53));
        queue.offer(udp(2, 1002, 53));
        assertEquals(2, a.doWork(), "two flows, a state each");
        assertEquals(2, a.states().size());
        assertEquals(0, a.doWork(), "nothing more: the slices run, then the next receive waits");
        final int waits = queue.waitingReceives();

        Thread.sleep(1_500); // both states are past their timeout (1 s); only a slice removes them (as pf)
        queue.offer(NfqMessages.packet(QUEUE, 3, FORWARD, WAN, LAN,
                PacketBuilder.ipv4(S4, C4).udp(53, 1001).payload(20).build()));
        assertEquals(1, a.doWork());
        assertEquals(waits + 1, queue.waitingReceives(), "the reply ended a waiting receive");
        assertEquals(List.of(single(3, ACCEPT)), queue.verdictsOfSend(1, QUEUE),
                "decided before the expiry slice: its state was still there (without it: block all)");
        assertEquals(1, a.states().size(),
                "the slice ran after it, before the next wait: the other flow's state is gone");
        a.onClose();
    }

    @Test
    void withBusyPollTheQueueIsPolledWithoutWaitingUntilBusyPollHasPassedSinceTheLastPacket() throws Exception {
        // one second, the largest; and no longer wait after it (that is the next test's)
        final PacketAgent a = agent(true, false, 4, 4096, 1_000_000).quietAfterMillis(60_000);
        a.onStart();
        queue.offer(udp(1, 1001, 53));
        assertEquals(1, a.doWork());
        for (int i = 0; i < 5; i++) {
            assertEquals(0, a.doWork(), "nothing queued (EAGAIN)");
        }
        assertEquals(0, queue.waitingReceives(), "within busy-poll of the last packet no receive waits");
        queue.offer(udp(2, 1002, 53));
        assertEquals(1, a.doWork(), "a packet is taken by the next poll");

        Thread.sleep(1_100);
        assertEquals(0, a.doWork(), "busy-poll has passed: this cycle finds the queue empty and stops polling");
        assertEquals(0, a.doWork());
        assertEquals(1, queue.waitingReceives(), "and the next receive waits for a packet, as without busy-poll");
        assertEquals(0, count(PacketCounter.RECEIVE_ERRORS));
        a.onClose();
    }

    @Test
    void aReceiveErrorIsCountedAndTheAgentGoesOn() {
        final PacketAgent a = agent();
        a.onStart();
        queue.offer(udp(7, 1007, 53)); // a state: the agent's waits are the short ones in the receive
        assertEquals(1, a.doWork());
        queue.failNextReceive(InMemoryPacketQueue.EIO);

        assertEquals(0, a.doWork(), "the failed receive handled nothing, and did not end the agent");
        assertEquals(1, count(PacketCounter.RECEIVE_ERRORS));

        final int waited = queue.waitingReceives();
        queue.failNextReceive(InMemoryPacketQueue.ENOBUFS);
        assertEquals(0, a.doWork());
        assertEquals(waited + 1, queue.waitingReceives(), "after an error the agent waits instead of spinning");
        assertEquals(1, count(PacketCounter.ENOBUFS), "a socket overrun has its own counter");
        assertEquals(1, count(PacketCounter.RECEIVE_ERRORS));

        queue.failNextReceive(InMemoryPacketQueue.EINTR);
        assertEquals(0, a.doWork());
        assertEquals(1, count(PacketCounter.RECEIVE_ERRORS), "EINTR (a signal) is not an error");

        queue.offer(udp(8, 1001, 53));
        assertEquals(1, a.doWork(), "the next receive works as before");
        assertEquals(List.of(single(7, ACCEPT), single(8, ACCEPT)), queue.verdicts(QUEUE));
        a.onClose();
        assertEquals(1, queue.closes());
    }

    @Test
    void aSendErrorIsCountedByErrnoAndTheAgentGoesOn() {
        final PacketAgent a = agent();
        a.onStart();
        queue.failSends(InMemoryPacketQueue.ENOBUFS);
        queue.offer(udp(1, 1001, 53));

        assertEquals(1, a.doWork());
        assertEquals(1, counters.sendErrors(InMemoryPacketQueue.ENOBUFS));
        assertEquals(0, count(PacketCounter.VERDICT_SENDS));

        queue.failSends(0);
        queue.offer(udp(2, 1002, 53));
        assertEquals(1, a.doWork());
        assertEquals(List.of(single(2, ACCEPT)), queue.verdicts(QUEUE));
        a.onClose();
    }

    @Test
    void netlinkErrorsOtherMessagesMalformedPacketsAndIdGapsAreCounted() {
        final PacketAgent a = agent();
        a.onStart();
        // An error for an earlier verdict and a packet in one datagram, as the kernel interleaves them.
        queue.offer(NfqMessages.datagram(NfqMessages.verdictError(QUEUE, 99, NfqMessages.ENOENT), udp(1, 1001, 53)));
        // A packet whose payload is not an IP packet: the malformed policy (default drop).
        queue.offer(NfqMessages.packet(QUEUE, 2, FORWARD, LAN, WAN, new byte[] {0x45, 0, 0}));
        // Ids 3 and 4 never arrive (lost to an overrun).
        queue.offer(udp(5, 1005, 53));

        assertEquals(3, a.doWork(), "three datagrams");

        assertEquals(1, counters.netlinkErrors(NfqMessages.ENOENT));
        assertEquals(1, counters.totalDecodeFailures());
        assertEquals(1, count(PacketCounter.PACKET_ID_GAPS));
        assertEquals(2, count(PacketCounter.PACKET_ID_GAP_PACKETS));
        assertEquals(3, count(PacketCounter.PACKETS_RECEIVED));
        assertEquals(List.of(single(1, ACCEPT), single(2, DROP), single(5, ACCEPT)), queue.verdicts(QUEUE));
        a.onClose();
    }

    @Test
    void withMalformedPassAnUndecodablePacketIsAccepted() {
        final PacketAgent a = agent(true, true, 64, 4096);
        a.onStart();
        queue.offer(NfqMessages.packet(QUEUE, 1, FORWARD, LAN, WAN, new byte[] {0x45, 0, 0}));

        assertEquals(1, a.doWork());
        assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE));
        assertEquals(1, counters.totalDecodeFailures());
        a.onClose();
    }

    @Test
    void aDatagramLargerThanItsSlotIsCountedAsTruncatedAndStillAnswered() {
        final PacketAgent a = agent(true, false, 64, 96);
        a.onStart();
        queue.offer(NfqMessages.packet(QUEUE, 1, FORWARD, LAN, WAN,
                PacketBuilder.ipv4(C4, S4).udp(1001, 53).payload(200).build()));

        assertEquals(1, a.doWork());
        assertEquals(1, count(PacketCounter.TRUNCATED_MESSAGES));
        final List<NfqMessages.Verdict> verdicts = queue.verdicts(QUEUE);
        assertEquals(1, verdicts.size(), "the cut packet still gets a verdict: " + verdicts);
        assertEquals(1, verdicts.get(0).id());
        a.onClose();
    }

    /** A stand-in for the journal thread that parks until unparked, counting the wake-ups, until interrupted. */
    private static Thread journalStandIn(final io.tandem.engine.journal.JournalRing ring,
            final java.util.concurrent.atomic.AtomicInteger wakes) {
        final Thread standIn = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                java.util.concurrent.locks.LockSupport.park();
                wakes.incrementAndGet();
            }
        }, "journal-stand-in");
        standIn.setDaemon(true);
        standIn.start();
        ring.consumer(standIn);
        return standIn;
    }

    /**
     * Waking the journal thread from its sleep costs the packet thread several microseconds (a futex wake,
     * an interrupt to the other CPU: 6-17 us on the test machine), and the verdicts of a short batch may
     * bring their answers into the queue during their own {@code send} (a SYN's SYN-ACK from a nearby
     * server). So a short batch that journaled a change looks at the socket once more, without waiting,
     * and wakes the journal thread after that: when the receive found nothing (before the thread waits),
     * or after the packets it found (once for both cycles). A short batch without records waits in the
     * next receive at once, as before.
     */
    @Test
    void aShortBatchThatJournaledReceivesOnceMoreBeforeWakingTheJournalThread(
            @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        try (io.tandem.engine.journal.EngineJournal journal = io.tandem.engine.journal.EngineJournal.open(dir,
                "hourly", 10, 60, 0, 1, System.err)) {
            final PacketAgent a = agent().journal(journal);
            a.onStart();
            final io.tandem.engine.journal.JournalRing ring = journal.ring(0);
            final java.util.concurrent.atomic.AtomicInteger wakes = new java.util.concurrent.atomic.AtomicInteger();
            final Thread standIn = journalStandIn(ring, wakes);
            try {
                // A new flow: its state is journaled; the journal thread sleeps until records come.
                ring.consumerAsleep(true);
                queue.offer(udp(1, 1001, 53));
                a.doWork();
                assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE));
                final int waitingBefore = queue.waitingReceives();
                final int receivesBefore = queue.receives();
                Thread.sleep(50);
                assertEquals(0, wakes.get(), "not woken before the next receive");

                // Its answer is queued: the next cycle takes it without waiting, then wakes the journal once.
                queue.offer(udp(2, 1001, 53));
                a.doWork();
                assertEquals(receivesBefore + 1, queue.receives());
                assertEquals(waitingBefore, queue.waitingReceives(), "that receive did not wait");
                await(() -> wakes.get() == 1, "the journal thread woken after that cycle");

                // Another new flow, and nothing after it: the receive finds nothing, the thread wakes the
                // journal before it waits.
                ring.consumerAsleep(true);
                queue.offer(udp(3, 1002, 53));
                a.doWork();
                Thread.sleep(50);
                assertEquals(1, wakes.get());
                a.doWork();
                await(() -> wakes.get() == 2, "woken before the thread waits");

                // A packet of a known flow journals nothing: the next receive waits at once. (The rolling
                // snapshot's slices may journal meanwhile; they are woken for before the thread waits.)
                ring.consumerAsleep(true);
                queue.offer(udp(4, 1002, 53));
                final int waiting = queue.waitingReceives();
                a.doWork();
                a.doWork();
                assertEquals(waiting + 1, queue.waitingReceives(), "no extra receive without records");
            } finally {
                standIn.interrupt();
                a.onClose();
            }
        }
    }

    /**
     * While a first packet is held for a peer's INS_ACK, the thread does not wake the journal thread before
     * it waits, for up to {@code heldJournalWakeNanos} from the first wait it put off: the hold is a round trip through
     * the sync thread, which has the INSERT from the urgent lane, and the journal's append would run beside
     * it. Once nothing is held (here: the hold's timeout released the packet) the next wait wakes it.
     */
    @Test
    void whileAFirstPacketIsHeldTheJournalThreadIsWokenOnlyAfterTheBoundOrTheRelease(
            @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        try (io.tandem.engine.journal.EngineJournal journal = io.tandem.engine.journal.EngineJournal.open(dir,
                "hourly", 10, 60, 0, 1, System.err)) {
            journal.feedsPeers(100); // a sync thread drains the urgent lane: the held INSERT takes it
            final PacketAgent a = agent().journal(journal).peerInbox(new PeerInbox()).deferral(16, 300);
            a.heldJournalWakeNanos(java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
            a.onStart();
            final io.tandem.engine.journal.JournalRing ring = journal.ring(0);
            final java.util.concurrent.atomic.AtomicInteger wakes = new java.util.concurrent.atomic.AtomicInteger();
            final Thread standIn = journalStandIn(ring, wakes);
            try {
                assertEquals(0, a.doWork(), "an empty cycle: the thread waited once, nothing held");
                Thread.sleep(50);
                final int start = wakes.get(); // that cycle's wake, if the (absent) journal thread slept
                ring.consumerAsleep(true);
                queue.offer(udp(1, 1001, 53)); // a new state: its first packet is held, its INSERT journaled
                assertEquals(1, a.doWork());
                assertEquals(1, a.deferrals().held());
                assertEquals(0, a.doWork(), "nothing queued: the thread waits for the peer's answer");
                assertEquals(0, a.doWork());
                Thread.sleep(50);
                assertEquals(start, wakes.get(), "the journal thread was woken while the packet was held");
                assertTrue(ring.size() > 0, "the INSERT waits in the ring");

                // The hold ends (its timeout: the packet passes); the next wait wakes the journal thread.
                final long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (a.deferrals().held() > 0 && System.nanoTime() < end) {
                    a.doWork();
                }
                assertEquals(0, a.deferrals().held());
                assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE));
                a.doWork();
                await(() -> wakes.get() > start, "the journal thread woken once nothing was held");

                // With a bound of 0 a held packet does not put the wake off.
                a.heldJournalWakeNanos(0);
                final int before = wakes.get();
                ring.consumerAsleep(true);
                queue.offer(udp(2, 1002, 53));
                assertEquals(1, a.doWork());
                assertEquals(1, a.deferrals().held());
                a.doWork(); // nothing queued: the wait, and the wake before it
                await(() -> wakes.get() > before, "woken at once with a bound of 0");
            } finally {
                standIn.interrupt();
                a.onClose();
            }
        }
    }

    @Test
    void aHeldFirstPacketIsReleasedAndItsVerdictSentAtCloseBeforeTheQueueCloses() {
        final PacketAgent a = agent().peerInbox(new PeerInbox()).deferral(16, 60_000);
        a.onStart();
        final DeferredVerdicts held = a.deferrals();
        assertNotNull(held, "deferral is set up on the agent thread, with the queue");
        queue.offer(udp(1, 1001, 53));

        assertEquals(1, a.doWork());
        assertEquals(0, queue.sends(), "the first packet of the new state is held: no verdict yet");
        assertEquals(1, held.held());

        a.onClose();

        assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE), "released (accepted) at shutdown");
        assertEquals(1, held.released(DeferredVerdicts.Release.SHUTDOWN));
        assertEquals(1, queue.closes());
        assertEquals(0, queue.sendsAfterClose(), "every verdict went out before the queue closed");
    }

    /**
     * The other half of answering a peer's INS on arrival (FrameIngress): the sync thread put the INS
     * in the inbox behind more messages than a cycle applies, and acknowledged it; the peer then released
     * its packet, and the reply (server → client, which no rule here passes) is received in this cycle.
     * It must be decided after the INS is in the table. Without {@code applyAcknowledged} it is dropped.
     */
    @Test
    void aReplyReceivedAfterThePeersInsWasAcknowledgedFindsItsState() {
        final PeerInbox inbox = new PeerInbox();
        final PacketAgent a = agent().peerInbox(inbox);
        a.onStart();
        assertEquals(0, a.doWork(), "an empty cycle: the inbox is attached to the table");
        final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        final JournalRecordFlyweight m = new JournalRecordFlyweight().wrap(staging, 0);
        for (int i = 0; i < 300; i++) { // more than a cycle applies: DEL_C of states nobody holds
            m.clear().type(JournalRecordType.DELETE.code()).originKind(JournalRecorder.ORIGIN_PEER).creatorId(PEER)
                    .id(1000 + i);
            assertTrue(inbox.offer(PeerInbox.DELETE, staging, 0));
        }
        m.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .creatorId(PEER).id(5).af(2).proto(17).direction(0).timeoutClass(8)
                .addresses(0, 0x0A000001L, 0, 0xC000020AL).ports(1001, 53).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 0, 0)
                .creationMillis(System.currentTimeMillis()).expireAtMillis(System.currentTimeMillis() + 30_000);
        assertTrue(inbox.offerAcknowledged(PeerInbox.STATE, staging, 0));
        queue.offer(NfqMessages.packet(QUEUE, 1, FORWARD, WAN, LAN,
                PacketBuilder.ipv4(S4, C4).udp(53, 1001).payload(20).build()));

        assertEquals(1, a.doWork());
        assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE), "the reply passed by the peer's state");
        assertEquals(1, count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(300 - 256 + 1, inbox.acknowledgedApplied(), "the rest of the DEL_Cs, then the INS");
        assertTrue(a.states().findById(PEER, 5) >= 0);
        a.onClose();
    }

    /**
     * With sync on and nothing held for a peer, only a packet needs the thread at once: it waits in the
     * next receive, as without sync (one system call per wake-up), not in a poll and a receive. A packet
     * held for a peer's answer (deferral) makes the wait a poll of the socket and the doorbell again,
     * which the peer's INS_ACK (the doorbell) can end.
     */
    @Test
    void withSyncTheThreadWaitsInTheReceiveUnlessAPacketIsHeldForAPeer() {
        final PeerInbox inbox = new PeerInbox();
        final PacketAgent a = agent().peerInbox(inbox).deferral(16, 60_000);
        a.onStart();
        queue.offer(NfqMessages.packet(QUEUE, 1, FORWARD, WAN, LAN,
                PacketBuilder.ipv4(S4, C4).udp(53, 1001).payload(20).build())); // no rule passes it: no state
        assertEquals(1, a.doWork());
        assertEquals(List.of(single(1, DROP)), queue.verdicts(QUEUE));
        assertEquals(0, a.doWork(), "nothing queued");
        assertEquals(1, queue.waitingReceives(), "sync on, nothing held: the receive waited");

        holdFirstPacket(a, 2, 1002);
        final int waited = queue.waitingReceives();
        twoEmptyCycles(a);
        assertEquals(waited, queue.waitingReceives(),
                "a packet held: the thread waits on its doorbell (which a peer's answer rings), not in the receive");

        a.onClose();
    }

    /**
     * {@code set sync defer-poll}: while a first packet it held waits for a peer's INS_ACK, the thread polls
     * instead of waiting on its doorbell, for up to the setting after the hold; with 0 it waits as before.
     */
    @Test
    void withDeferPollTheThreadPollsForTheAcknowledgementOfAPacketItJustHeld() {
        for (final int micros : new int[] {60_000_000, 0}) {
            final PacketAgent a = agent().peerInbox(new PeerInbox()).deferral(16, 60_000).deferralPoll(micros);
            a.onStart();
            holdFirstPacket(a, 2, 1002);
            final long waits = a.doorbellWaits();
            twoEmptyCycles(a);
            if (micros > 0) {
                assertEquals(waits, a.doorbellWaits(), "held within the setting: the thread polls, it does not wait");
                assertFalse(a.pollsForAcknowledgement(a.deferrals().lastHoldNanos() + micros * 1_000L),
                        "the setting after the hold: it waits again");
            } else {
                assertEquals(waits + 2, a.doorbellWaits(), "defer-poll 0: each empty cycle waits on the doorbell");
            }
            a.onClose();
        }
    }

    /** A packet of a new state (UDP from {@code port} to 53), received in one cycle: its first packet is held. */
    private void holdFirstPacket(final PacketAgent a, final int id, final int port) {
        queue.offer(udp(id, port, 53));
        assertEquals(1, a.doWork());
        assertEquals(1, a.deferrals().held(), "held for the peers' INS_ACK");
    }

    private static void twoEmptyCycles(final PacketAgent a) {
        assertEquals(0, a.doWork(), "nothing queued");
        assertEquals(0, a.doWork(), "nothing queued");
    }

    /** ... but not once a held packet left by its timeout: no peer answers, and polling would only burn the CPU. */
    @Test
    void withDeferPollTheThreadWaitsAgainOnceNoPeerAnswers() throws Exception {
        final PacketAgent a = agent().peerInbox(new PeerInbox()).deferral(16, 300).deferralPoll(60_000_000);
        a.onStart();
        queue.offer(udp(2, 1002, 53));
        assertEquals(1, a.doWork());
        Thread.sleep(400); // past the 300 ms defer-timeout (the next held packet must not reach its own)
        a.doWork(); // releases it by its timeout
        assertEquals(1, a.deferrals().released(DeferredVerdicts.Release.TIMEOUT));
        holdFirstPacket(a, 3, 1003);
        final long waits = a.doorbellWaits();
        assertEquals(0, a.doWork(), "nothing queued");
        assertEquals(waits + 1, a.doorbellWaits(), "held, but nobody answered the last one: the thread waits");
        a.onClose();
    }

    /**
     * A peer's message that arrives while the thread waits in the receive does not end the wait (no
     * doorbell is polled); the packets that end it came after it, so it is applied before they are
     * decided: here the peer's INS (without PFSTATE_ACK, so nothing else would apply it first) and the
     * reply it covers, which no rule passes.
     */
    @Test
    void aPeersMessageThatCameDuringAWaitingReceiveIsAppliedBeforeThePacketsItReturned() {
        final PeerInbox inbox = new PeerInbox();
        final PacketAgent a = agent().peerInbox(inbox);
        a.onStart();
        queue.offer(udp(1, 1001, 53));
        assertEquals(1, a.doWork(), "a short batch: the next receive waits");
        final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        final JournalRecordFlyweight m = new JournalRecordFlyweight().wrap(staging, 0);
        m.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .creatorId(PEER).id(5).af(2).proto(17).direction(0).timeoutClass(8)
                .addresses(0, 0x0A000001L, 0, 0xC000020AL).ports(1002, 53).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 0, 0)
                .creationMillis(System.currentTimeMillis()).expireAtMillis(System.currentTimeMillis() + 30_000);
        queue.duringWaitingReceive(() -> {
            assertTrue(inbox.offer(PeerInbox.STATE, staging, 0));
            queue.offer(NfqMessages.packet(QUEUE, 2, FORWARD, WAN, LAN,
                    PacketBuilder.ipv4(S4, C4).udp(53, 1002).payload(20).build()));
            queue.duringWaitingReceive(null);
        });

        assertEquals(1, a.doWork());
        assertEquals(1, queue.waitingReceives());
        assertEquals(List.of(single(1, ACCEPT), single(2, ACCEPT)), queue.verdicts(QUEUE),
                "the reply passed by the peer's state, applied when the wait ended");
        assertTrue(a.states().findById(PEER, 5) >= 0);
        a.onClose();
    }

    /**
     * With pfsync the trailing reports and repeats that fell due (a journal record each, from cold state
     * lines) run just before the thread waits: not between a wait's end and the packet that ended it, nor
     * in the cycle that receives once more at once after a short batch that journaled (for the answers
     * its verdicts may have brought, a SYN's SYN-ACK), and still before the next wait. Here each state's
     * first repeat falls due a second after its creation; the probe reads the count at every receive.
     */
    @Test
    void dueReportsRunBeforeTheThreadWaitsNotBeforeThePacketThatEndedAWaitOrTheAnswersLookedFor(
            @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        try (io.tandem.engine.journal.EngineJournal journal = io.tandem.engine.journal.EngineJournal.open(dir,
                "hourly", 10, 60, 0, 1, System.err)) {
            final PacketAgent a = agent().peerInbox(new PeerInbox()).journal(journal);
            a.onStart();
            assertEquals(0, a.doWork(), "an empty cycle: the inbox is attached to the table");
            final SyncPolicy policy = SyncPolicy.of(a.states());
            policy.enableSyncUpdates(128);
            queue.offer(udp(1, 1001, 53));
            assertEquals(1, a.doWork(), "a new state, whose report is repeated after a second of quiet");
            assertEquals(0, a.doWork(), "nothing queued: the reports due (none) run, then the receive waits");
            final int waits = queue.waitingReceives();
            final List<Long> repeatedAtReceive = new java.util.ArrayList<>();
            queue.beforeEachReceive(() -> repeatedAtReceive.add(policy.repeated()));

            Thread.sleep(1_100); // the first state's repeat falls due while the thread waits
            queue.offer(udp(2, 1002, 53)); // a new flow ends the wait, and journals: the thread looks again
            assertEquals(1, a.doWork());
            assertEquals(waits + 1, queue.waitingReceives(), "that receive waited");
            Thread.sleep(1_100); // the second state's repeat falls due too
            queue.offer(udp(3, 1003, 53)); // what the look again finds
            assertEquals(1, a.doWork());

            assertEquals(List.of(0L, 0L), repeatedAtReceive,
                    "neither the packet that ended the wait nor the one the look again took waited for the reports");
            assertEquals(List.of(single(1, ACCEPT), single(2, ACCEPT), single(3, ACCEPT)), queue.verdicts(QUEUE));
            assertEquals(2, policy.repeated(), "both repeats ran before the thread's next wait");
            queue.beforeEachReceive(null);
            a.onClose();
        }
    }

    /**
     * An idle engine wakes for a packet or a request, not for a timer: an agent whose table is empty,
     * on its own thread, stops cycling once it has had nothing to do for a while (its longest wait set
     * to a minute here), and a request in a mailbox and {@link PacketAgent#stop()} each wake it (a
     * packet does too, through its socket, which this in-memory queue does not have: the system test
     * IdleEngineSystemTest covers it). Counts cycles (the queue's receives), not time.
     */
    @Test
    void anIdleAgentWithAnEmptyTableSleepsUntilARequestOrStop() throws Exception {
        final PacketAgent a = agent().deepIdleMillis(60_000);
        a.start();
        a.awaitStarted(10, TimeUnit.SECONDS);
        Thread.sleep(300); // longer than QUIET_AFTER_MILLIS
        final int before = queue.receives();
        Thread.sleep(300);
        assertTrue(queue.receives() - before <= 1, "asleep, not cycling: " + (queue.receives() - before));

        final int asleep = queue.receives();
        assertNotNull(a.stateCommands().apply(StateCommand.flush(), 10, TimeUnit.SECONDS), "a request wakes it");
        assertTrue(queue.receives() - asleep <= 2, "one cycle for it: " + (queue.receives() - asleep));

        a.stop();
        assertTrue(a.awaitStopped(10, TimeUnit.SECONDS), "stop wakes it");
    }

    /**
     * With states in the table an idle agent still cycles, for their expiry and the journal's snapshot,
     * but ten times a second ({@link PacketAgent#QUIET_IDLE_MILLIS}) once it has had nothing to do for
     * {@link PacketAgent#QUIET_AFTER_MILLIS}, not a hundred, waiting on its socket and doorbell; and the expiry keeps its pace: a state whose timeout passed while the
     * thread waited is purged within the purge interval (1 s here), as when it was busy.
     */
    @Test
    void anIdleAgentWithStatesCyclesTenTimesASecondAndStillExpiresThem() throws Exception {
        final PacketAgent a = agent(RULES + "set timeout { udp.first 1, udp.single 1, udp.multiple 1, interval 1 }\n");
        a.start();
        a.awaitStarted(10, TimeUnit.SECONDS);
        queue.offer(udp(1, 1001, 53));
        await(() -> queue.sends() == 1, "the verdict");
        assertEquals(1, a.states().size(), "one state");
        Thread.sleep(300); // longer than QUIET_AFTER_MILLIS
        final int before = queue.receives();
        Thread.sleep(500);
        final int cycles = queue.receives() - before;
        assertTrue(cycles <= 10, "about 5 cycles in 500 ms, not 50: " + cycles);
        assertTrue(cycles >= 2, "still cycling for the states: " + cycles);
        await(() -> a.states().size() == 0, "the state expired (1 s) and purged (interval 1 s)");
        a.stop();
        assertTrue(a.awaitStopped(10, TimeUnit.SECONDS));
    }

    @Test
    void afterStopTheDutyCycleEndsTheAgent() {
        final PacketAgent a = agent();
        a.onStart();
        a.stop();
        assertThrows(AgentTerminationException.class, a::doWork);
        a.onClose();
        assertEquals(1, queue.closes());
    }

    @Test
    void onTheAgentsThreadTheQueueIsOpenedThereUsedAndClosedThereAtStop() throws Exception {
        final PacketAgent a = agent();
        assertNull(a.packetQueue(), "nothing is opened before the thread starts");
        final Thread t = a.start();
        a.awaitStarted(10, TimeUnit.SECONDS);

        assertSame(t, queue.openedOn(), "opened on the agent's own thread");
        assertEquals("tandem-queue-" + QUEUE, queue.openedOn().getName());
        assertEquals(t.getId(), a.threadId());
        assertSame(queue, a.packetQueue());
        assertNull(a.session(), "not an NFQUEUE session");

        queue.offer(udp(1, 1001, 53));
        await(() -> queue.sends() == 1, "the verdict");
        assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(QUEUE));

        a.stop();
        assertTrue(a.awaitStopped(10, TimeUnit.SECONDS));
        t.join(10_000);
        assertSame(t, queue.closedOn(), "closed on the agent's thread, in onClose");
        assertEquals(1, queue.closes());
    }

    @Test
    void aQueueThatCannotBeOpenedFailsTheStartAndTheThreadEnds() throws Exception {
        final PacketAgent a = agent().queue(() -> {
            throw new IllegalStateException("queue " + QUEUE + " is already bound");
        });
        final Thread t = a.start();
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> a.awaitStarted(10, TimeUnit.SECONDS));
        assertEquals("queue " + QUEUE + " is already bound", e.getMessage());
        assertTrue(a.awaitStopped(10, TimeUnit.SECONDS));
        t.join(10_000);
        assertFalse(t.isAlive());
        assertNull(a.packetQueue());
    }

    @Test
    void anEngineAssembledFromItsConfigurationRunsOnAnInjectedQueue(
            @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        final String text = assembledEngineDecidesOnePacket(dir, 0, (real, started) -> { });
        assertTrue(text.contains("not an NFQUEUE socket"), text);
        assertTrue(text.contains("tandem: stopped: 1 packets, 1 accepted, 0 dropped"), text);
        assertFalse(text.contains("warmed"), text);
    }

    @Test
    void theWarmUpRunsBeforeTheQueueIsBoundAndLeavesNoTraceInTheRealEngine(
            @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        assembledEngineDecidesOnePacket(dir, 150, (real, started) -> {
            final java.util.regex.Matcher warmed =
                    java.util.regex.Pattern.compile("warmed the packet path up: (\\d+) made-up packets").matcher(started);
            assertTrue(warmed.find(), started);
            assertTrue(Long.parseLong(warmed.group(1)) > 0, started);
            assertTrue(started.indexOf("warmed") < started.indexOf("not an NFQUEUE socket"),
                    "the warm-up ends before the queue is opened: " + started);
            // nothing of the made-up traffic in the real table, counters or the configured rules' counters
            assertEquals(0, real.states().size());
            assertEquals(0, real.counters().get(PacketCounter.PACKETS_RECEIVED));
            for (int rule = 0; rule < real.ruleset().size(); rule++) {
                assertEquals(0, real.ruleset().evaluations(rule));
            }
        });
    }

    /**
     * Assembles an engine from {@link #RULES} with {@code set warmup warmupMillis} and a journal in {@code dir}, on
     * an injected queue; starts it; hands {@code afterStart} its packet agent and the log so far; then has it
     * decide one DNS query (accepted, one state) and stops it. Returns the whole log.
     */
    private String assembledEngineDecidesOnePacket(final java.nio.file.Path dir, final int warmupMillis,
            final java.util.function.BiConsumer<PacketAgent, String> afterStart) throws Exception {
        final TandemConfig config = config("set limit states 1000\nset warmup " + warmupMillis + "\nset journal dir \""
                + dir + "\"\n" + RULES);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
        queue = new InMemoryPacketQueue(config.batch(), 4096);
        try (TandemEngine engine = TandemEngine.assemble(config,
                config.compileRuleset(PacketFilterFixtures::ifindexOf), log)) {
            final PacketAgent real = engine.packetAgent();
            real.queue(queue::open);
            engine.start();
            assertEquals("tandem-queue-" + config.queue(), queue.openedOn().getName());
            afterStart.accept(real, out.toString(StandardCharsets.UTF_8));

            queue.offer(NfqMessages.packet(config.queue(), 1, FORWARD, LAN, WAN,
                    PacketBuilder.ipv4(C4, S4).udp(1001, 53).payload(20).build()));
            await(() -> queue.sends() == 1, "the verdict");
            assertEquals(List.of(single(1, ACCEPT)), queue.verdicts(config.queue()));
            assertEquals(1, real.states().size());

            engine.requestStop();
            assertTrue(engine.awaitStop(1, TimeUnit.SECONDS));
            assertEquals(0, engine.stop());
            assertEquals(1, queue.closes());
            // a second stop (a shutdown hook after the signal handler's) neither stops again nor prints again
            assertEquals(0, engine.stop());
            assertEquals(1, queue.closes());
            final String printed = out.toString(StandardCharsets.UTF_8);
            assertEquals(printed.indexOf("tandem: stopped: "), printed.lastIndexOf("tandem: stopped: "), printed);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aWarmDutyCycleAllocatesNothing() {
        final PacketAgent a = agent();
        a.onStart();
        // One established flow: 64 messages per batch, the first of them created the state.
        final byte[][] batch = new byte[64][];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = udp(i + 1, 1001, 53);
        }
        final Runnable rounds = () -> {
            for (int round = 0; round < 200; round++) {
                for (final byte[] message : batch) {
                    queue.offer(message);
                }
                if (a.doWork() != batch.length) {
                    throw new AssertionError("a batch of " + batch.length + " expected");
                }
                queue.clearSent();
            }
        };
        for (int warm = 0; warm < 50; warm++) {
            rounds.run();
        }
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(5, rounds);
        assertEquals(0, allocated, "receive → parse → decode → decide → verdict → send allocates: " + meter.rounds());
        assertEquals(1, a.states().size());
        a.onClose();
    }

    /**
     * With a large table the agent decodes a receive batch first and prefetches its lookups
     * ({@link ReceivedBatch}) before deciding: the verdicts still leave in packet order, with an
     * undecodable packet and a blocked one in the middle of the batch, and a warm cycle still allocates
     * nothing.
     */
    @Test
    void withALargeTableTheBatchIsPrefetchedYetDecidedInOrderWithoutAllocating() {
        final int flows = 33_768; // more than fit in the caches of the machines this runs on
        final TandemConfig config = config("set limit states " + (flows + 1000) + "\n" + RULES);
        counters = new PacketCounters(QUEUE);
        final PacketFilter filter = PacketFilter.fromConfig(config,
                config.compileRuleset(PacketFilterFixtures::ifindexOf), counters);
        queue = new InMemoryPacketQueue(64, 4096);
        final PacketAgent a = new PacketAgent(new PacketAgentSettings(QUEUE, -1, 0xFFFF, 1024, false, false,
                1 << 20, 64, true, false, 0, null), filter, counters).queue(queue::open);
        a.onStart();
        final byte[][] first = new byte[flows][];
        long id = 0;
        for (int f = 0; f < flows; f++) {
            first[f] = NfqMessages.packet(QUEUE, ++id, FORWARD, LAN, WAN,
                    PacketBuilder.ipv4("10.0.1." + (f >>> 14), S4).udp(1024 + (f & 0x3FFF), 53).payload(20).build());
            queue.offer(first[f]);
            if (f % 64 == 63) {
                a.doWork();
            }
        }
        a.doWork();
        assertEquals(flows, a.states().size());
        queue.clearSent();
        final long base = id;
        for (int k = 0; k < 8; k++) {
            if (k == 2) {
                queue.offer(udp(++id, 1001, 99)); // blocked: no rule, no state
            } else if (k == 5) {
                queue.offer(NfqMessages.packet(QUEUE, ++id, FORWARD, LAN, WAN, new byte[] {0x45, 0, 0})); // malformed
            } else {
                queue.offer(NfqMessages.packet(QUEUE, ++id, FORWARD, LAN, WAN,
                        PacketBuilder.ipv4("10.0.1." + (k * 4000 >>> 14), S4).udp(1024 + (k * 4000 & 0x3FFF), 53)
                                .payload(20).build()));
            }
        }
        assertEquals(8, a.doWork());
        assertEquals(List.of(batchUpTo(base + 2, ACCEPT), single(base + 3, DROP), batchUpTo(base + 5, ACCEPT),
                single(base + 6, DROP), batchUpTo(base + 8, ACCEPT)), queue.verdicts(QUEUE));
        assertEquals(6, count(PacketCounter.STATE_MATCH_PASS), "the six passed by their states");

        final byte[][] batch = new byte[64][];
        final Runnable rounds = () -> {
            for (int round = 0; round < 100; round++) {
                for (int k = 0; k < batch.length; k++) {
                    queue.offer(batch[k]);
                }
                if (a.doWork() != batch.length) {
                    throw new AssertionError("a batch of " + batch.length + " expected");
                }
                queue.clearSent();
            }
        };
        for (int k = 0; k < batch.length; k++) {
            batch[k] = first[k * 397 % flows];
        }
        for (int warm = 0; warm < 50; warm++) {
            rounds.run();
        }
        final AllocationMeter meter = new AllocationMeter();
        assertEquals(0, meter.measure(5, rounds), "decode all → prefetch → decide allocates: " + meter.rounds());
        a.onClose();
    }
}
