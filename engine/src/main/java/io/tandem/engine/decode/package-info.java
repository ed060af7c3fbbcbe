/**
 * Decode: the bytes of one queued packet into a {@link io.tandem.engine.decode.DecodedPacket}.
 *
 * <p>Theory of operation. {@link io.tandem.engine.decode.PacketDecoder} walks the L3 bytes the
 * queue delivered (IP header first, cut at the copy range) through a validation ladder — IPv4 with
 * options, IPv6 with extension headers, fragments, TCP with options, UDP, ICMP, ICMPv6 — reading
 * through the header flyweights of {@link io.tandem.engine.decode.header}, and fills one reused
 * {@code DecodedPacket}; a packet that does not decode is reported as a
 * {@link io.tandem.engine.decode.DecodeResult} reason, never as an exception. The state table and
 * the ruleset read the decoded packet; the packet path ({@link io.tandem.engine.packet}) owns the
 * decoder. Owner: the packet thread. Memory: the decoder and the decoded packet, allocated once.
 */
package io.tandem.engine.decode;
