"""The client's checker of program cases ("special judge"; compare
"checker", docs/harness.md, "Checkers").

P runs the checker only after every case process ended and every other
process of the uid was killed (llsr_procs.final_sweep), and after it
removed whatever the program left in /tmp: when a checker runs, nothing
of the solution is alive to ptrace it, signal it, rewrite its files or
read the expected output from them, and nothing it left is there to be
read. Each checker is a fresh interpreter (`python3 -I -S`) whose
bootstrap reads the checker's source from a memfd and runs it as
__main__ with sys.argv = [checker.py, input, expected, actual]: three
files in a new directory of its own (mkdir 0700, /tmp/k<index>-<hex>),
which is also its working directory and TMPDIR, removed afterwards.

Verdicts: exit 0 accepts (passed), exit 1 rejects (wrong_answer); any
other exit code, a signal, an uncaught exception (the bootstrap exits
CRASH), its CPU or wall-clock time, or its output past its limit is
checker_error: the checker failed, the solution is not blamed. The
message is the first non-empty line of the checker's stdout, else of its
stderr.
"""

import os

import llsr_cases
import llsr_procs

CRASH = 3          # the bootstrap's exit code for an uncaught exception
MESSAGE_MAX = 1024  # characters of the checker's message kept

BOOT = llsr_cases.BOOT_LOAD + r"""
args = sys.argv[4:7]
import types
m = types.ModuleType("__main__")
m.__file__ = "checker.py"
m.__builtins__ = __builtins__
sys.modules["__main__"] = m
sys.argv = ["checker.py"] + args
try:
    code = compile(b"".join(chunks), "checker.py", "exec")
    del chunks, fd, mem, how, args
    exec(code, m.__dict__)
except SystemExit:
    raise
except BaseException as e:
    if e.__traceback__ is not None:
        e.__traceback__ = e.__traceback__.tb_next
    sys.excepthook(type(e), e, e.__traceback__)
    sys.stderr.flush()
    os._exit(%d)
""" % CRASH


def wipe_tmp():
    """Remove everything in /tmp (in the sandbox only: there every process
    that could have written it is dead by now)."""
    if not llsr_procs._in_container():
        return
    try:
        names = os.listdir("/tmp")
    except OSError:
        return
    for n in names:
        p = os.path.join("/tmp", n)
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                llsr_procs.remove_workdir(p)
            else:
                os.unlink(p)
        except OSError:
            pass


def others_alive():
    """True when a process other than us is alive in the sandbox."""
    if not llsr_procs._in_container():
        return False
    me = os.getpid()
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) not in (1, me):
            try:
                with open("/proc/%s/stat" % p, "rb") as f:
                    st = f.read()
            except OSError:
                continue
            if st[st.rfind(b")") + 2:st.rfind(b")") + 3] != b"Z":
                return True
    return False


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _first_line(data):
    for line in bytes(data).splitlines():
        line = line.strip()
        if line:
            return line.decode("utf-8", "replace")[:MESSAGE_MAX]
    return None


class Check(llsr_cases.Case):
    """The checker's run on one case (its outcome goes to the case)."""

    def __init__(self, case):
        llsr_cases.Case.__init__(self, case.index, case.name, b"", b"")
        self.case = case
        self.dir = None


