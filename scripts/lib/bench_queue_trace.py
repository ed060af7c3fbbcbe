#!/usr/bin/env python3
"""What the queue consumers were doing when their NFQUEUE overflowed, for scripts/bench (standard library only).

Subcommands:
  record OUT     run inside the firewall's network namespace until SIGTERM or SIGINT; every
                 5 ms append to OUT the namespace's /proc/net/netfilter/nfnetlink_queue (per
                 queue: packets waiting for a verdict, packets dropped because the queue was
                 full, packets dropped because the socket was full, the last packet id) and, for
                 the threads below, their state and /proc/PID/task/TID/schedstat (nanoseconds on a
                 CPU, nanoseconds runnable but waiting for a CPU, times put on a CPU): the
                 consumer threads every 5 ms, the others every 50 ms. Threads, looked up again
                 every 2 s: each queue's consumer thread in this namespace
                 (Tandem's tandem-queue-N, queue N; bench/c/nfq-consumer's only thread, its -q
                 queue), and in every namespace the threads that compete with them for a CPU:
                 every thread of a Tandem JVM (GC and JIT threads included), nfq-consumer and
                 trafgen. Lines:
                   Q TIME QUEUE TOTAL DROPPED USER_DROPPED LAST_ID
                   T TIME TID STATE ONCPU_NS WAIT_NS SLICES CPU [SYSCALL]
                   N TID LABEL        (once per thread: "queue N" for a consumer thread of queue N,
                                       else PROCESS:THREAD, PROCESS a JVM's pid or the program)
                 CPU is the one the thread last ran on; SYSCALL, for a consumer thread that is asleep: the system call it sleeps in
                 (/proc/PID/task/TID/syscall; x86-64 numbers, e.g. 202 futex, 299 recvmmsg).
  summary OUT [MARKS]
                 print one JSON object: per queue, its drop episodes (queue-full drops separated
                 by at least a second without any), each with the time since the recording began,
                 what ran then (the label of the last line "EPOCH-SECONDS LABEL" in MARKS before
                 it, scripts/bench's UDP runs; "-" between runs), the packets dropped, and what
                 the queue's consumer thread did while the queue filled (from the last sample
                 with fewer than 64 packets waiting, at most 2 s back, to the first drop):
                 milliseconds on a CPU, runnable but without a CPU, and asleep (with the system
                 call it slept in most often); and the five threads that ran the most meanwhile,
                 with their milliseconds on a CPU and the CPU they were seen on most:
                   {"interval_ms": .., "seconds": .., "queues": {"N": {"dropped": .., "episodes":
                    [{"at_s": .., "during": LABEL|null, "dropped": .., "max_waiting": .., "fill_ms": ..,
                    "consumer": {"oncpu_ms": .., "runnable_ms": .., "asleep_ms": .., "asleep_in":
                    SYSCALL|null}, "busiest": [[LABEL, MS, CPU], ..]}, ..]}}}
  self-test      build a recording in memory, check the summary, print "ok"

A consumer that was mostly runnable while its queue filled did not get a CPU (another thread had
it); one that was mostly on a CPU was too slow; one that was mostly asleep did not wake for the
packets, or waited for something else. "consumer" is null when the thread was not seen during the
fill (it had only just started: threads are looked up every 2 s). On-CPU time comes from schedstat's first field, which the
scheduler brings up to date at every clock tick (4 ms at 250 Hz), so short intervals are coarse.
The recorder runs unpinned and costs some CPU of its own (scripts/bench logs how much).
"""

import json
import os
import re
import signal
import sys
import time

INTERVAL_S = 0.005
# threads other than the consumers are sampled every 10th time (50 ms): they only give the busiest list
OTHERS_EVERY = 10
RESCAN_S = 2.0
# the queue counts as drained below this many packets waiting; a fill is looked at no further back than this
DRAINED = 64
MAX_FILL_S = 2.0
EPISODE_GAP_S = 1.0
QUEUE_FILE = "/proc/net/netfilter/nfnetlink_queue"
COMPETITORS = ("nfq-consumer", "trafgen")


def own_netns():
    return os.readlink("/proc/self/ns/net")


def read(path):
    with open(path) as f:
        return f.read()


