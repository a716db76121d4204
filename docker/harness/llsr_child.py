"""Test child: runs the user's solution and tests, reports per-test records.

The harness (llsr_parent) starts this in a fresh interpreter (usually before
the job exists: the first child is pre-started while the harness still waits
for its frame), then hands it the job over the private socket: memfds with
the submission's stdin and with a marshal'ed dict holding a random
per-child secret, the compiled solution and the compiled, rewritten tests
(see llsr_plan). Results go back over a socket as ASCII lines

    <secret> <kind> <index> <payload>\n

kind B = test begins, E = test ended (payload: repr of (status, message,
traceback, duration_ms)), P = phase (payload: repr of a label), L = the
solution or the test setup failed to load (payload: repr of (type, message,
line, traceback, memory)), D = done. After every record the child waits for
a one-byte acknowledgement, so the harness can attribute the output bytes
already in the stdout/stderr pipes to the right test.

Everything the runner needs is captured in local variables before user code
runs; user code that patches builtins, os, sys or this module cannot change
what the runner reports (it can only make tests fail or crash the child).
Nothing here is a security boundary against code that walks the
interpreter's frames or memory: see docs/harness.md.
"""

import marshal
import os
import sys
import time

HERE = __file__.rpartition("/")[0]
REPR_CAP = 200
MSG_CAP = 8192
TB_CAP = 8192
TB_FRAMES = 30


def _cap(s, n):
    if len(s) <= n:
        return s
    return s[: n - 40] + "\n... [%d characters cut]" % (len(s) - n + 40)


_reprlib = None
_import = __import__  # captured before user code can replace builtins.__import__
_builtins = sys.modules["builtins"]


def _load(name):
    """Import a module for the runner even if user code replaced
    builtins.__import__ (the module's own imports go through it)."""
    cur = _builtins.__dict__.get("__import__")
    _builtins.__import__ = _import
    try:
        return _import(name, fromlist=["_"])
    finally:
        _builtins.__import__ = cur


def saferepr(x, cap=REPR_CAP):
    """repr() that never raises, never runs long on builtin containers."""
    global _reprlib
    try:
        if _reprlib is None:
            r = _load("reprlib").Repr()
            r.maxlevel = 4
            r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = 30
            r.maxdeque = r.maxarray = r.maxdict = 30
            r.maxstring = r.maxother = cap
            r.maxlong = cap
            _reprlib = r
        s = _reprlib.repr(x)
        if type(s) is not str:
            s = "<repr returned %s>" % type(s).__name__
    except BaseException as e:  # user __repr__ may raise anything
        try:
            s = "<%s object; repr() raised %s>" % (
                type(x).__name__, type(e).__name__)
        except BaseException:
            s = "<unrepresentable object>"
    if len(s) > cap:
        s = s[: cap - 20] + "..." + s[-17:]
    return s


def _first_difference(a, b):
    """Lines locating the first difference of two long-ish builtin values."""
    ta = type(a)
    if ta is not type(b):
        return []
    try:
        if ta in (str, bytes, bytearray, list, tuple):
            what = "characters" if ta is str else "items"
            n = min(len(a), len(b))
            i = 0
            while i < n and a[i] == b[i]:
                i += 1
            if i < n:
                if ta is str or ta is bytes or ta is bytearray:
                    lo = max(0, i - 10)
                    return [
                        " first difference at index %d: %s != %s"
                        % (i, saferepr(a[lo : i + 20], 80),
                           saferepr(b[lo : i + 20], 80))
                    ]
                return [
                    " first difference at index %d: %s != %s"
                    % (i, saferepr(a[i], 80), saferepr(b[i], 80))
                ]
            if len(a) != len(b):
                longer, side = (a, "left") if len(a) > len(b) else (b, "right")
                return [
                    " left has %d %s, right has %d; first extra %s item: %s"
                    % (len(a), what, len(b), side, saferepr(longer[n], 80))
                ]
        elif ta is dict:
            out = []
            only_l = [k for k in a if k not in b]
            only_r = [k for k in b if k not in a]
            diff = [k for k in a if k in b and a[k] != b[k]]
            if diff:
                k = diff[0]
                out.append(" differing key %s: %s != %s" % (
                    saferepr(k, 60), saferepr(a[k], 60), saferepr(b[k], 60)))
            if only_l:
                out.append(" keys only in left: %s" % saferepr(only_l[:10], 120))
            if only_r:
                out.append(" keys only in right: %s" % saferepr(only_r[:10], 120))
            return out
        elif ta is set or ta is frozenset:
            out = []
            if a - b:
                out.append(" items only in left: %s" % saferepr(sorted(a - b, key=repr)[:10], 120))
            if b - a:
                out.append(" items only in right: %s" % saferepr(sorted(b - a, key=repr)[:10], 120))
            return out
    except BaseException:
        pass
    return []


