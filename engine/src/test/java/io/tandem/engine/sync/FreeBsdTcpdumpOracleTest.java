package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.tools.RecordFormatter;
import io.tandem.engine.sync.wire.FreeBsdPfsyncPrinter;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Our frames as FreeBSD's {@code tcpdump -v} prints them ({@link FreeBsdPfsyncPrinter}, which follows
 * {@code print-pfsync.c}): the connection it shows must be the one that made the state — initiator
 * and responder in the right places around the arrow, the arrow giving the state's direction, and each
 * peer's state next to its own address.
 */
class FreeBsdTcpdumpOracleTest {
    private static final long NOW = 1_700_000_000_000L;
    /** {@code print_state}'s line: ifname, proto, host, arrow, host, peer states. */
    private static final Pattern STATE = Pattern.compile(
            "\\t(\\S+) proto (\\d+) (\\S+) (<-|->) (\\S+)   (\\S+):(\\S+)");

    /** What tcpdump says about the first state record of a frame. */
    private record Printed(String ifname, int proto, String initiator, String responder, int direction,
            String initiatorState, String responderState) {
    }

    private static JournalRecordFlyweight state(final int af, final int proto, final int direction, final long[] client,
            final int clientPort, final long[] server, final int serverPort, final int clientState, final int serverState) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().type(JournalRecordType.INSERT.code()).creatorId(0x0A0B0C0D).id(42).af(af).proto(proto)
                .direction(direction).timeoutClass(2).addresses(client[0], client[1], server[0], server[1])
                .ports(clientPort, serverPort).rule(0)
                .peer(0, 1000, 2000, 0, 64240, 1460, clientState, 0).peer(1, 5000, 6000, 0, 65535, 1460, serverState, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 60_000).counters(3, 2, 300, 200);
        return r;
    }

    private static String print(final JournalRecordFlyweight r, final int format) {
        final PfsyncStateValues v = new PfsyncStateValues();
        new PfsyncStateMapping(format).toValues(r, NOW, v);
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
        if (format == PfsyncConstants.FORMAT_1301) {
            encoder.beginFrame().beginSection(PfsyncConstants.ACT_INS);
            encoder.appendState1301(v);
        } else {
            encoder.beginFrame().beginSection(PfsyncConstants.ACT_INS_1400);
            encoder.appendState1400(v);
        }
        final int length = encoder.finish();
        final byte[] frame = new byte[length];
        encoder.buffer().getBytes(0, frame);
        return FreeBsdPfsyncPrinter.print(frame, 0, length, 1);
    }

    private static Printed parse(final String text) {
        final Matcher m = STATE.matcher(text);
        assertTrue(m.find(), "no state line in:\n" + text);
        final boolean out = m.group(4).equals("->");
        // print_state: "->" shows addr[1] -> addr[0] of an outbound state, "<-" addr[1] <- addr[0] of an
        // inbound one; the connection runs from the arrow's tail to its head.
        return new Printed(m.group(1), Integer.parseInt(m.group(2)), out ? m.group(3) : m.group(5),
                out ? m.group(5) : m.group(3), out ? PfConstants.PF_OUT : PfConstants.PF_IN,
                out ? m.group(6) : m.group(7), out ? m.group(7) : m.group(6));
    }

    private static final long[] CLIENT4 = {0, 0x0A01000AL};      // 10.1.0.10
    private static final long[] SERVER4 = {0, 0xC6336414L};      // 198.51.100.20

    @Test
    void tcpEnteringOnLanPrintsServerFromClient() {
        for (final int format : new int[] {PfsyncConstants.FORMAT_1301, PfsyncConstants.FORMAT_1400}) {
            final String text = print(state(2, 6, PfConstants.PF_IN, CLIENT4, 40000, SERVER4, 80, 2, 0), format);
            assertTrue(text.contains("\tall proto 6 198.51.100.20.80 <- 10.1.0.10.40000   CLOSED:SYN_SENT"), text);
            final Printed p = parse(text);
            assertEquals("10.1.0.10.40000", p.initiator(), text);
            assertEquals("198.51.100.20.80", p.responder(), text);
            assertEquals(PfConstants.PF_IN, p.direction(), text);
            assertEquals("SYN_SENT", p.initiatorState(), text);
            assertEquals("CLOSED", p.responderState(), text);
            assertEquals("all", p.ifname());
        }
    }

    @Test
    void tcpLeavingOnWanPrintsClientToServer() {
        for (final int format : new int[] {PfsyncConstants.FORMAT_1301, PfsyncConstants.FORMAT_1400}) {
            final String text = print(state(2, 6, PfConstants.PF_OUT, CLIENT4, 40000, SERVER4, 80, 4, 4), format);
            assertTrue(text.contains("\tall proto 6 10.1.0.10.40000 -> 198.51.100.20.80   ESTABLISHED:ESTABLISHED"),
                    text);
            final Printed p = parse(text);
            assertEquals("10.1.0.10.40000", p.initiator(), text);
            assertEquals("198.51.100.20.80", p.responder(), text);
            assertEquals(PfConstants.PF_OUT, p.direction(), text);
        }
    }

    @Test
    void udpBothDirections() {
        for (final int direction : new int[] {PfConstants.PF_IN, PfConstants.PF_OUT}) {
            final Printed p = parse(print(state(2, 17, direction, CLIENT4, 5353, SERVER4, 53, 1, 0),
                    PfsyncConstants.FORMAT_1400));
            assertEquals("10.1.0.10.5353", p.initiator());
            assertEquals("198.51.100.20.53", p.responder());
            assertEquals(direction, p.direction());
            assertEquals("SINGLE", p.initiatorState());
            assertEquals("NO_TRAFFIC", p.responderState());
        }
    }

    @Test
    void icmpEchoShowsTheIdentifierOnBothSides() {
        for (final int direction : new int[] {PfConstants.PF_IN, PfConstants.PF_OUT}) {
            final Printed p = parse(print(state(2, 1, direction, CLIENT4, 0x1234, SERVER4, 0x1234, 0, 0),
                    PfsyncConstants.FORMAT_1400));
            assertEquals("10.1.0.10.4660", p.initiator());
            assertEquals("198.51.100.20.4660", p.responder());
            assertEquals(direction, p.direction());
        }
    }

    @Test
    void ipv6BothDirections() {
        final long[] client = {0x20010db800010000L, 0x10};
        final long[] server = {0x20010db800020000L, 0x20};
        for (final int direction : new int[] {PfConstants.PF_IN, PfConstants.PF_OUT}) {
            final String text = print(state(10, 6, direction, client, 40000, server, 443, 2, 0),
                    PfsyncConstants.FORMAT_1400);
            final Printed p = parse(text);
            assertEquals("2001:db8:1::10.40000", p.initiator(), text);
            assertEquals("2001:db8:2::20.443", p.responder(), text);
            assertEquals(direction, p.direction(), text);
        }
    }

    /** tcpdump's {@code addr.port} as pfctl's {@code addr:port} (IPv4). */
    private static String pfctlHost(final String tcpdumpHost) {
        final int dot = tcpdumpHost.lastIndexOf('.');
        return tcpdumpHost.substring(0, dot) + ":" + tcpdumpHost.substring(dot + 1);
    }

    @Test
    void tandemPrintsTheHostsAndPeerStatesInTheOrderFreeBsdDoes() {
        for (final int proto : new int[] {6, 17}) {
            for (final int direction : new int[] {PfConstants.PF_IN, PfConstants.PF_OUT}) {
                final JournalRecordFlyweight r = state(2, proto, direction, CLIENT4, 40000, SERVER4, 80, 1, 0);
                final Matcher m = STATE.matcher(print(r, PfsyncConstants.FORMAT_1400));
                assertTrue(m.find());
                final String pfctl = RecordFormatter.pfctl(r, NOW);
                final String expected = "all " + RecordFormatter.protoName(proto) + " " + pfctlHost(m.group(3)) + " "
                        + m.group(4) + " " + pfctlHost(m.group(5)) + "       " + m.group(6) + ":" + m.group(7) + "\n";
                assertEquals(expected, pfctl.substring(0, pfctl.indexOf('\n') + 1), "proto " + proto + " dir " + direction);
            }
        }
    }

    @Test
    void theFrameAroundTheStateIsWhatFreeBsdExpects() {
        final String text = print(state(2, 6, PfConstants.PF_IN, CLIENT4, 40000, SERVER4, 80, 2, 0),
                PfsyncConstants.FORMAT_1400);
        assertTrue(text.startsWith("PFSYNCv5 len 305\n    insert count 1\n"), text);
        assertTrue(text.endsWith("\n    eof count 1"), "the walk ends at EOF, nothing left over: " + text);
    }
}
