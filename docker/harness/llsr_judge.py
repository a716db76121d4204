"""The judge: runs the tests and reports per-test records to the harness.

    python3 -I -S judge.py <channel fd> <socket fd> <stdout fd> <stderr fd>

Started before its job exists (exec'd from an execute-only interpreter, so
it is non-dumpable from its first instruction, or forked by a batch's
non-dumpable fork server). The harness (llsr_parent) hands it its job on
the channel: memfds with the marshal'ed job (compiled tests, the plan's
steps, a per-judge secret) and with the submission's stdin. Results go
back on the channel as ASCII lines

    <secret> <kind> <index> <payload>\\n

B = test begins, E = test ended (payload: repr of (status, message,
traceback, duration_ms)), P = phase, L = the solution or the setup failed
to load (type, message, line, traceback, memory), N = the tests collected
at run time (tuple of (name, line)), X = the solution process was lost
during test <index> (payload: the reason), O = the solution's output went
over the limit, D = done. After every record the judge waits for a
one-byte acknowledgement, so that the harness attributes output exactly.

Isolation "process" (the default): the judge never runs a line of the
solution. It hands the solution server (llsr_solution) its part of the job
over the socket and binds the solution's names as stand-ins (llsr_wire);
the solution's stdout/stderr (the other two descriptors) are forwarded
into sys.stdout/sys.stderr during each call. The judge holds no
descriptor the solution holds, and it is non-dumpable, so the solution
can neither read nor change anything here.

Isolation "in_process" (asked for explicitly, or a solution carrying its
own tests, or a program run): the solution runs here, in the tests'
globals, as before the judge existed; its verdicts can be forged.
"""

import marshal
import os
import sys
import time

import llsr_setup
import llsr_text
import llsr_wire
from llsr_text import cap, saferepr, MSG_CAP

_load = llsr_text._load


