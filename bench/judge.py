#!/usr/bin/env python3
"""ll-solution-runner judge benchmark: the harness before and after the
judge / solution-server split (the tests in one process, the solution in
another, every call across a socket), measured in one run on one machine:
(1) every MBPP reference solution in batches through a stack running the
old image and one running the new image, in interleaved blocks; (2) `llsr
eval` on the HumanEval canonical solutions against both stacks, in
interleaved blocks, next to the same samples exec'd in one host process
(the floor); (3) the cost of the boundary per call, from the harness run on
the host in "process" and "in_process" isolation, and the old harness.
See README.md ("Judge benchmark").

usage: judge.py [--before REV] [--after REV] [--bin PATH] [--llsr PATH]
                [--json PATH] [--port N] [--quick] ...

MBPP (Austin et al. 2021) is by Google Research, CC BY 4.0; HumanEval
(Chen et al. 2021) is by OpenAI, MIT License. Both are read from
/work/shared/datasets/ and none of either is embedded here.

Python 3 standard library only. Needs root (stack.sh chowns its run
directory), git, docker, the base image llsr-base:bookworm, spawn-fcgi,
multiwatch and lighttpd. Talks only to 127.0.0.1 and the local Docker
socket. Builds two images (tags llsr-sandbox:bench-before and
llsr-sandbox:bench-after, kept for the next run; the build is cached).
"""
import argparse
import concurrent.futures
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import bench  # noqa: E402  (Stack, Engine, log, STOP)
import batch  # noqa: E402  (Client: POST with 503 retries)
import llsr_client as lc  # noqa: E402  (MBPP loading, base64)

log = bench.log
BASE_IMAGE = "llsr-base:bookworm"
TAGS = {"before": "llsr-sandbox:bench-before", "after": "llsr-sandbox:bench-after"}
DEFAULT_HUMANEVAL = "/work/shared/datasets/humaneval/HumanEval.jsonl.gz"
TIMEOUT_MS = 10000   # the service's cap: MBPP task 123 needs seconds of CPU


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw).stdout.decode().strip()


# ------------------------------------------------------------------- images

