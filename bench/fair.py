#!/usr/bin/env python3
"""Fair-shares benchmark: a victim client's latency alone and next to a
greedy client, with the service's per-client limits on and off, all in the
same run. Not a test: no pass/fail exit code (tests/integration/test_fair.py
checks the mechanism).

Two stacks (spawn-fcgi, multiwatch, lighttpd or with --web apache Apache,
dockerd), --workers each:
  "limits on":  client_concurrency = 1, client_rate = 20, client_burst = 5
                (--limits "k = v; k = v" to choose others)
  "limits off": the defaults (no per-client limit)
On each: the victim (127.0.0.1) sends --n requests one at a time, a
request started every --interval seconds (or when the last one ended, if
later), first alone, then while a greedy client (127.0.0.2) keeps --greedy
connections busy sending the same request as fast as it can (a process of
its own at nice 19, standing in for a client on another host; with
--greedy-inline, threads of this process at normal priority). Every request
is the same trivial passing run (def add; assert add(1, 2) == 3); every
victim response must be 200 passed (the run stops with an error otherwise).
Percentiles are nearest-rank. Prints a markdown table and writes every
sample to --json.

usage: sudo bench/fair.py [--bin _build/ll-solution-runner] [--port 19390]
                          [--workers 3] [--n 60] [--greedy 4] [--interval 0.5]
                          [--web lighttpd|apache] [--compare "k = v"] [--rounds 1]
                          [--json bench/fair-results.json]
"""
import argparse
import base64
import http.client
import json
import math
import os
import platform
import sys
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from llsr_stack import Stack  # noqa: E402

LIMITS = ["client_concurrency = 1", "client_rate = 20", "client_burst = 5"]
BODY = json.dumps({"code": base64.b64encode(b"def add(a, b):\n    return a + b\n").decode(),
                   "tests": base64.b64encode(b"assert add(1, 2) == 3\n").decode()})


def post(port, source, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0))
    try:
        c.request("POST", "/run_code", body=BODY,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, data
    except OSError as e:
        return 0, repr(e).encode()
    finally:
        c.close()


def pct(xs, p):
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


class Greedy:
    """The greedy client: --greedy connections, each sending the request
    again as soon as it has an answer, whatever the answer (Retry-After is
    ignored). It runs as a process of its own at nice 19: on a real host the
    greedy client is elsewhere, and its own CPU must not be what slows the
    victim down; the server's side of its requests (lighttpd, workers,
    dockerd) runs at normal priority as before. --greedy-inline keeps it in
    this process, at normal priority, sharing the victim's interpreter."""

    def __init__(self, port, conns, inline=False):
        self.proc = None
        if inline:
            self.counts = {}
            self.lock = threading.Lock()
            self.stop = threading.Event()
            self.threads = [threading.Thread(target=self.loop, args=(port,), daemon=True)
                            for _ in range(conns)]
            for t in self.threads:
                t.start()
        else:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--greedy-child",
                 str(port), str(conns)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                preexec_fn=lambda: os.nice(19))

    def loop(self, port):
        while not self.stop.is_set():
            status, _ = post(port, "127.0.0.2")
            with self.lock:
                self.counts[status] = self.counts.get(status, 0) + 1

    def finish(self):
        if self.proc:
            out, _ = self.proc.communicate(b"stop\n", timeout=300)
            return json.loads(out)
        self.stop.set()
        for t in self.threads:
            t.join(180)
        return {str(k): v for k, v in sorted(self.counts.items())}


def greedy_child(port, conns):
    """The greedy process: runs until its stdin has a line (or closes),
    then prints its answers' statuses as JSON."""
    g = Greedy(port, conns, inline=True)
    sys.stdin.readline()
    print(json.dumps(g.finish()))
    return 0


def victim(port, n, interval):
    lat = []
    for _ in range(n):
        t0 = time.monotonic()
        status, data = post(port, "127.0.0.1")
        dt = time.monotonic() - t0
        ok = status == 200 and json.loads(data).get("status") == "passed"
        if not ok:
            raise SystemExit("victim got %s %s" % (status, data[:300]))
        lat.append(dt * 1000.0)
        rest = interval - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)
    return lat


def phase(st, a, greedy):
    victim(st.port, 5, a.interval)  # warm-up
    g = Greedy(st.port, a.greedy, a.greedy_inline) if greedy else None
    if g:
        time.sleep(2)  # the greedy client is at full speed
    lat = victim(st.port, a.n, a.interval)
    counts = g.finish() if g else {}
    # Let the pools refill before the next phase.
    time.sleep(3)
    return {"latency_ms": lat, "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99),
            "greedy_statuses": counts}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--greedy-child":
        return greedy_child(int(sys.argv[2]), int(sys.argv[3]))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("LLSR_BIN", "_build/ll-solution-runner"))
    ap.add_argument("--port", type=int, default=19390)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--greedy", type=int, default=4)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--web", default="lighttpd", choices=("lighttpd", "apache"))
    ap.add_argument("--json", default=os.path.join(HERE, "fair-results.json"))
    ap.add_argument("--greedy-inline", action="store_true",
                    help="run the greedy client as threads of this process at normal "
                         "priority (the old way) instead of a process of its own at nice 19")
    ap.add_argument("--limits", default="; ".join(LIMITS),
                    help="the 'limits on' stack's config lines, ';'-separated "
                         "(default %(default)r)")
    ap.add_argument("--compare", default=None,
                    help="instead of a 'limits off' stack, one with the limits and these "
                         "further config lines (';'-separated), e.g. 'pool_ready_ms = 0' "
                         "for the service before a change")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the two stacks this many times, alternating (default 1)")
    a = ap.parse_args()
    limits = [x.strip() for x in a.limits.split(";") if x.strip()]
    second = ("limits off", [])
    if a.compare is not None:
        extra = [x.strip() for x in a.compare.split(";") if x.strip()]
        second = ("limits on + " + "; ".join(extra), limits + extra)
    binary = os.path.abspath(a.bin)
    out = {"config": vars(a), "machine": {"cpus": os.cpu_count(), "node": platform.node(),
                                          "loadavg_start": os.getloadavg()},
           "stacks": {}}
    runs = []
    for rnd in range(a.rounds):
        for i, (name, conf) in enumerate((("limits on", limits), second)):
            runs.append((i, name + (" #%d" % (rnd + 1) if a.rounds > 1 else ""), conf))
    for i, name, conf in runs:
        st = Stack(binary, a.port + i, conf, workers=a.workers, web=a.web)
        try:
            r = {"config": conf}
            r["alone"] = phase(st, a, False)
            r["greedy"] = phase(st, a, True)
            r["alone_again"] = phase(st, a, False)
            out["stacks"][name] = r
        finally:
            st.stop()
    out["machine"]["loadavg_end"] = os.getloadavg()
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)

    print("| stack | victim | p50 ms | p90 ms | p99 ms | p99 / alone p99 | greedy client's answers |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in out["stacks"].items():
        base = r["alone"]["p99"]
        for ph, label in (("alone", "alone"), ("greedy", "next to the greedy client"),
                          ("alone_again", "alone again")):
            x = r[ph]
            g = ", ".join("%s: %d" % kv for kv in x["greedy_statuses"].items()) or "-"
            print("| %s | %s | %.0f | %.0f | %.0f | %.2f | %s |"
                  % (name, label, x["p50"], x["p90"], x["p99"], x["p99"] / base, g))
    print("\n%s in front; load average %s -> %s; %d CPUs; samples in %s"
          % (a.web, out["machine"]["loadavg_start"], out["machine"]["loadavg_end"],
             os.cpu_count(), a.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
