#!/usr/bin/env python3
"""Throughput through a front Apache balancing one back end against two,
in the same run (docs/scaling.md). The hosts are network namespaces on this
machine (tests/integration/multihost.py): each back end has its own
dockerd and its own worker pool on TCP. On one machine the back ends
share its cores, so two back ends show the balancing, not more capacity.

Blocks of --n requests at --concurrency, in the order one, two, two, one,
... (--rounds pairs); each side's rate is its requests over the sum of
its blocks' times. Every answer must be 200 passed.

    sudo python3 bench/multihost.py --bin _build/ll-solution-runner [--n 24] [--rounds 2] [--port 20850]

Ports PORT+1, PORT+2 (fronts), PORT+11.. (back ends)."""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from multihost import Cluster, Load  # noqa: E402
from test_multihost import BODY, ok, get, wait_for  # noqa: E402


def block(url, n, concurrency):
    load = Load(url, BODY, concurrency)
    t0 = time.monotonic()
    load.start()
    wait_for(lambda: load.count() >= n, 600, 0.05)
    # The requests in flight at n finish too, and count, on the clock.
    res = load.stop()
    dt = time.monotonic() - t0
    bad = [r for r in res if not ok(r)]
    if bad:
        raise RuntimeError("failed answers: %s" % bad[:3])
    return len(res), dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--conf", default=os.path.join(TOP, "conf",
                                                   "ll-solution-runner.conf"))
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=20850)
    ap.add_argument("--json")
    a = ap.parse_args()
    cl = Cluster(2, a.port, os.path.abspath(a.bin), os.path.abspath(a.conf),
                 workers=a.workers)
    try:
        cl.start()
        one, _ = cl.start_front("apache", a.port + 1, members=[1])
        two, _ = cl.start_front("apache", a.port + 2, members=[1, 2])
        for u in (one, two):
            if not wait_for(lambda: get(u + "/health") == 200, 60):
                raise RuntimeError("front %s not up" % u)
            block(u, 4, 2)  # warm-up
        la0 = os.getloadavg()
        sides = {"one": [0, 0.0, []], "two": [0, 0.0, []]}
        for r in range(a.rounds):
            for side in (("one", "two", "two", "one")[2 * (r % 2):] +
                         ("one", "two", "two", "one")[:2 * (r % 2)]):
                n, dt = block(one if side == "one" else two, a.n,
                              a.concurrency)
                sides[side][0] += n
                sides[side][1] += dt
                sides[side][2].append(round(n / dt, 2))
        la1 = os.getloadavg()
        res = {s: {"requests": v[0], "seconds": round(v[1], 2),
                   "rate_per_s": round(v[0] / v[1], 2),
                   "block_rates_per_s": v[2]} for s, v in sides.items()}
        res.update(concurrency=a.concurrency, workers_per_backend=a.workers,
                   cores=os.cpu_count(), loadavg_start=la0, loadavg_end=la1)
        print("| front Apache, workers %d per back end, concurrency %d | "
              "requests | rate |" % (a.workers, a.concurrency))
        print("| --- | --- | --- |")
        for s in ("one", "two"):
            print("| %s back end%s | %d | %.2f /s (blocks %s) |" % (
                s, "s" if s == "two" else "", res[s]["requests"],
                res[s]["rate_per_s"], res[s]["block_rates_per_s"]))
        print("ratio two / one: %.2f; %d cores shared by both back ends; "
              "load average %.2f at start, %.2f at end" % (
                  res["two"]["rate_per_s"] / res["one"]["rate_per_s"],
                  res["cores"], la0[0], la1[0]))
        print(json.dumps(res))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(res, f, indent=1)
    finally:
        cl.cleanup()


if __name__ == "__main__":
    main()
