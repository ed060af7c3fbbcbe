#!/usr/bin/env python3
"""Firewall transit times from a capture on the firewall, for scripts/bench (standard library only).

Subcommands:
  summary PCAP   pair each packet that entered the firewall with the same packet leaving it, and
                 print one JSON object of transit times (leaving minus entering), in microseconds:
                   {"packets": N, "udp_probe": STATS, "tcp_syn": STATS, "tcp_synack": STATS,
                    "tcp_connect": STATS, "tcp_other": STATS}
                 STATS is {"n": .., "unmatched": .., "p50_us": .., "p90_us": .., "p99_us": ..,
                 "p999_us": .., "max_us": ..} (percentiles null when n is 0). tcp_connect is, per
                 connection, its SYN's transit plus its SYN-ACK's: what the firewall adds to a
                 connect(). udp_probe counts bench/c/latency.c's probes (not its end markers).
  self-test      build a capture in memory, check the pairing and the figures, print "ok"

The capture is `tcpdump -i any --time-stamp-precision=nano -w PCAP` inside the firewall's network
namespace (link type LINUX_SLL2, or LINUX_SLL from older tcpdump; microsecond or nanosecond pcap).
Both timestamps are the kernel's (AF_PACKET): the entering one when the packet is received on the
input interface, before any netfilter hook, the leaving one when it is handed to the output
interface, so the transit holds what the firewall did with the packet (forwarding, and for a queue
consumer the trip through user space), not the end hosts' scheduling. A packet leaving is matched to
the packet entering with the same IP header (but TTL and checksum) and the same first 16 bytes of its
transport header and payload (ports and sequence numbers, or a probe's sequence number; not a UDP
checksum, see packet_key); a packet the firewall dropped stays unmatched. Percentiles are nearest-rank, as bench/c/latency.c computes them.
"""

import json
import struct
import sys

LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
MAGIC_MICROS = 0xA1B2C3D4
MAGIC_NANOS = 0xA1B23C4D
# sll_pkttype: PACKET_OUTGOING is a packet this host sends; anything else was received.
PACKET_OUTGOING = 4
PROTO_TCP = 6
PROTO_UDP = 17
TCP_SYN = 0x02
TCP_ACK = 0x10
PROBE_PORT = 5400
PROBE_END_MARKER = b"\xff" * 8


def read_pcap(data):
    """Yields (nanoseconds, pkttype, ip_bytes) of each IPv4 packet of a pcap file's bytes."""
    if len(data) < 24:
        raise ValueError("not a pcap file: %d bytes" % len(data))
    magic_le = struct.unpack_from("<I", data, 0)[0]
    if magic_le in (MAGIC_MICROS, MAGIC_NANOS):
        endian = "<"
        magic = magic_le
    else:
        endian = ">"
        magic = struct.unpack_from(">I", data, 0)[0]
        if magic not in (MAGIC_MICROS, MAGIC_NANOS):
            raise ValueError("not a pcap file: magic %08x" % magic_le)
    scale = 1 if magic == MAGIC_NANOS else 1000
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    if linktype == LINKTYPE_LINUX_SLL2:
        header, pkttype_at, proto_at = 20, 10, 0
    elif linktype == LINKTYPE_LINUX_SLL:
        header, pkttype_at, proto_at = 16, 1, 14
    else:
        raise ValueError("link type %d: capture with tcpdump -i any" % linktype)
    offset = 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = struct.unpack_from(endian + "IIII", data, offset)
        offset += 16
        frame = data[offset:offset + captured]
        offset += captured
        if len(frame) < header + 20 or struct.unpack_from(">H", frame, proto_at)[0] != 0x0800:
            continue
        yield seconds * 1_000_000_000 + fraction * scale, frame[pkttype_at], frame[header:]


def packet_key(ip):
    """The bytes a forwarded IPv4 packet keeps from input to output: its IP header but TTL and checksum,
    and the first 16 bytes of its transport header and payload but a UDP checksum (a packet sent with
    its checksum left to the device shows a partial one on the way in; the kernel completes it before it
    queues the packet to a consumer that did not ask for GSO)."""
    ihl = (ip[0] & 0x0F) * 4
    l4 = bytes(ip[ihl:ihl + 16])
    if ip[9] == PROTO_UDP:
        l4 = l4[0:6] + l4[8:16]
    return bytes(ip[2:8]) + bytes(ip[9:10]) + bytes(ip[12:20]) + l4


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = int(p / 100.0 * (len(sorted_values) - 1) + 0.5)
    return sorted_values[min(k, len(sorted_values) - 1)]


