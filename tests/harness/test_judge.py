#!/usr/bin/env python3
"""The judge/solution boundary of the harness (TAP), run on the host.

Each case feeds one frame to docker/harness/harness.py, as test_harness.py
does (its helpers are reused): what crosses the boundary and how, the
attacks that beat the single-process harness, test collection, zero
tests, exit codes, isolation modes. Dumpability cannot be shown here (on
a host the harness runs as root, which may ptrace anything): the
adversarial suite (tests/adversarial) attacks it in the real sandbox.

Run: python3 tests/harness/test_judge.py [-v] [name-substring]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_harness as H  # noqa: E402

CASES = []


def case(fn):
    CASES.append((fn.__name__[2:], fn))
    return fn


def check_statuses(code, tests, want, **kw):
    rep = H.run(code, tests, **kw)
    c = H.Check()
    c.eq(H.statuses(rep), want, "statuses")
    return c, rep


# --- what crosses the boundary -------------------------------------------------

@case
def t_plain_values_cross_by_value_with_exact_types():
    code = ("class MyInt(int):\n    def __eq__(self, o):\n        return True\n"
            "def f():\n    return (1, 2.5, 3j, 'x', b'y', bytearray(b'z'), None, True,\n"
            "            [1, [2]], {'a': {1, 2}}, frozenset({3}), slice(1, 2))\n"
            "def g():\n    return MyInt(5)\n")
    tests = ("r = f()\n"
             "assert [type(x).__name__ for x in r] == ['int', 'float', 'complex', 'str', "
             "'bytes', 'bytearray', 'NoneType', 'bool', 'list', 'dict', 'frozenset', 'slice']\n"
             "assert r[9] == {'a': {1, 2}}\n"
             "assert type(g()) is not int\n"
             "assert g() == 5\n")
    c, rep = check_statuses(code, tests, ["passed", "passed", "passed", "passed"])
    return c


@case
def t_exceptions_cross_as_builtin_types():
    code = ("class Bad(ValueError):\n    pass\n"
            "def f(x):\n    if x == 1:\n        raise KeyError('k')\n"
            "    if x == 2:\n        raise Bad('custom')\n"
            "    if x == 3:\n        raise ZeroDivisionError('zero')\n"
            "    return x\n")
    tests = ("import unittest\n"
             "try:\n    f(1)\nexcept KeyError as e:\n    k = e.args\n"
             "assert k == ('k',)\n"
             "try:\n    f(2)\nexcept Bad as e:\n    m = str(e)\n"
             "assert m == 'custom'\n"
             "try:\n    f(2)\nexcept ValueError:\n    v = True\n"
             "assert v\n"
             "class T(unittest.TestCase):\n"
             "    def test_raises(self):\n        self.assertRaises(ZeroDivisionError, f, 3)\n"
             "    def test_wrong(self):\n        self.assertRaises(KeyError, f, 3)\n")
    # (assertRaises lets another exception through: an error, as in unittest)
    c, rep = check_statuses(code, tests, ["passed", "passed", "passed", "passed", "error"])
    tb = rep["tests"][4]["traceback"] or ""
    c.true("<solution>" in tb and "ZeroDivisionError" in tb,
           "the solution's frames are in the traceback: %r" % tb)
    return c


@case
def t_objects_stay_in_the_solution_as_handles():
    code = ("class Stack:\n    def __init__(self):\n        self.items = []\n"
            "    def push(self, x):\n        self.items.append(x)\n"
            "    def __len__(self):\n        return len(self.items)\n"
            "    def __iter__(self):\n        return iter(self.items)\n"
            "    def __eq__(self, o):\n        return isinstance(o, Stack) and o.items == self.items\n"
            "def gen(n):\n    for i in range(n):\n        yield i * i\n")
    tests = ("s = Stack()\ns.push(1)\ns.push(2)\n"
             "assert len(s) == 2\nassert list(s) == [1, 2]\nassert s.items == [1, 2]\n"
             "assert isinstance(s, Stack)\nassert not isinstance(5, Stack)\n"
             "assert list(gen(4)) == [0, 1, 4, 9]\n"
             "t = Stack()\nt.push(1)\nassert s != t\n")
    c, rep = check_statuses(code, tests, ["passed"] * 7)
    return c


@case
def t_mutated_arguments_are_copied_back():
    code = ("def sort_in_place(a):\n    a.sort()\n"
            "def add_key(d, k=None):\n    d[k] = 1\n"
            "def grow(s):\n    s.add(9)\n")
    tests = ("a = [3, 1, 2]\nsort_in_place(a)\nassert a == [1, 2, 3]\n"
             "d = {}\nadd_key(d, k='x')\nassert d == {'x': 1}\n"
             "s = set()\ngrow(s)\nassert s == {9}\n")
    c, rep = check_statuses(code, tests, ["passed", "passed", "passed"])
    return c


@case
def t_callbacks_into_the_tests():
    code = "def apply(f, xs):\n    return [f(x) for x in xs]\ndef key_sort(xs, key):\n    return sorted(xs, key=key)\n"
    tests = ("assert apply(lambda x: x * 2, [1, 2]) == [2, 4]\n"
             "assert key_sort([3, 1, 2], key=lambda x: -x) == [3, 2, 1]\n"
             "assert apply(len, ['ab', 'c']) == [2, 1]\n"
             "def secretive(x):\n    return x\n")
    code += "def peek(f):\n    return f.__globals__\n"
    tests += "assert peek(secretive) is None\n"
    c, rep = check_statuses(code, tests, ["passed", "passed", "passed", "error"])
    c.true("may not look inside" in (rep["tests"][3]["message"] or ""),
           rep["tests"][3]["message"])
    return c


@case
def t_solution_output_reaches_the_tests_streams():
    code = ("import sys\ndef hello(n):\n    print('hello', n)\n"
            "    print('warn', file=sys.stderr)\n    return n\n")
    tests = ("import io, contextlib\n"
             "buf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n    hello(1)\n"
             "assert buf.getvalue() == 'hello 1\\n'\n"
             "assert hello(2) == 2\n")
    c, rep = check_statuses(code, tests, ["passed", "passed"])
    c.eq(rep["tests"][1]["stdout"], "hello 2\n", "per-test stdout")
    c.true("warn" in rep["tests"][1]["stderr"], "per-test stderr")
    return c


@case
def t_solution_globals_are_read_live():
    code = "count = 0\ndef bump():\n    global count\n    count += 1\n"
    tests = "bump()\nbump()\nassert count == 2\n"
    c, rep = check_statuses(code, tests, ["passed"])
    return c


@case
def t_a_crash_in_a_call_is_the_tests_error_and_the_next_test_runs():
    code = ("import os, ctypes\ndef f(x):\n    if x == 1:\n        os._exit(0)\n"
            "    if x == 2:\n        ctypes.string_at(0)\n    return x\n")
    tests = "assert f(0) == 0\nassert f(1) == 1\nassert f(2) == 2\nassert f(3) == 3\n"
    c, rep = check_statuses(code, tests, ["passed", "error", "error", "passed"])
    c.true("exited with code 0" in (rep["tests"][1]["message"] or ""), rep["tests"][1]["message"])
    c.true("SIGSEGV" in (rep["tests"][2]["message"] or ""), rep["tests"][2]["message"])
    return c


@case
def t_a_flood_in_a_call_is_the_output_limit():
    code = "def f():\n    print('x' * 100000)\n    return 1\n"
    rep = H.run(code, "assert f() == 1\nassert 1 == 1\n", output_limit=1000)
    c = H.Check()
    c.eq(rep["status"], "output_limit", "status")
    c.eq(H.statuses(rep), ["error", "not_run"], "statuses")
    return c


# --- the attacks that beat the single-process harness --------------------------

RELAY = """
import os, socket, threading, stat
def _relay(a, b):
    while True:
        try:
            d = os.read(a, 65536)
        except OSError:
            return
        if not d:
            return
        os.write(b, d.replace(b"failed", b"passed").replace(b"'error'", b"'passed'"))