def explain(kind, op, lsrc, rsrc, left, right, has_msg, msg, asrc=None):
    """Build the message of a failed rewritten assert (see llsr_plan): the
    assert's own source line first, then the values."""
    lines = []
    if kind == "cmp":
        lr, rr = saferepr(left), saferepr(right)
        lines.append("assert %s %s %s" % (lr, op, rr))
        if lsrc is not None and lsrc != lr:
            lines.append(" where %s = %s" % (lr, lsrc))
        if rsrc is not None and rsrc != rr:
            lines.append(" %s %s = %s" % ("and" if len(lines) > 1 else "where",
                                         rr, rsrc))
        if op == "==":
            lines.extend(_first_difference(left, right))
    else:
        vr = saferepr(left)
        lines.append("assert %s%s" % ("not " if kind == "not" else "", vr))
        if lsrc is not None and lsrc != vr:
            lines.append(" where %s = %s" % (vr, lsrc))
    text = "\n".join(lines)
    if has_msg:
        try:
            m = msg if type(msg) is str else saferepr(msg, 1000)
        except BaseException:
            m = "<message>"
        text = m + "\n" + text
    if asrc and not text.startswith(asrc + "\n") and text != asrc:
        text = "%s\n%s" % (asrc if len(asrc) <= 400 else asrc[:400] + "...", text)
    return text


def _receive_job(chan):
    """(job fd, stdin fd) from the harness's job message on the channel;
    exit quietly if the harness went away, 70 on anything malformed."""
    import _socket

    s = _socket.socket(fileno=chan)
    try:
        while True:
            try:
                data, anc, flags, _ = s.recvmsg(
                    1, _socket.CMSG_SPACE(2 * 4), _socket.MSG_CMSG_CLOEXEC)
                break
            except InterruptedError:
                continue
    except OSError:
        os._exit(70)
    finally:
        s.detach()
    fds = []
    for level, kind, payload in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.extend(int.from_bytes(payload[i:i + 4], sys.byteorder, signed=True)
                       for i in range(0, len(payload) - len(payload) % 4, 4))
    if not data:
        os._exit(0)  # the harness is gone (no frame came)
    if data != b"J" or len(fds) != 2 or flags & _socket.MSG_CTRUNC:
        os._exit(70)
    return fds[0], fds[1]


def _prctl_dumpable():
    """A function setting PR_SET_DUMPABLE (1 or 0), or None."""
    try:
        prctl = _load("ctypes").CDLL(None, use_errno=True).prctl
    except BaseException:
        return None
    return lambda v: prctl(4, v, 0, 0, 0) == 0