def main(argv):
    # Capture everything the runner relies on before user code can touch it
    # (in-process mode: in process mode no user code runs here).
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

    # Non-dumpable before anything else: exec'd from the execute-only
    # interpreter (or forked by the fork server) we already are, but gVisor
    # refuses to exec that and we are the ordinary interpreter there. Until
    # this line only an ancestor could attach to us (gVisor enforces Yama
    # ptrace_scope 1), and no user code runs before it: the solution gets
    # its part of the job from us, after this.
    dumpable = llsr_setup.prctl_dumpable()
    if dumpable is None or not dumpable(0):
        _exit(70)
    chan, sock, s_out, s_err = (int(a) for a in argv[1:5])
    for fd in (chan, sock, s_out, s_err):
        os.set_inheritable(fd, False)
    llsr_setup.oom_first()
    # Everything a failure report and the boundary need, loaded now: the
    # harness may start us before its job exists, so this costs nothing.
    for name in ("reprlib", "linecache", "traceback", "codecs", "importlib",
                 "inspect", "unittest"):
        _load(name)

    job_fd, in_fd = llsr_setup.recv_job(chan)
    job = marshal.loads(llsr_setup.read_fd(job_fd))
    llsr_setup.set_limits(job)

    prefix = job["secret"].encode("ascii") + b" "
    skip = job["skip"]
    sources = job["sources"]
    isolated = job["isolation"] == "process"
    del job["secret"]
    job.pop("predicted", None)

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

    state = {"cur": None, "t0": 0.0}

    def lost(why):
        """The solution process is gone or broke the protocol: the test in
        hand (if any) cannot pass. Report and leave; never returns."""
        k = state["cur"]
        if why == "output":
            send("O", 0)
        else:
            send("X", 0, (k, str(why)))
        _exit(0)

    # The globals the tests run in: in process mode the tests' own names,
    # the solution's stand-ins, and (looked up in the solution process when
    # read, so always current) its plain values; in-process, the solution's
    # module itself.
    if isolated:
        ns = _Globals()
    else:
        mod = _type(sys)(job["name"])
        ns = mod.__dict__
        _modules[job["name"]] = mod
    ns["__name__"] = job["name"]
    ns["__builtins__"] = __builtins__
    ns["__file__"] = "<tests>" if isolated else "<solution>"
    solution_names = {}

    if isolated:
        peer = llsr_wire.Peer(sock, "j", pipes=(s_out, s_err), on_lost=lost,
                              out_cap=job["output_cap"])
        peer.tests_module = job["name"]
    else:
        for fd in (sock, s_out, s_err):
            _close(fd)
        if in_fd != 0:
            os.dup2(in_fd, 0)
            _close(in_fd)
        peer = None
        if job.get("dumpable"):
            # A single run whose user code runs here (a program, or
            # in-process tests): the process is the user's, as `python3
            # solution.py` would be (it may read its own /proc/self/fd);
            # nothing here is protected from it anyway.
            dumpable = llsr_setup.prctl_dumpable()
            if dumpable is not None and dumpable(1):
                llsr_setup.oom_first()

    def restore_streams():
        # A test may close or replace sys.stdout/stderr; give the next one
        # working streams again.
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
        return llsr_text.format_tb(tb, exc, sources)

    def classify(e):
        """(status, message, traceback) of an exception raised by a test."""
        tb = e.__traceback__
        if _isinstance(e, _AssertionError):
            try:
                s = str(e)
            except BaseException:
                s = ""
            msg = s if s else "AssertionError"
            return "failed", cap(msg, MSG_CAP), fmt_tb(tb, e)
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
        return "error", llsr_text.exc_text(e), fmt_tb(tb, e)

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

    _getframe = sys._getframe

    def from_check():
        # Only the rewritten check() (compiled from the tests) calls these.
        try:
            c = _getframe(2).f_code
            return c.co_filename == "<tests>" and c.co_name == "check"
        except BaseException:
            return False

    class Runtime:
        """Reachable from rewritten test code as the global '@llsr'."""

        __slots__ = ()

        def fail(self, *args):
            try:
                return _AssertionError(llsr_text.explain(*args))
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

    ns["@llsr"] = Runtime()

    def fail_load(e, filename, label):
        r = llsr_text.load_error(e, filename, label, sources)
        e = None
        send("L", 0, r)
        _exit(0)

    def hand_over():
        """Give the solution server its part of the job (and the stdin),
        keeping none of its descriptors but our end of the socket and the
        read ends of its output pipes. Waits until it is ready first: its
        start-up is not the user's time, which begins with the P load
        record."""
        import errno
        import _socket  # (not socket: its import, ~5 ms, would be paid per judge)

        try:
            ready = _read(sock, 1)
        except OSError:
            ready = b""
        if ready != b"R":
            lost(llsr_wire.EOF_REASON)
        send("P", 0, "load")
        sjob = llsr_setup.memfd(job["solution_job"], "llsr-solution-job")
        s = _socket.socket(fileno=sock)
        try:
            s.sendmsg([b"J"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, b"".join(
                fd.to_bytes(4, sys.byteorder, signed=True) for fd in (sjob, in_fd)))])
        except OSError as e:
            # (e.g. ETOOMANYREFS: the uid's in-flight descriptors are used up)
            send("L", 0, ("HarnessError", "could not hand the solution process its "
                          "job: %s (%s)" % (os.strerror(e.errno or 0),
                                             errno.errorcode.get(e.errno, "?")),
                          None, None, False))
            _exit(0)
        finally:
            s.detach()
        _close(sjob)
        _close(in_fd)

    def load_solution(code):
        if isolated:
            hand_over()
            msg = peer.recv()
            if msg[0] != "loaded" or len(msg) != 3:
                lost("the solution process sent a malformed message")
            if msg[2] is not None:
                err = msg[2]
                ok = _type(err) is tuple and len(err) == 5
                send("L", 0, err if ok else ("HarnessError", "a malformed load error",
                                             None, None, False))
                _exit(0)
            names = msg[1]
            if _type(names) is not dict:
                lost("the solution process sent a malformed message")
            for k, v in names.items():
                # Only the solution's own plain names: never a dunder
                # (__builtins__ would replace the tests' builtins), never
                # one of the harness's.
                if _type(k) is str and k.isidentifier() and \
                        not (k.startswith("__") and k.endswith("__")):
                    ns[k] = v
                    solution_names[k] = v
            ns.peer = peer
            return
        send("P", 0, "load")
        try:
            _exec(code, ns)
        except _BaseException as e:
            if job["program"] and _isinstance(e, _SystemExit):
                program_exit(e)
            fail_load(e, "<solution>", "the solution")
        if job["program"]:
            flush()
            send("D", 0)
            _exit(0)
        if not job.get("self_tested"):
            solution_names.update(ns)

    def program_exit(e):
        """A program's sys.exit(): leave with its status, as python3 would."""
        code = e.code
        if code is None:
            status = 0
        elif _type(code) is int:
            status = code & 0xFF
        else:
            try:
                _sys.stderr.write("%s\n" % (code,))
            except BaseException:
                pass
            status = 1
        flush()
        if status == 0:
            send("D", 0)
        _exit(status)

    # -- run-time collection: what pytest and unittest would collect ----------
    collected = []

    def collect(base):
        """Test functions, Test* classes and TestCase subclasses the tests
        bound in their globals (under `if`, `try`, by a factory, through an
        alias: whatever the module holds once its top level ran), in the
        order their names were bound. The solution's stand-ins are never
        collected: only the tests define tests."""
        inspect = _modules["inspect"]
        TestCase = _modules["unittest"].TestCase
        seen = set()
        out = []
        for name, obj in list(ns.items()):
            if _type(name) is not str or name == "@llsr":
                continue
            if solution_names.get(name, ns) is obj or _type(obj) is llsr_wire.Remote:
                continue
            if id(obj) in seen:
                continue
            if _isinstance(obj, _type):
                try:
                    is_case = issubclass(obj, TestCase)
                except BaseException:
                    continue
                if getattr(obj, "_llsr_mirror_of", None) is not None:
                    continue
                if not is_case and not (name.startswith("Test") and
                                        obj.__init__ is object.__init__):
                    continue
                methods = _test_methods(obj, is_case)
                seen.add(id(obj))
                for i, (m, line) in enumerate(methods):
                    if is_case:
                        out.append(("unittest", line, "%s::%s" % (name, m),
                                    (name, m, i == len(methods) - 1)))
                    else:
                        out.append(("method", line, "%s::%s" % (name, m), (name, m)))
            elif name.startswith("test") and inspect.isfunction(obj):
                seen.add(id(obj))
                out.append(("func", _line(obj), name, (name,)))
        collected[:] = out
        send("N", base, tuple((llsr_text.cap(n, 500), line) for _, line, n, _ in out))

    def _line(f):
        try:
            return int(f.__code__.co_firstlineno)
        except BaseException:
            return 0

    def _test_methods(cls, is_case):
        names = []
        for klass in reversed(cls.__mro__):
            for m in list(vars(klass)):
                if _type(m) is str and m.startswith("test") and m not in names:
                    if callable(getattr(cls, m, None)):
                        names.append(m)
        return [(m, _line(getattr(cls, m))) for m in names]

    def check_result(r):
        """pytest's rules for what a test function returns: a coroutine is
        run to its end (as pytest-asyncio would), a generator is an error."""
        inspect = _modules["inspect"]
        if inspect.iscoroutine(r):
            return _load("asyncio").run(r)
        if inspect.isgenerator(r):
            r.close()
            raise TypeError("yield tests are not supported (the test function is "
                            "a generator)")
        return r

    def call_func(name):
        check_result(ns[name]())

    def call_method(clsname, meth):
        inst = ns[clsname]()
        setup = getattr(inst, "setup_method", None)
        if setup is not None:
            setup(getattr(inst, meth))
        try:
            check_result(getattr(inst, meth)())
        finally:
            td = getattr(inst, "teardown_method", None)
            if td is not None:
                td(getattr(inst, meth))

    ut_classes = {}

    def run_unittest(k, clsname, meth, last):
        unittest = _modules["unittest"]
        inspect = _modules["inspect"]

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
            fn = getattr(cls, meth)
            if not issubclass(cls, unittest.IsolatedAsyncioTestCase):
                if inspect.iscoroutinefunction(fn):
                    end(k, "error", "async tests are not supported in a "
                        "unittest.TestCase (use IsolatedAsyncioTestCase)", None)
                    return
                if inspect.isgeneratorfunction(fn):
                    end(k, "error", "yield tests are not supported (the test "
                        "method is a generator)", None)
                    return
            st = ut_classes.get(clsname)
            if st is None:
                ut_classes[clsname] = st = [None, False]
                if not getattr(cls, "__unittest_skip__", False):
                    try:
                        cls.setUpClass()
                        st[1] = True
                    except _BaseException as e:
                        st[0] = e
            if st[0] is not None:
                r = classify(st[0])
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

    # Run the plan.
    _sys.argv = ["<solution>"]
    for step in job["steps"]:
        kind = step[0]
        if kind == "load":
            load_solution(step[1])
            # A missing entry point is a load error: found before any test
            # runs, so that none is counted.
            ep = job.get("entry_point")
            if ep and ep not in ns:
                send("L", 0, ("NameError", "entry point %r is not defined by the "
                              "solution" % ep, None, None, False))
                _exit(0)
        elif kind == "setup":
            send("P", step[1], "setup")
            try:
                _exec(step[2], ns)
            except _BaseException as e:
                fail_load(e, "<tests>", "the tests (line %d)" % step[1])
        elif kind == "case":
            run_test(step[1], _exec, step[2], ns)
        elif kind == "check":
            send("P", 0, "check")
            ep = step[1]
            check = ns.get("check")
            if check is None or _type(check) is llsr_wire.Remote or \
                    solution_names.get("check", ns) is check:
                send("L", 0, ("NameError", "the tests define no check() function",
                              None, None, False))
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
        elif kind == "collect":
            send("P", 0, "collect")
            collect(step[1])
            for i, (ckind, line, name, args) in enumerate(collected):
                k = step[1] + i
                if ckind == "func":
                    run_test(k, call_func, *args)
                elif ckind == "method":
                    run_test(k, call_method, *args)
                else:
                    run_unittest(k, *args)
    if peer is not None:
        peer.drain()
    send("D", 0)
    _exit(0)



_builtin_names = vars(__import__("builtins"))


class _Globals(dict):
    """The tests' globals in process mode. A name neither the tests nor
    the solution's stand-ins bound, and not a builtin, is the solution's
    global of that name, read from the solution process at each use."""

    peer = None

    def __missing__(self, name):
        if self.peer is None or type(name) is not str or name in _builtin_names \
                or name.startswith("@"):
            raise KeyError(name)
        try:
            return self.peer.request(("global", name))
        except NameError:
            raise KeyError(name) from None