def stats(values_ns, unmatched):
    v = sorted(values_ns)
    def us(x):
        return None if x is None else round(x / 1000.0, 1)
    return {"n": len(v), "unmatched": unmatched,
            "p50_us": us(percentile(v, 50)), "p90_us": us(percentile(v, 90)),
            "p99_us": us(percentile(v, 99)), "p999_us": us(percentile(v, 99.9)),
            "max_us": us(v[-1] if v else None)}


def classify(ip):
    """'udp_probe', 'tcp_syn', 'tcp_synack', 'tcp_other' or None, and the connection's key for SYN/SYN-ACK."""
    ihl = (ip[0] & 0x0F) * 4
    proto = ip[9]
    l4 = ip[ihl:]
    if proto == PROTO_UDP and len(l4) >= 16:
        if struct.unpack_from(">H", l4, 2)[0] != PROBE_PORT or l4[8:16] == PROBE_END_MARKER:
            return None, None
        return "udp_probe", None
    if proto == PROTO_TCP and len(l4) >= 14:
        flags = l4[13]
        src, dst = bytes(ip[12:16]), bytes(ip[16:20])
        sport, dport = bytes(l4[0:2]), bytes(l4[2:4])
        # a connection: the client's address, port and initial sequence number (ports are reused
        # within a series; the SYN-ACK acknowledges that number plus one), and the server's
        if flags & (TCP_SYN | TCP_ACK) == TCP_SYN:
            isn = struct.unpack_from(">I", l4, 4)[0]
            return "tcp_syn", src + sport + dst + dport + struct.pack(">I", isn)
        if flags & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK:
            isn = (struct.unpack_from(">I", l4, 8)[0] - 1) & 0xFFFFFFFF
            return "tcp_synack", dst + dport + src + sport + struct.pack(">I", isn)
        return "tcp_other", None
    return None, None


def summary(packets):
    entered = {}
    transit = {"udp_probe": [], "tcp_syn": [], "tcp_synack": [], "tcp_other": []}
    entered_count = {k: 0 for k in transit}
    per_connection = {}
    count = 0
    for when, pkttype, ip in packets:
        count += 1
        kind, connection = classify(ip)
        if kind is None:
            continue
        key = packet_key(ip)
        if pkttype != PACKET_OUTGOING:
            entered[key] = when
            entered_count[kind] += 1
            continue
        started = entered.pop(key, None)
        if started is None:
            continue  # left without entering in the capture: the firewall's own, or before it started
        transit[kind].append(when - started)
        if connection is not None:
            slot = per_connection.setdefault(connection, [None, None])
            slot[0 if kind == "tcp_syn" else 1] = when - started
    result = {"packets": count}
    for kind, values in transit.items():
        result[kind] = stats(values, entered_count[kind] - len(values))
    connects = [syn + synack for syn, synack in per_connection.values() if syn is not None and synack is not None]
    result["tcp_connect"] = stats(connects, len(per_connection) - len(connects))
    return result


