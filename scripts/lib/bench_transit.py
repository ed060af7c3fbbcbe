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
                 When the capture holds pfsync frames (IP protocol 240: Tandem with sync and
                 deferral), also "deferral": {"connections": N, "syn_to_ins": STATS,
                 "ins_to_ack": STATS, "ack_to_release": STATS}, the three legs of a held SYN:
                 SYN in to the INS that names its connection out (this node), INS out to the
                 INS_ACK that names the INS's state id in (the peer), INS_ACK in to the SYN out
                 (this node), for each connection whose SYN has all four.
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
PROTO_PFSYNC = 240
# pfsync v5 (FreeBSD's if_pfsync.h, as engine/.../sync/wire): a 20-byte header, then subheaders of
# action, pad, count (4 bytes), each followed by count records of the action's length.
PFSYNC_HEADER = 20
PFSYNC_SUBHEADER = 4
PFSYNC_RECORD_LENGTH = {0: 20, 1: 242, 2: 12, 3: 242, 4: 84, 5: 12, 6: 242, 7: 12, 10: 12, 11: 48, 12: 0,
                        13: 277, 14: 277, 15: 360, 16: 360}
PFSYNC_INS = (1, 13, 15)  # INS (1301 format), INS_1400, INS_1500: the state record's first 96 bytes alike
PFSYNC_INS_ACK = 2
STATE_ID = 0  # u64 id; key[0] (wire): two 16-byte pf_addr (IPv4 in the first 4 bytes), two ports
STATE_KEY_WIRE = 24
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


def pfsync_records(ip):
    """Yields (action, record bytes) of a pfsync v5 frame's IP packet, as far as it was captured (the
    last record may be cut short by the capture's snap length)."""
    ihl = (ip[0] & 0x0F) * 4
    frame = ip[ihl:]
    offset = PFSYNC_HEADER
    while offset + PFSYNC_SUBHEADER <= len(frame):
        action, _, count = struct.unpack_from(">BBH", frame, offset)
        offset += PFSYNC_SUBHEADER
        length = PFSYNC_RECORD_LENGTH.get(action)
        if length is None or length == 0:
            return  # EOF, or an action this tool does not know the length of
        for _ in range(count):
            if offset >= len(frame):
                return
            yield action, frame[offset:offset + length]
            offset += length


def endpoints(addr_a, port_a, addr_b, port_b):
    """A connection's two ends, either way round (a pf state key may hold them in either order)."""
    return frozenset(((bytes(addr_a), bytes(port_a)), (bytes(addr_b), bytes(port_b))))


class Deferral:
    """The legs of held SYNs: SYN in, its INS out, the INS_ACK in, the SYN out (see the module doc)."""

    def __init__(self):
        self.syn_in = {}        # connection -> when its SYN entered
        self.syn_out = {}       # connection -> when it left
        self.awaiting_ins = {}  # endpoints -> connections whose SYN entered, in order, without an INS yet
        self.ins_out = {}       # state id -> (when, connection)
        self.ack_in = {}        # state id -> when its INS_ACK came
        self.frames = 0

    def syn(self, connection, when, leaving):
        if leaving:
            self.syn_out.setdefault(connection, when)
            return
        if connection in self.syn_in:
            return  # a retransmission
        self.syn_in[connection] = when
        ends = endpoints(connection[0:4], connection[4:6], connection[6:10], connection[10:12])
        self.awaiting_ins.setdefault(ends, []).append(connection)

    def frame(self, ip, when, leaving):
        self.frames += 1
        for action, record in pfsync_records(ip):
            needed = STATE_KEY_WIRE + 36 if action in PFSYNC_INS else STATE_ID + 8
            if len(record) < needed:
                continue  # cut by the snap length before the fields read here
            state_id = bytes(record[STATE_ID:STATE_ID + 8])
            if leaving and action in PFSYNC_INS and state_id not in self.ins_out:
                k = STATE_KEY_WIRE
                ends = endpoints(record[k:k + 4], record[k + 32:k + 34], record[k + 16:k + 20], record[k + 34:k + 36])
                waiting = self.awaiting_ins.get(ends)
                if waiting:
                    self.ins_out[state_id] = (when, waiting.pop(0))
            elif not leaving and action == PFSYNC_INS_ACK and state_id not in self.ack_in:
                self.ack_in[state_id] = when

    def result(self):
        if self.frames == 0:
            return None
        legs = ([], [], [])
        for state_id, (ins, connection) in self.ins_out.items():
            ack = self.ack_in.get(state_id)
            out = self.syn_out.get(connection)
            if ack is None or out is None or not ins <= ack <= out:
                continue
            legs[0].append(ins - self.syn_in[connection])
            legs[1].append(ack - ins)
            legs[2].append(out - ack)
        unmatched = len(self.syn_in) - len(legs[0])
        return {"connections": len(legs[0]), "syn_to_ins": stats(legs[0], unmatched),
                "ins_to_ack": stats(legs[1], unmatched), "ack_to_release": stats(legs[2], unmatched)}


