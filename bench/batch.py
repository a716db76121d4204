#!/usr/bin/env python3
"""ll-solution-runner batch benchmark: every MBPP reference solution
(a) through the service in batches, (b) through the same service one
submission per request, (c) exec'd in-process by python3 on the host with
no sandbox. All in one run, on one machine; see README.md.

usage: batch.py [--bin PATH] [--json PATH] [--port N] [--workers N]
                [--batch-size 100] [--batch-concurrency 2] [--limit N]

MBPP (Mostly Basic Python Problems, Austin et al. 2021) is by Google
Research, CC BY 4.0; it is read from /work/shared/datasets/mbpp-sanitized.json
(or --mbpp) and none of it is embedded here.

Python 3 standard library only. Needs root (stack.sh chowns its run
directory), docker, spawn-fcgi, multiwatch and lighttpd, and the sandbox
image. Talks only to 127.0.0.1 and the local Docker socket.
"""
import argparse
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import bench  # noqa: E402  (Stack, Engine, log, lat_summary, IMAGE)
import llsr_client as lc  # noqa: E402  (MBPP loading, base64)

log = bench.log
TIMEOUT_MS = 10000   # the service's cap: task 123 needs seconds of CPU

# (c): a fresh python3 execs every solution and then each of its asserts
# on its own, in a fresh dict per problem, timing the whole loop; writes
# {"wall_s", "per_task_s", "verdicts": {task_id: [status, tests]}} as JSON
# on fd 3 (the solutions' own stdout/stderr go to /dev/null).
HOST_DRIVER = r'''
import json, os, sys, time
fd = int(sys.argv[1])
problems = json.load(sys.stdin)
null = open(os.devnull, "w")
sys.stdout = sys.stderr = null
sys.stdin = open(os.devnull)
verdicts, per_task = {}, {}
t0 = time.perf_counter()
for p in problems:
    t = time.perf_counter()
    ns = {"__name__": "__main__"}
    try:
        exec(compile(p["code"], "<solution>", "exec"), ns)
        exec(compile("\n".join(p["test_imports"]), "<tests>", "exec"), ns)
    except BaseException as e:
        verdicts[p["task_id"]] = ["error", ["not_run"] * len(p["test_list"]),
                                  type(e).__name__]
        per_task[p["task_id"]] = time.perf_counter() - t
        continue
    tests = []
    for a in p["test_list"]:
        try:
            exec(compile(a, "<tests>", "exec"), ns)
            tests.append("passed")
        except AssertionError:
            tests.append("failed")
        except BaseException:
            tests.append("error")
    verdicts[p["task_id"]] = ["passed" if all(s == "passed" for s in tests) else "failed",
                              tests, None]
    per_task[p["task_id"]] = time.perf_counter() - t
wall = time.perf_counter() - t0
os.write(fd, json.dumps({"wall_s": wall, "per_task_s": per_task,
                         "verdicts": verdicts}).encode())
'''


def run_host(problems):
    """(c) in a fresh `python3 -I` in a temporary directory."""
    r, w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="llsr-bench-exec.") as tmp:
        try:
            p = subprocess.Popen([sys.executable or "python3", "-I", "-c", HOST_DRIVER, str(w)],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, cwd=tmp, pass_fds=(w,))
        finally:
            os.close(w)
        t0 = time.perf_counter()
        p.communicate(json.dumps(problems).encode(), timeout=600)
        process_s = time.perf_counter() - t0
        data = b""
        while True:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            data += chunk
        os.close(r)
    if p.returncode != 0 or not data:
        raise RuntimeError("host exec: exit %s, %d bytes of result" % (p.returncode, len(data)))
    out = json.loads(data)
    out["process_s"] = process_s   # with the interpreter's start and exit
    out["verdicts"] = {int(k): v for k, v in out["verdicts"].items()}
    out["per_task_s"] = {int(k): v for k, v in out["per_task_s"].items()}
    return out


# ------------------------------------------------------------------ service

class Client:
    """POST /run_code to one stack; a 503 overloaded is retried after its
    Retry-After, as a client would (counted)."""

    def __init__(self, port):
        self.svc = lc.Service("http://127.0.0.1:%d" % port, timeout=600)
        self.retries = 0
        self.lock = threading.Lock()

    def post(self, obj):
        while True:
            r = self.svc.post_json(obj, timeout=600)
            err = (r.json or {}).get("error") if isinstance(r.json, dict) else None
            if r.status == 503 and isinstance(err, dict) and err.get("code") == "overloaded" \
                    and not bench.STOP.is_set():
                with self.lock:
                    self.retries += 1
                time.sleep(float(r.header("Retry-After") or 1))
                continue
            return r