def scan_threads(netns):
    """{tid: (pid, label)} of the consumer threads of this namespace and the threads that compete with them."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = read("/proc/%s/comm" % pid).strip()
            cmd = read("/proc/%s/cmdline" % pid).split("\0")
            ns = os.readlink("/proc/%s/ns/net" % pid)
            tids = os.listdir("/proc/%s/task" % pid)
        except OSError:
            continue
        if comm == "java":
            names = {}
            for tid in tids:
                try:
                    names[tid] = read("/proc/%s/task/%s/comm" % (pid, tid)).strip()
                except OSError:
                    continue
            if not any(n.startswith("tandem-") for n in names.values()):
                continue
            for tid, name in names.items():
                m = re.fullmatch(r"tandem-queue-(\d+)", name)
                label = ("queue %s" % m.group(1)) if m and ns == netns else "%s:%s" % (pid, name)
                found[tid] = (pid, label)
        elif comm in COMPETITORS:
            label = "%s:%s" % (comm, pid)
            if comm == "nfq-consumer" and ns == netns and "-q" in cmd:
                label = "queue %s" % cmd[cmd.index("-q") + 1]
            for tid in tids:
                found[tid] = (pid, label)
    return found


class Thread:
    """One watched thread, its /proc files kept open and read again from offset 0 (one system call each)."""

    def __init__(self, pid, tid, label):
        base = "/proc/%s/task/%s/" % (pid, tid)
        self.tid, self.label, self.consumer = tid, label, label.startswith("queue ")
        self.fds = [os.open(base + name, os.O_RDONLY) for name in ("schedstat", "stat")]
        self.syscall = os.open(base + "syscall", os.O_RDONLY) if self.consumer else None

    def sample(self, t):
        s = os.pread(self.fds[0], 256, 0).split()
        st = os.pread(self.fds[1], 1024, 0)
        rest = st[st.rindex(b")") + 2:].split()
        state, cpu = rest[0].decode(), rest[36].decode()  # fields 3 (state) and 39 (processor)
        call = ""
        if self.syscall is not None and state in "SD":
            call = " " + os.pread(self.syscall, 256, 0).split(b" ", 1)[0].strip().decode()
        return "T %.4f %s %s %s %s %s %s%s\n" % (t, self.tid, state, s[0].decode(), s[1].decode(), s[2].decode(),
                                                cpu, call)

    def close(self):
        for fd in self.fds + ([self.syscall] if self.syscall is not None else []):
            os.close(fd)


def record(out_path):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    netns = own_netns()
    watched, last_scan, tick = {}, 0.0, 0
    with open(out_path, "w") as out:
        out.write("I %g\n" % (INTERVAL_S * 1000))
        while not stop:
            now = time.time()
            if now - last_scan >= RESCAN_S:
                last_scan = now
                found = scan_threads(netns)
                for tid in [tid for tid in watched if tid not in found]:
                    watched.pop(tid).close()
                for tid, (pid, label) in found.items():
                    if tid not in watched:
                        try:
                            watched[tid] = Thread(pid, tid, label)
                        except OSError:
                            continue
                        out.write("N %s %s\n" % (tid, label.replace(" ", "_")))
            try:
                queues = read(QUEUE_FILE)
            except OSError:
                queues = ""
            t = time.time()
            for line in queues.splitlines():
                f = line.split()
                if len(f) >= 8:  # queue, portid, total, copy mode, copy range, dropped, user dropped, id
                    out.write("Q %.4f %s %s %s %s %s\n" % (t, f[0], f[2], f[5], f[6], f[7]))
            # the consumers every sample, the other threads every OTHERS_EVERY-th
            everyone = tick % OTHERS_EVERY == 0
            tick += 1
            for th in list(watched.values()):
                if th.consumer or everyone:
                    try:
                        out.write(th.sample(t))
                    except (OSError, ValueError, IndexError):
                        watched.pop(th.tid).close()
            time.sleep(INTERVAL_S)
        for th in watched.values():
            th.close()
    return 0


def parse(lines):
    interval, labels, queues, threads = None, {}, {}, {}
    for line in lines:
        f = line.split()
        if not f:
            continue
        if f[0] == "I":
            interval = float(f[1])
        elif f[0] == "N":
            labels[f[1]] = f[2].replace("_", " ", 1) if f[2].startswith("queue_") else f[2]
        elif f[0] == "Q":
            queues.setdefault(f[2], []).append((float(f[1]), int(f[3]), int(f[4]), int(f[5]), int(f[6])))
        elif f[0] == "T":
            threads.setdefault(f[2], []).append((float(f[1]), f[3], int(f[4]), int(f[5]), f[8] if len(f) > 8 else None,
                                                 f[7]))
    return interval, labels, queues, threads


def oncpu(samples, start, end):
    """Nanoseconds one thread ran between the first sample at or after start and the last at or before end."""
    inside = [x for x in samples if start <= x[0] <= end]
    return inside[-1][2] - inside[0][2] if len(inside) >= 2 else 0


def usual_cpu(samples, start, end):
    """The CPU a thread was seen on most between start and end (its samples that ran since the last)."""
    inside = [x for x in samples if start <= x[0] <= end]
    cpus = [b[5] for a, b in zip(inside, inside[1:]) if b[2] > a[2]] or [x[5] for x in inside]
    return int(max(sorted(set(cpus)), key=cpus.count)) if cpus else None


def account(samples, start, end):
    """(on a CPU, runnable, asleep) milliseconds of one thread between start and end, and the system call
    it slept in most often. Each interval between two samples counts its on-CPU growth (the scheduler
    adds a running thread's time at every clock tick) as on a CPU, and the rest as runnable when the
    thread was R at the interval's end, else as asleep. The scheduler's own run-queue wait is not used:
    it is added only when the thread next gets a CPU, so it lags."""
    inside = [x for x in samples if start <= x[0] <= end]
    if len(inside) < 2:
        return None  # not watched yet (a consumer that just started) or already gone
    on = runnable = asleep = 0.0
    calls = []
    for a, b in zip(inside, inside[1:]):
        dt = (b[0] - a[0]) * 1e3
        ran = min(dt, max(0.0, (b[2] - a[2]) / 1e6))
        on += ran
        if b[1] in "SD":
            asleep += dt - ran
            if b[4]:
                calls.append(b[4])
        else:
            runnable += dt - ran
    return {"oncpu_ms": round(on, 1), "runnable_ms": round(runnable, 1), "asleep_ms": round(asleep, 1),
            "asleep_in": max(sorted(set(calls)), key=calls.count) if calls else None}


def phase_at(marks, t):
    """The label of the last mark at or before t, or None."""
    label = None
    for when, what in marks:
        if when <= t:
            label = what
    return label


def summarize(lines, marks=()):
    interval, labels, queues, threads = parse(lines)
    times = [s[0] for q in queues.values() for s in q]
    t0 = min(times) if times else 0.0
    result = {"interval_ms": interval, "seconds": round(max(times) - t0, 1) if times else 0, "queues": {}}
    # a queue's consumer threads over the recording (each restart of a consumer is a new thread)
    consumers = {}
    for tid, label in labels.items():
        if label.startswith("queue "):
            consumers.setdefault(label[len("queue "):], []).append(tid)
    for q, samples in sorted(queues.items(), key=lambda kv: int(kv[0])):
        episodes, last_drop = [], None
        for i in range(1, len(samples)):
            prev, cur = samples[i - 1], samples[i]
            if cur[2] <= prev[2]:
                continue
            if last_drop is None or cur[0] - last_drop >= EPISODE_GAP_S:
                episodes.append({"index": i - 1, "dropped": 0})
            episodes[-1]["dropped"] += cur[2] - prev[2]
            last_drop = cur[0]
        out = []
        for e in episodes:
            i = e["index"]
            end = samples[i][0]
            # the fill: from the last sample with the queue (nearly) empty, at most MAX_FILL_S back
            j = i
            while j > 0 and samples[j][1] >= DRAINED and end - samples[j - 1][0] <= MAX_FILL_S:
                j -= 1
            start = samples[j][0]
            # the consumer thread of this queue that was sampled most during the fill
            tid = max(consumers.get(q, []), default=None,
                      key=lambda c: sum(1 for x in threads.get(c, ()) if start <= x[0] <= end))
            busiest = sorted(((oncpu(s, start, end), labels.get(t, t), t) for t, s in threads.items()), reverse=True)
            out.append({"at_s": round(end - t0, 2), "during": phase_at(marks, end), "dropped": e["dropped"],
                        "max_waiting": max(s[1] for s in samples if start <= s[0] <= end + EPISODE_GAP_S),
                        "fill_ms": round((end - start) * 1e3, 1),
                        "consumer": account(threads[tid], start, end) if tid in threads else None,  # null: not seen
                        "busiest": [[label, round(ns / 1e6, 1), usual_cpu(threads[t], start, end)]
                                    for ns, label, t in busiest[:5] if ns > 0]})
        result["queues"][q] = {"dropped": samples[-1][2] - samples[0][2], "episodes": out}
    return result


def self_test():
    # 404: queue 1's consumer after a restart, seen only after the episode
    lines = ["I 5", "N 101 queue_1", "N 202 900:C2_CompilerThre", "N 303 queue_0", "N 404 queue_1"]
    # queue 1 fills from 1.0 s to 1.2 s while its consumer (101) is runnable and thread 202 has the CPU,
    # drops 30 packets, and 10 more at 1.7 s (the same episode). Queue 0 fills from 1.5 s to 1.7 s while
    # its consumer (303) sleeps in futex (202), and drops 5.
    on1 = on2 = on0 = 0
    for i in range(400):
        t, x = 100.0 + i * 0.005, i * 0.005
        starving = 1.0 <= x < 1.3
        on1 += 200_000 if starving else 2_000_000
        on2 += 4_800_000 if starving else 0
        blocked = 1.5 <= x < 1.75
        on0 += 0 if blocked else 1_000_000
        fill1 = 8192 if 1.2 <= x < 1.3 else (10 + int((x - 1.0) / 0.2 * 8182) if 1.0 <= x < 1.2 else 10)
        fill0 = 8192 if 1.7 <= x < 1.75 else (int((x - 1.5) / 0.2 * 8192) if 1.5 <= x < 1.7 else 3)
        lines.append("Q %.4f 1 %d %d 0 %d" % (t, fill1, 0 if x < 1.2 else (30 if x < 1.7 else 40), 1000 + i))
        lines.append("Q %.4f 0 %d %d 0 %d" % (t, fill0, 0 if x < 1.7 else 5, 5000 + i))
        lines.append("Q %.4f 2 %d %d 0 %d" % (t, fill0, 0 if x < 1.7 else 7, 9000 + i))  # no consumer seen
        lines.append("T %.4f 101 %s %d 0 %d 1%s" % (t, "R" if starving else "S", on1, i, "" if starving else " 7"))
        lines.append("T %.4f 202 R %d 0 %d %d" % (t, on2, i, 1 if starving else 0))
        lines.append("T %.4f 303 %s %d 0 %d 0%s" % (t, "S" if blocked else "R", on0, i, " 202" if blocked else ""))
        if x >= 1.8:
            lines.append("T %.4f 404 S %d 0 %d 1 7" % (t, i * 1000, i))
    s = summarize(lines, [(99.0, "pair-ab (warm-up)"), (100.5, "-"), (101.0, "pair-ab"), (101.9, "-")])
    q1, q0 = s["queues"]["1"], s["queues"]["0"]
    assert s["interval_ms"] == 5 and q1["dropped"] == 40 and len(q1["episodes"]) == 1, s
    e = q1["episodes"][0]
    assert e["dropped"] == 40 and e["max_waiting"] == 8192 and abs(e["at_s"] - 1.2) < 0.02, e
    assert e["during"] == "pair-ab" and 185 <= e["fill_ms"] <= 200, e
    c = e["consumer"]  # starved: runnable 4.8 of each 5 ms, on a CPU 0.2
    assert 180 <= c["runnable_ms"] <= 195 and 5 <= c["oncpu_ms"] <= 10 and c["asleep_ms"] == 0, c
    assert c["asleep_in"] is None, c
    assert e["busiest"] == [["900:C2_CompilerThre", 187.2, 1], ["queue 0", 39.0, 0], ["queue 1", 7.8, 1]], e
    assert q0["dropped"] == 5 and len(q0["episodes"]) == 1, q0
    c = q0["episodes"][0]["consumer"]  # asleep in futex the whole fill
    assert 185 <= c["asleep_ms"] <= 200 and c["oncpu_ms"] == 0 and c["runnable_ms"] == 0, c
    assert c["asleep_in"] == "202", c
    q2 = s["queues"]["2"]
    assert q2["dropped"] == 7 and q2["episodes"][0]["consumer"] is None, q2
    print("ok")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "self-test":
        return self_test()
    if len(argv) == 3 and argv[1] == "record":
        return record(argv[2])
    if len(argv) in (3, 4) and argv[1] == "summary":
        try:
            marks = []
            if len(argv) == 4:
                with open(argv[3]) as f:
                    for line in f:
                        when, _, what = line.strip().partition(" ")
                        if what:
                            marks.append((float(when), what))
            with open(argv[2]) as f:
                print(json.dumps(summarize(f, marks)))
        except OSError as e:
            print("bench_queue_trace: %s" % e, file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
