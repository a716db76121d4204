"""Program cases: run the submitted program once per case and judge its
output (docs/harness.md, "Program cases").

All of it runs in P, the harness process, which never runs user code. P
starts each case's program as a fresh process (the ordinary interpreter,
in a session of its own) whose descriptors are exactly: stdin, a memfd
holding the case's input; stdout and stderr, pipes that P reads; and,
until its bootstrap has read it, a memfd holding the program's source.
The expected output never leaves P's memory: no file, no descriptor, no
argument or environment variable holds it, and P is non-dumpable, so
/proc/1/mem, /proc/1/fd and ptrace are closed to the program. P compares
the output itself (llsr_compare).

Verdicts per case: passed, wrong_answer, runtime_error (exit code or
signal), timeout (its CPU time past case_timeout_ms or its wall-clock time
past case_wall_ms), memory_limit (a MemoryError under its memory limit, or
the kernel's OOM killer), output_limit (stdout past case_output_limit), and
not_run. With compare "checker" a case that got through waits as
"checking" until every case ended; llsr_checker then decides it (passed,
wrong_answer or checker_error). time_ms is user + system CPU time and memory_kb the peak RSS, both
from wait4()'s rusage (the program and the children it waited for).
"""

import os
import select
import signal
import subprocess
import sys
import time

import llsr_clock
import llsr_compare
import llsr_procs
import llsr_setup

STDERR_KEEP = 4096    # bytes of a case's stderr kept for the report
READ_CHUNK = 1 << 16
POLL_MAX_S = 0.05     # longest wait between two looks at the CPU clocks

# The start of every bootstrap (a case's program, a checker): argv[1:4]
# are the source's memfd, the memory limit in MiB and how to apply it
# ("as" under gVisor); it reads the source into chunks and closes the fd,
# then sets the limit.
BOOT_LOAD = r"""
import os, sys
fd, mem, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
chunks = []
while True:
    b = os.read(fd, 1 << 20)
    if not b:
        break
    chunks.append(b)
os.close(fd)
if mem:
    import resource
    lim = mem << 20
    res = resource.RLIMIT_DATA
    if how == "as":
        res = resource.RLIMIT_AS
        with open("/proc/self/statm", "rb") as f:
            lim += int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(res, (lim, lim))
"""

# Runs as the program's __main__ module, like `python3 -I -S solution.py`
# (the image has the standard library only; -S spares site's start-up): the
# bootstrap reads the source from its memfd and closes it, sets the memory
# limit, then runs the source in a fresh __main__ module. A traceback
# starts at the program's own frames.
BOOT = BOOT_LOAD + r"""
import types
m = types.ModuleType("__main__")
m.__file__ = "solution.py"
m.__builtins__ = __builtins__
sys.modules["__main__"] = m
sys.argv = ["solution.py"]
code = compile(b"".join(chunks), "solution.py", "exec")
del chunks, fd, mem, how
try:
    exec(code, m.__dict__)
except SystemExit:
    raise
except BaseException as e:
    e.__traceback__ = e.__traceback__.tb_next
    sys.excepthook(type(e), e, e.__traceback__)
    sys.exit(1)
"""


class Case:
    """One case: its data, and once started, its process and outcome."""

    def __init__(self, index, name, stdin, expected):
        self.index, self.name = index, name
        self.stdin, self.expected = stdin, expected
        self.status = "not_run"
        self.pid = None
        self.pidfd = None        # readable once the process ended (if any)
        self.fds = {}            # pipe fd -> "out" / "err"
        self.out = bytearray()
        self.err = bytearray()
        self.err_total = 0
        self.start = None
        self.killed = None       # "timeout" / "output_limit" when P killed it
        self.time_ms = self.wall_ms = 0.0
        self.memory_kb = None
        self.exit_code = self.signal = None
        self.message = None
        self.difference = None

    def record(self, caps):
        out_cap, msg_cap = caps[0], caps[1]
        err = bytes(self.err[:STDERR_KEEP if out_cap is None else out_cap])
        rec = {"index": self.index, "name": _cap(self.name, msg_cap),
               "status": self.status, "time_ms": round(self.time_ms, 3),
               "wall_ms": round(self.wall_ms, 3), "memory_kb": self.memory_kb,
               "exit_code": self.exit_code, "signal": self.signal,
               "message": _cap(self.message, msg_cap),
               "stderr": err.decode("utf-8", "replace") if self.pid else None,
               "difference": None}
        if self.difference is not None:
            d = self.difference.as_dict()
            d["expected"] = _cap(d["expected"], msg_cap)
            d["actual"] = _cap(d["actual"], msg_cap)
            rec["difference"] = d
        return rec


def _cap(s, n):
    if s is None or n is None or len(s) <= n:
        return s
    return s[:n]


