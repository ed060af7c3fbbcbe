#!/usr/bin/env python3
"""Helpers of scripts/bench-sync (standard library only; any Python 3.7+).

Subcommands:
  stamp FILE                  copy stdin to FILE line by line, each line prefixed with the wall-clock
                              time it was read ("1795498665.123456 tandem: ..."), flushed per line
  gen-states N CREATORID OUT  write N established TCP states in `tandem journal export` format
                              (docs/journal-format.md) to OUT
  tcp-sink PORT               accept TCP connections on PORT and close each at once, until killed
  tcp-conns HOST PORT N RATE  open N TCP connections to HOST:PORT, paced at RATE per second, each
                              closed at once; prints one JSON object (ok, failed, seconds)
  ping-stats FILE T0 T1       RTT statistics of a `ping -D -O` log, split at wall-clock times T0
                              and T1 (before / during / after); prints JSON
  latency DIR_A DIR_B PORT [T0 T1]
                              per state (creatorid, id) of a TCP connection to PORT: fwA's INSERT
                              record (local rule) against fwB's INSERT record (from the peer), by
                              the records' monotonic time; prints JSON (stats and samples). With T0
                              and T1 (wall-clock seconds), only states fwA made between them

The journal is read straight from its Chronicle Queue files (*.cq4): every 256-byte record
starts with the magic "TJ" and version 1 and ends with the CRC32C of bytes 0..251
(docs/journal-format.md), so records are found by scanning for the magic and kept only when
the CRC matches.
"""

import json
import os
import re
import socket
import struct
import sys
import time

# ---------------------------------------------------------------- stamp


def cmd_stamp(path):
    with open(path, "a", buffering=1) as out:
        for line in sys.stdin:
            out.write("%.6f %s" % (time.time(), line if line.endswith("\n") else line + "\n"))


# ---------------------------------------------------------------- states generator


def cmd_gen_states(n, creatorid, out_path):
    n = int(n)
    if n < 1 or n > (1 << 24):
        sys.exit("gen-states: N must be 1..16777216")
    creator = "%08x" % int(creatorid, 16)
    now = int(time.time() * 1000)
    creation = now - 60_000
    expire = now + 86_400_000
    last = now - 1_000
    # One client address per state (10.0.0.0/8), one server: unique 5-tuples, ESTABLISHED both ways.
    tail = (
        ',"dst":"172.16.0.1","dport":443,"ifindex":0,"rule":-1,"timeout":"tcp.established","flags":0,'
        '"creation":%d,"expire_at":%d,"last_activity":%d,"packets":[10,8],"bytes":[1200,900],'
        '"src_peer":{"seqlo":1000000,"seqhi":1065535,"seqdiff":0,"max_win":65535,"mss":1460,"state":4,"wscale":135},'
        '"dst_peer":{"seqlo":2000000,"seqhi":2029200,"seqdiff":0,"max_win":29200,"mss":1400,"state":4,"wscale":135}}\n'
        % (creation, expire, last)
    )
    head = '{"creatorid":"%s","id":"' % creator
    with open(out_path, "w") as f:
        buf = []
        for i in range(1, n + 1):
            buf.append('%s%016x","af":"inet","proto":6,"direction":"in","src":"10.%d.%d.%d","sport":40000%s'
                       % (head, i, (i >> 16) & 255, (i >> 8) & 255, i & 255, tail))
            if len(buf) >= 65536:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


# ---------------------------------------------------------------- TCP connections