def summary(packets):
    entered = {}
    deferral = Deferral()
    transit = {"udp_probe": [], "tcp_syn": [], "tcp_synack": [], "tcp_other": []}
    entered_count = {k: 0 for k in transit}
    per_connection = {}
    count = 0
    for when, pkttype, ip in packets:
        count += 1
        if ip[9] == PROTO_PFSYNC:
            deferral.frame(ip, when, pkttype == PACKET_OUTGOING)
            continue
        kind, connection = classify(ip)
        if kind is None:
            continue
        key = packet_key(ip)
        if kind == "tcp_syn":
            deferral.syn(connection, when, pkttype == PACKET_OUTGOING)
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
    held = deferral.result()
    if held is not None:
        result["deferral"] = held
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

    def pfsync(subheaders, snap=None):
        """A pfsync frame's IP packet (fwA 198.18.3.1 <-> fwB 198.18.3.2) of (action, [records])."""
        body = bytes(PFSYNC_HEADER)
        for action, records in subheaders:
            body += struct.pack(">BBH", action, 0, len(records)) + b"".join(records)
        ip = ipv4(PROTO_PFSYNC, [198, 18, 3, 1], [198, 18, 3, 2], body)
        return ip if snap is None else ip[:snap]

    def ins_1400(state_id, addr0, port0, addr1, port1):
        record = bytearray(277)
        struct.pack_into(">Q", record, STATE_ID, state_id)
        k = STATE_KEY_WIRE
        record[k:k + 4] = bytes(addr0)
        record[k + 16:k + 20] = bytes(addr1)
        struct.pack_into(">HH", record, k + 32, port0, port1)
        return bytes(record)

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
    # (the second on the first one's port, as a client reuses ports within a series). Deferral: the
    # first SYN's INS goes out 10 us after it came in (after an UPD_C in the same frame, its key the
    # other way round, its record cut by the snap length after the key), its INS_ACK comes 15 us
    # later; the second's INS is never acknowledged.
    for isn, syn_us, synack_us in ((100, 40_000, 7_000), (5000, 20_000, None)):
        port = 50000
        syn = ipv4(PROTO_TCP, client, server, tcp(port, 5401, isn, 0, TCP_SYN))
        out.append(record(t, 0, syn))
        ins = ins_1400(isn, server, 5401, client, port)
        if isn == 100:
            out.append(record(t + 10_000, 4, pfsync([(4, [bytes(84)]), (13, [ins])],
                                                     snap=20 + PFSYNC_HEADER + 4 + 84 + 4 + 80)))
            out.append(record(t + 25_000, 0, pfsync([(PFSYNC_INS_ACK, [struct.pack(">QI", isn, 7)])])))
        else:
            out.append(record(t + 5_000, 4, pfsync([(13, [ins])])))
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
        ("deferral", "connections"): 1, ("deferral", "syn_to_ins"): 10.0, ("deferral", "ins_to_ack"): 15.0,
        ("deferral", "ack_to_release"): 15.0, ("deferral", "unmatched"): 1,
    }
    held = result.get("deferral") or {}
    result["deferral"] = {"connections": held.get("connections"),
                          "syn_to_ins": (held.get("syn_to_ins") or {}).get("p50_us"),
                          "ins_to_ack": (held.get("ins_to_ack") or {}).get("max_us"),
                          "ack_to_release": (held.get("ack_to_release") or {}).get("p99_us"),
                          "unmatched": (held.get("syn_to_ins") or {}).get("unmatched")}
    wrong = ["%s.%s = %r, expected %r" % (k[0], k[1], result[k[0]][k[1]], v)
             for k, v in expect.items() if result[k[0]][k[1]] != v]
    if result["packets"] != 19:
        wrong.append("packets = %r, expected 19" % result["packets"])
    if "deferral" in summary(read_pcap(b"".join(r for r in out if len(r) < 16 + 20 + 20 or r[16 + 20 + 9] != PROTO_PFSYNC))):
        wrong.append("a capture without pfsync frames has deferral legs")
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