def zygote(argv):
    """Batch runs' fork server: python3 -I -S zygote.py <control fd>.

    Started by the harness with exec (so it shares no memory with it), in
    its own session. It makes itself non-dumpable, answers b"R" on its
    control socket (a SOCK_SEQPACKET socketpair with the harness), imports
    everything a test child needs, then serves two requests, one at a time:

      b"F" + SCM_RIGHTS [stdout w, stderr w, channel]: fork a test child
          with those descriptors; answer b"P<pid>" (or b"E<errno>").
      b"W<pid>": waitpid(pid, WNOHANG) for a child we forked; answer
          b"S<pid> <wait status>", b"N<pid>" (still running) or b"X<pid>".

    It never reaps a child on its own: like an unwaited Popen child, the pid
    stays reserved (a zombie) until the harness asks, so the harness can
    kill by pid without racing pid reuse. It never receives anything
    user-derived: the job goes from the harness to the forked child over the
    child's own channel. It exits when the control socket closes."""
    import _socket

    ctl_fd = int(argv[1])
    os.set_inheritable(ctl_fd, False)
    ctl = _socket.socket(fileno=ctl_fd)
    dumpable = _prctl_dumpable()
    if dumpable is None or not dumpable(0):
        ctl.send(b"r")  # could not become non-dumpable: do not use us
        os._exit(0)
    ctl.send(b"R")
    for name in ("reprlib", "linecache", "traceback", "resource"):
        _load(name)
    size = _socket.CMSG_SPACE(3 * 4)
    while True:
        try:
            data, anc, flags, _ = ctl.recvmsg(64, size, _socket.MSG_CMSG_CLOEXEC)
        except InterruptedError:
            continue
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # the harness closed the socket (or is gone)
        fds = []
        for level, kind, payload in anc:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds.extend(int.from_bytes(payload[i:i + 4], sys.byteorder, signed=True)
                           for i in range(0, len(payload) - len(payload) % 4, 4))
        if data == b"F" and len(fds) == 3 and not flags & _socket.MSG_CTRUNC:
            try:
                pid = os.fork()
            except OSError as e:
                reply = b"E%d" % (e.errno or 0)
            else:
                if pid == 0:
                    _forked(ctl, fds, dumpable)  # never returns
                reply = b"P%d" % pid
        elif data[:1] == b"W" and data[1:].isdigit() and not fds:
            pid = int(data[1:])
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                reply = b"X%d" % pid
            else:
                reply = b"N%d" % pid if got == 0 else b"S%d %d" % (pid, status)
        else:
            reply = b"?"
        for fd in fds:
            os.close(fd)
        try:
            ctl.send(reply)
        except OSError:
            os._exit(0)


def _forked(ctl, fds, dumpable):
    """In a child the zygote just forked: become what an exec'd child is
    when it starts (own session, stdin /dev/null, stdout/stderr on the
    harness's pipes, the channel, no other descriptor, dumpable), then run
    the normal child main path."""
    try:
        os.setsid()
        ctl.detach()  # its fd is closed below; the object must never close it
        out_w, err_w, chan = fds
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        if chan != 3:
            os.dup2(chan, 3)
        os.closerange(4, 1 << 20)  # the control socket and everything else
        # Dumpable again, like any freshly exec'd process: the child's
        # memory is the zygote's (no secret), and without this it could not
        # set its own oom_score_adj nor read its /proc/self/environ.
        if not dumpable(1):
            os._exit(70)
    except BaseException:
        os._exit(70)
    main(["zygote", "3"])  # ends with _exit(); an exception ends us as in child.py
    os._exit(70)  # (never reached: never fall back into the zygote's loop)