for fd in range(3, 64):
    try:
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            continue
    except OSError:
        continue
    keep = os.dup(fd)
    mine, theirs = socket.socketpair()
    os.dup2(theirs.fileno(), fd)
    threading.Thread(target=_relay, args=(mine.fileno(), keep), daemon=True).start()
    threading.Thread(target=_relay, args=(keep, mine.fileno()), daemon=True).start()
def add(a, b):
    return a - b
"""


@case
def t_attack_result_channel_swap():
    c = H.Check()
    for tests, ep in (("assert add(1, 2) == 3\n", None),
                      ("def check(candidate):\n    assert candidate(1, 2) == 3\n", "add"),
                      ("import unittest\nclass T(unittest.TestCase):\n"
                       "    def test_a(self):\n        self.assertEqual(add(1, 2), 3)\n", None)):
        rep = H.run(RELAY, tests, entry_point=ep)
        c.true("passed" not in H.statuses(rep) and rep["status"] != "passed",
               "relay (%s): %r %r" % (ep or tests[:20], rep["status"], H.statuses(rep)))
    return c


@case
def t_attack_patching_the_test_machinery():
    code = ("import unittest\nunittest.TestCase.run = lambda self, result=None: None\n"
            "import builtins\nbuiltins.AssertionError = type('X', (Exception,), {})\n"
            "def add(a, b):\n    return 0\n")
    tests = ("import unittest\nclass T(unittest.TestCase):\n"
             "    def test_a(self):\n        self.assertEqual(add(1, 2), 3)\n"
             "assert add(1, 2) == 3\n")
    c, rep = check_statuses(code, tests, ["failed", "failed"])
    return c


@case
def t_attack_hook_between_tests_swaps_test_functions():
    code = ("import sys\n"
            "def _noop(*a, **k):\n    return None\n"
            "_orig = sys.stdout.flush\n"
            "def _hook():\n"
            "    for name, v in list(globals().items()):\n"
            "        if name.startswith('test_'):\n            globals()[name] = _noop\n"
            "    f = sys._getframe(1)\n"
            "    while f is not None:\n"
            "        for k in list(f.f_globals):\n"
            "            if k.startswith('test_'):\n                f.f_globals[k] = _noop\n"
            "        f = f.f_back\n"
            "    return _orig()\n"
            "sys.stdout.flush = _hook\n"
            "def add(a, b):\n    print('x')\n    return 0\n")
    tests = ("def test_one():\n    assert add(1, 2) == 3\n"
             "def test_two():\n    assert add(2, 2) == 4\n")
    c, rep = check_statuses(code, tests, ["failed", "failed"])
    return c


@case
def t_attack_reading_the_answer_from_the_callers_frame():
    code = ("import sys, gc\n"
            "def add(a, b):\n"
            "    f = sys._getframe(1)\n"
            "    while f is not None:\n"
            "        consts = f.f_code.co_consts\n"
            "        for i, c in enumerate(consts):\n"
            "            if c == b and i + 1 < len(consts) and type(consts[i + 1]) is int:\n"
            "                return consts[i + 1]\n"
            "        f = f.f_back\n"
            "    for o in gc.get_objects():\n"
            "        if type(o) is type((lambda: 0).__code__) and o.co_filename == '<tests>':\n"
            "            return o.co_consts[-1]\n"
            "    return -1\n")
    c = H.Check()
    for tests, ep in (("assert add(1234, 4321) == 5555\n", None),
                      ("def check(candidate):\n    assert candidate(1234, 4321) == 5555\n"
                       "    assert candidate(5678, 8765) == 14443\n", "add")):
        rep = H.run(code, tests, entry_point=ep)
        c.true("passed" not in H.statuses(rep),
               "frame reading (%s): %r" % (ep, H.statuses(rep)))
    return c


@case
def t_attack_settrace_and_atexit_in_the_solution():
    code = ("import sys, atexit, os\n"
            "def tr(frame, event, arg):\n    return tr\n"
            "sys.settrace(tr)\nsys.setprofile(lambda *a: None)\n"
            "atexit.register(lambda: os.write(1, b'passed\\n'))\n"
            "def add(a, b):\n    return 0\n")
    c, rep = check_statuses(code, "assert add(1, 2) == 3\n", ["failed"])
    return c


# --- collection ------------------------------------------------------------------

@case
def t_collection_gaps_are_collected():
    tests = ("import unittest, asyncio\n"
             "from unittest import TestCase as TC\n"
             "Base = unittest.TestCase\n"
             "class A(TC):\n    def test_a(self):\n        self.assertEqual(f(), 2)\n"
             "class B(Base):\n    def test_b(self):\n        self.assertEqual(f(), 2)\n"
             "async def test_async():\n    await asyncio.sleep(0)\n    assert f() == 2\n"
             "def make(v):\n    def t():\n        assert f() == v\n    return t\n"
             "test_factory = make(2)\n"
             "if True:\n    def test_under_if():\n        assert f() == 2\n"
             "try:\n    def test_under_try():\n        assert f() == 2\nexcept Exception:\n    pass\n"
             "def test_gen():\n    yield 1\n")
    rep = H.run("def f():\n    return 1\n", tests)
    c = H.Check()
    names = [t["name"] for t in rep["tests"]]
    want = ["A::test_a", "B::test_b", "test_async", "test_factory", "test_under_if",
            "test_under_try", "test_gen"]
    c.eq(names, want, "names")
    c.eq(H.statuses(rep), ["failed"] * 6 + ["error"], "statuses")
    c.true("yield" in (rep["tests"][-1]["message"] or ""), rep["tests"][-1]["message"])
    c.eq(rep["status"], "failed", "status")
    # The same tests with a right solution all pass (bar the generator).
    rep = H.run("def f():\n    return 2\n", tests)
    c.eq(H.statuses(rep), ["passed"] * 6 + ["error"], "statuses with a right f")
    return c


@case
def t_solution_cannot_add_or_hide_tests():
    code = ("import unittest\nclass TestFake(unittest.TestCase):\n"
            "    def test_ok(self):\n        pass\n"
            "def test_fake():\n    pass\n"
            "def f():\n    return 1\n")
    rep = H.run(code, "def test_real():\n    assert f() == 2\n")
    c = H.Check()
    c.eq([t["name"] for t in rep["tests"]], ["test_real"], "only the tests' own tests")
    c.eq(H.statuses(rep), ["failed"], "statuses")
    return c


@case
def t_zero_tests_is_no_tests():
    c = H.Check()
    for tests, program in (("", False), ("x = 1\ndef helper():\n    assert x == 2\n", False),
                           ("# nothing\n", None)):
        rep = H.run("def f():\n    return 1\n", tests, program=program)
        c.eq((rep["status"], rep["tests"]), ("no_tests", []), "tests %r" % tests)
    rep = H.run("print('hi')\n", "", program=True)
    c.eq((rep["status"], rep["exit_code"]), ("passed", 0), "a program run")
    rep = H.run("import unittest\nclass TestX(unittest.TestCase):\n"
                "    def test_x(self):\n        self.assertEqual(1, 2)\n", "", program=False)
    c.eq((rep["status"], rep["isolation"], H.statuses(rep)), ("failed", "in_process", ["failed"]),
         "a solution carrying its own tests")
    return c


@case
def t_helpers_inside_check_that_assert_are_cases():
    tests = ("def check(candidate):\n"
             "    def h(v):\n        assert candidate(v) == v + 1\n"
             "    h(1)\n"
             "    assert candidate(2) == 3\n"
             "    h(3)\n")
    c, rep = check_statuses("def inc(x):\n    return x + 1 if x != 3 else 0\n", tests,
                            ["passed", "passed", "failed"], entry_point="inc")
    c2, rep = check_statuses("def inc(x):\n    return 0\n", tests,
                             ["failed", "failed", "failed"], entry_point="inc")
    c.problems += c2.problems
    # and at the top level of assert-style tests
    c3, rep = check_statuses("def inc(x):\n    return 0\n",
                             "def h(v):\n    assert inc(v) == v + 1\nh(1)\nh(2)\n",
                             ["failed", "failed"])
    c.problems += c3.problems
    return c


@case
def t_deeply_nested_assert_is_a_clear_verdict():
    deep = "assert " + "+".join(["a"] * 600) + " == 0\n"
    rep = H.run("a = 1\n", deep)
    c = H.Check()
    c.true(rep["status"] in ("failed", "error"), "status %r" % rep["status"])
    c.true(rep["status"] == "failed" or "nested" in (rep["error"] or {}).get("message", ""),
           "a clear message: %r" % (rep["error"],))
    rep = H.run("a = 0\n", deep)
    c.eq(rep["status"], "passed", "the same assert, true, passes")
    return c


@case
def t_exit_codes_of_program_runs():
    c = H.Check()
    rep = H.run("import sys\nprint('before')\nsys.exit(3)\n", "", program=True)
    c.eq((rep["status"], rep["exit_code"]), ("error", 3), "sys.exit(3)")
    rep = H.run("import os\nos._exit(5)\n", "", program=True)
    c.eq((rep["status"], rep["exit_code"]), ("error", 5), "os._exit(5)")
    rep = H.run("raise ValueError('x')\n", "", program=True)
    c.eq((rep["status"], rep["exit_code"], rep["error"]["type"]), ("error", 1, "ValueError"),
         "an uncaught exception")
    rep = H.run("while True:\n    pass\n", "", program=True, timeout_ms=300)
    c.eq((rep["status"], rep["exit_code"]), ("timeout", None), "killed at its time limit")
    rep = H.run("import sys\nsys.exit(0)\n", "", program=True)
    c.eq((rep["status"], rep["exit_code"]), ("passed", 0), "sys.exit(0)")
    return c


@case
def t_in_process_isolation_is_said_and_forgeable():
    code = ("import unittest\nunittest.TestCase.run = lambda self, result=None: None\n"
            "def add(a, b):\n    return 0\n")
    tests = ("import unittest\nclass T(unittest.TestCase):\n"
             "    def test_a(self):\n        self.assertEqual(add(1, 2), 3)\n")
    rep = H.run(code, tests, isolation="in_process")
    c = H.Check()
    c.eq(rep["isolation"], "in_process", "isolation")
    c.eq(H.statuses(rep), ["passed"], "forged, as documented")
    rep = H.run(code, tests)
    c.eq((rep["isolation"], H.statuses(rep)), ("process", ["failed"]), "the default")
    return c


# --- the time limit is the user's time ------------------------------------------

BIG_WALL = {"wall_ms": 60000, "test_wall_ms": 60000, "overhead_ms": 60000}


@case
def t_restarts_are_not_charged_to_the_time_limit():
    # 80 tests that each crash their pair: 80 fresh pairs (two interpreter
    # start-ups each: seconds in all on any machine) but only a few ms of
    # user code each. Counted from the frame, the start-ups alone would
    # pass the 1 s CPU limits (160 start-ups are over 2 s of CPU);
    # charged as the user's time, they do not count. (The wall-clock
    # limits are out of the way: on a loaded machine the user's own few ms
    # per test can add up to more than 1 s of wall time, and that is not
    # what is checked here.)
    tests = "".join("assert boom(%d) == 0\n" % i for i in range(80))
    rep, out, rc, secs = H.run_raw(H.frame(
        "import os\ndef boom(i):\n    os._exit(1)\n", tests, timeout_ms=1000,
        test_timeout_ms=1000, wall_ms=600000, test_wall_ms=600000, overhead_ms=600000),
        timeout=600)
    c = H.Check()
    if rep is None:
        c.true(False, "no report (rc=%s)" % rc)
        return c
    rep["_secs"] = secs
    c.eq(rep["status"], "failed", "status")
    c.eq(H.statuses(rep), ["error"] * 80, "statuses")
    c.true(rep["_secs"] > 1.0, "the run took %.2f s in all (more than the limits)" % rep["_secs"])
    tests = tests[:tests.index("assert boom(25)")]
    # What is not charged is bounded all the same: overhead_ms.
    rep = H.run("import os\ndef boom(i):\n    os._exit(1)\n", tests * 8,
                timeout_ms=100, test_timeout_ms=100, overhead_ms=300)
    c.eq(rep["status"], "timeout", "200 restarts in 300 ms of harness time")
    return c


@case
def t_user_code_is_charged():
    # CPU time (whatever the machine's load): three calls that each spin
    # for 0.15 s of CPU in a 0.4 s limit; the third is over.
    spin = ("import time\ndef slow():\n    t = time.process_time()\n"
            "    while time.process_time() - t < 0.15:\n        pass\n    return 1\n")
    three = "assert slow() == 1\nassert slow() == 1\nassert slow() == 1\n"
    rep = H.run(spin, three, timeout_ms=400, test_timeout_ms=400, **BIG_WALL)
    c = H.Check()
    c.eq((rep["status"], H.statuses(rep)), ("timeout", ["passed", "passed", "timeout"]),
         "three 0.15 s of CPU in a 0.4 s limit")
    # A test's own limit: 0.3 s of CPU in a 0.2 s test limit.
    rep = H.run(spin.replace("0.15", "0.3"), "assert slow() == 1\nassert 1 == 1\n",
                timeout_ms=5000, test_timeout_ms=200, **BIG_WALL)
    c.eq(H.statuses(rep), ["timeout", "passed"], "a test over its own CPU limit")
    c.true("test time limit of 200 ms" in (rep["tests"][0]["message"] or ""),
           rep["tests"][0]["message"])
    # Sleeping uses no CPU: a 1.2 s sleep passes a 1 s limit (its wall-clock
    # limit is 2.5 s), a 1.5 s sleep does not pass a 0.2 s limit (0.9 s).
    sleep = "import time\ndef slow(s):\n    time.sleep(s)\n    return 1\n"
    rep = H.run(sleep, "assert slow(1.2) == 1\n", timeout_ms=1000, test_timeout_ms=1000)
    c.eq(H.statuses(rep), ["passed"], "1.2 s asleep in a 1 s CPU limit")
    rep = H.run(sleep, "assert slow(1.5) == 1\n", timeout_ms=200, test_timeout_ms=200)
    c.eq(H.statuses(rep), ["timeout"], "1.5 s asleep, 0.9 s wall-clock limit")
    c.true("wall-clock limit of 900 ms" in (rep["tests"][0]["message"] or ""),
           rep["tests"][0]["message"])
    return c


if __name__ == "__main__":
    sys.exit(H.run_cases(CASES))