class CheckRun(llsr_cases.CaseRun):
    """The checkers of the cases the program got through (status
    "checking"), at most `parallel` at once, in the order given."""

    def __init__(self, cfg, deadline, cases):
        self.cfg = cfg
        self.cases = [Check(c) for c in cases]
        self.deadline = deadline
        self.cpu_s = cfg["checker_timeout_ms"] / 1000.0
        self.wall_s = cfg["checker_wall_ms"] / 1000.0
        self.out_limit = cfg["checker_output_limit"]
        self.running = []
        self.run_timeout = False
        self.first_failure = None
        self.oom0 = llsr_procs.oom_counters()

    def launch(self, k):
        c = k.case
        files = []
        try:
            k.dir = _make_dir(c.index)
            for name, data in (("input", c.stdin), ("expected", c.expected),
                               ("actual", bytes(c.out))):
                path = os.path.join(k.dir, name)
                _write(path, data)
                files.append(path)
        except OSError as e:
            if k.dir is not None:
                llsr_procs.remove_workdir(k.dir)
            k.dir = None
            k.status = c.status = "checker_error"
            c.message = "cannot write the checker's files: %s" % e.strerror
            return
        env = llsr_procs.child_env()
        env["TMPDIR"] = k.dir
        self.spawn(k, [str(self.cfg["checker_memory_mb"]), self.cfg["memory_rlimit"]]
                   + files, BOOT, self.cfg["checker"], env, k.dir, "checker")

    def finish(self, k, status, ru):
        llsr_cases.CaseRun.finish(self, k, status, ru)
        if k.dir is not None:
            llsr_procs.remove_workdir(k.dir)
            k.dir = None

    def judge(self, k, status):
        c = k.case
        if k.killed == "stopped":
            k.status = c.status = "not_run"
            return
        if status is not None and os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
        else:
            code = None
        msg = _first_line(k.out) or _first_line(k.err)
        if k.killed == "timeout":
            if self.run_timeout:
                k.status = c.status = "not_run"
                c.message = "the run's time limit ran out before its checker ended"
                return
            why = "the checker's time limit (%d ms of CPU time, %d ms of wall-clock time) ran out" % (
                self.cfg["checker_timeout_ms"], self.cfg["checker_wall_ms"])
        elif k.killed == "output_limit":
            why = "the checker wrote more than %d bytes" % self.out_limit
        elif status is None:
            why = "the checker's exit status was lost"
        elif code == 0:
            k.status = c.status = "passed"
            c.message = msg
            return
        elif code == 1:
            k.status = c.status = "wrong_answer"
            c.message = msg or "rejected by the checker"
            return
        elif code == CRASH:
            why = "the checker crashed: %s" % (_last_line(k.err) or "exit code %d" % CRASH)
        elif code is not None:
            why = "the checker exited with code %d%s" % (code, (": " + msg) if msg else "")
        else:
            why = "the checker was killed by %s" % llsr_procs.signal_name(os.WTERMSIG(status))
        k.status = c.status = "checker_error"
        c.message = why[:MESSAGE_MAX]


def _last_line(data):
    lines = [x.strip() for x in bytes(data).splitlines() if x.strip()]
    return lines[-1].decode("utf-8", "replace")[:MESSAGE_MAX] if lines else None


def _make_dir(i):
    while True:
        d = "/tmp/k%d-%s" % (i, os.urandom(6).hex())
        try:
            os.mkdir(d, 0o700)
            return d
        except FileExistsError:
            continue


def check(run):
    """Run the checker over the cases of run (an llsr_cases.CaseRun that
    ended) whose status is "checking"."""
    todo = [c for c in run.cases if c.status == "checking"]
    if run.cfg["stop"] and run.first_failure is not None:
        for c in todo:
            if c.index > run.first_failure:
                c.status = "not_run"
        todo = [c for c in todo if c.status == "checking"]
    if not todo:
        return
    llsr_procs.final_sweep()
    wipe_tmp()
    if others_alive():
        for c in todo:
            c.status = "runtime_error"
            c.message = ("processes the program left could not be stopped: "
                         "its output was not checked")
        return
    cr = CheckRun(run.cfg, run.deadline, todo)
    try:
        cr.run()
    finally:
        for k in list(cr.running):
            cr.kill(k, "timeout")
    for k in cr.cases:
        if k.status == "not_run" and k.case.status == "checking":
            k.case.status = "not_run"
    for c in todo:
        if c.status == "checking":  # (cannot happen)
            c.status = "checker_error"
            c.message = "the checker did not run"
    if cr.run_timeout:
        run.run_timeout = True