def main(argv):
    # Capture everything the runner relies on before user code can touch it.
    _write, _read, _close, _exit = os.write, os.read, os.close, os._exit
    _perf = time.perf_counter
    _AssertionError = AssertionError
    _BaseException = BaseException
    _SystemExit, _KeyboardInterrupt = SystemExit, KeyboardInterrupt
    _MemoryError = MemoryError
    _exec, _ascii, _isinstance, _type = exec, ascii, isinstance, type
    _sys = sys
    _stdout, _stderr = sys.stdout, sys.stderr
    _modules = sys.modules

    chan = int(argv[1])
    os.set_inheritable(chan, False)
    try:  # be the first victim of the OOM killer, never the harness
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        os.write(fd, b"1000")
        os.close(fd)
    except OSError:
        pass
    # Everything a failure report needs, loaded now: the harness may start
    # us before its job exists, so this costs the run nothing.
    for name in ("reprlib", "linecache", "traceback"):
        _load(name)

    # Wait for the job: the harness sends one byte with two descriptors, a
    # memfd holding the marshal'ed job and one holding the submission's
    # stdin, which becomes our fd 0 (until now /dev/null).
    job_fd, in_fd = _receive_job(chan)
    if in_fd != 0:
        os.dup2(in_fd, 0)
        _close(in_fd)
    chunks = []
    while True:
        b = _read(job_fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    _close(job_fd)
    job = marshal.loads(b"".join(chunks))
    del chunks

    # Batch runs: this submission's own working directory and memory limit
    # (RLIMIT_DATA: what malloc and thread stacks can take; inherited by
    # anything user code starts). Single runs carry neither.
    try:
        cwd = job.get("cwd")
        if cwd is not None:
            os.chdir(cwd)
        mem = job.get("memory_mb")
        if mem is not None:
            resource = _load("resource")
            lim = mem << 20
            hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
            if hard != resource.RLIM_INFINITY:
                lim = min(lim, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
    except BaseException:
        _exit(70)

    prefix = job["secret"].encode("ascii") + b" "
    skip = job["skip"]
    sources = job["sources"]
    del job["secret"]

    def flush():
        for s in (_stdout, _stderr, _sys.stdout, _sys.stderr):
            try:
                s.flush()
            except BaseException:
                pass

    def send(kind, k, payload=None):
        flush()
        line = prefix + ("%s %d %s\n" % (kind, k, _ascii(payload))).encode("ascii")
        try:
            while line:
                n = _write(chan, line)
                line = line[n:]
            if _read(chan, 1) != b"\x06":
                _exit(70)
        except BaseException:
            _exit(70)

    def restore_streams():
        # A test may close or replace sys.stdout/stderr; give the next one
        # working streams again (the fds themselves stay the harness's pipes
        # unless user code dup2()ed over them).
        for name, orig, fd in (("stdout", _stdout, 1), ("stderr", _stderr, 2)):
            try:
                cur = getattr(_sys, name)
                if cur is orig and not orig.closed:
                    continue
                if orig.closed:
                    orig = open(fd, "w", closefd=False)
                setattr(_sys, name, orig)
            except BaseException:
                try:
                    setattr(_sys, name, None)
                except BaseException:
                    pass

    def fmt_tb(tb, exc):
        try:
            linecache = _load("linecache")
            traceback = _load("traceback")

            for name, text in sources.items():
                linecache.cache[name] = (len(text), None,
                                         text.splitlines(True), name)
            frames = []
            while tb is not None:
                f = tb.tb_frame
                fn = f.f_code.co_filename
                if not fn.startswith(HERE + "/") and "__unittest" not in f.f_globals:
                    frames.append((fn, tb.tb_lineno, f.f_code.co_name))
                tb = tb.tb_next
            if len(frames) > TB_FRAMES:
                frames = frames[:10] + frames[-(TB_FRAMES - 10):]
            out = ["Traceback (most recent call last):\n"]
            for fn, ln, name in frames:
                out.append('  File "%s", line %d, in %s\n' % (fn, ln, name))
                src = linecache.getline(fn, ln).strip()
                if src:
                    out.append("    %s\n" % src)
            if exc is not None:
                out.extend(traceback.format_exception_only(_type(exc), exc))
            return _cap("".join(out), TB_CAP)
        except BaseException:
            return None

    def last_line(tb, filename):
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    def exc_text(e):
        try:
            name = _type(e).__name__
            s = str(e)
            return _cap("%s: %s" % (name, s) if s else name, MSG_CAP)
        except BaseException:
            return "<exception>"

    def classify(e):
        """(status, message, traceback) of an exception raised by a test."""
        tb = e.__traceback__
        if _isinstance(e, _AssertionError):
            try:
                s = str(e)
            except BaseException:
                s = ""
            msg = s if s else "AssertionError"
            return "failed", _cap(msg, MSG_CAP), fmt_tb(tb, e)
        if _isinstance(e, _SystemExit):
            try:
                code = saferepr(e.code, 60)
            except BaseException:
                code = "?"
            return ("error", "SystemExit(%s): the test called sys.exit()" % code,
                    fmt_tb(tb, None))
        if _isinstance(e, _KeyboardInterrupt):
            return "error", "KeyboardInterrupt raised during the test", fmt_tb(tb, None)
        if _isinstance(e, _MemoryError):
            return "error", "MemoryError: out of memory", None
        return "error", exc_text(e), fmt_tb(tb, e)

    def load_error(e, filename, label):
        mem = _isinstance(e, _MemoryError)
        if mem:
            return ("MemoryError", "out of memory while loading " + label,
                    None, None, True)
        try:
            tname = _type(e).__name__
        except BaseException:
            tname = "Exception"
        if _isinstance(e, _SystemExit):
            msg = "sys.exit(%s) called while loading %s" % (saferepr(e.code, 60), label)
        else:
            try:
                msg = _cap(str(e), MSG_CAP)
            except BaseException:
                msg = "<exception>"
        line = getattr(e, "lineno", None) if _isinstance(e, SyntaxError) else None
        if line is None:
            line = last_line(e.__traceback__, filename)
        return (tname, msg, line, fmt_tb(e.__traceback__, e), False)

    # The user's module: a fresh module object, registered so that pickle,
    # dataclasses, typing etc. find it under its name.
    mod = _type(sys)(job["name"])
    ns = mod.__dict__
    ns["__builtins__"] = __builtins__
    ns["__file__"] = "<solution>"
    _modules[job["name"]] = mod

    state = {"cur": None, "t0": 0.0}

    def begin(k):
        if k in skip:
            return False
        restore_streams()
        send("B", k)
        state["cur"] = k
        state["t0"] = _perf()
        return True

    def end(k, status, msg, tb):
        dt = (_perf() - state["t0"]) * 1000.0
        state["cur"] = None
        send("E", k, (status, msg, tb, round(dt, 3)))

    def run_test(k, fn, *args):
        if not begin(k):
            return
        try:
            fn(*args)
        except _BaseException as e:
            r = classify(e)
            e = None
            end(k, *r)
        else:
            end(k, "passed", None, None)

    class Runtime:
        """Reachable from rewritten test code as the global '@llsr'."""

        __slots__ = ()

        def fail(self, *args):
            try:
                return _AssertionError(explain(*args))
            except BaseException:
                return _AssertionError("assertion failed")

        def begin(self, k):
            if not from_check():
                raise _AssertionError("the test runner was called from user code")
            return begin(k)

        def ok(self, k):
            if state["cur"] == k and from_check():
                end(k, "passed", None, None)

        def exc(self, k, e):
            if state["cur"] == k:
                end(k, *classify(e))

    _getframe = sys._getframe

    def from_check():
        # Only the rewritten check() (compiled from the tests) calls these.
        try:
            c = _getframe(2).f_code
            return c.co_filename == "<tests>" and c.co_name == "check"
        except BaseException:
            return False

    ns["@llsr"] = Runtime()

    ut_classes = {}

    def run_unittest(k, clsname, meth, last):
        unittest = _load("unittest")

        if k in skip:
            if last:
                teardown_class(clsname)
            return
        problems = []

        class Result(unittest.TestResult):
            def addError(self, test, err):
                problems.append(("error", err))

            def addFailure(self, test, err):
                problems.append(("failed", err))

            def addSubTest(self, test, subtest, err):
                if err is not None:
                    problems.append((
                        "failed" if issubclass(err[0], test.failureException)
                        else "error", err))

            def addSkip(self, test, reason):
                problems.append(("not_run", "skipped: %s" % reason))

            def addUnexpectedSuccess(self, test):
                problems.append(("failed", "unexpected success"))

        if not begin(k):
            return
        try:
            cls = ns[clsname]
            st = ut_classes.get(clsname)
            if st is None:
                ut_classes[clsname] = st = [None, False]
                unittest.case._Outcome  # noqa: B018 (fail early if absent)
                if not getattr(cls, "__unittest_skip__", False):
                    try:
                        cls.setUpClass()
                        st[1] = True
                    except _BaseException as e:
                        st[0] = e
            if st[0] is not None:
                e = st[0]
                r = classify(e)
                end(k, r[0], "setUpClass failed: " + (r[1] or ""), r[2])
                return
            cls(meth).run(Result())
            if last and st[1]:
                try:
                    cls.tearDownClass()
                except _BaseException as e:
                    problems.append(("error", (_type(e), e, e.__traceback__)))
        except _BaseException as e:
            end(k, *classify(e))
            return
        if not problems:
            end(k, "passed", None, None)
            return
        status, err = problems[0]
        if _type(err) is str:
            end(k, status, err, None)
            return
        r = classify(err[1])
        end(k, status if r[0] != "error" or status == "error" else r[0], r[1], r[2])

    def teardown_class(clsname):
        st = ut_classes.get(clsname)
        if st and st[1]:
            try:
                ns[clsname].tearDownClass()
            except _BaseException:
                pass

    def call_func(name):
        ns[name]()

    def call_method(clsname, meth):
        inst = ns[clsname]()
        setup = getattr(inst, "setup_method", None)
        if setup is not None:
            setup(getattr(inst, meth))
        try:
            getattr(inst, meth)()
        finally:
            td = getattr(inst, "teardown_method", None)
            if td is not None:
                td(getattr(inst, meth))

    def fail_load(e, filename, label):
        r = load_error(e, filename, label)
        e = None
        send("L", 0, r)
        _exit(0)

    # Run the plan.
    _sys.argv = ["<solution>"]
    entry = [st[1] for st in job["steps"] if st[0] == "check"]
    for step in job["steps"]:
        kind = step[0]
        if kind == "load":
            send("P", 0, "load")
            try:
                _exec(step[1], ns)
            except _BaseException as e:
                if job["program"] and _isinstance(e, _SystemExit) and e.code in (None, 0):
                    pass
                else:
                    fail_load(e, "<solution>", "the solution")
            # A missing entry point is a load error: found before any test
            # runs, so that none is counted.
            if entry and entry[0] not in ns:
                send("L", 0, ("NameError", "entry point %r is not defined by the solution"
                              % entry[0], None, None, False))
                _exit(0)
        elif kind == "setup":
            send("P", step[1], "setup")
            try:
                _exec(step[2], ns)
            except _BaseException as e:
                fail_load(e, "<tests>", "the tests (line %d)" % step[1])
        elif kind == "case":
            run_test(step[1], _exec, step[2], ns)
        elif kind == "func":
            run_test(step[1], call_func, step[2])
        elif kind == "method":
            run_test(step[1], call_method, step[2], step[3])
        elif kind == "unittest":
            run_unittest(step[1], step[2], step[3], step[4])
        elif kind == "check":
            send("P", 0, "check")
            ep = step[1]
            try:
                check = ns["check"]
            except KeyError:
                send("L", 0, ("NameError", "the tests define no check() function",
                              None, None, False))
                _exit(0)
            if ep not in ns:
                send("L", 0, ("NameError", "entry point %r is not defined by the solution"
                              % ep, None, None, False))
                _exit(0)
            try:
                check(ns[ep])
            except _BaseException as e:
                if state["cur"] is not None:
                    end(state["cur"], *classify(e))
                else:
                    fail_load(e, "<tests>", "check()")
            if state["cur"] is not None:
                end(state["cur"], "error",
                    "the test did not complete (check() returned early)", None)
    send("D", 0)
    _exit(0)