def cmd_tcp_sink(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(1024)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        c.close()


def cmd_tcp_conns(host, port, n, rate):
    n, rate, port = int(n), float(rate), int(port)
    ok = failed = 0
    start = time.monotonic()
    for i in range(n):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            c = socket.create_connection((host, port), timeout=3)
            c.close()
            ok += 1
        except OSError:
            failed += 1
    print(json.dumps({"ok": ok, "failed": failed, "seconds": round(time.monotonic() - start, 3)}))


# ---------------------------------------------------------------- ping


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def summary(values, digits=3):
    v = sorted(values)
    if not v:
        return {"n": 0, "min": None, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}
    r = lambda x: None if x is None else round(x, digits)
    return {"n": len(v), "min": r(v[0]), "p50": r(percentile(v, 50)), "p90": r(percentile(v, 90)),
            "p99": r(percentile(v, 99)), "max": r(v[-1]), "mean": r(sum(v) / len(v))}


PING_REPLY = re.compile(r"^\[(\d+\.\d+)\] .*icmp_seq=(\d+) .*time=([\d.]+) ms")


def cmd_ping_stats(path, t0, t1):
    t0, t1 = float(t0), float(t1)
    replies = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = PING_REPLY.match(line)
            if m:
                recv, seq, rtt = float(m.group(1)), int(m.group(2)), float(m.group(3))
                replies.setdefault(seq, (recv - rtt / 1000.0, rtt))
    if not replies:
        print(json.dumps({"error": "no replies in " + path}))
        return
    seqs = sorted(replies)
    # Send time of every sequence number from the first to the last reply; lost ones interpolated.
    sent = {}
    for a, b in zip(seqs, seqs[1:] + [None]):
        sent[a] = replies[a][0]
        if b is not None and b > a + 1:
            ta, tb = replies[a][0], replies[b][0]
            for s in range(a + 1, b):
                sent[s] = ta + (tb - ta) * (s - a) / (b - a)
    phases = {"before": (float("-inf"), t0), "during": (t0, t1), "after": (t1, float("inf"))}
    out = {}
    for name, (lo, hi) in phases.items():
        in_phase = [s for s in sent if lo <= sent[s] < hi]
        rtts = [replies[s][1] for s in in_phase if s in replies]
        st = summary(rtts)
        st["sent"] = len(in_phase)
        st["lost"] = len(in_phase) - len(rtts)
        # Longest run of consecutive lost probes (a stall that outlived ping's patience shows here).
        longest = run = 0
        for s in sorted(in_phase):
            run = run + 1 if s not in replies else 0
            longest = max(longest, run)
        st["longest_loss_run"] = longest
        if in_phase:
            st["seconds"] = round(max(sent[s] for s in in_phase) - min(sent[s] for s in in_phase), 3)
        out[name] = st
    print(json.dumps(out))


# ---------------------------------------------------------------- journal records

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    t = _CRC_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


TYPES = {1: "insert", 2: "update", 3: "delete", 4: "clear", 5: "snapshot", 6: "epoch_start", 7: "epoch_end",
         8: "defer", 9: "release", 10: "start"}
def journal_records(directory, types=None, dport_only=None):
    """Yields (type, origin_kind, wall_ms, mono_ns, creatorid, id, proto, sport, dport, seq) per valid
    record of the given types (codes), optionally only those with destination port dport_only."""
    codes = sorted(types) if types else list(range(1, 11))
    pattern = re.compile(b"TJ\x01[" + b"".join(re.escape(bytes([c])) for c in codes) + b"]", re.S)
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".cq4"):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        for m in pattern.finditer(data):
            o = m.start()
            rec = data[o:o + 256]
            if len(rec) < 256:
                continue
            sport, dport = struct.unpack_from(">HH", rec, 80)
            if dport_only is not None and dport != dport_only:
                continue
            if struct.unpack_from("<I", rec, 252)[0] != crc32c(rec[:252]):
                continue
            okind = rec[5]
            wall, mono = struct.unpack_from("<qq", rec, 8)
            creator, ident = struct.unpack_from("<IQ", rec, 28)
            proto = rec[41]
            seq = struct.unpack_from("<Q", rec, 208)[0]
            yield rec[3], okind, wall, mono, creator, ident, proto, sport, dport, seq


def cmd_latency(dir_a, dir_b, port, t0=None, t1=None):
    port = int(port)
    lo = float(t0) * 1000 if t0 is not None else float("-inf")
    hi = float(t1) * 1000 if t1 is not None else float("inf")
    local = {}
    for t, okind, wall, mono, creator, ident, proto, sport, dport, seq in journal_records(dir_a, {1}, port):
        if okind == 0 and proto == 6 and lo <= wall <= hi:
            local.setdefault((creator, ident), (mono, wall))
    learned = {}
    for t, okind, wall, mono, creator, ident, proto, sport, dport, seq in journal_records(dir_b, {1}, port):
        if okind == 1 and proto == 6:
            learned.setdefault((creator, ident), (mono, wall))
    mono_ms, wall_ms = [], []
    for key, (mono_a, wall_a) in local.items():
        if key in learned:
            mono_b, wall_b = learned[key]
            mono_ms.append((mono_b - mono_a) / 1e6)
            wall_ms.append(wall_b - wall_a)
    out = {"local_inserts": len(local), "learned_inserts": len(learned), "matched": len(mono_ms),
           "window": None if t0 is None else [float(t0), float(t1)],
           "missing_on_b": len(local) - len(mono_ms), "monotonic_ms": summary(mono_ms),
           "wall_ms": summary(wall_ms, 1), "samples_ms": [round(x, 3) for x in mono_ms]}
    print(json.dumps(out))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    table = {"stamp": (cmd_stamp, 1), "gen-states": (cmd_gen_states, 3), "tcp-sink": (cmd_tcp_sink, 1),
             "tcp-conns": (cmd_tcp_conns, 4), "ping-stats": (cmd_ping_stats, 3), "latency": (cmd_latency, 3)}
    if cmd not in table or not (len(args) == table[cmd][1] or (cmd == "latency" and len(args) == 5)):
        sys.exit(__doc__)
    try:
        table[cmd][0](*args)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main(sys.argv)
