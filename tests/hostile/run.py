#!/usr/bin/env python3
"""Hostile-submission suite of ll-solution-runner (TAP on stdout).

    run.py --url http://127.0.0.1:18085 [--rundir DIR] [--jobs 2] [--only RE]
    run.py --bin BUILD/ll-solution-runner [--port 18200] [--workers 2]
           [--conf conf/ll-solution-runner.conf] [--jobs 2] [--only RE]
           [--web lighttpd|apache]
    (both: [--cases FILE --dir DIR] another suite of cases in this format,
     e.g. tests/adversarial/cases.json and tests/adversarial/cases;
     [--record FILE] one JSON line per case: its statuses and whether a
     test that must not pass did: "forged")

With --bin the suite starts a stack of its own (tests/integration/stack.sh:
lighttpd, or Apache with --web apache, spawn-fcgi, multiwatch) with a
random canary variable, LLSR_CANARY, in the environment of the workers,
checks that the canary IS in every worker's /proc/PID/environ (so the
canary case can fail), runs the cases, and stops the stack. With a run directory (--bin, or --rundir)
it also checks that RUNDIR/log is root's and writable by no one else. With --url only it uses a running service and
the canary case is a TAP SKIP (the service's run directory is checked only
when --rundir names it).

Cases are data: tests/hostile/cases/NN_name.py is the submitted solution
(a line "# include: FILE" in it is replaced by the text of FILE, next to
it, before it is sent: the seccomp cases share _syscalls.py that way),
tests/hostile/cases.json lists, in order, for each case:

  file            the solution file in cases/
  name            the case's name (default: file without .py; give one
                  when several cases share a file)
  tests           the tests source; {{PORT}} is replaced by the service's
                  port, {{CANARY}} / {{CANARY_REV}} by the canary's value
                  (reversed), so that the value itself never appears in an
                  assert's source (and so never in the response's test names)
  options         request fields sent as is (timeout_ms, memory_mb, ...)
  expect          the verdict:
    http            HTTP status (default 200)
    status          run status, or a list of accepted ones
    tests           list, one matcher per test (the lengths must agree):
                    {"status": s or [s...], "message_any": [substrings]}
                    (message_any: case-insensitive, in message or traceback)
    tests_status_any  list of accepted-status lists, checked for the tests
                    the response holds (a run the service killed may have
                    none)
    error_type      error.type of a run that ended without tests
    stdout_contains / stderr_contains  [substrings]
    body_not_contains  [substrings] of the raw response body (placeholders
                    as in tests)
    max_duration_ms   upper bound of the response's duration_ms: the
                    wall-clock limit that goes with timeout_ms (2 x it +
                    500 ms: code that sleeps or is stopped runs that long)
                    + the harness's own time (overhead_ms, 5 s) + the
                    service's grace (1.5 s)
    max_elapsed_s   upper bound of the whole request's wall clock (the
                    worker is busy that long): that + 5 s for the
                    container's start and kill
  submissions     instead of file/tests/options: a batch, a list of
                  {file, tests, options, expect} sent as one
                  {"submissions": [...]}; each result is checked against
                  its own expect (the case's expect may give http and
                  max_elapsed_s of the whole request)
  expect_runsc    optional: replaces expect when the stack's sandboxes run
                  under gVisor (the config's runtime = runsc, or --runtime
                  runsc), for a case whose outcome gVisor's kernel makes
                  differ while what the user is owed still holds (the
                  verdict is not forged, the host is untouched, no
                  container is left, the worker still serves). It must
                  carry "reason" (why gVisor differs; docs/security.md,
                  "gVisor", lists the same), it may not accept "passed"
                  where expect does not, and the aftermath checks are the
                  same. The case's TAP name then ends in "[runsc: ...]"
  forgeable       informational: a case the service may legitimately lose
                  (e.g. "isolation": "in_process"), marked in its TAP name
  alongside       correct requests sent while this case's attack holds:
                  {"while_comm": NAME, "file", "tests", "options",
                  "expect", "count"}. The case's request is sent; once a
                  host process named NAME (/proc/PID/comm: the attack
                  marks itself when it holds) is seen, the alongside
                  request is sent, one at a time, until `count` of them
                  ran wholly while NAME was alive (seen before the send
                  and after the answer; a new round of the attack is sent
                  if it ended first, at most 4 rounds). Every alongside
                  answer must match its expect. Under a runtime that hides
                  the sandbox's processes from the host (config key
                  runtime set, e.g. runsc) NAME cannot be seen: the
                  alongside requests are then sent once the case's request
                  is, and only their verdicts count
  serial          run alone (cases that form a sequence: 09/10, 20/21)
  repeat          send it this many times (each verdict must match): for
                  attacks whose effect is intermittent
  requires        "canary": needs --bin; "isolation": needs a service
                  that accepts the request field "isolation" (probed once)
  host_absent     host paths that must not exist after the case
  host_unchanged  extra host paths whose state must not change

Each case gives two TAP lines. "verdict": the response matches `expect`,
and it came in time (max_elapsed_s; a 503 "overloaded" answer, the
service's intended answer to load, is retried after Retry-After for up to
30 s and counted in a final "#" line). "aftermath": after the
response (cases run `--jobs` at a time; the checks run when the whole wave
is done, so a failure names the wave):
  (a) no container of this stack is left: the Docker API on
      /var/run/docker.sock, label `ll-solution-runner`, owner label
      ...:PID:start with PID one of this stack's workers (other stacks may
      share the engine), polled for up to 20 s (removal follows the
      response). Allowed: per worker, up to pool_size (--warm; read from
      the config) running containers of its warm pool, but never one that
      served a request of this wave (known from the service's log line
      "[request-id] ... container=ID" when the run directory is known);
  (b) host files untouched: sha256/mode/owner/mtime/inode of /etc/passwd,
      /etc/shadow, /etc/group, /etc/hostname, /etc/hosts, /etc/resolv.conf,
      the Docker socket, the service's run directory (every file but the
      logs' contents), a canary directory the suite creates in the host's
      /tmp (/tmp/llsr-hostile-canary.PID.RANDOM, one per run; the cases
      attack /tmp/llsr-hostile-canary inside their own /tmp); no file named *LLSRHOSTILE* and no file of the
      sandbox uid (10001) newer than the wave under /tmp, /var/tmp,
      /dev/shm, /dev/mqueue, /etc, /root, /run, /usr/local, /home; the
      case's host_absent paths; no host process with LLSRHOSTILE in its
      command line (the daemon case marks its argv so);
  (c) the workers still serve: --jobs trivial requests at once all pass,
      and (with --bin) the worker processes are the same as before the wave
      (a worker that died and was restarted by multiwatch is a failure).

Progress goes to stderr. Exit 1 when any test failed. Python 3 stdlib only.
The suite only ever talks to 127.0.0.1 and the local Docker socket.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
from llsr_client import docker_get, owner_pid  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CASES_DIR = os.path.join(HERE, "cases")
MANIFEST = os.path.join(HERE, "cases.json")
STACK = os.path.join(TOP, "tests", "integration", "stack.sh")
DEFAULT_CONF = os.path.join(TOP, "conf", "ll-solution-runner.conf")
DOCKER_SOCK = "/var/run/docker.sock"
LABEL = "ll-solution-runner"
MARK = "LLSRHOSTILE"
SANDBOX_UID = 10001
SANDBOX_RANGE = (100000, 165535)   # the default uid_range; see main()
GRACE_S = 1.5          # RUNNER_GRACE_MS of the service
SLACK_S = 20.0         # container create/start/remove on a busy engine
LEAK_WAIT_S = 20.0
DEFAULT_POOL_SIZE = 1  # the service's default pool_size
OVERLOAD_RETRY_S = 30.0
# One per run: suites running side by side must not see each other's
# changes as their own cases' doing.
HOST_CANARY_DIR = "/tmp/llsr-hostile-canary.%d.%s" % (os.getpid(), secrets.token_hex(4))
SENTINEL_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow",
                  "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/ld.so.preload",
                  DOCKER_SOCK, "/run/docker.sock"]
# (root, depth) scanned for marker names and for files of the sandbox uid.
SCAN_ROOTS = [("/tmp", 2), ("/var/tmp", 2), ("/dev/shm", 2), ("/dev/mqueue", 1),
              ("/etc", 2), ("/root", 1), ("/run", 1), ("/usr/local", 2), ("/home", 2),
              ("/", 1)]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# TAP

class Tap(object):
    def __init__(self, plan):
        self.n = 0
        self.failed = 0
        print("1..%d" % plan, flush=True)

    def result(self, ok, name, diag=(), skip=None):
        self.n += 1
        if skip is not None:
            print("ok %d - %s # SKIP %s" % (self.n, name, skip), flush=True)
            return
        if not ok:
            self.failed += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, name))
        for d in diag:
            for line in str(d).splitlines()[:40]:
                print("# " + line)
        sys.stdout.flush()


# --------------------------------------------------------------------------
# HTTP to the service (loopback only)

class Service(object):
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("run.py: only an http:// loopback URL is accepted: %r" % url)
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.overloaded = 0

    def request(self, method, path, body=None, timeout=120.0):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        t0 = time.monotonic()
        try:
            headers = {}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, self.prefix + path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data, \
                time.monotonic() - t0
        finally:
            conn.close()

    @staticmethod
    def submission(code, tests, options):
        obj = {"code": base64.b64encode(code).decode("ascii"),
               "tests": base64.b64encode(tests.encode("utf-8")).decode("ascii")}
        obj.update(options)
        return obj

    def run_code(self, code, tests, options, timeout, batch=None):
        """POST /run_code (with batch, a list of (code, tests, options):
        one {"submissions": [...]}). A 503 `overloaded` (every worker busy,
        queue full) is the service's intended answer to load, not a
        verdict: it is retried after Retry-After, for up to
        OVERLOAD_RETRY_S; the count is kept in self.overloaded."""
        if batch is not None:
            obj = {"submissions": [self.submission(*b) for b in batch]}
        else:
            obj = self.submission(code, tests, options)
        body = json.dumps(obj).encode("utf-8")
        end = time.monotonic() + OVERLOAD_RETRY_S
        while True:
            r = self.request("POST", "/run_code", body, timeout)
            if r[0] != 503 or b'"overloaded"' not in r[2] or time.monotonic() > end:
                return r
            self.overloaded += 1
            try:
                wait = float(r[1].get("retry-after", "1"))
            except ValueError:
                wait = 1.0
            time.sleep(min(max(wait, 0.1), 2.0))

    def health_pids(self, tries=12):
        pids = set()
        for _ in range(tries):
            try:
                st, _, data, _ = self.request("GET", "/health", timeout=10)
                if st == 200:
                    pids.add(int(json.loads(data)["pid"]))
            except Exception:
                pass
        return pids


# --------------------------------------------------------------------------
# Docker Engine API (read-only: lists containers)

def our_containers(pids, warm=0, used=()):
    """Containers of this service (label) whose owner pid is one of pids,
    but for `warm` running containers per worker (its warm pool, pool_size:
    started before a request by design) that are not one of `used` (ids,
    12 hex or more, of the containers that served this wave's requests,
    which must be gone whatever the pool)."""
    q = urllib.parse.quote(json.dumps({"label": [LABEL]}))
    out = []
    running = {}
    used = tuple(u[:12] for u in used if u)
    for c in sorted(docker_get("/containers/json?all=1&filters=" + q),
                    key=lambda c: -int(c.get("Created") or 0)):
        labels = c.get("Labels") or {}
        pid = owner_pid(labels.get(LABEL + ".owner"))
        if pid not in pids:
            continue
        cid = c.get("Id", "")[:12]
        if cid not in used and c.get("State") == "running" and running.get(pid, 0) < warm:
            running[pid] = running.get(pid, 0) + 1
            continue
        out.append("%s %s %s owner=%s%s" % (cid, ",".join(c.get("Names") or []),
                                            c.get("State"), labels.get(LABEL + ".owner"),
                                            " (served this wave)" if cid in used else ""))
    return out


def wait_no_containers(pids, bound=LEAK_WAIT_S, warm=0, used=()):
    end = time.monotonic() + bound
    while True:
        try:
            left = our_containers(pids, warm, used)
        except Exception as e:
            left = ["docker API error: %s" % e]
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.25)


def containers_of_requests(rundir, reqids, bound=5.0):
    """Container ids (12 hex) the service logged for these request ids
    ("[reqid] ... container=ID" in RUNDIR/log/*.log); {} without a run dir."""
    found = {}
    if not rundir or not reqids:
        return found
    pats = {r: re.compile(r"\[%s\] .*container=([0-9a-f]{12})" % re.escape(r)) for r in reqids}
    end = time.monotonic() + bound
    while True:
        d = os.path.join(rundir, "log")
        try:
            names = sorted(os.listdir(d))
        except OSError:
            names = []
        for name in names:
            try:
                with open(os.path.join(d, name), errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            for r, rx in pats.items():
                m = rx.search(text)
                if m:
                    found[r] = m.group(1)
        if len(found) == len(reqids) or time.monotonic() > end:
            return found
        time.sleep(0.2)


def log_dir_problems(d):
    """The log directory must be root's, writable by no one else (never
    0777), and no log in it writable by the sandbox's uid or by others."""
    probs = []
    try:
        st = os.stat(d)
    except OSError as e:
        return ["%s: %s" % (d, e)]
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid != 0 or mode & 0o022:
        probs.append("%s: owner uid %d, mode %04o (root's, no group or "
                     "other write, expected)" % (d, st.st_uid, mode))
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        fst = os.lstat(p)
        if stat.S_IMODE(fst.st_mode) & 0o002 or fst.st_uid == SANDBOX_UID:
            probs.append("%s: owner uid %d, mode %04o" % (
                p, fst.st_uid, stat.S_IMODE(fst.st_mode)))
    return probs


def conf_value(path, key):
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"\s*%s\s*=\s*\"?([^\"]*?)\"?\s*$" % re.escape(key), line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# Host state

def _sha256(path):
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
        return h.hexdigest()
    except OSError as e:
        return "unreadable:%s" % e.errno


def fstate(path, content=True):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return ("error", e.errno)
    t = stat.S_IFMT(st.st_mode)
    rec = [t, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino]
    if stat.S_ISREG(st.st_mode) and content:
        rec += [st.st_size, st.st_mtime_ns, _sha256(path)]
    elif stat.S_ISLNK(st.st_mode):
        rec.append(os.readlink(path))
    return tuple(rec)


class HostState(object):
    def __init__(self, rundir, extra=()):
        self.rundir = rundir
        self.extra = list(extra)

    def snapshot(self):
        snap = {}
        for p in SENTINEL_FILES + self.extra:
            snap[p] = fstate(p)
        for root in [HOST_CANARY_DIR] + ([self.rundir] if self.rundir else []):
            for dirpath, dirs, files in os.walk(root):
                dirs.sort()
                in_log = os.path.basename(dirpath) == "log" and self.rundir and \
                    os.path.dirname(dirpath) == self.rundir
                snap[dirpath] = fstate(dirpath, content=False)[:4] \
                    if fstate(dirpath) else None
                for n in sorted(files):
                    p = os.path.join(dirpath, n)
                    # Logs grow; pid files may be rewritten by the stack:
                    # only their presence and type/owner count.
                    light = in_log or n.endswith((".pid", ".pid.keep"))
                    st = fstate(p, content=not light)
                    snap[p] = st[:4] if (light and st) else st
        return snap

    @staticmethod
    def diff(before, after):
        out = []
        for k in sorted(set(before) | set(after)):
            if before.get(k) != after.get(k):
                out.append("%s: %r -> %r" % (k, before.get(k), after.get(k)))
        return out


def scan_markers(since):
    """Host files named *LLSRHOSTILE*, or owned by the sandbox uid and
    modified since `since`, under SCAN_ROOTS."""
    found = []
    budget = [200000]

    def walk(path, depth):
        try:
            it = os.scandir(path)
        except OSError:
            return
        with it:
            for e in it:
                budget[0] -= 1
                if budget[0] < 0:
                    return
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                full = e.path
                if MARK in e.name:
                    found.append("marker: %r" % full)
                elif (st.st_uid == SANDBOX_UID or SANDBOX_RANGE[0] <= st.st_uid
                      <= SANDBOX_RANGE[1]) and st.st_mtime >= since:
                    found.append("sandbox-uid file: %r" % full)
                if depth > 1 and e.is_dir(follow_symlinks=False) and \
                        not full.startswith(("/proc", "/sys")):
                    walk(full, depth - 1)

    for root, depth in SCAN_ROOTS:
        if root == "/":
            try:
                found += ["marker: %r" % os.path.join("/", n) for n in os.listdir("/") if MARK in n]
            except OSError:
                pass
            continue
        walk(root, depth)
    return sorted(set(found))


def marked_processes():
    me = os.getpid()
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if MARK.encode() in cmd:
            out.append("pid %s: %r" % (pid, cmd[:200]))
    return out


def children_of(ppid):
    kids = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                s = f.read()
            if int(s.rsplit(")", 1)[1].split()[1]) == ppid:
                kids.add(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    return kids


# --------------------------------------------------------------------------
# The stack of our own (--bin)

class OwnStack(object):
    def __init__(self, binary, conf, port, workers, canary, web="lighttpd"):
        self.run = tempfile.mkdtemp(prefix="llsr-hostile.")
        os.chmod(self.run, 0o755)
        self.port = port
        env = dict(os.environ)
        env["LLSR_CANARY"] = canary
        env["LLSR_WEB"] = web
        log("starting a stack in %s on port %d (%d workers, %s)" % (self.run, port, workers, web))
        self.started = False
        p = subprocess.run([STACK, "start", binary, conf, self.run, str(port), str(workers)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            shutil.rmtree(self.run, ignore_errors=True)
            raise RuntimeError("stack.sh start failed:\n" + p.stdout.decode("utf-8", "replace"))
        self.started = True
        with open(os.path.join(self.run, "spawn.pid")) as f:
            self.master = int(f.read().strip())

    def workers(self):
        # spawn-fcgi -n execs multiwatch, whose children are the workers.
        return children_of(self.master)

    def stop(self):
        if self.started:
            subprocess.run([STACK, "stop", self.run], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.run, ignore_errors=True)

    def log_tail(self, n=30):
        out = []
        d = os.path.join(self.run, "log")
        try:
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), errors="replace") as f:
                    out += ["%s: %s" % (name, l) for l in f.read().splitlines()[-n:]]
        except OSError:
            pass
        return out


def environ_of(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


# --------------------------------------------------------------------------
# Verdicts

def _as_list(v):
    return v if isinstance(v, list) else [v]


def substitute(s, subst):
    for k, v in subst.items():
        s = s.replace("{{%s}}" % k, v)
    return s


def check_batch(case, http_status, body, elapsed, subst):
    """check_verdict for a case with `submissions`: each result against
    its submission's expect (problems prefixed with its index)."""
    exp = case.get("expect", {})
    if http_status != exp.get("http", 200):
        return ["HTTP %d, expected %d: %r" % (http_status, exp.get("http", 200), body[:400])]
    try:
        results = json.loads(body.decode("utf-8"))["results"]
    except Exception as e:
        return ["the body is not a batch answer (%s): %r" % (e, body[:400])]
    subs = case["submissions"]
    if not isinstance(results, list) or len(results) != len(subs):
        return ["%s results, expected %d" % (
            len(results) if isinstance(results, list) else "no", len(subs))]
    problems = []
    for i, (sub, res) in enumerate(zip(subs, results)):
        one = {"expect": dict(sub.get("expect", {}), max_elapsed_s=float("inf")),
               "options": sub.get("options", {})}
        problems += ["submissions[%d]%s: %s" % (i, " (%s)" % sub["role"] if "role" in sub
                                                else "", p)
                     for p in check_verdict(one, 200, json.dumps(res).encode("utf-8"),
                                            0.0, subst)]
    bound = exp.get("max_elapsed_s", 60.0 + SLACK_S)
    if elapsed > bound:
        problems.append("the response took %.1fs (bound %.1fs)" % (elapsed, bound))
    return problems


def check_verdict(case, http_status, body, elapsed, subst):
    if "submissions" in case:
        return check_batch(case, http_status, body, elapsed, subst)
    exp = case["expect"]
    opts = case.get("options", {})
    problems = []
    if http_status != exp.get("http", 200):
        return ["HTTP %d, expected %d: %r" % (http_status, exp.get("http", 200), body[:400])]
    try:
        doc = json.loads(body.decode("utf-8"))
    except Exception as e:
        return ["the body is not JSON (%s): %r" % (e, body[:400])]
    if not isinstance(doc, dict):
        return ["the body is not an object: %r" % body[:400]]
    status = doc.get("status")
    want = _as_list(exp.get("status", "passed"))
    if status not in want:
        problems.append("status %r, expected %s" % (status, " or ".join(map(repr, want))))
    if "passed" not in want and status == "passed":
        problems.append("FALSE PASS")
    tests = doc.get("tests") or []
    if "tests" in exp:
        if len(tests) != len(exp["tests"]):
            problems.append("%d tests, expected %d: %s" % (
                len(tests), len(exp["tests"]), [t.get("status") for t in tests]))
        for i, (t, m) in enumerate(zip(tests, exp["tests"])):
            if "status" in m and t.get("status") not in _as_list(m["status"]):
                problems.append("tests[%d].status %r, expected %s%s" % (
                    i, t.get("status"), _as_list(m["status"]),
                    " (FALSE PASS)" if t.get("status") == "passed" else ""))
            if "message_any" in m:
                text = ((t.get("message") or "") + "\n" + (t.get("traceback") or "")).lower()
                if not any(s.lower() in text for s in m["message_any"]):
                    problems.append("tests[%d] message %r lacks any of %r" % (
                        i, (t.get("message") or "")[:300], m["message_any"]))
    if "tests_status_any" in exp:
        for i, t in enumerate(tests):
            if i < len(exp["tests_status_any"]) and \
                    t.get("status") not in exp["tests_status_any"][i]:
                problems.append("tests[%d].status %r, expected one of %r%s" % (
                    i, t.get("status"), exp["tests_status_any"][i],
                    " (FALSE PASS)" if t.get("status") == "passed" else ""))
    if "error_type" in exp:
        et = (doc.get("error") or {}).get("type")
        if et != exp["error_type"]:
            problems.append("error.type %r, expected %r (error: %r)" % (
                et, exp["error_type"], doc.get("error")))
    for key in ("stdout", "stderr"):
        for s in exp.get(key + "_contains", []):
            if s not in (doc.get(key) or ""):
                problems.append("%s lacks %r: %r" % (key, s, (doc.get(key) or "")[:300]))
    for s in exp.get("body_not_contains", []):
        s = substitute(s, subst)
        if s and s.encode("utf-8") in body:
            problems.append("the response contains %r" % (s[:12] + "..."))
    dur = doc.get("duration_ms")
    if "max_duration_ms" in exp and (not isinstance(dur, (int, float))
                                     or dur > exp["max_duration_ms"]):
        problems.append("duration_ms %r > %d" % (dur, exp["max_duration_ms"]))
    bound = exp.get("max_elapsed_s",
                    opts.get("timeout_ms", 10000) / 1000.0 + GRACE_S + SLACK_S)
    if elapsed > bound:
        problems.append("the response took %.1fs (bound %.1fs)" % (elapsed, bound))
    if problems:
        brief = {k: doc.get(k) for k in ("status", "summary", "error", "exit_code",
                                        "oom_killed", "duration_ms")}
        brief["tests"] = [{k: t.get(k) for k in ("name", "status", "message")} for t in tests][:6]
        for k in ("stdout", "stderr"):
            brief[k] = (doc.get(k) or "")[:200]
        problems.append("response: " + json.dumps(brief)[:2000])
    return problems


def comm_alive(name):
    """Whether a host process is named `name` (/proc/PID/comm)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid, "rb") as f:
                if f.read().rstrip(b"\n") == name.encode():
                    return True
        except OSError:
            pass
    return False


def run_alongside(svc, c, tests, subst, hidden):
    """The case's request (the attack) in a thread, and its alongside
    requests while the attack holds (see `alongside` above). Returns
    (problems of the alongside requests, how many ran wholly alongside,
    the attack's last answer)."""
    al = c["alongside"]
    want = int(al.get("count", 2))
    a_tests = substitute(al.get("tests", ""), subst)
    a_case = {"expect": al.get("expect", {}), "options": al.get("options", {})}
    timeout = c.get("options", {}).get("timeout_ms", 10000) / 1000.0 + 90
    probs, overlapped, answer, sent = [], 0, None, 0
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        for rnd in range(4):
            attack = pool.submit(svc.run_code, c["code"], tests, c.get("options", {}),
                                 timeout)
            end = time.monotonic() + 60
            while not hidden and not comm_alive(al["while_comm"]) and not attack.done() \
                    and time.monotonic() < end:
                time.sleep(0.05)
            if not hidden and not comm_alive(al["while_comm"]):
                probs.append("round %d: the attack never held (no host process named %s)"
                             % (rnd + 1, al["while_comm"]))
                answer = attack.result()
                break
            while overlapped < want and (hidden or comm_alive(al["while_comm"])):
                st, hdr, body, elapsed = svc.run_code(al["code"], a_tests,
                                                      al.get("options", {}), 60)
                sent += 1
                held = hidden or comm_alive(al["while_comm"])
                p = check_verdict(a_case, st, body, elapsed, subst)
                probs += ["alongside request %d%s: %s" % (
                    sent, "" if held else " (after the attack ended)", x) for x in p]
                if held:
                    overlapped += 1
            answer = attack.result()
            if overlapped >= want or probs:
                break
    if not probs and overlapped < want:
        probs.append("only %d correct requests ran wholly alongside the attack in 4 "
                     "rounds (%d wanted)" % (overlapped, want))
    return probs, overlapped, answer


def trivial_requests(svc, n):
    code = b"def f():\n    return 1\n"
    tests = "assert f() == 1\n"

    def one(_):
        try:
            st, hdr, body, _ = svc.run_code(code, tests, {"timeout_ms": 5000}, 60)
            doc = json.loads(body.decode("utf-8"))
            if st == 200 and doc.get("status") == "passed":
                return None
            return "trivial request: HTTP %d %r" % (st, body[:300])
        except Exception as e:
            return "trivial request: %s: %s" % (type(e).__name__, e)

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return [r for r in pool.map(one, range(n)) if r]


def isolation_accepted(svc):
    """Whether the service takes the request field "isolation" (an older
    one answers 400 invalid_field for any unknown field)."""
    try:
        st, _, body, _ = svc.run_code(b"x = 1\n", "assert x == 1\n",
                                      {"isolation": "in_process", "timeout_ms": 5000}, 60)
    except Exception:
        return False
    return st == 200


# --------------------------------------------------------------------------

def runtime_expect(c, runtime):
    """Puts a case's expect_runsc in place of its expect under runsc (see
    expect_runsc above). Refuses, as a broken manifest, an override with no
    reason or one that would accept a pass the runc expectation refuses."""
    over = c.get("expect_runsc")
    if over is None:
        return
    reason = over.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise SystemExit("run.py: %s: expect_runsc needs a \"reason\"" % c["name"])
    base = c.get("expect", {})
    if "passed" not in _as_list(base.get("status", "passed")) and \
            "passed" in _as_list(over.get("status", "passed")):
        raise SystemExit("run.py: %s: expect_runsc may not accept \"passed\" where "
                         "expect does not" % c["name"])
    if runtime == "runsc":
        c["expect"] = {k: v for k, v in over.items() if k != "reason"}
        c["_runsc_reason"] = reason


INCLUDE = re.compile(rb"^# include: ([A-Za-z0-9_.-]+)$", re.M)


def read_case_file(cases_dir, name):
    """A case file's bytes, with each line "# include: FILE" replaced by
    FILE's text (FILE in the same directory, not itself including): what
    several cases share is written once, and each submission sent is still
    one program."""
    with open(os.path.join(cases_dir, name), "rb") as f:
        code = f.read()

    def text(m):
        with open(os.path.join(cases_dir, m.group(1).decode()), "rb") as f:
            return f.read().rstrip(b"\n")
    return INCLUDE.sub(text, code)


def load_cases(only, manifest=MANIFEST, cases_dir=CASES_DIR, runtime="runc"):
    with open(manifest, encoding="utf-8") as f:
        cases = json.load(f)
    for c in cases:
        c["name"] = c.get("name") or os.path.splitext(c["file"])[0]
        runtime_expect(c, runtime)
        if "submissions" in c:
            for sub in c["submissions"]:
                sub["code"] = read_case_file(cases_dir, sub["file"])
            continue
        if "alongside" in c:
            c["alongside"]["code"] = read_case_file(cases_dir, c["alongside"]["file"])
        c["code"] = read_case_file(cases_dir, c["file"])
    if only:
        rx = re.compile(only)
        cases = [c for c in cases if rx.search(c["name"])]
    return cases


def waves(cases, jobs):
    out, cur = [], []
    for c in cases:
        if c.get("serial"):
            if cur:
                out.append(cur)
                cur = []
            out.append([c])
            continue
        cur.append(c)
        if len(cur) >= jobs:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running service, e.g. http://127.0.0.1:18085")
    ap.add_argument("--bin", help="start a stack of our own with this worker binary")
    ap.add_argument("--conf", default=DEFAULT_CONF)
    ap.add_argument("--port", type=int, default=18200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--web", default="lighttpd", choices=("lighttpd", "apache"),
                    help="with --bin: the web server in front (default %(default)s)")
    ap.add_argument("--rundir", help="with --url: the service's run directory, to check")
    ap.add_argument("--jobs", type=int, default=2, help="requests at a time (default 2)")
    ap.add_argument("--only", help="regex on case names")
    ap.add_argument("--cases", default=MANIFEST, help="the case list (default %(default)s)")
    ap.add_argument("--dir", help="the cases' files (default: cases/ next to --cases)")
    ap.add_argument("--record", help="append one JSON line per case to this file")
    ap.add_argument("--runtime", choices=("runc", "runsc"),
                    help="the sandboxes' runtime, for expect_runsc (default: the "
                    "config's runtime key: runsc if it says so, else runc)")
    ap.add_argument("--warm", type=int, help="warm containers allowed per worker (default: "
                    "pool_size of the config, else %d)" % DEFAULT_POOL_SIZE)
    args = ap.parse_args()
    if bool(args.url) == bool(args.bin):
        ap.error("give exactly one of --url or --bin")
    if args.bin and not os.access(args.bin, os.X_OK):
        ap.error("not an executable: %s" % args.bin)

    runtime = args.runtime
    if runtime is None:
        conf = os.path.abspath(args.conf) if args.bin else \
            os.path.join(os.path.abspath(args.rundir) if args.rundir else "/nonexistent",
                         "ll-solution-runner.conf")
        runtime = "runsc" if conf_value(conf, "runtime") == "runsc" else "runc"
    cases = load_cases(args.only, os.path.abspath(args.cases),
                       os.path.abspath(args.dir) if args.dir else
                       os.path.join(os.path.dirname(os.path.abspath(args.cases)), "cases"),
                       runtime)
    log("runtime %s: %d case(s) with a gVisor expectation" % (
        runtime, sum(1 for c in cases if "_runsc_reason" in c)))
    tap = Tap(2 * len(cases) + 3)
    t_start = time.monotonic()
    stack = None
    known_pids = set()
    canary = "llsrcanary" + secrets.token_hex(16)
    subst = {"CANARY": canary, "CANARY_REV": canary[::-1], "HOST_CANARY": HOST_CANARY_DIR}

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)

    # The host canary the cases attack (inside their own /tmp).
    os.makedirs(HOST_CANARY_DIR, exist_ok=True)
    with open(os.path.join(HOST_CANARY_DIR, "canary.txt"), "w") as f:
        f.write("llsr hostile-suite host canary %s\n" % secrets.token_hex(8))
    os.chmod(HOST_CANARY_DIR, 0o755)

    try:
        if args.bin:
            stack = OwnStack(os.path.abspath(args.bin), os.path.abspath(args.conf),
                             args.port, args.workers, canary, args.web)
            svc = Service("http://127.0.0.1:%d" % args.port)
            rundir = stack.run
            # Wait until every worker answers, then prove the canary is there.
            end = time.monotonic() + 20
            while len(stack.workers()) < args.workers and time.monotonic() < end:
                time.sleep(0.1)
            wpids = stack.workers()
            missing = [p for p in wpids
                       if ("LLSR_CANARY=" + canary).encode() not in environ_of(p)]
            tap.result(len(wpids) == args.workers and not missing,
                       "stack started; the canary LLSR_CANARY is in every worker's "
                       "environment (%d workers)" % len(wpids),
                       ["workers %s, without the canary: %s" % (sorted(wpids), missing)])
            get_pids = stack.workers
        else:
            svc = Service(args.url)
            rundir = os.path.abspath(args.rundir) if args.rundir else None
            tap.result(True, "canary in the workers' environment", skip="needs --bin")
            get_pids = svc.health_pids
        if rundir:
            probs = log_dir_problems(os.path.join(rundir, "log"))
            tap.result(not probs, "the log directory is root's and writable by no one "
                       "else (issue 12)", probs)
        else:
            tap.result(True, "the log directory's mode", skip="needs --bin or --rundir")
        subst["PORT"] = str(svc.port)

        known_pids |= set(get_pids())
        if not known_pids:
            log("warning: no worker pid found; the container check will see nothing")
        # The warm pool: running containers each worker keeps by design.
        if args.warm is not None:
            warm = args.warm
        else:
            v = conf_value(os.path.abspath(args.conf) if args.bin else
                           os.path.join(rundir or "/nonexistent", "ll-solution-runner.conf"),
                           "pool_size")
            warm = int(v) if v and v.isdigit() else DEFAULT_POOL_SIZE
        log("allowing %d warm container(s) per worker" % warm)
        conf_path = os.path.abspath(args.conf) if args.bin else \
            os.path.join(rundir or "/nonexistent", "ll-solution-runner.conf")
        # Processes in the sandbox are host processes but under gVisor.
        hidden_procs = bool(conf_value(conf_path, "runtime"))
        v = conf_value(conf_path, "uid_range")
        m = re.match(r"^(\d+)-(\d+)$", v or "")
        if m:
            global SANDBOX_RANGE
            SANDBOX_RANGE = (int(m.group(1)), int(m.group(2)))
        elif v == "off":
            SANDBOX_RANGE = (0, -1)
        extra = sorted({p for c in cases for p in c.get("host_unchanged", [])})
        host = HostState(rundir, extra)

        probed = {}
        for wave in waves(cases, max(1, args.jobs)):
            def unmet(c):
                req = c.get("requires")
                if req == "canary" and not stack:
                    return "needs --bin (canary)"
                if req == "isolation":
                    if "isolation" not in probed:
                        probed["isolation"] = isolation_accepted(svc)
                    if not probed["isolation"]:
                        return "the service does not accept the field \"isolation\""
                return None
            runnable = [c for c in wave if not unmet(c)]
            skipped = [c for c in wave if c not in runnable]
            for c in skipped:
                tap.result(True, "%s: verdict" % c["name"], skip=unmet(c))
                tap.result(True, "%s: aftermath" % c["name"], skip=unmet(c))
            if not runnable:
                continue
            before = host.snapshot()
            since = time.time() - 1.0
            pids_before = set(get_pids())
            known_pids |= pids_before
            log("wave: %s" % ", ".join(c["name"] for c in runnable))

            def run_one(c):
                """Sends the case (`repeat` times, stopping at the first
                bad verdict); returns (problems, status, seconds, worker)."""
                tests = substitute(c.get("tests", ""), subst)
                timeout = c.get("options", {}).get("timeout_ms", 10000) / 1000.0 + 90
                batch = None
                if "submissions" in c:
                    batch = [(sub["code"], substitute(sub.get("tests", ""), subst),
                              sub.get("options", {})) for sub in c["submissions"]]
                    timeout = 180
                n = int(c.get("repeat", 1))
                got, times, worker = None, [], "?"
                c["_reqids"] = []
                if "alongside" in c:
                    probs, overlapped, answer = run_alongside(svc, c, tests, subst,
                                                              hidden_procs)
                    st, hdr, body, elapsed = answer
                    times.append(elapsed)
                    worker = hdr.get("x-request-id", "?")
                    c["_reqids"].append(worker)
                    try:
                        got = "%s, %d alongside" % (json.loads(body.decode("utf-8")).get(
                            "status"), overlapped)
                    except Exception:
                        got = None
                    probs += check_verdict(c, st, body, elapsed, subst)
                    return probs, got, times, worker
                for k in range(n):
                    try:
                        st, hdr, body, elapsed = svc.run_code(c.get("code"), tests,
                                                              c.get("options", {}), timeout,
                                                              batch)
                    except Exception as e:
                        return ["request failed: %s: %s" % (type(e).__name__, e)], None, \
                            times, worker
                    times.append(elapsed)
                    worker = hdr.get("x-request-id", "?")
                    c["_reqids"].append(worker)
                    try:
                        doc = json.loads(body.decode("utf-8"))
                        if "results" in doc:
                            got = "[%s]" % ",".join(str(r.get("status")) for r in doc["results"])
                        else:
                            got = doc.get("status")
                        c["_got"] = doc.get("results", [doc])
                    except Exception:
                        got = None
                    probs = check_verdict(c, st, body, elapsed, subst)
                    c["_forged"] = c.get("_forged", False) or \
                        any("FALSE PASS" in p for p in probs)
                    if probs:
                        if n > 1:
                            probs.insert(0, "attempt %d of %d:" % (k + 1, n))
                        return probs, got, times, worker
                return [], got, times, worker

            with concurrent.futures.ThreadPoolExecutor(len(runnable)) as pool:
                results = list(pool.map(run_one, runnable))

            for c, (probs, got, times, worker) in zip(runnable, results):
                if "submissions" in c:
                    exp = "[%s]" % ",".join("/".join(_as_list(sub.get("expect", {}).get(
                        "status", "passed"))) for sub in c["submissions"])
                else:
                    exp = "/".join(_as_list(c["expect"].get("status", "passed")))
                took = "/".join("%.1f" % t for t in times) or "-"
                tap.result(not probs, "%s: verdict %s (expected %s; %ss, worker %s)%s%s" % (
                    c["name"], got, exp, took, worker,
                    " [forgeable: %s]" % c["forgeable"] if c.get("forgeable") else "",
                    " [runsc: %s]" % c["_runsc_reason"] if "_runsc_reason" in c else ""),
                    probs)
                if args.record:
                    with open(args.record, "a") as f:
                        f.write(json.dumps({
                            "case": c["name"], "ok": not probs,
                            "forged": bool(c.get("_forged")),
                            "forgeable": bool(c.get("forgeable")),
                            "status": got,
                            "tests": [[t.get("status") for t in (r.get("tests") or [])]
                                      for r in c.get("_got", [])],
                            "problems": probs[:3]}) + "\n")

            # Aftermath of the wave.
            probs = []
            now_pids = set(get_pids())
            known_pids |= now_pids
            reqids = [r for c in runnable for r in c.get("_reqids", []) if r != "?"]
            used = containers_of_requests(rundir, reqids)
            left = wait_no_containers(known_pids, warm=warm, used=used.values())
            if left:
                probs.append("containers left after %.0fs: %s" % (LEAK_WAIT_S, left))
            after = host.snapshot()
            probs += ["host changed: " + d for d in HostState.diff(before, after)]
            probs += ["host file: " + m for m in scan_markers(since)]
            for c in runnable:
                for p in c.get("host_absent", []):
                    p = substitute(p, subst)
                    if os.path.lexists(p):
                        probs.append("host path exists: %r" % p)
            procs = marked_processes()
            if procs:
                probs.append("marked processes alive on the host: %s" % procs)
            probs += trivial_requests(svc, max(1, args.jobs))
            if stack:
                pids_after = set(get_pids())
                if pids_before and pids_after != pids_before:
                    probs.append("the workers changed (one died?): %s -> %s" % (
                        sorted(pids_before), sorted(pids_after)))
                    probs += stack.log_tail(10)
                known_pids |= pids_after
            names = [c["name"] for c in runnable]
            for c in runnable:
                others = [n for n in names if n != c["name"]]
                tap.result(not probs, "%s: aftermath (no container left, host untouched, "
                           "worker serves)%s" % (c["name"], " [wave with %s]" % ", ".join(others)
                                                 if others else ""), probs)

        left = wait_no_containers(known_pids | set(get_pids()), warm=warm)
        tap.result(not left, "at the end no container of this stack is left "
                   "(%.0fs in all)" % (time.monotonic() - t_start), left)
    except KeyboardInterrupt:
        log("interrupted")
        tap.failed += 1
    finally:
        shutil.rmtree(HOST_CANARY_DIR, ignore_errors=True)
        if stack:
            stack.stop()
            try:
                left = wait_no_containers(known_pids, bound=5)
            except Exception:
                left = []
            if left:
                log("after the stack stopped, containers of ours remain: %s" % left)
    log("%d tests, %d failed, %.0fs" % (tap.n, tap.failed, time.monotonic() - t_start))
    try:
        if svc.overloaded:
            log("503 overloaded answers retried: %d" % svc.overloaded)
            print("# 503 overloaded answers retried: %d" % svc.overloaded)
    except NameError:
        pass
    return 1 if tap.failed or tap.n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
