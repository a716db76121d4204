#!/usr/bin/env python3
"""Load test: N requests at concurrency C through lighttpd, mixing passing,
failing, timing-out and malformed submissions. Checks that no request is
lost (each gets a verdict or an intended 503 `overloaded`), that no
container is leaked once the stack stops, and that worker memory stays
flat. Prints a markdown table and writes JSON.

usage: bench/load.py [--bin _build/ll-solution-runner] [--requests 2000]
                     [--concurrency 16] [--workers 3] [--port 18600] [--json FILE]

Traffic goes to 127.0.0.1 only.
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import llsr_client as lc  # noqa: E402

STACK = os.path.join(TOP, "tests", "integration", "stack.sh")


def b64(s):
    return base64.b64encode(s.encode()).decode()


CODE = "def add(a, b):\n    return a + b\n"
KINDS = {
    # kind: (weight, body, expected status)
    "passing": (5, {"code": b64(CODE), "tests": b64("assert add(1, 2) == 3\nassert add(0, 0) == 0\n")},
                "passed"),
    "failing": (3, {"code": b64(CODE), "tests": b64("assert add(1, 2) == 4\n")}, "failed"),
    "timeout": (1, {"code": b64("while True:\n    pass\n"), "tests": b64("assert True\n"),
                    "timeout_ms": 500}, "timeout"),
    "malformed": (1, None, 400),
}


def body_for(kind, i):
    if kind == "malformed":
        return ['{"code": "not base64!"}', '{"code": ', '[1, 2]',
                '{"code": "eA==", "timeout_ms": 0}'][i % 4]
    return json.dumps(KINDS[kind][1])


def post(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.monotonic()
    try:
        c.request("POST", "/run_code", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data, time.monotonic() - t0
    except Exception as e:  # a lost request
        return None, {}, repr(e).encode(), time.monotonic() - t0
    finally:
        c.close()


def worker_rss(pids):
    out = {}
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1])
        except OSError:
            pass
    return out


def worker_pids(run):
    pids = []
    for line in subprocess.run(["pgrep", "-f", os.path.join(run, "bin", "ll-solution-runner")],
                               capture_output=True, text=True).stdout.split():
        try:
            with open("/proc/%s/cmdline" % line, "rb") as f:
                if b"multiwatch" not in f.read().split(b"\0")[0]:
                    pids.append(int(line))
        except OSError:
            pass
    return pids


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(TOP, "_build", "ll-solution-runner"))
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    ap.add_argument("--port", type=int, default=18600)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    run = tempfile.mkdtemp(prefix="llsr-load.")
    os.chmod(run, 0o755)
    conf = os.path.join(run, "load.conf")
    with open(conf, "w") as f:
        f.write("# defaults\n")
    subprocess.run([STACK, "start", os.path.abspath(a.bin), conf, run, str(a.port), str(a.workers)],
                   check=True, stdout=subprocess.DEVNULL)
    results = []
    try:
        pids = worker_pids(run)
        # Warm-up, then the baseline memory.
        for _ in range(2 * a.workers):
            post(a.port, body_for("passing", 0))
        rss0 = worker_rss(pids)
        rng = random.Random(42)
        kinds = [k for k, (w, _, _) in KINDS.items() for _ in range(w)]
        plan = [rng.choice(kinds) for _ in range(a.requests)]
        lock = threading.Lock()
        t0 = time.monotonic()

        def one(i):
            kind = plan[i]
            st, hdr, data, dt = post(a.port, body_for(kind, i))
            try:
                doc = json.loads(data)
            except ValueError:
                doc = None
            with lock:
                results.append((kind, st, hdr, doc, dt))

        with concurrent.futures.ThreadPoolExecutor(a.concurrency) as ex:
            list(ex.map(one, range(a.requests)))
        wall = time.monotonic() - t0
        rss1 = worker_rss(pids)
        pids_after = worker_pids(run)
    finally:
        subprocess.run([STACK, "stop", run], check=False)
    leaked = lc.leaked_containers(set(pids), grace=20.0)

    lost = [r for r in results if r[1] is None]
    wrong = []
    overloaded = 0
    for kind, st, hdr, doc, dt in results:
        if st is None:
            continue
        if st == 503 and doc and doc.get("error", {}).get("code") == "overloaded" \
                and hdr.get("Retry-After"):
            overloaded += 1
            continue
        want = KINDS[kind][2]
        if kind == "malformed":
            if st != 400:
                wrong.append((kind, st, doc))
        elif st != 200 or not doc or doc.get("status") != want:
            wrong.append((kind, st, doc))
    lat = [r[4] * 1000 for r in results if r[1] == 200]
    by_kind = {}
    for kind, st, hdr, doc, dt in results:
        by_kind.setdefault(kind, []).append(dt * 1000)
    summary = {
        "requests": a.requests, "concurrency": a.concurrency, "workers": a.workers,
        "wall_s": round(wall, 1), "throughput_rps": round(a.requests / wall, 2),
        "p50_ms": round(pct(lat, 50), 1), "p99_ms": round(pct(lat, 99), 1),
        "lost": len(lost), "wrong_verdict": len(wrong), "overloaded_503": overloaded,
        "leaked_containers": len(leaked),
        "worker_rss_kb_before": rss0, "worker_rss_kb_after": rss1,
        "workers_replaced": sorted(set(pids) ^ set(pids_after)),
        "p50_ms_by_kind": {k: round(pct(v, 50), 1) for k, v in by_kind.items()},
        "loadavg": os.getloadavg(),
    }
    print("| measurement | value |")
    print("| --- | --- |")
    for k in ("requests", "concurrency", "workers", "wall_s", "throughput_rps", "p50_ms",
              "p99_ms", "lost", "wrong_verdict", "overloaded_503", "leaked_containers"):
        print("| %s | %s |" % (k, summary[k]))
    print("| worker VmRSS kB before → after | %s |" % ", ".join(
        "%d→%s" % (rss0[p], rss1.get(p, "gone")) for p in sorted(rss0)))
    print("| p50 ms by kind | %s |" % summary["p50_ms_by_kind"])
    for w in wrong[:10]:
        print("# wrong: %r" % (w,), file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1)
    ok = not lost and not wrong and not leaked and not summary["workers_replaced"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
