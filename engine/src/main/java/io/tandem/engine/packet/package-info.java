/**
 * The packet path: NFQUEUE receive, decode, state lookup and rules, verdict.
 *
 * <p>Theory of operation. The PacketAgent (this package) owns the packet thread. Each duty cycle
 * it receives a batch of queued packets from its {@link io.tandem.engine.packet.PacketQueue} (the
 * NFQUEUE socket, {@link io.tandem.engine.packet.NfQueuePacketQueue}, opened on the packet thread;
 * byte fixtures in memory in unit tests); for each one it hands the L3 bytes (IP header
 * first, cut at the queue's copy range) to {@link io.tandem.engine.decode.PacketDecoder}, which
 * fills the agent's single reused {@link io.tandem.engine.decode.DecodedPacket}. A packet that does
 * not decode gets the configured failure verdict (DROP by default), counted under its
 * {@link io.tandem.engine.decode.DecodeResult}. A decoded packet is looked up in the state table
 * (pf-style state keys built from family, protocol, addresses and ports, or the ICMP echo id, or
 * the 5-tuple quoted in an ICMP error), tracked (TCP sequence windows), and on a miss evaluated
 * against the ruleset; the verdict joins the current verdict batch.
 *
 * <p>Ownership: every object in this package is owned by the packet thread and allocated at
 * start; nothing on the path allocates, boxes, formats or logs per packet. Counters are plain
 * longs written by the owner and read by the metrics scrape thread.
 *
 * <p>Header layouts live in {@link io.tandem.engine.decode.header} as flyweights.
 */
package io.tandem.engine.packet;