class CaseRun:
    """The cases of one submission, at most `parallel` running at once,
    results in the order given."""

    def __init__(self, cfg, t0):
        self.cfg = cfg
        self.cases = [Case(i, c["name"], c["stdin"], c["expected_stdout"])
                      for i, c in enumerate(cfg["cases"])]
        self.deadline = t0 + (cfg["wall_ms"] + cfg["overhead_ms"]) / 1000.0
        self.cpu_s = cfg["case_timeout_ms"] / 1000.0
        self.wall_s = cfg["case_wall_ms"] / 1000.0
        self.running = []
        self.run_timeout = False
        self.first_failure = None   # lowest index of a case that failed
        self.out_limit = cfg["case_output_limit"]
        self.oom0 = llsr_procs.oom_counters()

    # -- the loop --------------------------------------------------------------

    def run(self):
        llsr_procs.OWN = set()      # reap_orphans leaves our cases alone
        pending = list(self.cases)
        pending.reverse()
        while pending or self.running:
            while pending and len(self.running) < self.cfg["parallel"] \
                    and not self.run_timeout and self.first_failure is None:
                self.launch(pending.pop())
            if not self.running:
                break
            self.wait_some()
            now = time.monotonic()
            if now > self.deadline and not self.run_timeout:
                self.run_timeout = True
                for c in list(self.running):
                    self.kill(c, "timeout")

    def apply_stop(self):
        """stop_on_first_failure: every case after the first that did not
        pass is not_run (even one that had finished)."""
        if not self.cfg["stop"]:
            return
        for c in self.cases:
            if c.status not in ("passed", "not_run"):
                for o in self.cases[c.index + 1:]:
                    o.status = "not_run"
                return

    def launch(self, c):
        mem = self.cfg["memory_mb"] or 0
        self.spawn(c, [str(mem), self.cfg["memory_rlimit"]], BOOT, self.cfg["code"],
                   llsr_procs.child_env(), None, "solution", c.stdin)

    def spawn(self, c, args, boot, source, env, cwd, name, stdin=b""):
        """Start c's process: the interpreter running boot, which reads
        source from a memfd; stdin a memfd holding stdin."""
        code_fd = llsr_setup.memfd(source, name)
        in_fd = llsr_setup.memfd(stdin, "stdin")
        try:
            p = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", boot, str(code_fd)] + args,
                stdin=in_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(code_fd,), close_fds=True, start_new_session=True,
                env=env, cwd=cwd)
        finally:
            os.close(code_fd)
            os.close(in_fd)
        c.start = time.monotonic()
        c.pid = p.pid
        try:  # wakes our poll() when it ends (Linux 5.3; not under gVisor)
            c.pidfd = os.pidfd_open(p.pid)
        except (AttributeError, OSError):
            c.pidfd = None
        p.returncode = 0            # we collect it ourselves (wait4)
        llsr_procs.OWN.add(p.pid)
        for f, kind in ((p.stdout, "out"), (p.stderr, "err")):
            fd = os.dup(f.fileno())
            f.close()
            os.set_blocking(fd, False)
            c.fds[fd] = kind
        self.running.append(c)

    def wait_some(self):
        now = time.monotonic()
        wait = POLL_MAX_S
        for c in self.running:
            left_wall = c.start + self.wall_s - now
            wait = min(wait, left_wall, self.deadline - now)
            if not c.fds and c.pidfd is None:
                wait = min(wait, 0.002)  # its end wakes nothing: look soon
        poller = select.poll()
        for c in self.running:
            for fd in c.fds:
                poller.register(fd, select.POLLIN)
            if c.pidfd is not None:
                poller.register(c.pidfd, select.POLLIN)
        try:
            events = poller.poll(max(wait, 0.002) * 1000)
        except InterruptedError:
            events = []
        owner = {fd: c for c in self.running for fd in c.fds}
        for fd, _ in events:
            c = owner.get(fd)
            if c is not None and fd in c.fds:
                self.read(c, fd)
        for c in list(self.running):
            self.check(c)
        llsr_procs.reap_orphans()

    def read(self, c, fd):
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            del c.fds[fd]
            os.close(fd)
            return
        if c.fds[fd] == "out":
            c.out += data
            if len(c.out) > self.out_limit:
                self.kill(c, "output_limit")
        else:
            c.err_total += len(data)
            if len(c.err) < STDERR_KEEP:
                c.err += data[:STDERR_KEEP - len(c.err)]

    def check(self, c):
        """Collect c if it ended; kill it if it is over a limit."""
        if c not in self.running:
            return
        try:
            pid, status, ru = os.wait4(c.pid, os.WNOHANG)
        except ChildProcessError:  # (cannot happen: we are its parent)
            pid, status, ru = c.pid, None, None
        if pid == c.pid:
            self.finish(c, status, ru)
            return
        now = time.monotonic()
        if now - c.start > self.wall_s:
            self.kill(c, "timeout")
        elif llsr_clock.cpu_seconds([c.pid]) > self.cpu_s:
            self.kill(c, "timeout")

    def kill(self, c, why):
        if c not in self.running:
            return
        c.killed = c.killed or why
        try:
            os.killpg(c.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            _, status, ru = os.wait4(c.pid, 0)
        except ChildProcessError:
            status, ru = None, None
        self.finish(c, status, ru)

    def finish(self, c, status, ru):
        c.wall_ms = (time.monotonic() - c.start) * 1000.0
        self.running.remove(c)
        if c.pidfd is not None:
            os.close(c.pidfd)
            c.pidfd = None
        llsr_procs.OWN.discard(c.pid)
        try:  # what it left behind in its session
            os.killpg(c.pid, signal.SIGKILL)
        except OSError:
            pass
        for fd in list(c.fds):  # drain what is already in the pipes
            while fd in c.fds:
                try:
                    self.read(c, fd)
                except OSError:
                    break
                if fd in c.fds:
                    try:
                        if not select.select([fd], [], [], 0)[0]:
                            break
                    except OSError:
                        break
            if fd in c.fds:
                del c.fds[fd]
                os.close(fd)
        if ru is not None:
            c.time_ms = (ru.ru_utime + ru.ru_stime) * 1000.0
            c.memory_kb = int(ru.ru_maxrss)
        self.judge(c, status)
        if c.status not in ("passed", "not_run", "checking"):
            if self.first_failure is None or c.index < self.first_failure:
                self.first_failure = c.index if self.cfg["stop"] else None
            if self.cfg["stop"]:
                for o in list(self.running):
                    if o.index > c.index:
                        self.kill(o, "stopped")

    def judge(self, c, status):
        if c.killed == "stopped":
            c.status = "not_run"
            return
        if status is None:  # never judged a pass without its exit status
            c.status = "runtime_error"
            c.message = "the program's exit status was lost"
            return
        if os.WIFEXITED(status):
            c.exit_code = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            c.signal = llsr_procs.signal_name(os.WTERMSIG(status))
        if c.killed == "output_limit":
            c.status = "output_limit"
            c.message = "stdout went past %d bytes" % self.cfg["case_output_limit"]
            c.signal = None
            return
        if c.killed == "timeout":
            c.status = "timeout"
            c.signal = None
            if self.run_timeout:
                c.message = "the run's time limit ran out"
            elif c.wall_ms / 1000.0 > self.wall_s:
                c.message = "wall-clock time limit of %d ms exceeded" % self.cfg["case_wall_ms"]
            else:
                c.message = "CPU time limit of %d ms exceeded" % self.cfg["case_timeout_ms"]
            return
        tail = bytes(c.err[-512:]) if c.err_total <= STDERR_KEEP else b""
        if c.signal == "SIGKILL" and self._oom_grew():
            c.status = "memory_limit"
            c.message = "memory limit exceeded (killed by the OOM killer)"
            return
        if c.exit_code not in (None, 0) and b"\nMemoryError" in b"\n" + tail:
            c.status = "memory_limit"
            c.message = "memory limit exceeded (MemoryError)"
            return
        if c.signal is not None:
            c.status = "runtime_error"
            c.message = "killed by %s" % c.signal
            return
        if c.exit_code != 0:
            c.status = "runtime_error"
            c.message = "exited with code %d" % c.exit_code
            return
        if self.cfg["compare"] == "checker":
            c.status = "checking"   # llsr_checker, once every case ended
            return
        diff = llsr_compare.compare(c.expected, bytes(c.out), self.cfg["compare"],
                                    self.cfg["abs_tol"], self.cfg["rel_tol"])
        if diff is None:
            c.status = "passed"
        else:
            c.status = "wrong_answer"
            c.difference = diff
            c.message = diff.message()

    def _oom_grew(self):
        now = llsr_procs.oom_counters()
        grew = now is not None and self.oom0 is not None and now != self.oom0
        self.oom0 = now
        return grew

    # -- the report ------------------------------------------------------------

    def report(self, caps, keep=None):
        error = None
        bad = [c for c in self.cases if c.status == "checker_error"]
        if self.run_timeout:
            status = "timeout"
        elif bad:
            status = "error"
            error = {"type": "CheckerError", "line": None, "traceback": None,
                     "message": _cap("case %d: %s" % (bad[0].index, bad[0].message),
                                     caps[1])}
        elif all(c.status == "passed" for c in self.cases):
            status = "passed"
        else:
            status = "failed"
        return {"status": status, "tests": [],
                "cases": [c.record(caps) for c in self.cases],
                "error": error, "oom_killed": any(
                    c.status == "memory_limit" and c.signal == "SIGKILL"
                    for c in self.cases),
                "stdout": "", "stdout_truncated": False,
                "stderr": "", "stderr_truncated": False,
                "exit_code": 0, "isolation": "process"}


def run(cfg, t0, check=None):
    """Run the cases of cfg (llsr_frame.job_cfg); returns the report maker
    for llsr_report.encode_report. With compare "checker", check(run)
    (llsr_checker.check) decides the cases left "checking"."""
    r = CaseRun(cfg, t0)
    try:
        r.run()
    finally:
        for c in list(r.running):
            r.kill(c, "timeout")
    if cfg["compare"] == "checker":
        check(r)
    r.apply_stop()
    return r.report