def self_test():
    def ipv4(proto, src, dst, l4, ttl=64, ident=1):
        total = 20 + len(l4)
        return struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, ident, 0, ttl, proto, 0, bytes(src), bytes(dst)) + l4

    def udp(sport, dport, seq, checksum=0):
        return struct.pack(">HHHH", sport, dport, 8 + 64, checksum) + struct.pack("<Q", seq) + bytes(56)

    def tcp(sport, dport, seq, ack, flags):
        return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)

    def record(ns, pkttype, ip):
        frame = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, pkttype, 6, bytes(8)) + ip
        return struct.pack("<IIII", ns // 1_000_000_000, ns % 1_000_000_000, len(frame), len(frame)) + frame

    client, server = [198, 18, 1, 10], [198, 18, 2, 10]
    out = [struct.pack("<IHHiIII", MAGIC_NANOS, 2, 4, 0, 0, 262144, LINKTYPE_LINUX_SLL2)]
    t = 1_000_000_000
    # two probes: 10 us and 30 us through; one dropped; the end marker ignored
    for seq, through in ((0, 10_000), (1, 30_000)):
        out.append(record(t, 0, ipv4(PROTO_UDP, client, server, udp(40000, PROBE_PORT, seq))))
        # the second leaves with its UDP checksum completed, as after the kernel's checksum help
        out.append(record(t + through, 4, ipv4(PROTO_UDP, client, server, udp(40000, PROBE_PORT, seq, checksum=seq * 0x1234), ttl=63)))
        t += 1_000_000
    out.append(record(t, 0, ipv4(PROTO_UDP, client, server, udp(40000, PROBE_PORT, 2))))
    out.append(record(t, 0, ipv4(PROTO_UDP, client, server, udp(40000, PROBE_PORT, 2**64 - 1))))
    out.append(record(t + 5, 4, ipv4(PROTO_UDP, client, server, udp(40000, PROBE_PORT, 2**64 - 1), ttl=63)))
    # a connection: SYN 40 us, SYN-ACK 7 us, ACK 3 us; a second one whose SYN-ACK never leaves
    # (the second on the first one's port, as a client reuses ports within a series)
    for isn, syn_us, synack_us in ((100, 40_000, 7_000), (5000, 20_000, None)):
        port = 50000
        syn = ipv4(PROTO_TCP, client, server, tcp(port, 5401, isn, 0, TCP_SYN))
        out.append(record(t, 0, syn))
        out.append(record(t + syn_us, 4, ipv4(PROTO_TCP, client, server, tcp(port, 5401, isn, 0, TCP_SYN), ttl=63)))
        synack = ipv4(PROTO_TCP, server, client, tcp(5401, port, 900, isn + 1, TCP_SYN | TCP_ACK))
        out.append(record(t + syn_us + 2_000, 0, synack))
        if synack_us is not None:
            out.append(record(t + syn_us + 2_000 + synack_us, 4,
                              ipv4(PROTO_TCP, server, client, tcp(5401, port, 900, isn + 1, TCP_SYN | TCP_ACK), ttl=63)))
            ack = ipv4(PROTO_TCP, client, server, tcp(port, 5401, isn + 1, 901, TCP_ACK))
            out.append(record(t + 100_000, 0, ack))
            out.append(record(t + 103_000, 4, ipv4(PROTO_TCP, client, server, tcp(port, 5401, isn + 1, 901, TCP_ACK), ttl=63)))
        t += 1_000_000
    result = summary(read_pcap(b"".join(out)))
    expect = {
        ("udp_probe", "n"): 2, ("udp_probe", "unmatched"): 1, ("udp_probe", "p50_us"): 30.0,
        ("udp_probe", "max_us"): 30.0, ("tcp_syn", "n"): 2, ("tcp_syn", "max_us"): 40.0,
        ("tcp_synack", "n"): 1, ("tcp_synack", "unmatched"): 1, ("tcp_synack", "p50_us"): 7.0,
        ("tcp_connect", "n"): 1, ("tcp_connect", "unmatched"): 1, ("tcp_connect", "p99_us"): 47.0,
        ("tcp_other", "n"): 1, ("tcp_other", "p50_us"): 3.0,
    }
    wrong = ["%s.%s = %r, expected %r" % (k[0], k[1], result[k[0]][k[1]], v)
             for k, v in expect.items() if result[k[0]][k[1]] != v]
    if result["packets"] != 16:
        wrong.append("packets = %r, expected 16" % result["packets"])
    if wrong:
        print("self-test failed: " + "; ".join(wrong), file=sys.stderr)
        return 1
    print("ok")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "self-test":
        return self_test()
    if len(argv) == 3 and argv[1] == "summary":
        try:
            with open(argv[2], "rb") as f:
                data = f.read()
            print(json.dumps(summary(read_pcap(data)), separators=(",", ":")))
        except (OSError, ValueError, struct.error) as e:
            print("bench_transit: %s: %s" % (argv[2], e), file=sys.stderr)
            return 1
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
