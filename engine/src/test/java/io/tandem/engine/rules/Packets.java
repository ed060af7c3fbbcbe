package io.tandem.engine.rules;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.decode.DecodedPacket;

/** Hand-filled packet fixtures and a ruleset helper for the rules tests. */
final class Packets {
    private Packets() {
    }

    static Ruleset ruleset(final String text, final InterfaceResolver resolver) {
        try {
            return ConfigParser.parse("test.conf", text).compileRuleset(resolver);
        } catch (final ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    static Ruleset ruleset(final String text) {
        return ruleset(text, name -> name.equals("eth0") ? 2 : name.equals("eth1") ? 3 : 0);
    }

    static DecodedPacket v4(final int proto, final String src, final int sport, final String dst, final int dport) {
        final DecodedPacket p = new DecodedPacket();
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = proto;
        p.srcLo = Addresses.parseInet4(src);
        p.dstLo = Addresses.parseInet4(dst);
        p.srcPort = sport;
        p.dstPort = dport;
        p.l3Offset = 0;
        p.l4Offset = 20;
        p.tcpFlags = proto == DecodedPacket.PROTO_TCP ? DecodedPacket.TH_SYN : 0;
        return p;
    }

    static DecodedPacket v6(final int proto, final String src, final int sport, final String dst, final int dport) {
        final DecodedPacket p = new DecodedPacket();
        p.reset();
        p.family = DecodedPacket.FAMILY_INET6;
        p.protocol = proto;
        final long[] s = Addresses.parseInet6(src);
        final long[] d = Addresses.parseInet6(dst);
        p.srcHi = s[0];
        p.srcLo = s[1];
        p.dstHi = d[0];
        p.dstLo = d[1];
        p.srcPort = sport;
        p.dstPort = dport;
        p.l4Offset = 40;
        p.tcpFlags = proto == DecodedPacket.PROTO_TCP ? DecodedPacket.TH_SYN : 0;
        return p;
    }

    static DecodedPacket tcp4(final String src, final int sport, final String dst, final int dport) {
        return v4(DecodedPacket.PROTO_TCP, src, sport, dst, dport);
    }

    static DecodedPacket udp4(final String src, final int sport, final String dst, final int dport) {
        return v4(DecodedPacket.PROTO_UDP, src, sport, dst, dport);
    }
}
