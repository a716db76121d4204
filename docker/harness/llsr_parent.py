"""The harness process: reads the frame, supervises test children, reports.

This process never runs user code. It parses and compiles the tests (AST
only, see llsr_plan), starts children (llsr_child) with exec (in batch runs:
forked by a fork server, itself started with exec), reads their
output through capped pipes and their per-test records through a private
socket, enforces the time and output limits, and writes the one report line
described in docs/protocol.md. See docs/harness.md for the guarantees.
"""

import ast
import base64
import ctypes
import errno
import json
import marshal
import os
import select
import signal
import socket
import subprocess
import sys
import time

from _operator import _compare_digest

import llsr_plan

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "child.py")
ZYGOTE = os.path.join(HERE, "zygote.py")
MAX_FRAME = 64 << 20
MAX_RECORD = 1 << 20
SPAWN_RETRY_S = 2.0
DRAIN_GRACE_S = 0.2
STATUSES = ("passed", "failed", "error", "not_run")


class FrameError(Exception):
    pass


def read_frame(fd=0):
    """Read one `LLSR1 <length>\\n<json>` frame; never waits past its end."""
    buf = bytearray()
    while b"\n" not in buf:
        if len(buf) > 64:
            raise FrameError("bad frame header")
        b = os.read(fd, 4096)
        if not b:
            raise FrameError("end of input before the frame header")
        buf += b
    head, _, rest = bytes(buf).partition(b"\n")
    parts = head.split(b" ")
    if len(parts) != 2 or parts[0] != b"LLSR1" or not parts[1].isdigit() \
            or len(parts[1]) > 12:
        raise FrameError("bad frame header")
    n = int(parts[1])
    if n > MAX_FRAME:
        raise FrameError("frame too large")
    body = bytearray(rest[:n])
    while len(body) < n:
        b = os.read(fd, min(1 << 20, n - len(body)))
        if not b:
            raise FrameError("end of input inside the frame")
        body += b
    return bytes(body)


def make_nondumpable():
    """PR_SET_DUMPABLE 0: same-uid code cannot open /proc/<us>/{fd,mem}."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(4, 0, 0, 0, 0) == 0
    except Exception:
        return False


def parse_job(raw):
    """Validate the frame JSON. Returns (nonce, cfg) or raises FrameError
    (with .nonce set when the nonce itself was usable). A batch frame (key
    "batch") gives cfg = {"batch": [job cfg, ...], "parallel": int,
    "report_limit": int}."""
    try:
        j = json.loads(raw)
    except ValueError:
        raise FrameError("frame is not JSON")
    if not isinstance(j, dict):
        raise FrameError("frame is not a JSON object")
    nonce = j.get("nonce")
    if not (isinstance(nonce, str) and len(nonce) == 32
            and all(c in "0123456789abcdef" for c in nonce)):
        raise FrameError("bad nonce")
    err = FrameError("bad frame")
    err.nonce = nonce
    if j.get("v") != 1:
        err.args = ("unsupported protocol version",)
        raise err
    if "batch" in j:
        return nonce, parse_batch(j, err)
    return nonce, job_cfg(j, j, err)


def _integer(j, key, lo, hi, err, where=""):
    v = j.get(key)
    if type(v) is not int or not lo <= v <= hi:
        err.args = ("%s%s must be an integer in [%d, %d]" % (where, key, lo, hi),)
        raise err
    return v


def job_cfg(j, top, err, where=""):
    """One job's settings from the dict j (report_limit from top)."""
    def b64(key):
        v = j.get(key, "")
        if not isinstance(v, str):
            err.args = ("%s%s is not a string" % (where, key),)
            raise err
        try:
            return base64.b64decode(v, validate=True)
        except ValueError:
            err.args = ("%s%s is not base64" % (where, key),)
            raise err

    ep = j.get("entry_point")
    if ep is not None and not (isinstance(ep, str) and ep.isidentifier()):
        err.args = ("%sentry_point must be an identifier or null" % where,)
        raise err
    sofff = j.get("stop_on_first_failure", False)
    if type(sofff) is not bool:
        err.args = ("%sstop_on_first_failure must be a boolean" % where,)
        raise err
    cfg = {
        "code": b64("code"),
        "tests": b64("tests"),
        "stdin": b64("stdin"),
        "entry_point": ep,
        "timeout_ms": _integer(j, "timeout_ms", 1, 86400000, err, where),
        "test_timeout_ms": _integer(j, "test_timeout_ms", 1, 86400000, err, where),
        "output_limit": _integer(j, "output_limit", 0, 1 << 30, err, where),
        "report_limit": _integer(top, "report_limit", 256, 1 << 30, err),
        "stop": sofff,
    }
    return cfg


MAX_BATCH = 10000
MAX_PARALLEL = 256
BATCH_REPORT_MIN = 512   # report_limit must allow this many bytes per job


def parse_batch(j, err):
    jobs = j.get("batch")
    if not isinstance(jobs, list) or not 1 <= len(jobs) <= MAX_BATCH:
        err.args = ("batch must be a list of 1 to %d jobs" % MAX_BATCH,)
        raise err
    parallel = _integer(j, "parallel", 1, 1 << 20, err)
    limit = _integer(j, "report_limit", 256, 1 << 30, err)
    if limit < BATCH_REPORT_MIN * len(jobs):
        err.args = ("report_limit must be at least %d bytes per batch job"
                    % BATCH_REPORT_MIN,)
        raise err
    cfgs = []
    for i, job in enumerate(jobs):
        where = "batch[%d]." % i
        if not isinstance(job, dict):
            err.args = ("batch[%d] is not a JSON object" % i,)
            raise err
        cfg = job_cfg(job, j, err, where)
        mem = job.get("memory_mb")
        if mem is not None:
            mem = _integer(job, "memory_mb", 16, 1 << 20, err, where)
        cfg["memory_mb"] = mem
        cfgs.append(cfg)
    return {"batch": cfgs, "parallel": min(parallel, MAX_PARALLEL, len(cfgs)),
            "report_limit": limit}


