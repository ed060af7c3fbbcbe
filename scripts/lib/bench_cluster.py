#!/usr/bin/python3
"""Helpers for scripts/bench-cluster, run with Debian's /usr/bin/python3 inside lab namespaces.

  accept PORT                      accept TCP connections on PORT and close them (the server side)
  connect-times HOST PORT N GAP_MS N connects GAP_MS apart; JSON: connect time percentiles (ms)
  connect-rate HOST PORT SECONDS W W workers connecting back to back for SECONDS; JSON: connections/s
  frames PCAP                      pfsync frames and bytes in a tcpdump capture of sync0; JSON
"""
import json, multiprocessing, socket, struct, sys, time


def percentile(v, p):
    if not v:
        return None
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def cmd_accept(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(4096)
    while True:
        c, _ = s.accept()
        c.close()


def connect_once(host, port, timeout=3.0):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(timeout)
    t0 = time.perf_counter()
    try:
        c.connect((host, port))
        return (time.perf_counter() - t0) * 1000.0
    except OSError:
        return None
    finally:
        c.close()


def cmd_connect_times(host, port, n, gap_ms):
    port, n, gap = int(port), int(n), float(gap_ms) / 1000.0
    times, failed = [], 0
    for _ in range(n):
        t = connect_once(host, port)
        if t is None:
            failed += 1
        else:
            times.append(t)
        time.sleep(gap)
    times.sort()
    print(json.dumps({"n": n, "failed": failed,
                      "p50_ms": round(percentile(times, 50), 3) if times else None,
                      "p90_ms": round(percentile(times, 90), 3) if times else None,
                      "p99_ms": round(percentile(times, 99), 3) if times else None,
                      "max_ms": round(times[-1], 3) if times else None,
                      "mean_ms": round(sum(times) / len(times), 3) if times else None}))


def _worker(args):
    host, port, seconds = args
    end = time.monotonic() + seconds
    ok = failed = 0
    while time.monotonic() < end:
        if connect_once(host, port, 2.0) is None:
            failed += 1
        else:
            ok += 1
    return ok, failed


def cmd_connect_rate(host, port, seconds, workers):
    seconds, workers = float(seconds), int(workers)
    with multiprocessing.Pool(workers) as pool:
        results = pool.map(_worker, [(host, int(port), seconds)] * workers)
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(json.dumps({"seconds": seconds, "workers": workers, "connections": ok, "failed": failed,
                      "per_second": round(ok / seconds, 1)}))


def cmd_frames(path):
    frames = octets = 0
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            print(json.dumps({"frames": 0, "bytes": 0}))
            return
        endian = "<" if struct.unpack("<I", header[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            _, _, caplen, origlen = struct.unpack(endian + "IIII", h)
            f.read(caplen)
            frames += 1
            octets += origlen
    print(json.dumps({"frames": frames, "bytes": octets}))


def main(argv):
    cmds = {"accept": cmd_accept, "connect-times": cmd_connect_times, "connect-rate": cmd_connect_rate,
            "frames": cmd_frames}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