def export_tree(rev, dest):
    """docker/ of git revision rev, extracted under dest; returns the full hash."""
    full = sh(["git", "-C", ROOT, "rev-parse", "--verify", rev + "^{commit}"])
    os.makedirs(dest)
    arch = subprocess.Popen(["git", "-C", ROOT, "archive", full, "docker/"],
                            stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", dest], stdin=arch.stdout, check=True)
    arch.stdout.close()
    if arch.wait() != 0:
        raise RuntimeError("git archive %s failed" % rev)
    return full


def build_image(ctx, tag, commit):
    """docker build of ctx/docker on BASE_IMAGE (as docker/build-image.sh
    does, with the commit as its harness-hash label); returns the image id."""
    subprocess.run(["docker", "build", "-q", "--build-arg", "BASE=" + BASE_IMAGE,
                    "--build-arg", "HARNESS_HASH=git-" + commit, "-t", tag,
                    os.path.join(ctx, "docker")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return sh(["docker", "image", "inspect", "-f", "{{.Id}}", tag])


# ------------------------------------------- (3) the boundary, on the host

NONCE = "b" * 32

MICRO = {
    # name: (code, tests, entry_point, calls per run (None: from --calls))
    "int": ("def f(x):\n    return x\n",
            "N = %(n)d\n\ndef test_calls():\n    for i in range(N):\n        assert f(i) == i\n",
            None),
    "list100": ("def g(x):\n    return x\n",
                "N = %(n)d\nL = list(range(100))\n\ndef test_calls():\n"
                "    for i in range(N):\n        assert g(L) == L\n",
                None),
}


def check_tests(n_asserts):
    """A HumanEval-style check(candidate): n asserts, each its own case."""
    return "def check(candidate):\n" + "".join(
        "    assert candidate(%d) == %d\n" % (i, i) for i in range(n_asserts))


def frame(code, tests, entry_point=None, isolation=None):
    j = {"v": 1, "nonce": NONCE, "code": lc.b64(code), "tests": lc.b64(tests),
         "stdin": "", "entry_point": entry_point, "timeout_ms": 600000,
         "test_timeout_ms": 600000, "output_limit": 65536, "report_limit": 1 << 22,
         "stop_on_first_failure": False, "program": False}
    if isolation is not None:
        j["isolation"] = isolation
    body = json.dumps(j).encode()
    return b"LLSR1 %d\n" % len(body) + body


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return f.read().split()
    except OSError:
        return []


def pin_one_cpu():
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_harness(harness_dir, data, settle_s, pin=False):
    """One harness run on the host, as a warm container runs it: started
    ahead, given settle_s after its first child appears (its start-up work
    and pre-started processes), then the frame; timed from the frame's
    write to the end of the report line. Returns (wall_ms, report)."""
    p = subprocess.Popen([sys.executable, "-I", "-S", os.path.join(harness_dir, "harness.py")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir(),
                         preexec_fn=pin_one_cpu if pin else None)
    try:
        end = time.monotonic() + 10
        while not children(p.pid) and time.monotonic() < end:
            time.sleep(0.005)
        time.sleep(settle_s)
        t0 = time.perf_counter()
        p.stdin.write(data)
        p.stdin.flush()
        rep = None
        for line in p.stdout:
            if line.startswith(NONCE.encode() + b" "):
                wall = (time.perf_counter() - t0) * 1000.0
                rep = json.loads(line[len(NONCE) + 1:])
                break
        p.stdin.close()
        p.stdout.read()
        p.wait(60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if rep is None:
        raise RuntimeError("harness %s: no report (rc %s)" % (harness_dir, p.returncode))
    if rep.get("status") != "passed":
        raise RuntimeError("harness %s: status %s: %s" % (harness_dir, rep.get("status"),
                                                          json.dumps(rep)[:600]))
    return wall, rep


def measure_micro(harness, calls, check_sizes, repeat, settle_s):
    """{case: {mode: {"wall_ms": [...], "test_ms": [...]}}}. Modes:
    process and in_process (new harness), old (the old one; no isolation key).
    The runs of one case are interleaved mode by mode, repeat times."""
    cases = {}
    for name, (code, tests, ep) in MICRO.items():
        cases[name] = (code, tests % {"n": calls}, ep, calls)
    for k in check_sizes:
        cases["check%d" % k] = ("def cand(x):\n    return x\n", check_tests(k), "cand", k)
    out = {}
    for name, (code, tests, ep, n) in cases.items():
        # process_1cpu: the harness and all its processes pinned to one CPU
        # (no cross-CPU wake-up per message).
        modes = [("process", "new", "process", False), ("in_process", "new", "in_process", False),
                 ("old", "old", None, False)]
        if not name.startswith("check"):
            modes.append(("process_1cpu", "new", "process", True))
        res = {m[0]: {"wall_ms": [], "test_ms": []} for m in modes}
        reps = repeat if not name.startswith("check") else repeat * 5
        for r in range(reps):
            order = modes if r % 2 == 0 else modes[::-1]
            for m, which, iso, pin in order:
                wall, rep = run_harness(harness[which], frame(code, tests, ep, iso), settle_s, pin)
                if iso is not None and rep.get("isolation", iso) != iso:
                    raise RuntimeError("%s/%s: judged in %s" % (name, m, rep.get("isolation")))
                if len(rep["tests"]) != (n if name.startswith("check") else 1):
                    raise RuntimeError("%s/%s: %d tests" % (name, m, len(rep["tests"])))
                res[m]["wall_ms"].append(wall)
                res[m]["test_ms"].append(sum(t["duration_ms"] for t in rep["tests"]))
        for m in res:
            for k in ("wall_ms", "test_ms"):
                res[m][k + "_median"] = statistics.median(res[m][k])
        res["calls"] = n
        out[name] = res
        log("    %s: %s" % (name, ", ".join("%s %.1f ms (tests %.1f ms)"
                                         % (m, res[m]["wall_ms_median"], res[m]["test_ms_median"])
                                         for m, _, _, _ in modes)))
    return out


PINGPONG = r'''
import os, socket, sys, time
n = int(sys.argv[1])
a, b = socket.socketpair()
if os.fork() == 0:
    a.close()
    while True:
        d = os.read(b.fileno(), 65536)
        if not d:
            os._exit(0)
        os.write(b.fileno(), d)
b.close()
msg = b"x" * 20
t = time.perf_counter()
for i in range(n):
    os.write(a.fileno(), msg)
    os.read(a.fileno(), 65536)
print((time.perf_counter() - t) / n * 1e6)
a.close()
os.wait()
'''


def measure_pingpong(n, repeat):
    """The floor of any socket boundary: a 20-byte round trip over a unix
    socketpair between two Python processes, µs; free and pinned to one CPU."""
    out = {"free": [], "1cpu": []}
    for r in range(repeat):
        for k in (("free", "1cpu") if r % 2 == 0 else ("1cpu", "free")):
            p = subprocess.run([sys.executable, "-I", "-S", "-c", PINGPONG, str(n)],
                               stdout=subprocess.PIPE, check=True, timeout=300,
                               preexec_fn=pin_one_cpu if k == "1cpu" else None)
            out[k].append(float(p.stdout))
    for k in ("free", "1cpu"):
        out[k + "_median_us"] = statistics.median(out[k])
    log("    raw socketpair round trip: %.1f µs, %.1f µs on one CPU"
        % (out["free_median_us"], out["1cpu_median_us"]))
    return out


# -------------------------------------------------------- HumanEval floor

FLOOR_DRIVER = r'''
import json, os, sys, time
fd = int(sys.argv[1])
work = json.load(sys.stdin)
null = open(os.devnull, "w")
sys.stdout = sys.stderr = null
sys.stdin = open(os.devnull)
passed = 0
t0 = time.perf_counter()
for prog, ep in work:
    ns = {"__name__": "__main__"}
    try:
        exec(compile(prog, "<sample>", "exec"), ns)
        ns["check"](ns[ep])
        passed += 1
    except BaseException:
        pass
wall = time.perf_counter() - t0
os.write(fd, json.dumps({"wall_s": wall, "passed": passed}).encode())
'''


def run_floor(work):
    """The samples exec'd one after the other in one fresh `python3 -I` on
    the host (prompt + completion + test, then check(entry_point)), no
    sandbox; the loop is timed, not the interpreter's start."""
    r, w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="llsr-bench-floor.") as tmp:
        try:
            p = subprocess.Popen([sys.executable, "-I", "-c", FLOOR_DRIVER, str(w)],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, cwd=tmp, pass_fds=(w,))
        finally:
            os.close(w)
        p.communicate(json.dumps(work).encode(), timeout=600)
        data = b""
        while True:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            data += chunk
        os.close(r)
    if p.returncode != 0 or not data:
        raise RuntimeError("floor: exit %s" % p.returncode)
    return json.loads(data)


# ------------------------------------------------------------- the stacks

def element(p, extra):
    d = {"code": lc.b64(p["code"]), "tests": lc.b64(lc.tests_source(p)),
         "timeout_ms": TIMEOUT_MS}
    d.update(extra)
    return d


def mbpp_block(cl, problems, size, conc, extra):
    """One pass over every problem in batches; (wall_s, {task_id: verdict})."""
    chunks = [problems[k:k + size] for k in range(0, len(problems), size)]

    def one(chunk):
        r = cl.post({"submissions": [element(p, extra) for p in chunk]})
        res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
        if not isinstance(res, list) or len(res) != len(chunk):
            raise RuntimeError("batch: %s" % r.short())
        return chunk, res

    out = {}
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(conc) as ex:
        for chunk, res in ex.map(one, chunks):
            for p, j in zip(chunk, res):
                out[p["task_id"]] = [j.get("status"), lc.status_list(j)]
    return time.perf_counter() - t0, out


def he_block(llsr, port, probs_path, samples, tmp, tag, batch_n):
    """One `llsr eval` over samples (a list of JSONL lines); returns
    (wall_s, n passed, n results, pass@1 as printed)."""
    sp = os.path.join(tmp, "samples-%s.jsonl" % tag)
    out = os.path.join(tmp, "results-%s.jsonl" % tag)
    with open(sp, "w") as f:
        f.writelines(samples)
    t0 = time.perf_counter()
    p = subprocess.run([llsr, "eval", "--url", "http://127.0.0.1:%d" % port,
                        "--problems", probs_path, "--samples", sp, "--out", out,
                        "--batch", str(batch_n), "--k", "1", "--http-timeout", "900"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1800)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("llsr eval (%s): exit %d: %s %s" % (tag, p.returncode,
                                                              p.stdout[-500:], p.stderr[-500:]))
    m = re.search(r"pass@1: ([0-9.]+)", p.stdout.decode())
    with open(out) as f:
        res = [json.loads(line) for line in f if line.strip()]
    return wall, sum(1 for r in res if r.get("passed")), len(res), \
        float(m.group(1)) if m else None, [r for r in res if not r.get("passed")][:5]


def make_stack(binary, port, workers, pool_size, image, batch_n=0):
    """bench.Stack with a temporary copy of conf/ll-solution-runner.conf
    plus the image and the pool size, and a max_batch_cost_ms that lets
    batches of batch_n submissions of TIMEOUT_MS through (the default, 30
    of them, would split the batches this measures)."""
    st = bench.Stack(binary, port, workers, pool_size)
    with open(os.path.join(ROOT, "conf", "ll-solution-runner.conf")) as f:
        conf = f.read()
    extra = "image = \"%s\"\npool_size = %d\n" % (image, pool_size)
    cost = "max_batch_cost_ms = %d" % (batch_n * TIMEOUT_MS)
    if batch_n and bench.key_supported(binary, cost):
        extra += cost + "\n"
    with open(st.conf, "w") as f:
        f.write(conf + "\n# bench/judge.py\n" + extra)
    return st


def abba(sides, rounds):
    """Block order: sides, reversed, sides, ... (cancels a steady drift)."""
    seq = []
    for r in range(rounds):
        seq += list(sides) if r % 2 == 0 else list(sides)[::-1]
    return seq


# ------------------------------------------------------------------ report

def fmt_s(x):
    return "%.2f s" % x if x < 100 else "%.0f s" % x


def table(res):
    c = res["config"]
    rows = []
    m = res.get("mbpp")
    if m:
        b, a = m["sides"]["before"], m["sides"]["after"]
        rows.append(("(1) MBPP, %d × %d reference solutions in batches of %d (%d at a time), "
                     "wall / per sample" % (c["mbpp_rounds"], c["n_mbpp"], c["batch_size"],
                                            c["batch_concurrency"]),
                     "%s / %.2f ms" % (fmt_s(b["wall_s"]), b["per_sample_ms"]),
                     "%s / %.2f ms" % (fmt_s(a["wall_s"]), a["per_sample_ms"]),
                     "%.2f×" % (a["wall_s"] / b["wall_s"]),
                     "%d / %d / %d passed" % (b["passed"], a["passed"], b["n"])))
        if "after_in_process" in m["sides"]:
            i = m["sides"]["after_in_process"]
            rows.append(("(1') MBPP as (1), new image, `\"isolation\": \"in_process\"`",
                         "", "%s / %.2f ms" % (fmt_s(i["wall_s"]), i["per_sample_ms"]),
                         "%.2f×" % (i["wall_s"] / b["wall_s"]),
                         "%d passed; in the same interleave" % i["passed"]))
    h = res.get("humaneval")
    if h:
        b, a, fl = h["sides"]["before"], h["sides"]["after"], h["floor"]
        rows.append(("(2) HumanEval, `llsr eval --batch %d`, %d × %d canonical samples, "
                     "wall / per sample" % (c["he_batch"], c["he_samples"], c["n_humaneval"]),
                     "%s / %.2f ms" % (fmt_s(b["wall_s"]), b["per_sample_ms"]),
                     "%s / %.2f ms" % (fmt_s(a["wall_s"]), a["per_sample_ms"]),
                     "%.2f×" % (a["wall_s"] / b["wall_s"]),
                     "floor: before %.1f×, after %.1f×; %d / %d / %d passed"
                     % (b["wall_s"] / fl["wall_s"], a["wall_s"] / fl["wall_s"],
                        b["passed"], a["passed"], b["n"])))
        rows.append(("(2) floor: the same samples exec'd in one host process",
                     "%s / %.3f ms" % (fmt_s(fl["wall_s"]), fl["per_sample_ms"]), "", "",
                     "%d / %d passed" % (fl["passed"], fl["n"])))
    mi = res.get("micro")
    pp = res.get("pingpong")
    if pp:
        rows.append(("(3) floor of a socket boundary: a raw 20-byte round trip over a unix "
                     "socketpair between two Python processes, µs", "", "", "",
                     "%.1f; %.1f pinned to one CPU" % (pp["free_median_us"],
                                                       pp["1cpu_median_us"])))
    if mi:
        for name, what in (("int", "`f(i)`, an int in and out"),
                           ("list100", "`g(L)`, a 100-element list in and out")):
            d = mi[name]
            n = d["calls"]
            us = {k: d[k]["test_ms_median"] * 1000.0 / n
                  for k in ("old", "process", "in_process", "process_1cpu")}
            rows.append(("(3) per call, %s (%d calls in one test), µs" % (what, n),
                         "%.2f" % us["old"], "%.2f" % us["process"],
                         "%.0f×" % (us["process"] / us["old"]) if us["old"] > 0 else "",
                         "in_process %.2f; boundary (process − in_process) **%.1f µs**; "
                         "all pinned to one CPU: %.1f µs"
                         % (us["in_process"], us["process"] - us["in_process"],
                            us["process_1cpu"] - us["in_process"])))
        for name in sorted((k for k in mi if k.startswith("check")),
                           key=lambda k: mi[k]["calls"]):
            d = mi[name]
            n = d["calls"]
            w = {k: d[k]["wall_ms_median"] for k in ("old", "process", "in_process")}
            rows.append(("(3) HumanEval-style check() with %d asserts (one case each), "
                         "frame to report, ms" % n,
                         "%.1f" % w["old"], "%.1f" % w["process"],
                         "%.2f×" % (w["process"] / w["old"]),
                         "in_process %.1f; per assert (process − in_process)/%d **%.0f µs**"
                         % (w["in_process"], n, (w["process"] - w["in_process"]) * 1000.0 / n)))
    out = ["| measurement | before (%s) | after (%s) | after / before | notes |"
           % (c["before"][:7], c["after"][:7]),
           "| --- | --- | --- | --- | --- |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out), rows


# -------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", default="8bd1be9", help="git revision of the old harness")
    ap.add_argument("--after", default="HEAD", help="git revision of the new harness")
    ap.add_argument("--bin", default=os.environ.get(
        "LLSR_BIN", os.path.join(ROOT, "_build", "ll-solution-runner")))
    ap.add_argument("--llsr", default=os.path.join(ROOT, "_build", "llsr"))
    ap.add_argument("--tag-prefix", default="llsr-sandbox:bench",
                    help="the images' tags are PREFIX-before and PREFIX-after")
    ap.add_argument("--json", default=os.path.join(HERE, "results-judge.json"))
    ap.add_argument("--port", type=int, default=19100,
                    help="the old image's stack; the new one's is PORT+1")
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    ap.add_argument("--pool-size", type=int, default=1)
    ap.add_argument("--mbpp", default=lc.DEFAULT_MBPP)
    ap.add_argument("--humaneval", default=DEFAULT_HUMANEVAL)
    ap.add_argument("--mbpp-rounds", type=int, default=4,
                    help="passes over all of MBPP per side, in blocks old/new/new/old...")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--batch-concurrency", type=int, default=2)
    ap.add_argument("--no-in-process", action="store_true",
                    help="skip (1'), MBPP on the new image with isolation in_process")
    ap.add_argument("--he-samples", type=int, default=8,
                    help="canonical samples per HumanEval task per side")
    ap.add_argument("--he-block", type=int, default=2,
                    help="samples per task in one llsr eval block")
    ap.add_argument("--he-batch", type=int, default=500, help="llsr eval --batch")
    ap.add_argument("--calls", type=int, default=20000, help="(3): calls in one test")
    ap.add_argument("--check-asserts", default="10",
                    help="(3): asserts of each check() measured, comma-separated")
    ap.add_argument("--repeat", type=int, default=5, help="(3): runs per mode (check: 5×)")
    ap.add_argument("--settle", type=float, default=0.3,
                    help="(3): seconds the host harness gets to start up before its frame")
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N MBPP problems and N HumanEval tasks (development)")
    ap.add_argument("--only", default="1,2,3", help="parts to run, e.g. 3 or 1,2")
    ap.add_argument("--quick", action="store_true",
                    help="1 MBPP round, 2 HumanEval samples, 2000 calls: indicative only")
    a = ap.parse_args()
    TAGS.update(before=a.tag_prefix + "-before", after=a.tag_prefix + "-after")
    if a.quick:
        a.mbpp_rounds, a.he_samples, a.he_block, a.calls, a.repeat = 1, 2, 1, 2000, 1
    parts = set(a.only.split(","))
    if not 1024 <= a.port <= 65534:
        sys.exit("bench: --port must be in 1024-65534")
    if a.he_samples % a.he_block:
        sys.exit("bench: --he-samples must be a multiple of --he-block")
    binary = os.path.abspath(a.bin)
    if parts & {"1", "2"}:
        for b in (binary, a.llsr):
            if not os.access(b, os.X_OK):
                sys.exit("bench: no executable at %s (build it first)" % b)
        if os.geteuid() != 0:
            sys.exit("bench: stack.sh needs root")
    check_sizes = [int(x) for x in a.check_asserts.split(",")]

    def on_term(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    tmp = tempfile.mkdtemp(prefix="llsr-bench-judge.")
    os.chmod(tmp, 0o755)
    res = {"machine": {"cores": os.cpu_count(), "loadavg_start": os.getloadavg(),
                       "kernel": os.uname().release},
           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg": {}}
    t_start = time.monotonic()
    stacks = {}
    eng = None
    try:
        # The trees and images of both revisions. The binaries are copied:
        # someone may rebuild _build/ while we run.
        trees, commits = {}, {}
        for side, rev in (("before", a.before), ("after", a.after)):
            commits[side] = export_tree(rev, os.path.join(tmp, side))
            trees[side] = os.path.join(tmp, side)
        dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", "docker/"]
                               ).returncode != 0
        res["config"] = {"before": commits["before"], "after": commits["after"],
                         "binary": binary, "llsr": a.llsr, "workers": a.workers,
                         "pool_size": a.pool_size, "mbpp_rounds": a.mbpp_rounds,
                         "batch_size": a.batch_size, "batch_concurrency": a.batch_concurrency,
                         "he_samples": a.he_samples, "he_block": a.he_block,
                         "he_batch": a.he_batch, "calls": a.calls, "check_asserts": check_sizes,
                         "repeat": a.repeat, "settle_s": a.settle, "limit": a.limit,
                         "timeout_ms": TIMEOUT_MS, "quick": a.quick,
                         "worktree_docker_differs_from_HEAD": dirty}
        log("before %s, after %s%s" % (commits["before"][:10], commits["after"][:10],
                                        " (docker/ in the work tree differs from HEAD; "
                                        "measured: the commit)" if dirty else ""))
        if os.path.isfile(binary):
            shutil.copy2(binary, os.path.join(tmp, "ll-solution-runner"))
            binary = os.path.join(tmp, "ll-solution-runner")
        llsr = a.llsr
        if os.path.isfile(llsr):
            shutil.copy2(llsr, os.path.join(tmp, "llsr"))
            llsr = os.path.join(tmp, "llsr")

        # ---------------------------------------------------------- (3)
        if "3" in parts:
            log("(3) the boundary on the host: %d calls per test, check() of %s asserts, "
                "%d runs per mode" % (a.calls, a.check_asserts, a.repeat))
            res["loadavg"]["micro_before"] = os.getloadavg()
            harness = {"new": os.path.join(trees["after"], "docker", "harness"),
                       "old": os.path.join(trees["before"], "docker", "harness")}
            res["pingpong"] = measure_pingpong(a.calls, a.repeat)
            res["micro"] = measure_micro(harness, a.calls, check_sizes, a.repeat, a.settle)

        # ----------------------------------------------------- (2) floor
        he_probs = []
        if "2" in parts:
            opener = gzip.open if a.humaneval.endswith(".gz") else open
            with opener(a.humaneval, "rt", encoding="utf-8") as f:
                he_probs = [json.loads(line) for line in f if line.strip()]
            if a.limit:
                he_probs = he_probs[:a.limit]
            res["config"]["n_humaneval"] = len(he_probs)
            probs_path = os.path.join(tmp, "humaneval.jsonl")
            with open(probs_path, "w") as f:
                f.writelines(json.dumps(p) + "\n" for p in he_probs)
            work = [(p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n",
                     p["entry_point"]) for p in he_probs] * a.he_samples
            log("(2) floor: %d HumanEval samples exec'd in one host process" % len(work))
            res["loadavg"]["floor_before"] = os.getloadavg()
            fl = run_floor(work)
            res["humaneval"] = {"floor": {"wall_s": fl["wall_s"], "passed": fl["passed"],
                                          "n": len(work),
                                          "per_sample_ms": fl["wall_s"] * 1000.0 / len(work)},
                                "sides": {}, "blocks": []}
            log("    %.3f s, %d / %d passed" % (fl["wall_s"], fl["passed"], len(work)))

        # ------------------------------------------------------ stacks
        if parts & {"1", "2"}:
            if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode != 0:
                raise RuntimeError("base image %s missing (docker/build-image.sh builds it)"
                                   % BASE_IMAGE)
            eng = bench.Engine()
            res["machine"]["engine_api"] = eng.version
            res["images"] = {}
            for side in ("before", "after"):
                log("building %s from %s:docker/" % (TAGS[side], commits[side][:10]))
                res["images"][side] = {"tag": TAGS[side],
                                       "id": build_image(trees[side], TAGS[side], commits[side])}
            for k, side in enumerate(("before", "after")):
                log("starting the %s stack: image %s, port %d, %d workers, pool_size %d"
                    % (side, TAGS[side], a.port + k, a.workers, a.pool_size))
                st = make_stack(binary, a.port + k, a.workers, a.pool_size, TAGS[side],
                                max(a.batch_size, a.he_batch))
                stacks[side] = st
                st.start()
            clients = {s: batch.Client(stacks[s].port) for s in stacks}
            probe = {"code": lc.b64("def f(x):\n    return x\n"),
                     "tests": lc.b64("assert f(1) == 1\n")}
            for s, cl in clients.items():   # warm-up, not counted
                for _ in range(2):
                    r = cl.post(probe)
                    if r.status != 200 or r.json.get("status") != "passed":
                        raise RuntimeError("warm-up on the %s stack: %s" % (s, r.short()))
                cl.post({"submissions": [probe] * 3})
            r = clients["after"].post(dict(probe, isolation="in_process"))
            in_proc_ok = (r.status == 200 and r.json.get("isolation") == "in_process")
            res["config"]["service_accepts_isolation"] = in_proc_ok
            if not in_proc_ok:
                log("the service does not take \"isolation\" (%s): no (1')" % r.short(200))
            for st in stacks.values():
                st.settle(eng)

        # ---------------------------------------------------------- (1)
        if "1" in parts:
            problems = lc.load_mbpp(a.mbpp)
            if a.limit:
                problems = problems[:a.limit]
            n = len(problems)
            res["config"]["n_mbpp"] = n
            sides = ["before", "after"]
            if in_proc_ok and not a.no_in_process:
                sides.append("after_in_process")
            seq = abba(sides, a.mbpp_rounds)
            log("(1) MBPP: %d problems per block, blocks %s" % (n, " ".join(seq)))
            res["loadavg"]["mbpp_before"] = os.getloadavg()
            blocks, verdicts = [], {s: [] for s in sides}
            for s in seq:
                key = "before" if s == "before" else "after"
                st = stacks[key]
                extra = {"isolation": "in_process"} if s == "after_in_process" else {}
                wall, v = mbpp_block(clients[key], problems, a.batch_size,
                                     a.batch_concurrency, extra)
                blocks.append({"side": s, "wall_s": wall,
                               "passed": sum(1 for x in v.values() if x[0] == "passed"),
                               "loadavg": os.getloadavg()[0]})
                verdicts[s].append(v)
                log("    %-16s %.2f s, %d passed" % (s, wall, blocks[-1]["passed"]))
                st.settle(eng)
            out = {}
            for s in sides:
                bl = [b for b in blocks if b["side"] == s]
                wall = sum(b["wall_s"] for b in bl)
                out[s] = {"wall_s": wall, "n": n * len(bl), "per_sample_ms":
                          wall * 1000.0 / (n * len(bl)), "passed": sum(b["passed"] for b in bl),
                          "block_s": [b["wall_s"] for b in bl]}
            ref = verdicts["before"][0]
            dis = []
            for s in sides:
                for k, v in enumerate(verdicts[s]):
                    for tid in ref:
                        if v.get(tid) != ref[tid]:
                            dis.append({"side": s, "block": k, "task_id": tid,
                                        "got": v.get(tid), "before": ref[tid]})
            res["mbpp"] = {"sides": out, "blocks": blocks, "disagreements": dis[:50],
                           "n_disagreements": len(dis),
                           "not_passed_before": sorted(t for t, x in ref.items()
                                                       if x[0] != "passed")}

        # ---------------------------------------------------------- (2)
        if "2" in parts:
            nb = a.he_samples // a.he_block
            seq = abba(("before", "after"), nb)
            log("(2) HumanEval: llsr eval, %d tasks × %d samples per block, blocks %s"
                % (len(he_probs), a.he_block, " ".join(seq)))
            res["loadavg"]["he_before"] = os.getloadavg()
            blocks = []
            for k, s in enumerate(seq):
                samples = [json.dumps({"task_id": p["task_id"],
                                       "completion": p["canonical_solution"]}) + "\n"
                           for p in he_probs] * a.he_block
                wall, passed, nres, p1, bad = he_block(llsr, stacks[s].port, probs_path, samples,
                                                       tmp, "%d-%s" % (k, s), a.he_batch)
                blocks.append({"side": s, "wall_s": wall, "passed": passed, "n": nres,
                               "pass_at_1": p1, "not_passed": bad,
                               "loadavg": os.getloadavg()[0]})
                log("    %-7s %.2f s, %d / %d passed" % (s, wall, passed, nres))
                stacks[s].settle(eng)
            for s in ("before", "after"):
                bl = [b for b in blocks if b["side"] == s]
                wall = sum(b["wall_s"] for b in bl)
                nn = sum(b["n"] for b in bl)
                res["humaneval"]["sides"][s] = {
                    "wall_s": wall, "n": nn, "per_sample_ms": wall * 1000.0 / nn,
                    "passed": sum(b["passed"] for b in bl),
                    "block_s": [b["wall_s"] for b in bl]}
            res["humaneval"]["blocks"] = blocks
        res["loadavg"]["end_of_work"] = os.getloadavg()
    finally:
        bench.STOP.set()
        for s, st in stacks.items():
            try:
                st.stop(eng)
            except Exception as e:  # noqa: BLE001
                log("stopping the %s stack: %r" % (s, e))
        shutil.rmtree(tmp, ignore_errors=True)

    res["machine"]["loadavg_end"] = os.getloadavg()
    res["duration_s"] = time.monotonic() - t_start
    md, rows = table(res)
    res["table"] = [dict(zip(("measurement", "before", "after", "ratio", "notes"), r))
                    for r in rows]
    la = res["loadavg"]
    note = ("%s; %d cores; load average %.2f at start, %s, %.2f at end; took %.0f s."
            % ("full run" if not (a.quick or a.limit or parts != {"1", "2", "3"})
               else "partial run (--quick/--limit/--only)",
               os.cpu_count(), res["machine"]["loadavg_start"][0],
               ", ".join("%.2f before %s" % (v[0], k.replace("_before", ""))
                         for k, v in la.items() if k.endswith("_before")),
               res["machine"]["loadavg_end"][0], res["duration_s"]))
    res["note"] = note
    print(md)
    print()
    print(note)
    if "mbpp" in res:
        print("(1) blocks: " + ", ".join("%s %.2f s" % (b["side"], b["wall_s"])
                                         for b in res["mbpp"]["blocks"]))
        if res["mbpp"]["n_disagreements"]:
            print("(1) verdicts that differ from the first 'before' block: %d, e.g. %s"
                  % (res["mbpp"]["n_disagreements"],
                     json.dumps(res["mbpp"]["disagreements"][:5])))
    if "humaneval" in res and res["humaneval"]["blocks"]:
        print("(2) blocks: " + ", ".join("%s %.2f s" % (b["side"], b["wall_s"])
                                         for b in res["humaneval"]["blocks"]))
        for b in res["humaneval"]["blocks"]:
            for x in b["not_passed"]:
                print("(2) not passed (%s): %s" % (b["side"], json.dumps(x)[:400]))
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print()
    print(json.dumps({"table": res["table"]}, indent=1, ensure_ascii=False))
    log("JSON written to %s" % a.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; the stacks stopped")
        sys.exit(130)