def _in_container():
    """True when we are the sandbox's main process (not a host test run):
    then every other process of our uid is user code and may be swept."""
    return os.getuid() != 0 and (os.getpid() == 1 or os.getppid() == 1)


def oom_counters():
    """Kernel OOM-kill counters of our memory cgroup (v2 or v1), or None."""
    out = []
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path, "rb") as f:
                for line in f.read().split(b"\n"):
                    k, _, v = line.partition(b" ")
                    if k in (b"oom_kill", b"oom") and v.isdigit():
                        out.append(int(v))
        except OSError:
            pass
    try:
        with open("/sys/fs/cgroup/memory/memory.failcnt", "rb") as f:
            out.append(int(f.read().strip() or 0))
    except (OSError, ValueError):
        pass
    return tuple(out) if out else None


def _memfd(data, name):
    try:
        fd = os.memfd_create(name, 0)
    except (AttributeError, OSError):
        fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return "signal %d" % sig


# Batch mode: the pids of the test children we started (their Popen objects
# collect them); the orphan reaper must not steal their exit statuses.
_OWN = None


def _stat(pid):
    """(state, ppid, session) of a process from /proc, or None."""
    try:
        # (os.open/os.read: a third of open()'s cost; batch sweeps scan
        # every process once or twice per test child)
        fd = os.open("/proc/%s/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 4096)  # one line of well under 1 KiB
        finally:
            os.close(fd)
        fields = data.rpartition(b")")[2].split()
        return fields[0], int(fields[1]), int(fields[3])
    except (OSError, ValueError, IndexError):
        return None


def reap_orphans():
    """As PID 1, collect zombies of processes re-parented to us."""
    if os.getpid() != 1:
        return
    if _OWN is not None:
        # Batch: other threads wait for their own children; only collect
        # zombies that are not one of them.
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in _OWN:
                st = _stat(pid)
                if st is not None and st[0] == b"Z" and st[1] == 1:
                    try:
                        os.waitpid(int(pid), os.WNOHANG)
                    except OSError:
                        pass
        return
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def kill_session(sid, limit_s=0.1):
    """Batch mode's sweep: SIGKILL every process of the session sid (a test
    child and everything it started that did not call setsid()), until
    none is left alive or limit_s passed."""
    me = os.getpid()
    end = time.monotonic() + limit_s
    while True:
        alive = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == me:
                continue
            st = _stat(pid)
            if st is None or st[2] != sid or st[0] in (b"Z", b"X"):
                continue
            alive = True
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        if not alive or time.monotonic() > end:
            return
        time.sleep(0.001)


class Child:
    """A test child that has been started and waits for its job."""

    def __init__(self, p, out_r, err_r, sock):
        self.p, self.out_r, self.err_r, self.sock = p, out_r, err_r, sock
        self.handed = False
        self.closed = False

    def close(self):
        if not self.closed:
            self.closed = True
            os.close(self.out_r)
            os.close(self.err_r)
            self.sock.close()


def start_child(give_up, zygote=None):
    """exec a fresh test child: `python3 -I -S child.py <chanfd>`, in its own
    session, close_fds, stdin /dev/null (its real stdin comes with the job),
    stdout/stderr on pipes, one end of a private socketpair. Retries EAGAIN/
    ENOMEM from fork (pids limit) until give_up (monotonic). Raises OSError.
    Batch runs pass their zygote: the child is then forked by it instead,
    with the same descriptors (exec'd as above if the zygote is gone)."""
    if zygote is not None and not zygote.dead:
        try:
            return zygote_child(give_up, zygote)
        except ZygoteGone:
            pass
    env = {k: os.environ[k] for k in ("PATH", "LANG", "HOME") if k in os.environ}

    def spawn(out_w, err_w, csock):
        argv = [sys.executable, "-I", "-S", CHILD, str(csock.fileno())]
        p = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
            env=env, pass_fds=(csock.fileno(),), close_fds=True,
            start_new_session=True)
        if _OWN is not None:
            _OWN.add(p.pid)
            _SPAWNED.append("exec")
        return p

    return _spawn_retrying(give_up, spawn)


# -- batch mode's fork server ---------------------------------------------------

_SPAWNED = []   # batch mode: "exec" / "fork" per test child (debug counter)
ZYGOTE_REPLY_S = 2.0


class ZygoteGone(Exception):
    pass