def element(p):
    return {"code": lc.b64(p["code"]), "tests": lc.b64(lc.tests_source(p)),
            "timeout_ms": TIMEOUT_MS}


def verdict(j):
    return [j.get("status"), lc.status_list(j), (j.get("error") or {}).get("type")]


def run_batches(cl, problems, size, conc):
    """(a): returns (wall_s, {task_id: response element}, per-batch info)."""
    chunks = [problems[k:k + size] for k in range(0, len(problems), size)]
    info = [None] * len(chunks)

    def one(k):
        t = time.perf_counter()
        r = cl.post({"submissions": [element(p) for p in chunks[k]]})
        dt = time.perf_counter() - t
        res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
        if not isinstance(res, list) or len(res) != len(chunks[k]):
            raise RuntimeError("batch %d: %s" % (k, r.short()))
        info[k] = {"n": len(chunks[k]), "wall_s": dt, "body_bytes": len(r.body),
                   "sum_element_duration_ms": sum(j.get("duration_ms") or 0 for j in res)}
        return k, res

    out = {}
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(conc) as ex:
        for k, res in ex.map(one, range(len(chunks))):
            for p, j in zip(chunks[k], res):
                out[p["task_id"]] = j
    return time.perf_counter() - t0, out, info


def run_singles(cl, problems, conc):
    """(b): returns (wall_s, {task_id: response}, latencies_ms)."""
    lat = {}

    def one(p):
        t = time.perf_counter()
        r = cl.post(element(p))
        lat[p["task_id"]] = (time.perf_counter() - t) * 1000.0
        if r.status != 200 or not isinstance(r.json, dict):
            raise RuntimeError("task %d: %s" % (p["task_id"], r.short()))
        return p["task_id"], r.json

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(conc) as ex:
        out = dict(ex.map(one, problems))
    return time.perf_counter() - t0, out, lat


def disagreements(problems, got, want):
    """[(task_id, detail)] where the per-test statuses (or the run status)
    of got[tid] (a service response) differ from want[tid] (a verdict)."""
    out = []
    for p in problems:
        tid = p["task_id"]
        j = got.get(tid)
        if j is None:
            out.append({"task_id": tid, "detail": "no result"})
            continue
        g, w = verdict(j), want[tid]
        if g[0] != w[0] or g[1] != w[1]:
            first = next((t for t in j.get("tests", []) if t.get("status") != "passed"), {})
            out.append({"task_id": tid, "service": g, "expected": w,
                        "message": (first.get("message") or (j.get("error") or {}).get("message")
                                    or "")[:300]})
    return out


def task_note(tid, j, lat_ms=None):
    if j is None:
        return {"task_id": tid, "status": None}
    d = {"task_id": tid, "status": j.get("status"), "tests": lc.status_list(j),
         "duration_ms": j.get("duration_ms"),
         "test_ms": [t.get("duration_ms") for t in j.get("tests", [])],
         "timed_out": j.get("status") == "timeout" or "timeout" in lc.status_list(j)}
    if lat_ms is not None:
        d["latency_ms"] = lat_ms
    return d


# ------------------------------------------------------------------- report

def fmt_s(x):
    return "%.3f s" % x if x < 10 else "%.1f s" % x


