package io.tandem.engine.sync.wire;

import io.tandem.engine.state.PfConstants;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Helpers for the wire tests: hex parsing and a handler that records what it was given. */
final class PfsyncTestSupport {
    private PfsyncTestSupport() {
    }

    /**
     * Parses hex text: whitespace is ignored, {@code #} starts a comment up to the end of the line,
     * and a token {@code XX*N} stands for the byte XX repeated N times.
     */
    static byte[] hex(final String text) {
        final StringBuilder digits = new StringBuilder();
        for (final String line : text.split("\n")) {
            final int hash = line.indexOf('#');
            for (final String token : (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+")) {
                final int star = token.indexOf('*');
                if (star < 0) {
                    digits.append(token);
                } else {
                    digits.append(token.substring(0, star).repeat(Integer.parseInt(token.substring(star + 1))));
                }
            }
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + digits.length());
        }
        final byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** Bytes as spaced hex, 16 per line, for readable assertion diffs. */
    static String dump(final byte[] bytes) {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            out.append(i % 16 == 0 ? (i == 0 ? "" : "\n") : " ").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return out.toString();
    }

    static byte[] bytes(final DirectBuffer buffer, final int length) {
        final byte[] out = new byte[length];
        buffer.getBytes(0, out);
        return out;
    }

    static byte[] frame(final PfsyncFrameEncoder encoder) {
        return bytes(encoder.buffer(), encoder.length());
    }

    /** Records each callback as a line of text; allocates (tests only). */
    static class Recorder implements PfsyncRecordHandler {
        final List<String> events = new ArrayList<>();
        final List<PfsyncStateValues> states = new ArrayList<>();
        final List<Integer> stateActions = new ArrayList<>();
        final List<PfsyncStateValues.Peer[]> updCPeers = new ArrayList<>();

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
            events.add(String.format("clr %s %08x", clr.ifname(), clr.creatorid()));
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord state) {
            events.add(String.format("state %d %d %x %08x", action, format, state.id(), state.creatorid()));
            states.add(new PfsyncStateValues().read(state));
            stateActions.add(action);
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
            events.add(String.format("insack %x %08x", id, creatorid));
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            events.add(String.format("updc %x %08x %d %d", updC.id(), updC.creatorid(), updC.expire(),
                updC.timeout()));
            updCPeers.add(new PfsyncStateValues.Peer[] {
                updC.src().get(new PfsyncStateValues.Peer()), updC.dst().get(new PfsyncStateValues.Peer())});
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
            events.add(String.format("updreq %x %08x", id, creatorid));
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            events.add(String.format("delc %x %08x", id, creatorid));
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
            events.add(String.format("bus %08x %d %d", creatorid, endtime, status));
        }
    }

    /** Decodes {@code frame} (the pfsync part) into a fresh recorder. */
    static Recorder decode(final PfsyncFrameDecoder decoder, final byte[] frame) {
        final Recorder recorder = new Recorder();
        decoder.decode(new UnsafeBuffer(frame), 0, frame.length, recorder);
        return recorder;
    }

    /** The IPv4 TCP state used by the golden and round-trip tests. */
    static PfsyncStateValues ipv4Tcp() {
        final PfsyncStateValues v = new PfsyncStateValues();
        v.id = 0x0102030405060708L;
        v.ifname("em0");
        v.wireKey.ipv4(0, 0x0A000001).ipv4(1, 0x0A000002).port(0, 443).port(1, 40000);
        v.stackKey.set(v.wireKey);
        v.src.set(0x11111111L, 0x22222222L, 0, 0xFFFF, 1460, PfConstants.TCPS_ESTABLISHED, 7);
        v.dst.set(0x33333333L, 0x44444444L, 0, 0x0200, 1460, PfConstants.TCPS_ESTABLISHED, 7);
        v.creation = 60;
        v.expire = 86400;
        v.packets[0] = 10;
        v.packets[1] = 0x0000000100000002L;
        v.bytes[0] = 1000;
        v.bytes[1] = 2000;
        v.creatorid = 0x0A0B0C0D;
        v.af = PfsyncConstants.AF_INET;
        v.proto = 6;
        v.direction = PfConstants.PF_IN;
        v.stateFlags = PfConstants.PFSTATE_ACK;
        v.timeout = PfsyncConstants.PFTM_TCP_ESTABLISHED;
        return v;
    }

    /** The IPv6 UDP floating state (af given as Linux's 10; must go out as 28). */
    static PfsyncStateValues ipv6Udp() {
        final PfsyncStateValues v = new PfsyncStateValues();
        v.id = 0x2AL;
        v.ifname("all");
        v.wireKey.ipv6(0, 0x20010DB800000000L, 1).ipv6(1, 0x20010DB800000000L, 2).port(0, 53).port(1, 5353);
        v.stackKey.set(v.wireKey);
        v.src.set(0, 0, 0, 0, 0, PfConstants.PFUDPS_SINGLE, 0);
        v.dst.set(0, 0, 0, 0, 0, PfConstants.PFUDPS_MULTIPLE, 0);
        v.creation = 5;
        v.expire = 30;
        v.creatorid = 0x0A0B0C0D;
        v.af = PfsyncConstants.AF_INET6_LINUX;
        v.proto = 17;
        v.direction = PfConstants.PF_OUT;
        v.timeout = PfsyncConstants.PFTM_UDP_MULTIPLE;
        return v;
    }
}
