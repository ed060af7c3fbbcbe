/**
 * Flyweights over the IP and transport headers that {@link io.tandem.engine.decode.PacketDecoder}
 * reads.
 *
 * <p>Each class is one wire struct: {@code static final} offset constants, each derived from the
 * previous one, a minimum length derived the same way, {@code wrap(buffer, offset)} returning
 * {@code this}, and one accessor per field named after the field. Every multi-byte access reads
 * network byte order (big-endian) explicitly. The class comment of each flyweight draws its struct
 * as in the RFC, with byte offsets.
 *
 * <p>Bounds: the caller (the decoder's validation ladder) proves that the bytes an accessor reads
 * lie inside the captured packet before it calls the accessor. Most flyweights read through
 * Agrona's getters, which check every read again. The two on every packet's path, IPv4 and TCP,
 * instead check once at {@code wrap} that their fixed 20 bytes lie inside the buffer (and TCP, at
 * {@code readableUpTo}, its options), then read without a check per field ({@code HeaderReader}).
 * They are read-only because the engine never rewrites packets; tests build packets as byte arrays.
 * A flyweight holds no state except the wrapped buffer and offset (and, for those two, the checked
 * extent), allocates nothing, and is owned by the thread that owns the decoder holding it.
 */
package io.tandem.engine.decode.header;