class Zygote:
    """P's end of a batch run's fork server (llsr_child.zygote, started
    with exec by start()). Its requests are answered one at a time, under
    a lock (worker threads share it). Any failure (no answer within
    ZYGOTE_REPLY_S, a closed socket, a bad answer) kills it for good and
    raises ZygoteGone: P then execs children as in single runs."""

    def __init__(self, p, sock):
        import threading

        self.p, self.sock = p, sock
        self.lock = threading.Lock()
        self.dead = False
        self.lost = False   # died or was killed before the batch's end

    @classmethod
    def start(cls):
        """exec the zygote (own session, stdin/stdout/stderr /dev/null,
        the child's environment) and wait until it is non-dumpable; None
        if that fails. Called before any submission runs, so no user code
        exists while it is still dumpable."""
        psock, zsock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: os.environ[k] for k in ("PATH", "LANG", "HOME") if k in os.environ}
        try:
            p = subprocess.Popen(
                [sys.executable, "-I", "-S", ZYGOTE, str(zsock.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env, pass_fds=(zsock.fileno(),),
                close_fds=True, start_new_session=True)
        except OSError:
            psock.close()
            return None
        finally:
            zsock.close()
        if _OWN is not None:
            _OWN.add(p.pid)
        z = cls(p, psock)
        with z.lock:
            try:
                ok = z._recv() == b"R"
            except (OSError, ZygoteGone):
                ok = False
            if not ok:
                z._die()
                return None
        return z

    def _recv(self):
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if not poller.poll(int(ZYGOTE_REPLY_S * 1000)):
            raise ZygoteGone("no answer")
        data = self.sock.recv(64)
        if not data:
            raise ZygoteGone("closed")
        return data

    def _die(self):
        """(lock held) Kill and collect the zygote; its test children live
        on (re-parented: to P when P is PID 1) and are collected by ZProc."""
        self.dead = self.lost = True
        try:
            self.p.kill()
        except OSError:
            pass
        try:
            self.p.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
        else:
            if _OWN is not None:
                _OWN.discard(self.p.pid)
        self.sock.close()

    def call(self, msg, fds=()):
        with self.lock:
            if self.dead:
                raise ZygoteGone("dead")
            try:
                if fds:
                    socket.send_fds(self.sock, [msg], fds)
                else:
                    self.sock.send(msg)
                return self._recv()
            except (OSError, ZygoteGone):
                self._die()
                raise ZygoteGone("lost")

    def bad_answer(self):
        with self.lock:
            if not self.dead:
                self._die()
        raise ZygoteGone("bad answer")

    def close(self):
        """End of the batch: closing the socket makes it exit."""
        with self.lock:
            if self.dead:
                return
            self.dead = True
            self.sock.close()
        try:
            self.p.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.p.kill()
            try:
                self.p.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                return
        if _OWN is not None:
            _OWN.discard(self.p.pid)


class ZProc:
    """The Popen-like handle (pid, poll, wait, returncode) of a test child
    forked by the zygote. The zygote keeps it as a zombie until we ask for
    its wait status, so its pid cannot be reused while we may still signal
    it. If the zygote is gone, the child was re-parented: to P when P is
    PID 1 (then P collects it itself), else its status is lost (None)."""

    def __init__(self, zygote, pid):
        self.zygote, self.pid = zygote, pid
        self.returncode = None
        self.lost = False

    def poll(self):
        if self.returncode is None and not self.lost:
            try:
                r = self.zygote.call(b"W%d" % self.pid)
            except ZygoteGone:
                status = self._orphan()
            else:
                if r == b"N%d" % self.pid:
                    status = None
                elif r.startswith(b"S%d " % self.pid) and r[len(b"S%d " % self.pid):].isdigit():
                    status = int(r.split(b" ")[1])
                elif r == b"X%d" % self.pid:   # not its child (cannot happen)
                    self.lost, status = True, None
                else:
                    try:
                        self.zygote.bad_answer()
                    except ZygoteGone:
                        pass
                    status = self._orphan()
            if status is not None:
                try:
                    self.returncode = os.waitstatus_to_exitcode(status)
                except ValueError:
                    self.lost = True
        return self.returncode

    def _orphan(self):
        try:
            got, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.lost = True
            return None
        return status if got else None

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        pidfd = None
        try:
            while self.poll() is None and not self.lost:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired("test child", timeout)
                if pidfd is None:
                    try:
                        pidfd = os.pidfd_open(self.pid)
                    except (AttributeError, OSError):
                        pidfd = -1
                if pidfd >= 0:
                    # readable once it exited (a zombie counts)
                    select.select([pidfd], [], [], 0.05 if left is None else min(left, 0.05))
                else:
                    time.sleep(0.001 if left is None else min(left, 0.001))
        finally:
            if pidfd is not None and pidfd >= 0:
                os.close(pidfd)
        return self.returncode


def zygote_child(give_up, zygote):
    """start_child's batch variant: the same pipes and socketpair, the child
    forked by the zygote (which gets the child's three descriptors, nothing
    else). Retries EAGAIN/ENOMEM like start_child. Raises ZygoteGone (after
    closing everything it made) when the zygote is unusable. (A child forked
    before the zygote was lost gets EOF on its channel and exits: it never
    shares a socket with a replacement.)"""

    def spawn(out_w, err_w, csock):
        r = zygote.call(b"F", [out_w, err_w, csock.fileno()])
        if r[:1] == b"E" and r[1:].isdigit():
            raise OSError(int(r[1:]), os.strerror(int(r[1:])))
        if not (r[:1] == b"P" and r[1:].isdigit()):
            zygote.bad_answer()
        p = ZProc(zygote, int(r[1:]))
        if _OWN is not None:
            _OWN.add(p.pid)
        _SPAWNED.append("fork")
        return p

    return _spawn_retrying(give_up, spawn)


def _spawn_retrying(give_up, spawn):
    """Makes a child's pipes and socketpair and calls spawn(out_w, err_w,
    csock) until it returns the process, retrying EAGAIN/ENOMEM (the pids
    limit: orphans are reaped between tries) until give_up (monotonic).
    Closes the child's ends in every case, and ours when spawning fails."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    psock, csock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    delay = 0.005
    try:
        while True:
            try:
                p = spawn(out_w, err_w, csock)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.ENOMEM) or \
                        time.monotonic() + delay > give_up:
                    raise
                reap_orphans()
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
    except BaseException:
        for fd in (out_r, err_r):
            os.close(fd)
        psock.close()
        raise
    finally:
        for fd in (out_w, err_w):
            os.close(fd)
        csock.close()
    return Child(p, out_r, err_r, psock)


def discard_child(child):
    """Kill and collect a child that never ran a job (idempotent)."""
    if child is None or child.closed:
        return
    for f in (os.killpg, os.kill):
        try:
            f(child.p.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        child.p.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        pass
    child.close()


def prestart():
    """Start the first child before the frame arrives (one attempt)."""
    try:
        return start_child(0.0)
    except OSError:
        return None


def warm_up():
    """Run the frame-to-job path once on a dummy job before the frame
    arrives, so first-call costs (lazy imports, caches) are paid now."""
    try:
        body = json.dumps({"v": 1, "nonce": "0" * 32, "code": "eA==", "tests": "",
                           "stdin": "", "entry_point": None, "timeout_ms": 1,
                           "test_timeout_ms": 1, "output_limit": 0,
                           "report_limit": 256, "stop_on_first_failure": False})
        parse_job(body.encode())
        _, job = llsr_plan.build(b"def f(a):\n    return a\n",
                                 b"x = 1\nassert f(x) == 1\nassert [x] != [f(2)]\n", None)
        marshal.dumps(job)
        ast.literal_eval("('passed', None, None, 0.0)")
        oom_counters()
    except Exception:
        pass


class Runner:
    def __init__(self, cfg, cases, job, t0, pre=None, batch=False, zygote=None):
        self.cfg = cfg
        self.batch = batch        # one submission of a batch frame
        self.zygote = zygote      # batch: the fork server, or None
        self.pre = pre            # the pre-started first child, or None
        self.job = job
        self.cases = cases
        self.n = len(cases)
        self.results = [None] * self.n
        self.tout = [[bytearray(), bytearray()] for _ in range(self.n)]
        self.deadline = t0 + cfg["timeout_ms"] / 1000.0
        self.test_limit = cfg["test_timeout_ms"] / 1000.0
        self.limit = cfg["output_limit"]
        self.out = [bytearray(), bytearray()]
        self.total = [0, 0]
        self.truncated = [False, False]
        self.next_idx = 0
        self.stop = None          # "timeout" | "output_limit" | "failure"
        self.error = None         # load error dict
        self.memory = False       # load failed for lack of memory
        self.oom_seen = False     # the OOM killer acted in some child
        self.children = 0
        # kill(-1) between children only in single mode: in a batch it would
        # kill the other submissions' processes (see kill()).
        self.sweep = _in_container() and not batch
        self.program = job["program"]
        self.abnormal_exit = None

    # -- bookkeeping -------------------------------------------------------
    def set_result(self, k, status, message=None, tb=None, dur=0.0):
        self.results[k] = {"status": status, "message": message,
                           "traceback": tb, "duration_ms": round(float(dur), 3)}
        while self.next_idx < self.n and self.results[self.next_idx] is not None:
            self.next_idx += 1
        if self.cfg["stop"] and status != "passed" and self.stop is None:
            self.stop = "failure"

    def done(self):
        return frozenset(i for i, r in enumerate(self.results) if r is not None)

    def output(self, stream, data, in_hand, discard):
        if discard and in_hand is None:
            return
        self.total[stream] += len(data)
        buf = self.out[stream]
        room = self.limit - len(buf)
        if room > 0:
            buf += data[:room]
        if len(data) > max(room, 0):
            self.truncated[stream] = True
        if in_hand is not None:
            tb = self.tout[in_hand][stream]
            room = self.limit - len(tb)
            if room > 0:
                tb += data[:room]
        if self.total[stream] > self.limit and self.stop is None:
            self.stop = "output_limit"

    # -- one child ---------------------------------------------------------
    def spawn(self):
        """Start a fresh child (it then waits for its job, see handoff)."""
        return start_child(min(time.monotonic() + SPAWN_RETRY_S, self.deadline),
                           self.zygote)

    def handoff(self, child, secret):
        """Give a started child its job: the marshal'ed job and the
        submission's stdin, each on a fresh memfd passed over the child's
        private socket. A child gets exactly one job in its life."""
        if child.handed:
            raise RuntimeError("a child got a second job")
        child.handed = True
        job = dict(self.job)
        job["secret"] = secret
        job["skip"] = self.done()
        jobfd = _memfd(marshal.dumps(job), "llsr-job")
        try:
            infd = _memfd(self.cfg["stdin"], "llsr-stdin")
            try:
                socket.send_fds(child.sock, [b"J"], [jobfd, infd])
            finally:
                os.close(infd)
        finally:
            os.close(jobfd)

    def kill(self, p):
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(p.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.sweep:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        elif self.batch:
            kill_session(p.pid)  # start_new_session: session id = its pid

    def run_child(self):
        """Run one child until it finishes, dies, or a limit stops it.
        Returns a dict describing how it ended. The first child is the one
        pre-started before the frame arrived (if it is still alive); later
        ones are started here."""
        secret = os.urandom(16).hex()
        secret_b = secret.encode("ascii")
        oom_before = oom_counters()
        discard = self.children > 0   # re-run of load/setup: output is a repeat
        self.children += 1
        child, self.pre = self.pre, None
        if child is not None and child.p.poll() is not None:
            discard_child(child)   # died before it had a job: start another
            child = None
        try:
            if child is None:
                child = self.spawn()
        except OSError as e:
            return {"spawn_error": e}
        try:
            self.handoff(child, secret)
        except OSError:
            pass  # it died meanwhile: handled below like any early death
        except BaseException:
            discard_child(child)
            raise
        p, out_r, err_r, psock = child.p, child.out_r, child.err_r, child.sock
        chan = psock.fileno()
        for fd in (out_r, err_r, chan):
            os.set_blocking(fd, False)
        pidfd = None
        try:
            pidfd = os.pidfd_open(p.pid)
        except (AttributeError, OSError):
            pass
        poller = select.poll()
        open_fds = {out_r: 0, err_r: 1, chan: 2}
        for fd in open_fds:
            poller.register(fd, select.POLLIN)
        if pidfd is not None:
            poller.register(pidfd, select.POLLIN)

        st = {"in_hand": None, "t_begin": 0.0, "test_deadline": None,
              "done": False, "killed": None, "violation": None, "phase": "load",
              "load": None}
        chanbuf = bytearray()

        def read_fd(fd):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return None
            except OSError:
                data = b""
            if not data:
                poller.unregister(fd)
                del open_fds[fd]
            return data

        def drain_output():
            for fd in (out_r, err_r):
                while fd in open_fds:
                    data = read_fd(fd)
                    if not data:
                        break
                    self.output(open_fds.get(fd, 0 if fd == out_r else 1),
                                data, st["in_hand"], discard)

        def violation(why):
            if st["violation"] is None:
                st["violation"] = why

        def on_record(line):
            parts = line.split(b" ", 3)
            if len(parts) != 4 or not _compare_digest(parts[0], secret_b):
                return violation("a record without the child's secret")
            kind, idx = parts[1], parts[2]
            if not idx.isdigit() or len(idx) > 9:
                return violation("a bad record index")
            k = int(idx)
            try:
                payload = None if parts[3] == b"None" else \
                    ast.literal_eval(parts[3].decode("ascii"))
            except Exception:
                return violation("an unreadable record")
            drain_output()
            if self.stop is not None:
                return  # the output limit hit while this test ran: it failed
            now = time.monotonic()
            if kind == b"B":
                if st["in_hand"] is not None or k != self.next_idx or k >= self.n:
                    return violation("test %d began out of order" % k)
                st["in_hand"], st["t_begin"] = k, now
                st["test_deadline"] = now + self.test_limit
            elif kind == b"E":
                if st["in_hand"] != k or not isinstance(payload, tuple) or \
                        len(payload) != 4 or payload[0] not in STATUSES:
                    return violation("test %d ended out of order" % k)
                status, msg, tb, dur = payload
                if not (msg is None or isinstance(msg, str)) or \
                        not (tb is None or isinstance(tb, str)) or \
                        not isinstance(dur, (int, float)) or dur < 0:
                    return violation("a malformed result for test %d" % k)
                st["in_hand"], st["test_deadline"] = None, None
                self.set_result(k, status, msg, tb, dur)
            elif kind == b"P":
                st["phase"] = payload
            elif kind == b"L":
                if not (isinstance(payload, tuple) and len(payload) == 5):
                    return violation("a malformed load error")
                st["load"] = payload
            elif kind == b"D":
                if st["in_hand"] is not None:
                    return violation("done while a test was running")
                st["done"] = True
            else:
                return violation("an unknown record")
            try:
                os.write(chan, b"\x06")
            except OSError:
                pass

        exited = False
        while True:
            if self.stop is not None or st["violation"] or st["load"] or st["done"]:
                break
            now = time.monotonic()
            dl, which = self.deadline, "run"
            td = st["test_deadline"]
            if td is not None and td < dl:
                dl, which = td, "test"
            if now >= dl:
                st["killed"] = which
                break
            wait = int((dl - now) * 1000) + 1
            if pidfd is None:
                wait = min(wait, 10)
            events = poller.poll(wait)
            for fd, _ in events:
                if fd == pidfd:
                    exited = True
                elif fd == chan:
                    data = read_fd(fd)
                    if data:
                        chanbuf += data
                        while True:
                            i = chanbuf.find(b"\n")
                            if i < 0:
                                break
                            line = bytes(chanbuf[:i])
                            del chanbuf[: i + 1]
                            on_record(line)
                            if st["violation"]:
                                break
                        if len(chanbuf) > MAX_RECORD:
                            violation("an oversized record")
                elif fd in open_fds:
                    data = read_fd(fd)
                    if data:
                        self.output(open_fds.get(fd, 0 if fd == out_r else 1),
                                    data, st["in_hand"], discard)
            if pidfd is None and p.poll() is not None:
                exited = True
            if exited:
                break

        # Stop the child and anything it started, then collect what is left.
        we_killed = not exited or st["killed"] is not None
        self.kill(p)
        for fd in (chan, pidfd):
            if fd is not None and (fd in open_fds or fd == pidfd):
                poller.unregister(fd)
        grace = time.monotonic() + DRAIN_GRACE_S
        while out_r in open_fds or err_r in open_fds:
            left = grace - time.monotonic()
            if left <= 0:
                break
            if poller.poll(int(left * 1000) + 1):
                drain_output()
        wait_s = max(0.05, grace - time.monotonic() + 1.0)
        if pidfd is not None:
            select.select([pidfd], [], [], wait_s)  # readable once it exited
            if p.poll() is None:
                try:
                    p.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    pass
        else:
            try:
                p.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                pass
        reap_orphans()
        child.close()
        if pidfd is not None:
            os.close(pidfd)
        rc = p.returncode
        if _OWN is not None and rc is not None:
            _OWN.discard(p.pid)
        return {"st": st, "rc": rc, "we_killed": we_killed,
                "oom": oom_before is not None and oom_counters() != oom_before,
                "lost": getattr(p, "lost", False)}

    # -- whole run ---------------------------------------------------------
    def death_reason(self, end):
        rc = end["rc"]
        if rc is None:
            if end.get("lost"):  # (batch: its zygote died, see ZProc)
                return ("the test process ended, its exit status unknown (the "
                        "batch's fork server was killed)"), False
            return "the test process did not exit", False
        if rc < 0:
            sig = -rc
            if sig == signal.SIGKILL and not end["we_killed"]:
                if end["oom"]:
                    return "memory limit exceeded (killed by the kernel's OOM killer)", True
                return "the test process was killed by SIGKILL (memory limit exceeded?)", True
            extra = {signal.SIGSEGV: " (segmentation fault)",
                     signal.SIGABRT: " (abort)",
                     signal.SIGBUS: " (bus error)",
                     signal.SIGFPE: " (arithmetic fault)"}.get(sig, "")
            return "the test process was killed by %s%s" % (signal_name(sig), extra), False
        return "the test process exited with code %d (os._exit()?)" % rc, False

    def run(self):
        while self.stop is None and self.error is None:
            if self.next_idx >= self.n and self.children > 0:
                break
            end = self.run_child()
            if end.get("oom") and (not self.batch or (
                    end.get("rc") == -signal.SIGKILL and not end.get("we_killed"))):
                # (in a batch the container's OOM counter is shared: count it
                # only when our own child was SIGKILLed by someone else)
                self.oom_seen = True
            if "spawn_error" in end:
                e = end["spawn_error"]
                self.error = {"type": "HarnessError",
                              "message": "could not start the test process: %s"
                              % os.strerror(e.errno or 0), "line": None,
                              "traceback": None}
                break
            st = end["st"]
            now = time.monotonic()
            k = st["in_hand"]
            if st["killed"] == "run" or (self.stop is None and now >= self.deadline
                                         and not st["done"] and not st["load"]):
                self.stop = "timeout"
                if k is not None:
                    self.set_result(k, "timeout", "run time limit of %d ms exceeded"
                                    % self.cfg["timeout_ms"], None,
                                    (now - st["t_begin"]) * 1000)
                break
            if self.stop == "output_limit":
                if k is not None:
                    self.set_result(k, "error", "output limit of %d bytes exceeded"
                                    % self.limit, None, (now - st["t_begin"]) * 1000)
                break
            if st["killed"] == "test":
                self.set_result(k, "timeout", "test time limit of %d ms exceeded"
                                % self.cfg["test_timeout_ms"], None,
                                (now - st["t_begin"]) * 1000)
                continue
            if st["load"]:
                t, msg, line, tb, mem = st["load"]
                self.error = {"type": str(t), "message": str(msg),
                              "line": line if type(line) is int else None,
                              "traceback": tb if isinstance(tb, str) else None}
                self.memory = mem is True
                break
            if st["violation"]:
                why = "the harness received %s (user code wrote to the result channel?)" \
                    % st["violation"]
                if k is not None:
                    self.set_result(k, "error", why, None, (now - st["t_begin"]) * 1000)
                    continue
                self.error = {"type": "HarnessError", "message": why,
                              "line": None, "traceback": None}
                break
            if st["done"]:
                for i in range(self.next_idx, self.n):
                    if self.results[i] is None:
                        self.set_result(i, "error", "the test did not run (the test "
                                        "code returned before reaching it)")
                break
            if self.stop is not None:
                break
            # The child died on its own.
            reason, mem = self.death_reason(end)
            if k is not None:
                self.set_result(k, "error", reason, None, (now - st["t_begin"]) * 1000)
                continue
            if self.next_idx >= self.n:
                if self.n == 0 and end["rc"] != 0:
                    self.abnormal_exit = reason
                break
            self.memory = mem and end["oom"]
            phase = st["phase"]
            where = "while loading the solution" if phase == "load" else \
                "while running the tests' setup" if phase == "setup" else \
                "while running check()" if phase == "check" else ""
            self.error = {"type": "MemoryError" if self.memory else "ProcessDied",
                          "message": "%s %s" % (reason, where), "line": None,
                          "traceback": None}
            break
        if self.abnormal_exit and self.error is None:
            self.error = {"type": "ProcessDied", "message": self.abnormal_exit,
                          "line": None, "traceback": None}

    def status(self):
        if self.stop == "timeout":
            return "timeout"
        if self.stop == "output_limit":
            return "output_limit"
        if self.error is not None:
            return "memory_limit" if self.memory else "error"
        if all(r is not None and r["status"] == "passed" for r in self.results):
            return "passed"
        return "failed"

    def report(self, caps, keep=None):
        """The report dict; caps = (traceback/output cap, message cap, run
        output cap) in characters, None = uncapped; keep = tests kept."""
        tcap, mcap, ocap = caps

        def cut(s, n):
            if s is None or n is None or len(s) <= n:
                return s
            return s[:n] + " [truncated]"

        tests = []
        for i, (name, line) in enumerate(self.cases):
            r = self.results[i] or {"status": "not_run", "message": None,
                                    "traceback": None, "duration_ms": 0.0}
            so, se = (bytes(b).decode("utf-8", "replace") for b in self.tout[i])
            tests.append({
                "index": i, "name": cut(name, mcap), "line": line, "status": r["status"],
                "duration_ms": r["duration_ms"],
                "message": cut(r["message"], mcap), "traceback": cut(r["traceback"], tcap),
                "stdout": cut(so, tcap) or "", "stderr": cut(se, tcap) or ""})
        err = self.error
        if err is not None:
            err = dict(err, message=cut(err["message"], mcap),
                       traceback=cut(err["traceback"], tcap))
        out, errs = (bytes(b).decode("utf-8", "replace") for b in self.out)
        tr = list(self.truncated)
        if ocap is not None:
            if len(out) > ocap:
                out, tr[0] = out[:ocap], True
            if len(errs) > ocap:
                errs, tr[1] = errs[:ocap], True
        if keep is not None:
            tests = tests[:keep]
        return {"status": self.status(), "tests": tests, "error": err,
                "oom_killed": self.oom_seen,
                "stdout": out, "stdout_truncated": tr[0],
                "stderr": errs, "stderr_truncated": tr[1]}


def _dump(rep):
    return json.dumps(rep, ensure_ascii=True, separators=(",", ":"))


TRIM_LEVELS = [(None, None, None), (8192, 8192, None), (2048, 2048, None),
               (512, 1024, 65536), (128, 256, 8192), (0, 120, 1024),
               (0, 60, 128), (0, 20, 0)]


def fit_report(build, limit):
    """A report's JSON text, trimmed until it is shorter than limit
    characters: per-test output/tracebacks, then messages and names, then
    run output, then tests from the end; as a last resort (even if that
    does not fit either) an error report "report too large"."""
    for caps in TRIM_LEVELS:
        text = _dump(build(caps))
        if len(text) < limit:
            return text
    # Still too big: too many tests. Keep as many as fit (binary search).
    last = TRIM_LEVELS[-1]
    lo, hi = 0, len(build(last)["tests"])
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_dump(build(last, mid))) < limit:
            lo = mid
        else:
            hi = mid - 1
    text = _dump(build(last, lo))
    if len(text) < limit:
        return text
    return _dump(error_report("error", "HarnessError", "report too large"))


def encode_report(nonce, build, limit):
    """The report line, trimmed until it fits under limit bytes."""
    text = fit_report(build, limit - len(nonce) - 2)
    return ("%s %s\n" % (nonce, text)).encode("ascii")


def encode_batch_report(nonce, builds, limit):
    """`<nonce> {"results":[...]}\n` under limit bytes. When the untrimmed
    results do not fit, every result longer than a common cap c is trimmed
    (fit_report, as for a single run) to at most c characters, with c the
    largest cap for which the total fits; shorter results stay whole."""
    head, tail = '%s {"results":[' % nonce, ']}\n'
    full = [_dump(b(TRIM_LEVELS[0])) for b in builds]
    budget = limit - 1 - len(head) - len(tail) - max(len(full) - 1, 0)

    def total(c):
        return sum(min(len(t), c) for t in full)

    if total(1 << 62) > budget:
        lo, hi = 0, max(len(t) for t in full)
        while lo < hi:  # the largest c with total(c) <= budget
            mid = (lo + hi + 1) // 2
            if total(mid) <= budget:
                lo = mid
            else:
                hi = mid - 1
        full = [t if len(t) <= lo else fit_report(b, lo + 1)
                for t, b in zip(full, builds)]
    return (head + ",".join(full) + tail).encode("ascii")


def error_report(status, etype, message):
    return {"status": status, "tests": [], "error": {
        "type": etype, "message": message, "line": None, "traceback": None},
        "stdout": "", "stdout_truncated": False, "stderr": "", "stderr_truncated": False}


def write_out(data):
    # A leading newline ends any partial line someone else left on our stdout.
    data = b"\n" + data
    while data:
        try:
            n = os.write(1, data)
        except InterruptedError:
            continue
        except OSError:
            return
        data = data[n:]


def final_sweep():
    """In the sandbox, kill every other process of our uid before reporting,
    so nothing user-made can write to the stream after the report."""
    if not _in_container():
        return
    me = os.getpid()
    end = time.monotonic() + 0.3
    delay = 0.0005
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        if os.getpid() == 1:
            try:
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others or time.monotonic() > end:
            return
        time.sleep(delay)  # init reaps the killed ones: usually sub-ms
        delay = min(delay * 2, 0.01)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # Before the frame (which holds the nonce) is read: become non-dumpable,
    # pre-start the first test child (a fresh exec, so it holds none of our
    # memory; stdin /dev/null, never our stdin) and warm up our own code.
    make_nondumpable()
    pre = prestart()
    warm_up()
    try:
        raw = read_frame(0)
    except (FrameError, OSError) as e:
        discard_child(pre)
        sys.stderr.write("llsr harness: %s\n" % e)
        return 2
    t0 = time.monotonic()  # every time limit counts from here
    try:
        return run_frame(raw, t0, pre)
    finally:
        if pre is not None and not pre.handed:
            discard_child(pre)  # (already done unless run_frame raised)


def run_frame(raw, t0, pre):
    try:
        nonce, cfg = parse_job(raw)
    except FrameError as e:
        nonce = getattr(e, "nonce", None)
        sys.stderr.write("llsr harness: %s\n" % e)
        discard_child(pre)
        if nonce is None:
            return 2
        rep = error_report("error", "HarnessError", "bad frame: %s" % e)
        write_out(encode_report(nonce, lambda caps, keep=None: rep, 1 << 30))
        return 0
    del raw
    if "batch" in cfg:
        return run_batch(nonce, cfg, pre)
    try:
        cases, job = llsr_plan.build(cfg["code"], cfg["tests"], cfg["entry_point"])
    except llsr_plan.PlanError as e:
        plan_error = e
        cases, job = [], None
    else:
        plan_error = None
    if plan_error is not None:
        discard_child(pre)
        r = Runner(cfg, getattr(plan_error, "cases", []), {"program": False}, t0)
        r.error = {"type": plan_error.etype, "message": plan_error.message,
                   "line": plan_error.line, "traceback": plan_error.traceback}
    else:
        r = Runner(cfg, cases, job, t0, pre)
        try:
            r.run()
        except Exception as e:  # a harness bug: still answer
            import traceback

            r.error = {"type": "HarnessError", "message": "internal error: %r" % (e,),
                       "line": None, "traceback": traceback.format_exc()}
        if r.pre is not None:  # never used (cannot happen: run() starts one)
            discard_child(r.pre)
    final_sweep()
    write_out(encode_report(nonce, r.report, cfg["report_limit"]))
    return 0


# -- batch frames --------------------------------------------------------------

def make_workdir(i):
    """A fresh, empty directory for submission i: /tmp/s<i>-<random>, 0700
    (mkdir is atomic, so nobody can have put anything in it before)."""
    while True:
        d = "/tmp/s%d-%s" % (i, os.urandom(6).hex())
        try:
            os.mkdir(d, 0o700)
            return d
        except FileExistsError:
            continue


def remove_workdir(d):
    """Free the tmpfs space a finished submission used (best effort; never
    follows symlinks)."""
    import shutil

    def onerror(fn, path, exc):
        for q in (os.path.dirname(path), path):  # made unwritable/unreadable
            try:
                os.chmod(q, 0o700, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
    shutil.rmtree(d, onerror=onerror)
    shutil.rmtree(d, ignore_errors=True)


def run_one(cfg, index, pre, zygote=None):
    """Run submission index of a batch exactly as a single run would, in its
    own children, working directory and memory limit; its time budget
    starts now. Returns the Runner (its report() builds the result)."""
    t0 = time.monotonic()
    try:
        cases, job = llsr_plan.build(cfg["code"], cfg["tests"], cfg["entry_point"])
    except llsr_plan.PlanError as e:
        discard_child(pre)
        r = Runner(cfg, getattr(e, "cases", []), {"program": False}, t0, batch=True)
        r.error = {"type": e.etype, "message": e.message, "line": e.line,
                   "traceback": e.traceback}
        return r
    workdir = make_workdir(index)
    job = dict(job, cwd=workdir, memory_mb=cfg["memory_mb"])
    r = Runner(cfg, cases, job, t0, pre, batch=True, zygote=zygote)
    try:
        r.run()
    except Exception as e:  # a harness bug: still answer
        import traceback

        r.error = {"type": "HarnessError", "message": "internal error: %r" % (e,),
                   "line": None, "traceback": traceback.format_exc()}
    finally:
        if r.pre is not None:
            discard_child(r.pre)
        try:
            remove_workdir(workdir)
        except Exception:
            pass
    return r


def run_batch(nonce, cfg, pre):
    """Run the batch's submissions, at most cfg["parallel"] at a time (one
    worker thread each; every Runner waits in its own poll()), then write
    one report line with every result in input order. The pre-started
    child serves submission 0; every other test child is forked by the
    batch's zygote (exec'd if there is none, or once it is gone)."""
    global _OWN
    import threading

    _OWN = set()
    if pre is not None:
        _OWN.add(pre.p.pid)
    jobs = cfg["batch"]
    zygote = None
    if len(jobs) > 1 and os.environ.get("LLSR_HARNESS_ZYGOTE") != "0":
        try:
            zygote = Zygote.start()
        except Exception:  # (e.g. EMFILE): run without, as before
            zygote = None
    runners = [None] * len(jobs)
    lock = threading.Lock()
    queue = list(range(len(jobs) - 1, -1, -1))  # pop() gives 0, 1, 2, ...

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop()
            try:
                runners[i] = run_one(jobs[i], i, pre if i == 0 else None, zygote)
            except BaseException as e:  # never lose a worker silently
                runners[i] = e

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(cfg["parallel"] - 1)]
    for t in threads:
        t.start()
    worker()  # the main thread is a worker too
    for t in threads:
        t.join()
    if pre is not None and not pre.handed:
        discard_child(pre)
    if zygote is not None:
        try:
            zygote.close()
        except Exception:
            pass
    if os.environ.get("LLSR_HARNESS_DEBUG") == "1":
        sys.stderr.write("llsr harness: batch: zygote %s, %d test children "
                         "forked, %d exec'd\n" % (
                             "none" if zygote is None else "lost" if zygote.lost
                             else "ok", _SPAWNED.count("fork"),
                             _SPAWNED.count("exec")))
        sys.stderr.flush()
    builds = []
    for r in runners:
        if isinstance(r, Runner):
            builds.append(r.report)
        else:
            rep = error_report("error", "HarnessError", "internal error: %r" % (r,))
            builds.append(lambda caps, keep=None, rep=rep: rep)
    final_sweep()
    write_out(encode_batch_report(nonce, builds, cfg["report_limit"]))
    return 0
