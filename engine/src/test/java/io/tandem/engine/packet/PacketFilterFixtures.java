package io.tandem.engine.packet;

import io.tandem.engine.decode.PacketBuilder;

import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.PacketDecoder;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.verdict.VerdictBatcher;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Shared fixtures for the {@code PacketFilter*Test} classes: a harness that runs real packet bytes
 * (built with {@link PacketBuilder}) through {@link PacketDecoder} and {@link PacketFilter#decide}
 * as the PacketAgent does (a decode failure is counted and dropped, the default malformed policy),
 * and a TCP connection helper that keeps both ends' sequence numbers.
 */
final class PacketFilterFixtures {
    static final int PRE_ROUTING = 0;
    static final int LOCAL_IN = 1;
    static final int FORWARD = 2;
    static final int LOCAL_OUT = 3;
    static final int POST_ROUTING = 4;

    static final int ACCEPT = VerdictBatcher.ACCEPT;
    static final int DROP = VerdictBatcher.DROP;

    /** Interface indexes the fixtures' resolver knows. */
    static final int LAN = 1;
    static final int WAN = 2;
    static final int DMZ = 3;

    static final int SYN = DecodedPacket.TH_SYN;
    static final int ACK = DecodedPacket.TH_ACK;
    static final int FIN = DecodedPacket.TH_FIN;
    static final int RST = DecodedPacket.TH_RST;
    static final int PSH = DecodedPacket.TH_PUSH;

    /** A wall-clock start time (ms); tests advance from here. */
    static final long T0 = 1_700_000_000_000L;

    /** Client on the LAN, server beyond the WAN. */
    static final String C4 = "10.0.0.1";
    static final String S4 = "192.0.2.10";
    static final String C6 = "2001:db8:1::1";
    static final String S6 = "2001:db8:2::10";

    private PacketFilterFixtures() {
    }

    static int ifindexOf(final String name) {
        switch (name) {
            case "lan0":
                return LAN;
            case "wan0":
                return WAN;
            case "dmz0":
                return DMZ;
            default:
                return 0;
        }
    }

    static String verdictName(final int verdict) {
        return verdict == ACCEPT ? "ACCEPT" : verdict == DROP ? "DROP" : "verdict " + verdict;
    }

    /** A filter built from configuration text, with a decoder in front of it. */
    static final class Harness {
        final TandemConfig config;
        final PacketCounters counters = new PacketCounters(0);
        final PacketFilter filter;
        final PacketDecoder decoder = new PacketDecoder();
        final DecodedPacket packet = new DecodedPacket();
        DecodeResult lastDecode;
        long now = T0;

        Harness(final String conf) {
            try {
                config = ConfigParser.parse("t.conf", conf);
            } catch (final ConfigException e) {
                throw new AssertionError("bad test config: " + e.getMessage(), e);
            }
            filter = PacketFilter.fromConfig(config, config.compileRuleset(PacketFilterFixtures::ifindexOf), counters);
            if (!filter.ruleset().warnings().isEmpty()) {
                throw new AssertionError("ruleset warnings: " + filter.ruleset().warnings());
            }
        }

        /** Decodes {@code bytes} and decides them; a decode failure is counted and dropped. */
        int decide(final byte[] bytes, final int hook, final int indev, final int outdev) {
            final byte[] backing = new byte[bytes.length + 16];
            System.arraycopy(bytes, 0, backing, 8, bytes.length);
            lastDecode = decoder.decode(new UnsafeBuffer(backing), 8, bytes.length, bytes.length, 0, packet);
            if (lastDecode.isFailure()) {
                counters.incrementDecodeFailure(lastDecode);
                return DROP;
            }
            return filter.decide(packet, hook, indev, outdev, bytes.length, now);
        }

        int forward(final byte[] bytes, final int indev, final int outdev) {
            return decide(bytes, FORWARD, indev, outdev);
        }

        int localIn(final byte[] bytes, final int indev) {
            return decide(bytes, LOCAL_IN, indev, 0);
        }

        int localOut(final byte[] bytes, final int outdev) {
            return decide(bytes, LOCAL_OUT, 0, outdev);
        }

        long count(final PacketCounter c) {
            return counters.get(c);
        }

        long count(final StateCounter c) {
            return filter.states().counters().get(c);
        }

        Ruleset ruleset() {
            return filter.ruleset();
        }

        StateTable states() {
            return filter.states();
        }

        /** Packets recorded by rule {@code i} ({@code -1}: the implicit default). */
        long rulePackets(final int i) {
            return filter.ruleset().packets(i);
        }

        /** The only live state's slot; fails unless exactly one state is live. */
        int onlyState() {
            final StateTable t = filter.states();
            if (t.size() != 1) {
                throw new AssertionError("expected one state, have " + t.size());
            }
            return t.nextLive(0);
        }

        /** Advances the clock by {@code seconds} and runs a full expiry sweep. */
        int advanceAndExpire(final double seconds) {
            now += (long) (seconds * 1000);
            return filter.expire(now, filter.states().capacity());
        }
    }

    /**
     * One TCP connection between a client and a server with both ends' next sequence numbers; each
     * packet method builds the bytes and advances the sender's sequence number by its data (and SYN/FIN).
     */
    static final class Tcp {
        final boolean v6;
        final String client;
        final String server;
        final int clientPort;
        final int serverPort;
        /** Next sequence number each side sends. */
        long cseq;
        long sseq;
        int clientWindow = 65535;
        int serverWindow = 65535;

        Tcp(final String client, final int clientPort, final String server, final int serverPort,
                final long clientIsn, final long serverIsn) {
            this.v6 = client.contains(":");
            this.client = client;
            this.server = server;
            this.clientPort = clientPort;
            this.serverPort = serverPort;
            this.cseq = clientIsn;
            this.sseq = serverIsn;
        }

        static Tcp v4() {
            return new Tcp(C4, 40000, S4, 80, 1000, 5000);
        }

        static Tcp v6() {
            return new Tcp(C6, 40000, S6, 443, 1000, 5000);
        }

        private PacketBuilder builder(final boolean fromClient) {
            final String src = fromClient ? client : server;
            final String dst = fromClient ? server : client;
            return v6 ? PacketBuilder.ipv6(src, dst) : PacketBuilder.ipv4(src, dst);
        }

        /** Any segment, sequence numbers as given, nothing advanced. */
        byte[] raw(final boolean fromClient, final long seq, final long ack, final int flags, final int window,
                final int payload, final int... options) {
            final int sp = fromClient ? clientPort : serverPort;
            final int dp = fromClient ? serverPort : clientPort;
            return builder(fromClient).tcp(sp, dp, seq & 0xffff_ffffL, ack & 0xffff_ffffL, flags, window, options)
                    .payload(payload).build();
        }

        byte[] syn(final int... options) {
            final byte[] b = raw(true, cseq, 0, SYN, clientWindow, 0, options);
            cseq++;
            return b;
        }

        byte[] synAck(final int... options) {
            final byte[] b = raw(false, sseq, cseq, SYN | ACK, serverWindow, 0, options);
            sseq++;
            return b;
        }

        /** A client segment acknowledging everything the server sent. */
        byte[] c(final int flags, final int payload) {
            final byte[] b = raw(true, cseq, sseq, flags, clientWindow, payload);
            cseq += payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
            return b;
        }

        /** A server segment acknowledging everything the client sent. */
        byte[] s(final int flags, final int payload) {
            final byte[] b = raw(false, sseq, cseq, flags, serverWindow, payload);
            sseq += payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
            return b;
        }
    }

    /** TCP option bytes: window scale {@code shift}, preceded by a NOP. */
    static int[] wscale(final int shift) {
        return new int[] {1, 3, 3, shift};
    }

    static byte[] udp4(final String src, final int sport, final String dst, final int dport) {
        return PacketBuilder.ipv4(src, dst).udp(sport, dport).payload(32).build();
    }

    static byte[] udp6(final String src, final int sport, final String dst, final int dport) {
        return PacketBuilder.ipv6(src, dst).udp(sport, dport).payload(32).build();
    }
}