def table(res):
    a, b, c = res["a_batches"], res["b_singles"], res["c_host_exec"]
    n = res["config"]["n"]
    ab = b["wall_s"] / a["wall_s"]
    ac = a["wall_s"] / c["wall_s"]
    agree = res["agreement"]["a_vs_c"]
    rows = [
        ("(a) service, batches of %d (%d requests, %d at a time)"
         % (res["config"]["batch_size"], len(a["batches"]), res["config"]["batch_concurrency"]),
         fmt_s(a["wall_s"]), "%.1f" % (n / a["wall_s"]), "", "", "n/a"),
        ("(b) service, one submission per request (%d at a time)" % res["config"]["workers"],
         fmt_s(b["wall_s"]), "%.1f" % (n / b["wall_s"]),
         "(a) is %.1f× faster than (b)" % ab, "(a) ≥ 20× faster than (b)",
         "yes" if ab >= 20 else "**NO**"),
        ("(c) host python3, in-process exec, no sandbox",
         fmt_s(c["wall_s"]), "%.1f" % (n / c["wall_s"]),
         "(a) takes %.1f× (c)" % ac, "(a) ≤ 15× (c)", "yes" if ac <= 15 else "**NO**"),
        ("verdicts (a) vs (c), per-test statuses", "%d / %d agree" % (n - len(agree), n), "", "",
         "100%", "yes" if not agree else "**NO**"),
        ("verdicts (b) vs (c), per-test statuses",
         "%d / %d agree" % (n - len(res["agreement"]["b_vs_c"]), n), "", "", "info", "n/a"),
    ]
    out = ["| run | wall time | submissions/s | ratio | target | met? |",
           "| --- | --- | --- | --- | --- | --- |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out), rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get(
        "LLSR_BIN", os.path.join(ROOT, "_build", "ll-solution-runner")))
    ap.add_argument("--json", default=os.path.join(HERE, "results-batch.json"))
    ap.add_argument("--port", type=int, default=18950, help="18950-18999")
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                    help="workers of the stack; also (b)'s concurrency")
    ap.add_argument("--pool-size", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--batch-concurrency", type=int, default=2,
                    help="batches in flight at once (default 2: one batch's "
                         "container start and stragglers overlap the next's run)")
    ap.add_argument("--mbpp", default=lc.DEFAULT_MBPP)
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N problems (development; not a real run)")
    a = ap.parse_args()
    if not 18950 <= a.port <= 18999:
        sys.exit("bench: --port must be in 18950-18999")
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        sys.exit("bench: no executable at %s (build it, or pass --bin / LLSR_BIN)" % binary)
    if os.geteuid() != 0:
        sys.exit("bench: stack.sh needs root")
    problems = lc.load_mbpp(a.mbpp)
    if a.limit:
        problems = problems[:a.limit]
    n = len(problems)

    def on_term(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    eng = bench.Engine()
    if eng.call("GET", "/images/%s/json" % bench.IMAGE, ok=(200, 404)) is None:
        sys.exit("bench: image %s missing (docker/build-image.sh)" % bench.IMAGE)
    extra = []
    qpw = max(1, -(-a.batch_concurrency // a.workers))
    if bench.key_supported(binary, "queue_per_worker = %d" % qpw):
        extra.append("queue_per_worker = %d" % qpw)
    # The default max_batch_cost_ms (30 submissions of TIMEOUT_MS) would
    # refuse the batches this measures.
    cost = "max_batch_cost_ms = %d" % (a.batch_size * TIMEOUT_MS)
    if bench.key_supported(binary, cost):
        extra.append(cost)
    res = {"machine": {"cores": os.cpu_count(), "loadavg_start": os.getloadavg(),
                       "engine_api": eng.version, "kernel": os.uname().release},
           "config": {"binary": binary, "n": n, "batch_size": a.batch_size,
                      "batch_concurrency": a.batch_concurrency, "workers": a.workers,
                      "pool_size": a.pool_size, "timeout_ms": TIMEOUT_MS,
                      "test_timeout_ms": "default (= timeout_ms)", "extra_config": extra,
                      "mbpp": a.mbpp, "limit": a.limit},
           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg": {}}
    t_start = time.monotonic()
    st = None
    try:
        log("(c) host python3: %d solutions exec'd in-process" % n)
        res["loadavg"]["c_before"] = os.getloadavg()
        host = run_host(problems)
        res["c_host_exec"] = {"wall_s": host["wall_s"], "process_s": host["process_s"],
                              "slowest": sorted(host["per_task_s"].items(),
                                                key=lambda kv: -kv[1])[:5]}
        want = host["verdicts"]
        log("    %.2f s (%.2f s with the interpreter)" % (host["wall_s"], host["process_s"]))

        log("starting the stack: %d workers, pool_size %d, port %d %s"
            % (a.workers, a.pool_size, a.port, " ".join(extra)))
        st = bench.Stack(binary, a.port, a.workers, a.pool_size, False, extra)
        st.start()
        cl = Client(a.port)
        # Warm-up: a few single requests and a small batch, not counted.
        warm = problems[:3]
        for p in warm:
            cl.post(element(p))
        cl.post({"submissions": [element(p) for p in warm]})
        if a.pool_size:
            st.settle(eng)

        log("(a) %d submissions in batches of %d, %d at a time"
            % (n, a.batch_size, a.batch_concurrency))
        res["loadavg"]["a_before"] = os.getloadavg()
        wall, got_a, info = run_batches(cl, problems, a.batch_size, a.batch_concurrency)
        res["a_batches"] = {"wall_s": wall, "batches": info}
        log("    %.2f s" % wall)
        if a.pool_size:
            st.settle(eng)

        log("(b) %d submissions one per request, %d at a time" % (n, a.workers))
        res["loadavg"]["b_before"] = os.getloadavg()
        cl.retries = 0
        wall, got_b, lat = run_singles(cl, problems, a.workers)
        res["b_singles"] = {"wall_s": wall, "latency": bench.lat_summary(list(lat.values())),
                            "overloaded_503_retried": cl.retries}
        log("    %.2f s" % wall)
        res["loadavg"]["b_after"] = os.getloadavg()
        st.stop(eng)
        st = None
    finally:
        bench.STOP.set()
        if st is not None:
            try:
                st.stop(eng)
            except Exception as e:  # noqa: BLE001
                log("stopping the stack on port %d: %r" % (a.port, e))

    res["agreement"] = {
        "a_vs_c": disagreements(problems, got_a, want),
        "b_vs_c": disagreements(problems, got_b, want),
        "a_vs_b": disagreements(problems, got_a, {t: verdict(j) for t, j in got_b.items()}),
    }
    res["status_counts"] = {
        k: {s: sum(1 for j in got.values() if j.get("status") == s)
            for s in sorted({j.get("status") for j in got.values()}, key=str)}
        for k, got in (("a", got_a), ("b", got_b))}
    res["status_counts"]["c"] = {s: sum(1 for v in want.values() if v[0] == s)
                                 for s in sorted({v[0] for v in want.values()})}
    slow = [t for t, _ in res["c_host_exec"]["slowest"][:1]]
    res["slowest_task"] = {"host_s": res["c_host_exec"]["slowest"][:1],
                           "a": [task_note(t, got_a.get(t)) for t in slow],
                           "b": [task_note(t, got_b.get(t), lat.get(t)) for t in slow]}
    timed_out = {k: [t for t, j in got.items()
                     if j.get("status") == "timeout" or "timeout" in lc.status_list(j)]
                 for k, got in (("a", got_a), ("b", got_b))}
    res["timed_out"] = timed_out
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["duration_s"] = time.monotonic() - t_start
    md, rows = table(res)
    res["table"] = [dict(zip(("run", "wall_time", "submissions_per_s", "ratio", "target",
                              "met"), r)) for r in rows]
    res["all_targets_met"] = all(r[5] != "**NO**" for r in rows)
    la = res["loadavg"]
    note = ("%s: %d MBPP reference solutions; batch size %d (%d at a time); %d workers, "
            "pool_size %d; timeout_ms %d; %d cores, load average %.2f at start, %.2f before (a), "
            "%.2f before (b), %.2f at end; took %.0f s."
            % ("full run" if n == 427 else "partial run (--limit)", n, a.batch_size,
               a.batch_concurrency, a.workers, a.pool_size, TIMEOUT_MS, os.cpu_count(),
               res["machine"]["loadavg_start"][0], la["a_before"][0], la["b_before"][0],
               res["machine"]["loadavg_end"][0], res["duration_s"]))
    res["note"] = note
    print(md)
    print()
    print(note)
    for k in ("a", "b"):
        sl = res["slowest_task"][k]
        for s in sl:
            print("slowest task on the host (%s, %.2f s): in (%s) %s, tests %s, test times %s ms%s"
                  % (s["task_id"], res["slowest_task"]["host_s"][0][1], k, s.get("status"),
                     s.get("tests"), s.get("test_ms"),
                     ", TIMED OUT" if s.get("timed_out") else ""))
    c = res["c_host_exec"]
    print("(c) without its slowest task (%d, %.2f s): %.3f s"
          % (c["slowest"][0][0], c["slowest"][0][1], c["wall_s"] - c["slowest"][0][1]))
    for k in ("a", "b"):
        if timed_out[k]:
            print("timeouts in (%s): tasks %s" % (k, timed_out[k]))
    for k, v in res["agreement"].items():
        for d in v:
            print("disagreement %s: %s" % (k, json.dumps(d, ensure_ascii=False)))
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print()
    print(json.dumps({"all_targets_met": res["all_targets_met"], "table": res["table"],
                      "disagreements_a_vs_c": res["agreement"]["a_vs_c"]},
                     indent=1, ensure_ascii=False))
    log("JSON written to %s" % a.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; the stack stopped")
        sys.exit(130)
