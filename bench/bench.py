#!/usr/bin/env python3
"""ll-solution-runner benchmark: (a) warm latency, (b) `docker run --rm`
baseline, (c) cold latency, (d) sustained throughput next to a raw Engine
API loop, (e) worker RSS. All in one run, on one machine; see README.md.

usage: bench.py [--quick] [--bin PATH] [--json PATH] [--port N] ...

Python 3 standard library only. Needs root (stack.sh chowns its run
directory), docker, spawn-fcgi, multiwatch and lighttpd, and the sandbox
image. Talks only to 127.0.0.1 and the local Docker socket.
"""
import argparse
import base64
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tests", "integration"))
from llsr_stack import children  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STACK_SH = os.path.join(ROOT, "tests", "integration", "stack.sh")
DOCKER_SOCK = "/var/run/docker.sock"
IMAGE = "llsr-sandbox:latest"
BENCH_LABEL = "ll-solution-runner-bench"   # raw containers only; never the
# service's own label, so no service sweeper ever touches them.

# The trivial passing submission: one function, three asserts.
CODE = "def add(a, b):\n    return a + b\n"
TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\nassert add(2, 2) == 4\n"

# The service defaults (conf/ll-solution-runner.conf), as policy.c and
# harness.c turn them into a container spec and a job frame.
CFG = {
    "user": "10001:10001", "memory_mb": 256, "timeout_ms": 10000, "cpus": 1.0,
    "pids_limit": 64, "tmpfs_mb": 64, "nofile": 256, "fsize_mb": 16,
    "output_limit_bytes": 65536, "report_limit_bytes": 4194304,
}
SANDBOX_ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
               "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1"]
HARNESS_CMD = ["python3", "-I", "-S", "/opt/llsr/harness.py"]
RUNSC_PIDS_FACTOR = 8  # policy.h POLICY_RUNSC_PIDS_FACTOR


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def job_frame():
    """The frame harness.c builds (docs/protocol.md), with a fresh nonce."""
    nonce = secrets.token_hex(16)
    job = {"v": 1, "nonce": nonce, "code": b64(CODE), "tests": b64(TESTS),
           "stdin": "", "entry_point": None, "timeout_ms": CFG["timeout_ms"],
           "test_timeout_ms": CFG["timeout_ms"],
           "output_limit": CFG["output_limit_bytes"],
           "report_limit": CFG["report_limit_bytes"],
           "stop_on_first_failure": False}
    body = json.dumps(job, separators=(",", ":")).encode()
    return nonce, b"LLSR1 %d\n" % len(body) + body


def report_status(stdout, nonce):
    """status of the last '<nonce> {json}' line of the harness, or None."""
    status = None
    for line in stdout.split(b"\n"):
        if line.startswith(nonce.encode() + b" "):
            try:
                status = json.loads(line[len(nonce) + 1:]).get("status")
            except ValueError:
                status = None
    return status


def pct(xs, p):
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(xs)
    if not s:
        return float("nan")
    return s[max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))]


def lat_summary(xs):
    return {"n": len(xs), "p50_ms": pct(xs, 50), "p90_ms": pct(xs, 90),
            "p99_ms": pct(xs, 99), "min_ms": min(xs), "max_ms": max(xs),
            "mean_ms": statistics.fmean(xs)}


# ---------------------------------------------------------------- Engine API

