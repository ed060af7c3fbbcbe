package io.tandem.bench.engine;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.decode.header.Ipv4HeaderFlyweight;
import io.tandem.engine.decode.header.TcpHeaderFlyweight;
import java.nio.ByteOrder;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One IPv4/TCP packet as NFQUEUE hands it to the engine, in a reusable direct buffer whose
 * per-packet fields (addresses, ports, sequence numbers, flags) are rewritten in place, so that a
 * benchmark can replay millions of flows from one buffer.
 *
 * <pre>
 *   0                   20                  20 + tcpHeaderLength             capturedLength
 *  +-------------------+---------------------------------+------------------+
 *  | IPv4, no options  | TCP header with options         | payload (zeros)  | ... ipLength
 *  +-------------------+---------------------------------+------------------+
 * </pre>
 *
 * The packet is {@code ipLength} bytes long (IP total length), of which the first
 * {@code min(ipLength, COPY_RANGE)} are present, as with the queue's copy range. Checksums are
 * left 0: the decoder does not verify them (the kernel has). Big-endian, as on the wire.
 * Benchmark scaffolding; the engine's header flyweights are read-only, so their offsets are used.
 * The per-packet fields are written straight to the buffer's memory at those fixed offsets, all
 * inside the first {@value #COPY_RANGE} bytes, without Agrona's bounds check per write: the
 * writer stands in for the kernel, and its own cost should weigh as little as possible on the
 * engine's figures.
 */
final class TcpPacketWriter {
    /** NFQUEUE copy range the engine is configured with by default. */
    static final int COPY_RANGE = 256;

    private static final int IP = 0;
    private static final int TCP = IP + Ipv4HeaderFlyweight.MIN_LENGTH;
    private static final int TTL = 64;

    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(COPY_RANGE, 64));
    /** The buffer's first byte (off-heap: the buffer has no byte array). */
    private final long address = buffer.addressOffset();
    private final int tcpHeaderLength;
    private int ipLength;

    /**
     * @param options TCP option bytes, a multiple of 4 long
     */
    private TcpPacketWriter(final int[] options, final int payloadLength) {
        if ((options.length & 3) != 0 || TCP + TcpHeaderFlyweight.MIN_LENGTH + options.length > COPY_RANGE) {
            throw new IllegalArgumentException("bad TCP options length " + options.length);
        }
        tcpHeaderLength = TcpHeaderFlyweight.MIN_LENGTH + options.length;
        buffer.putByte(IP + Ipv4HeaderFlyweight.VERSION_IHL_OFFSET,
            (byte) (Ipv4HeaderFlyweight.VERSION << 4 | Ipv4HeaderFlyweight.MIN_LENGTH / 4));
        buffer.putShort(IP + Ipv4HeaderFlyweight.FLAGS_FRAGMENT_OFFSET_OFFSET,
            (short) Ipv4HeaderFlyweight.FLAG_DF, ByteOrder.BIG_ENDIAN);
        buffer.putByte(IP + Ipv4HeaderFlyweight.TTL_OFFSET, (byte) TTL);
        buffer.putByte(IP + Ipv4HeaderFlyweight.PROTOCOL_OFFSET, (byte) DecodedPacket.PROTO_TCP);
        buffer.putByte(TCP + TcpHeaderFlyweight.DATA_OFFSET_OFFSET, (byte) (tcpHeaderLength / 4 << 4));
        for (int i = 0; i < options.length; i++) {
            buffer.putByte(TCP + TcpHeaderFlyweight.OPTIONS_OFFSET + i, (byte) options[i]);
        }
        payloadLength(payloadLength);
    }

    /**
     * A SYN or SYN-ACK as Linux sends it: MSS 1460, SACK permitted, timestamps, NOP, window scale
     * {@code wscale}; no payload.
     */
    static TcpPacketWriter syn(final int wscale) {
        return new TcpPacketWriter(new int[] {
            TcpHeaderFlyweight.OPTION_MSS, TcpHeaderFlyweight.OPTION_MSS_LENGTH, 1460 >> 8, 1460 & 0xFF,
            TcpHeaderFlyweight.OPTION_SACK_PERMITTED, TcpHeaderFlyweight.OPTION_SACK_PERMITTED_LENGTH,
            TcpHeaderFlyweight.OPTION_TIMESTAMP, TcpHeaderFlyweight.OPTION_TIMESTAMP_LENGTH,
            0, 0, 0x10, 0x01, 0, 0, 0, 0,
            TcpHeaderFlyweight.OPTION_NOP,
            TcpHeaderFlyweight.OPTION_WSCALE, TcpHeaderFlyweight.OPTION_WSCALE_LENGTH, wscale,
        }, 0);
    }

    /** A segment after the handshake: NOP, NOP, timestamps, then {@code payloadLength} bytes. */
    static TcpPacketWriter segment(final int payloadLength) {
        return new TcpPacketWriter(new int[] {
            TcpHeaderFlyweight.OPTION_NOP, TcpHeaderFlyweight.OPTION_NOP,
            TcpHeaderFlyweight.OPTION_TIMESTAMP, TcpHeaderFlyweight.OPTION_TIMESTAMP_LENGTH,
            0, 0, 0x10, 0x02, 0, 0, 0x10, 0x01,
        }, payloadLength);
    }

    /** Sets the TCP payload length (and so the IP total length and the captured length). */
    TcpPacketWriter payloadLength(final int length) {
        ipLength = TCP + tcpHeaderLength + length;
        buffer.putShort(IP + Ipv4HeaderFlyweight.TOTAL_LENGTH_OFFSET, (short) ipLength, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** IPv4 source and destination, as 32-bit numbers (10.0.0.1 is {@code 0x0A000001}). */
    TcpPacketWriter addresses(final int source, final int destination) {
        putInt(IP + Ipv4HeaderFlyweight.SOURCE_ADDRESS_OFFSET, source);
        putInt(IP + Ipv4HeaderFlyweight.DESTINATION_ADDRESS_OFFSET, destination);
        return this;
    }

    TcpPacketWriter ports(final int source, final int destination) {
        putShort(TCP + TcpHeaderFlyweight.SOURCE_PORT_OFFSET, source);
        putShort(TCP + TcpHeaderFlyweight.DESTINATION_PORT_OFFSET, destination);
        return this;
    }

    /** Sequence and acknowledgement numbers (32-bit, modular). */
    TcpPacketWriter sequence(final int seq, final int ack) {
        putInt(TCP + TcpHeaderFlyweight.SEQUENCE_OFFSET, seq);
        putInt(TCP + TcpHeaderFlyweight.ACKNOWLEDGMENT_OFFSET, ack);
        return this;
    }

    /** A big-endian 32-bit field at a fixed offset inside the copy range. */
    private void putInt(final int offset, final int value) {
        UnsafeApi.putInt(null, address + offset, NATIVE_BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }

    /** A big-endian 16-bit field at a fixed offset inside the copy range. */
    private void putShort(final int offset, final int value) {
        UnsafeApi.putShort(null, address + offset, NATIVE_BIG_ENDIAN ? (short) value : Short.reverseBytes((short) value));
    }

    /** TCP flags ({@link DecodedPacket#TH_SYN} ...) and the raw window. */
    TcpPacketWriter flags(final int flags, final int window) {
        buffer.putByte(TCP + TcpHeaderFlyweight.FLAGS_OFFSET, (byte) flags);
        buffer.putShort(TCP + TcpHeaderFlyweight.WINDOW_OFFSET, (short) window, ByteOrder.BIG_ENDIAN);
        return this;
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    /** The packet's length (IP total length): NFQUEUE's original length. */
    int ipLength() {
        return ipLength;
    }

    /** Bytes present in the buffer: the packet cut at {@link #COPY_RANGE}. */
    int capturedLength() {
        return Math.min(ipLength, COPY_RANGE);
    }
}