class Engine:
    """Minimal HTTP/1.1 client of the Docker Engine API on its unix socket,
    one connection per call (as cheap as it gets on a unix socket)."""

    def __init__(self, path=DOCKER_SOCK):
        self.path = path
        status, hdrs, _ = self._call("GET", "/_ping")
        if status != 200:
            raise RuntimeError("docker engine: /_ping answered %d" % status)
        self.version = hdrs.get("api-version", "1.41")
        self.prefix = "/v" + self.version

    def _sock(self, timeout=120):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.path)
        return s

    def _call(self, method, path, body=None, timeout=120):
        conn = http.client.HTTPConnection("docker", timeout=timeout)
        conn.sock = self._sock(timeout)
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, raw

    def call(self, method, path, body=None, ok=(200, 201, 204), timeout=120):
        status, _, raw = self._call(method, self.prefix + path, body, timeout)
        if status not in ok:
            raise RuntimeError("engine %s %s: %d %s" % (method, path, status, raw[:300]))
        return json.loads(raw) if raw.strip() else None

    def attach(self, cid):
        """Hijacked attach stream (stdin, stdout, stderr) as a raw socket."""
        s = self._sock()
        s.sendall(("POST %s/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                   "Host: docker\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n"
                   "Content-Length: 0\r\n\r\n" % (self.prefix, cid)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("attach: connection closed")
            head += chunk
        head, rest = head.split(b"\r\n\r\n", 1)
        code = int(head.split(b" ", 2)[1])
        if code not in (101, 200):
            raise RuntimeError("attach: %d" % code)
        return s, rest

    def containers(self, label):
        q = json.dumps({"label": [label]})
        from urllib.parse import quote
        return self.call("GET", "/containers/json?all=1&filters=" + quote(q))

    def remove(self, cid):
        self.call("DELETE", "/containers/%s?force=1&v=1" % cid, ok=(200, 204, 404))


def demux_stdout(data):
    """stdout of a Tty=false stream ([type,0,0,0,len32][payload] frames)."""
    out, i = [], 0
    while i + 8 <= len(data):
        kind, n = data[i], int.from_bytes(data[i + 4:i + 8], "big")
        if kind == 1:
            out.append(data[i + 8:i + 8 + n])
        i += 8 + n
    return b"".join(out)


def container_spec(run_id):
    """policy.c's spec with the service defaults; our own label only."""
    mem = CFG["memory_mb"] << 20
    u = lambda name, v: {"Name": name, "Soft": v, "Hard": v}
    return {
        "Image": IMAGE, "Cmd": HARNESS_CMD, "Entrypoint": [], "User": CFG["user"],
        "WorkingDir": "/tmp", "Env": SANDBOX_ENV,
        "AttachStdin": True, "AttachStdout": True, "AttachStderr": True,
        "OpenStdin": True, "StdinOnce": True, "Tty": False, "NetworkDisabled": True,
        "Labels": {BENCH_LABEL: run_id},
        "HostConfig": {
            "NetworkMode": "none", "ReadonlyRootfs": True,
            "Tmpfs": {"/tmp": "rw,nosuid,nodev,noexec,size=%dm,mode=1777" % CFG["tmpfs_mb"]},
            "IpcMode": "private", "ShmSize": 4 << 20,
            "Memory": mem, "MemorySwap": mem,
            "NanoCpus": int(CFG["cpus"] * 1e9), "PidsLimit": CFG["pids_limit"],
            "Ulimits": [u("nofile", CFG["nofile"]), u("fsize", CFG["fsize_mb"] << 20),
                        u("core", 0)],
            "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges"],
            "Privileged": False, "Init": True, "AutoRemove": False,
            "LogConfig": {"Type": "none"},
        },
    }


def raw_one(eng, run_id, tracked, lock):
    """create, attach, start, send the job, wait, remove. Returns the
    harness's status."""
    nonce, frame = job_frame()
    cid = eng.call("POST", "/containers/create", container_spec(run_id), ok=(201,))["Id"]
    with lock:
        tracked.add(cid)
    try:
        s, rest = eng.attach(cid)
        try:
            eng.call("POST", "/containers/%s/start" % cid, ok=(204, 304))
            s.sendall(frame)
            s.shutdown(socket.SHUT_WR)
            buf = [rest]
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf.append(chunk)
        finally:
            s.close()
        eng.call("POST", "/containers/%s/wait" % cid)
        return report_status(demux_stdout(b"".join(buf)), nonce)
    finally:
        eng.remove(cid)
        with lock:
            tracked.discard(cid)


STOP = threading.Event()      # set on Ctrl-C/SIGTERM/error: no new work
THREADS = []                  # every load thread, joined before cleanup


def run_concurrent(n, conc, fn):
    """Runs fn() n times on conc threads; returns (wall_s, results, errors)."""
    lock = threading.Lock()
    left = [n]
    results, errors = [], []

    def worker():
        while True:
            with lock:
                if left[0] <= 0 or STOP.is_set():
                    return
                left[0] -= 1
            try:
                r = fn()
                with lock:
                    results.append(r)
            except Exception as e:  # noqa: BLE001 - reported, fails the run
                with lock:
                    errors.append(repr(e))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(conc)]
    THREADS.extend(threads)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, results, errors


# -------------------------------------------------------------------- stacks

def vmrss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def mem_detail(pid):
    """VmRSS and its parts (kB) from /proc/PID/status, and Pss from
    smaps_rollup: RssFile is mostly shared libraries, shared between workers."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    out[k] = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("Pss", "Private_Dirty", "Private_Clean"):
                    out[k] = int(line.split()[1])
    except OSError:
        pass
    return out


class Stack:
    """tests/integration/stack.sh around a private run directory."""

    def __init__(self, binary, port, workers, pool_size, debug=False, extra=()):
        self.port, self.workers, self.pool_size = port, workers, pool_size
        self.run = tempfile.mkdtemp(prefix="llsr-bench.")
        os.chmod(self.run, 0o755)
        conf = os.path.join(self.run, "bench.conf")
        with open(conf, "w") as f:
            f.write("pool_size = %d\n" % pool_size)
            if debug:
                f.write("log_level = debug\n")
            for line in extra:
                f.write(line + "\n")
        self.conf, self.binary, self.debug = conf, binary, debug
        self.started = False

    def start(self):
        port, workers = self.port, self.workers
        self.started = True   # stop() is harmless on a half-started RUNDIR
        subprocess.run([STACK_SH, "start", self.binary, self.conf, self.run, str(port), str(workers)],
                       check=True, stdout=subprocess.DEVNULL, timeout=120,
                       env=dict(os.environ, LLSR_WEB="lighttpd"))
        self._pids(workers)
        return self

    def _pids(self, workers):
        with open(os.path.join(self.run, "spawn.pid")) as f:
            self.mw = int(f.read())
        end = time.monotonic() + 30
        while len(children(self.mw)) < workers and time.monotonic() < end:
            time.sleep(0.1)
        self.pids = children(self.mw)

    def request(self, method, path, body=None, timeout=120):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = {"Content-Type": "application/json"} if body is not None else {}
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = {"_raw": data[:300].decode(errors="replace")}
        return r.status, doc

    BODY = json.dumps({"code": b64(CODE), "tests": b64(TESTS)})

    retries = 0   # 503 overloaded answers retried (all threads)
    _rlock = threading.Lock()

    def submit(self, retry=False):
        """One submission; returns (latency_ms, status code, verdict). With
        retry, a 503 overloaded is retried after its Retry-After, as a
        client would (counted in self.retries; latency includes it)."""
        t0 = time.perf_counter()
        while True:
            code, doc = self.request("POST", "/run_code", self.BODY)
            err = doc.get("error") if isinstance(doc.get("error"), dict) else {}
            if not (retry and code == 503 and err.get("code") == "overloaded") or STOP.is_set():
                break
            with self._rlock:
                self.retries += 1
            time.sleep(1.0)
        return (time.perf_counter() - t0) * 1000.0, code, doc.get("status", doc)

    def own_containers(self, eng):
        """Containers whose owner label names one of our workers."""
        out = []
        pids = set(str(p) for p in self.pids)
        for c in eng.containers("ll-solution-runner") or []:
            owner = (c.get("Labels") or {}).get("ll-solution-runner.owner", "")
            parts = owner.split(":")
            if len(parts) >= 3 and parts[-2] in pids:
                out.append(c)
        return out

    def settle(self, eng, timeout=60):
        """Waits until every worker's pool is full again (and nothing used
        is left), so that a phase starts from the same state."""
        want = self.workers * self.pool_size
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            cs = self.own_containers(eng)
            running = [c for c in cs if c.get("State") == "running"]
            if len(running) == want and len(cs) == want:
                return True
            time.sleep(0.1)
        log("warning: pool of stack on port %d did not settle" % self.port)
        return False

    def rss(self):
        self.pids = children(self.mw) or self.pids
        return {p: mem_detail(p) for p in self.pids}

    def stream_times(self):
        """'stream ended after X ms' from the debug log, in order."""
        try:
            with open(os.path.join(self.run, "log", "workers.log"), errors="replace") as f:
                return [float(m.group(2)) for m in
                        re.finditer(r"\((warm|cold)\): stream ended after ([0-9.]+) ms", f.read())]
        except OSError:
            return []

    def stop(self, eng=None):
        if self.started:
            subprocess.run([STACK_SH, "stop", self.run], check=False, timeout=180)
            self.started = False
            # Workers discard their warm containers on SIGTERM; make sure.
            if eng is not None:
                left = self.own_containers(eng)
                for c in left:
                    eng.remove(c["Id"])
                if left:
                    log("removed %d container(s) the stack left" % len(left))
        shutil.rmtree(self.run, ignore_errors=True)


# ------------------------------------------------------------- measurements

def measure_docker_run(n, warmup, runtime=None):
    """(b): docker run --rm with the policy's flags, job frame on stdin
    (runtime "runsc": under gVisor, with the policy's runsc pids limit)."""
    pids = CFG["pids_limit"] * (RUNSC_PIDS_FACTOR if runtime == "runsc" else 1)
    cmd = ["docker", "run", "--rm", "-i", "--network", "none", "--read-only",
           "--tmpfs", "/tmp:rw,nosuid,nodev,noexec,size=%dm,mode=1777" % CFG["tmpfs_mb"],
           "--user", CFG["user"], "--workdir", "/tmp", "--cap-drop", "ALL",
           "--security-opt", "no-new-privileges", "--pids-limit", str(pids),
           "--memory", "%dm" % CFG["memory_mb"], "--memory-swap", "%dm" % CFG["memory_mb"],
           "--cpus", str(CFG["cpus"]), "--init", "--ipc", "private", "--shm-size", "4m",
           "--ulimit", "nofile=%d:%d" % (CFG["nofile"], CFG["nofile"]),
           "--ulimit", "fsize=%d:%d" % ((CFG["fsize_mb"] << 20,) * 2),
           "--ulimit", "core=0:0", "--log-driver", "none",
           "--label", BENCH_LABEL + "=docker-run", "--entrypoint", ""]
    if runtime:
        cmd += ["--runtime", runtime]
    for e in SANDBOX_ENV:
        cmd += ["-e", e]
    cmd += [IMAGE] + HARNESS_CMD
    times = []
    for i in range(warmup + n):
        nonce, frame = job_frame()
        t0 = time.perf_counter()
        p = subprocess.run(cmd, input=frame, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        dt = (time.perf_counter() - t0) * 1000.0
        st = report_status(p.stdout, nonce)
        if p.returncode != 0 or st != "passed":
            raise RuntimeError("docker run: rc %d, status %r, stderr %s"
                               % (p.returncode, st, p.stderr[-300:]))
        if i >= warmup:
            times.append(dt)
    return times


def key_supported(binary, line):
    """Whether the binary's --check-config accepts a configuration line."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write(line + "\n")
        f.flush()
        return subprocess.run([binary, "--check-config", f.name], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0


def measure_raw(eng, run_id, n, conc, tracked, lock):
    wall, res, errs = run_concurrent(n, conc, lambda: raw_one(eng, run_id, tracked, lock))
    bad = [r for r in res if r != "passed"]
    if errs or bad:
        raise RuntimeError("raw loop c=%d: %d errors, %d not passed: %s"
                           % (conc, len(errs), len(bad), (errs or bad)[:3]))
    return {"n": n, "concurrency": conc, "wall_s": wall, "rate_per_s": n / wall}


def measure_service_tp(st, n, conc, eng):
    """The stack starts with every pool full; the clock stops when the last
    response is in AND every pool is full again, so that the service is
    charged for exactly n containers, like the raw loop."""
    t0 = time.perf_counter()
    st.retries = 0
    wall, res, errs = run_concurrent(n, conc, lambda: st.submit(retry=True))
    bad = [r for r in res if r[1] != 200 or r[2] != "passed"]
    if errs or bad:
        raise RuntimeError("service c=%d: %d errors, %d not passed: %s"
                           % (conc, len(errs), len(bad), (errs or bad)[:3]))
    settled = st.settle(eng, timeout=120) if st.pool_size else True
    total = time.perf_counter() - t0
    lat = [r[0] for r in res]
    return {"n": n, "concurrency": conc, "wall_s": total, "rate_per_s": n / total,
            "responses_wall_s": wall, "responses_rate_per_s": n / wall,
            "pool_refilled": settled, "overloaded_503_retried": st.retries,
            "latency": lat_summary(lat), "_lat": lat}


def combine_blocks(blocks):
    """One level's blocks (see the ABBA order in main) as one measurement:
    n and wall time summed, so the rate is n over the time spent."""
    n = sum(b["n"] for b in blocks)
    wall = sum(b["wall_s"] for b in blocks)
    out = {"n": n, "concurrency": blocks[0]["concurrency"], "wall_s": wall,
           "rate_per_s": n / wall,
           "block_rates_per_s": [round(b["rate_per_s"], 3) for b in blocks]}
    if "_lat" in blocks[0]:
        rwall = sum(b["responses_wall_s"] for b in blocks)
        out.update({"responses_wall_s": rwall, "responses_rate_per_s": n / rwall,
                    "pool_refilled": all(b["pool_refilled"] for b in blocks),
                    "overloaded_503_retried": sum(b["overloaded_503_retried"]
                                                  for b in blocks),
                    "latency": lat_summary([t for b in blocks for t in b["_lat"]])})
    return out


def measure_paced(st, n, warmup, interval_s, eng):
    """One at a time, a request started every interval_s (or right after
    the previous one if that took longer)."""
    for _ in range(warmup):
        _, code, v = st.submit()
        if code != 200 or v != "passed":
            raise RuntimeError("warm-up: %d %r" % (code, v))
    if st.pool_size:
        st.settle(eng)
    times, late = [], 0
    nxt = time.monotonic()
    for _ in range(n):
        now = time.monotonic()
        if now < nxt:
            time.sleep(nxt - now)
        else:
            late += 1
        nxt = max(now, nxt) + interval_s
        dt, code, v = st.submit()
        if code != 200 or v != "passed":
            raise RuntimeError("paced submission: %d %r" % (code, v))
        times.append(dt)
    out = lat_summary(times)
    out["samples_ms"] = [round(t, 2) for t in times]
    out["interval_s"] = interval_s
    out["started_late"] = late
    return out


# --------------------------------------------------------------------- report

def fmt_ms(x):
    return "%.1f ms" % x


def table(res):
    rows = []
    a, b, c = res["a_warm"], res["b_docker_run"], res["c_cold"]
    b50 = b["p50_ms"]

    def row(name, val, base, ratio, target, met):
        rows.append((name, val, base, ratio, target,
                     "n/a" if met is None else ("yes" if met else "**NO**")))

    row("(a) warm p50, paced", fmt_ms(a["p50_ms"]), "(b) p50 " + fmt_ms(b50),
        "1/%.1f" % (b50 / a["p50_ms"]), "≤ 1/30 of (b) p50", a["p50_ms"] <= b50 / 30)
    row("(a) warm p90, paced", fmt_ms(a["p90_ms"]), "", "1/%.1f" % (b50 / a["p90_ms"]), "", None)
    row("(a) warm p99, paced", fmt_ms(a["p99_ms"]), "(b) p50 " + fmt_ms(b50),
        "1/%.1f" % (b50 / a["p99_ms"]), "≤ 1/10 of (b) p50", a["p99_ms"] <= b50 / 10)
    row("(b) docker run --rm p50 / p90 / p99",
        "%s / %s / %s" % (fmt_ms(b50), fmt_ms(b["p90_ms"]), fmt_ms(b["p99_ms"])),
        "", "", "baseline", None)
    row("(c) cold (pool_size=0) p50 / p90 / p99",
        "%s / %s / %s" % (fmt_ms(c["p50_ms"]), fmt_ms(c["p90_ms"]), fmt_ms(c["p99_ms"])),
        "(b) p50 " + fmt_ms(b50), "%.2f" % (c["p50_ms"] / b50), "info", None)
    for conc in sorted(res["d_service"], key=int):
        s, r = res["d_service"][conc], res["d_raw"][conc]
        ratio = s["rate_per_s"] / r["rate_per_s"]
        row("(d) throughput c=%s" % conc, "%.2f /s" % s["rate_per_s"] +
            (" (%d × 503 retried)" % s["overloaded_503_retried"]
             if s.get("overloaded_503_retried") else ""),
            "raw %.2f /s" % r["rate_per_s"], "%.2f" % ratio, "≥ 0.9 × raw", ratio >= 0.9)
    e = res["e_rss"]
    row("(e) worker VmRSS (max of %d workers)" % len(e["kb"]),
        "%.1f MiB (%d kB)" % (e["max_kb"] / 1024.0, e["max_kb"]),
        "anon %d kB, file %d kB, Pss %d kB" % (e["max_anon_kb"], e["max_file_kb"], e["max_pss_kb"]),
        "", "≤ 10 MB (10240 kB) per worker", e["max_kb"] <= 10 * 1024)
    out = ["| measurement | value | baseline | ratio | target | met? |",
           "| --- | --- | --- | --- | --- | --- |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out), rows


def runsc_table(res):
    """runc beside runsc, both measured in this run."""
    g = res["runsc"]
    rows = []

    def row(name, runc, runsc):
        rows.append((name, fmt_ms(runc) if isinstance(runc, float) else runc,
                     fmt_ms(runsc) if isinstance(runsc, float) else runsc,
                     "%.2f" % (runsc / runc) if isinstance(runc, float) else
                     "%.2f" % (float(runsc.split()[0]) / float(runc.split()[0]))))
    for k, name in (("a_warm", "warm (pool) paced"), ("c_cold", "cold (pool_size=0) paced"),
                    ("b_docker_run", "docker run --rm")):
        for p in ("p50_ms", "p99_ms"):
            row("%s %s" % (name, p[:3]), res[k][p], g[k][p])
    for conc in sorted(g["d_service"], key=int):
        row("throughput c=%s" % conc, "%.2f /s" % res["d_service"][conc]["rate_per_s"],
            "%.2f /s" % g["d_service"][conc]["rate_per_s"])
    out = ["| measurement | runc | runsc | runsc / runc |", "| --- | --- | --- | --- |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def measure_runsc(a, binary, extra, n_lat, n_dock, n_tp, warm, levels, interval, eng, stacks):
    """The same (b), (d) service, (a) and (c) with runtime = runsc."""
    g = {}
    rx = list(extra) + ["runtime = runsc"]
    log("runsc (b) docker run --rm --runtime runsc x %d" % n_dock)
    g["b_docker_run"] = lat_summary(measure_docker_run(n_dock, min(warm, 2), "runsc"))
    log("    p50 %.1f ms" % g["b_docker_run"]["p50_ms"])
    on = Stack(binary, a.port + 2, a.workers, a.pool_size, a.debug_log, rx)
    stacks.append(on)
    on.start()
    for _ in range(warm):
        _, code, v = on.submit()
        if code != 200 or v != "passed":
            raise RuntimeError("runsc warm-up: %d %r" % (code, v))
    g["d_service"] = {}
    for conc in levels:
        on.settle(eng)
        log("runsc (d) service c=%d x %d" % (conc, n_tp))
        g["d_service"][str(conc)] = combine_blocks([measure_service_tp(on, n_tp, conc, eng)])
        log("    %.2f/s" % g["d_service"][str(conc)]["rate_per_s"])
    on.settle(eng)
    log("runsc (a) warm, paced every %.2f s x %d" % (interval, n_lat))
    g["a_warm"] = measure_paced(on, n_lat, warm, interval, eng)
    log("    p50 %.1f ms, p99 %.1f ms" % (g["a_warm"]["p50_ms"], g["a_warm"]["p99_ms"]))
    on.stop(eng)
    stacks.remove(on)
    off = Stack(binary, a.port + 3, a.workers, 0, a.debug_log, rx)
    stacks.append(off)
    off.start()
    log("runsc (c) cold, paced every %.2f s x %d" % (interval, n_lat))
    g["c_cold"] = measure_paced(off, n_lat, warm, interval, eng)
    log("    p50 %.1f ms" % g["c_cold"]["p50_ms"])
    off.stop(eng)
    stacks.remove(off)
    return g


# ----------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small counts for development; numbers are indicative only")
    ap.add_argument("--bin", default=os.environ.get("LLSR_BIN",
                                                    os.path.join(ROOT, "_build", "ll-solution-runner")))
    ap.add_argument("--json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--port", type=int, default=18800, help="pool-on stack; pool-off uses PORT+1")
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    ap.add_argument("--pool-size", type=int, default=1)
    ap.add_argument("--n-latency", type=int, help="(a) and (c) submissions (default 100)")
    ap.add_argument("--n-docker", type=int, help="(b) runs (default 20)")
    ap.add_argument("--n-throughput", type=int, help="(d) submissions per concurrency (default 200)")
    ap.add_argument("--concurrency", default="1,2,4,8")
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--image", default="llsr-sandbox:latest",
                    help="sandbox image (default %(default)s)")
    ap.add_argument("--runsc", action="store_true",
                    help="also measure (a), (b), (c) and the service's (d) with "
                         "runtime = runsc (gVisor), in the same run, ports PORT+2 "
                         "and PORT+3; the engine must offer runsc")
    ap.add_argument("--debug-log", action="store_true",
                    help="log_level = debug in the stacks; reports the workers' "
                         "'stream ended after X ms' times")
    a = ap.parse_args()
    globals()["IMAGE"] = a.image
    q = a.quick
    n_lat = a.n_latency or (15 if q else 100)
    n_dock = a.n_docker or (5 if q else 20)
    n_tp = a.n_throughput or (12 if q else 200)
    warm = a.warmup if a.warmup is not None else (2 if q else 5)
    levels = [int(x) for x in a.concurrency.split(",")]
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        sys.exit("bench: no executable at %s (build it, or pass --bin / LLSR_BIN)" % binary)
    if os.geteuid() != 0:
        sys.exit("bench: stack.sh needs root")

    # Ctrl-C and SIGTERM both unwind through the finally blocks below.
    def on_term(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    # A worker holds at most queue_per_worker requests while busy and
    # answers 503 overloaded beyond that; (d) needs every request to pass,
    # so the queue must hold the highest concurrency (where the key exists).
    extra = [] if a.image == "llsr-sandbox:latest" else ['image = "%s"' % a.image]
    qpw = max(1, math.ceil(max(levels) / a.workers))
    if key_supported(binary, "queue_per_worker = %d" % qpw):
        extra.append("queue_per_worker = %d" % qpw)

    eng = Engine()
    if eng.call("GET", "/images/%s/json" % IMAGE, ok=(200, 404)) is None:
        sys.exit("bench: image %s missing (docker/build-image.sh)" % IMAGE)
    run_id = "%d-%s" % (os.getpid(), secrets.token_hex(4))
    tracked, lock = set(), threading.Lock()
    stacks = []
    res = {"machine": {"cores": os.cpu_count(), "loadavg_start": os.getloadavg(),
                       "engine_api": eng.version, "kernel": os.uname().release},
           "config": {"quick": q, "binary": binary, "workers": a.workers,
                      "pool_size": a.pool_size, "n_latency": n_lat, "n_docker": n_dock,
                      "n_throughput": n_tp, "warmup": warm, "concurrency": levels,
                      "submission": {"code": CODE, "tests": TESTS},
                      "percentiles": "nearest rank", "extra_config": extra},
           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    t_start = time.monotonic()
    try:
        # (b) first: nothing else of ours runs meanwhile.
        log("(b) docker run --rm x %d (+%d warm-up)" % (n_dock, min(warm, 2)))
        res["b_docker_run"] = lat_summary(measure_docker_run(n_dock, min(warm, 2)))
        log("    p50 %.1f ms" % res["b_docker_run"]["p50_ms"])

        log("starting pool-on stack: %d workers, pool_size %d, port %d %s"
            % (a.workers, a.pool_size, a.port, " ".join(extra)))
        on = Stack(binary, a.port, a.workers, a.pool_size, a.debug_log, extra)
        stacks.append(on)
        on.start()
        for _ in range(warm):
            _, code, v = on.submit()
            if code != 200 or v != "passed":
                raise RuntimeError("warm-up: %d %r" % (code, v))

        # (d): at each level the raw loop and the service in blocks of a
        # quarter of the submissions, in the order raw, service, service,
        # raw, raw, service, service, raw: the engine's speed drifts by
        # 10-20% within a minute on these machines, and this order cancels
        # a steady drift between the two and evens out a slower one.
        res["d_raw"], res["d_service"] = {}, {}
        raw_one(eng, run_id, tracked, lock)   # the raw loop's own warm-up
        q4 = [n_tp // 4 + (1 if i < n_tp % 4 else 0) for i in range(4)]
        order = (("raw", q4[0]), ("service", q4[0]), ("service", q4[1]), ("raw", q4[1]),
                 ("raw", q4[2]), ("service", q4[2]), ("service", q4[3]), ("raw", q4[3]))
        for conc in levels:
            raw_b, svc_b = [], []
            for who, k in order:
                if not k:
                    continue
                on.settle(eng)
                if who == "raw":
                    log("(d) raw Engine API loop c=%d x %d" % (conc, k))
                    raw_b.append(measure_raw(eng, run_id, k, conc, tracked, lock))
                else:
                    log("(d) service c=%d x %d" % (conc, k))
                    svc_b.append(measure_service_tp(on, k, conc, eng))
            res["d_raw"][str(conc)] = combine_blocks(raw_b)
            res["d_service"][str(conc)] = combine_blocks(svc_b)
            log("    raw %.2f/s, service %.2f/s" % (res["d_raw"][str(conc)]["rate_per_s"],
                                                    res["d_service"][str(conc)]["rate_per_s"]))

        # The sustained container rate: the engine's best in (d), whatever
        # the concurrency (the strictest reading: the shortest interval).
        best = max(levels, key=lambda c: res["d_raw"][str(c)]["rate_per_s"])
        base_rate = res["d_raw"][str(best)]["rate_per_s"]
        interval = 2.0 / base_rate
        res["pacing"] = {"raw_rate_per_s": base_rate, "at_concurrency": best,
                         "interval_s": interval}
        log("(a) warm, paced every %.2f s (half the best raw rate, %.2f/s at c=%d) x %d"
            % (interval, base_rate, best, n_lat))
        on.settle(eng)
        res["a_warm"] = measure_paced(on, n_lat, warm, interval, eng)
        res["a_warm"]["workers"] = a.workers
        log("    p50 %.1f ms, p99 %.1f ms" % (res["a_warm"]["p50_ms"], res["a_warm"]["p99_ms"]))

        on.settle(eng)
        rss = on.rss()
        vm = [d.get("VmRSS", 0) for d in rss.values()]
        res["e_rss"] = {"kb": {str(k): v.get("VmRSS") for k, v in rss.items()},
                        "detail_kb": {str(k): v for k, v in rss.items()},
                        "max_kb": max(vm), "mean_kb": statistics.fmean(vm),
                        "max_anon_kb": max(d.get("RssAnon", 0) for d in rss.values()),
                        "max_file_kb": max(d.get("RssFile", 0) for d in rss.values()),
                        "max_pss_kb": max(d.get("Pss", 0) for d in rss.values()),
                        "requests_served": n_lat + warm * 2 + n_tp * len(levels)}
        log("(e) worker VmRSS kB: %s" % rss)
        if a.debug_log:
            res["debug_stream_ms_pool_on"] = lat_summary(on.stream_times() or [0.0])
        on.stop(eng)
        stacks.remove(on)

        log("starting pool-off stack: %d workers, pool_size 0, port %d" % (a.workers, a.port + 1))
        off = Stack(binary, a.port + 1, a.workers, 0, a.debug_log, extra)
        stacks.append(off)
        off.start()
        log("(c) cold, paced every %.2f s x %d" % (interval, n_lat))
        res["c_cold"] = measure_paced(off, n_lat, warm, interval, eng)
        res["c_cold"]["workers"] = a.workers
        res["e_rss"]["pool_off_detail_kb"] = {str(k): v for k, v in off.rss().items()}
        if a.debug_log:
            res["debug_stream_ms_pool_off"] = lat_summary(off.stream_times() or [0.0])
        log("    p50 %.1f ms" % res["c_cold"]["p50_ms"])
        off.stop(eng)
        stacks.remove(off)
        if a.runsc:
            res["runsc"] = measure_runsc(a, binary, extra, n_lat, n_dock, n_tp, warm,
                                         levels, interval, eng, stacks)
    finally:
        # Let in-flight raw lifecycles finish (each removes its container)
        # before sweeping, so that none is created after the sweep.
        STOP.set()
        end = time.monotonic() + 90
        for t in THREADS:
            t.join(max(0.0, end - time.monotonic()))
        for st in stacks:
            try:
                st.stop(eng)
            except Exception as e:  # noqa: BLE001
                log("stopping stack on port %d: %r" % (st.port, e))
        # Every raw container of this run, and any docker run leftover.
        for cid in list(tracked):
            try:
                eng.remove(cid)
            except Exception:  # noqa: BLE001
                pass
        for lbl in (BENCH_LABEL + "=" + run_id, BENCH_LABEL + "=docker-run"):
            for c in eng.containers(lbl) or []:
                eng.remove(c["Id"])

    res["machine"]["loadavg_end"] = os.getloadavg()
    res["duration_s"] = time.monotonic() - t_start
    md, rows = table(res)
    res["table"] = [dict(zip(("measurement", "value", "baseline", "ratio", "target", "met"), r))
                    for r in rows]
    res["all_targets_met"] = all(r[5] != "**NO**" for r in rows)
    full = not q and (n_lat, n_dock, n_tp) == (100, 20, 200)
    note = ("%s run (n = %d for (a)/(c), %d for (b), %d per level for (d)); %d cores, "
            "load average %.2f at start and %.2f at end; %d workers, pool_size %d%s; "
            "(a)/(c) paced every %.2f s; took %.0f s."
            % ("full" if full else "--quick" if q else "reduced", n_lat, n_dock, n_tp,
               os.cpu_count(), res["machine"]["loadavg_start"][0],
               res["machine"]["loadavg_end"][0], a.workers, a.pool_size,
               "".join(", " + e for e in extra), interval, res["duration_s"]))
    res["note"] = note
    print(md)
    print()
    print(note)
    if "runsc" in res:
        res["runsc_table"] = runsc_table(res)
        print()
        print(res["runsc_table"])
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print()
    print(json.dumps({"all_targets_met": res["all_targets_met"], "table": res["table"]},
                     indent=1, ensure_ascii=False))
    log("JSON written to %s" % a.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stacks stopped and containers removed")
        sys.exit(130)
