#!/usr/bin/env python3
"""Program cases in the harness (TAP), run on the host, no docker: the
comparison modes of llsr_compare (accepting, rejecting, where the first
difference is), and frames with "cases" fed to docker/harness/harness.py
(verdicts, order, stop_on_first_failure, the frame's validation). The
integration suite (tests/integration/test_cases.py) runs the same through
the service, and the attacks on the expected output in the real sandbox
(on a host, as root, non-dumpability protects nothing).

Run: python3 tests/harness/test_cases.py
"""

import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "docker", "harness"))
import llsr_compare as C  # noqa: E402
import test_harness as H  # noqa: E402

RESULTS = []


def tap(ok, name, detail=""):
    RESULTS.append(bool(ok))
    print("%s %d - %s" % ("ok" if ok else "not ok", len(RESULTS), name))
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print("# " + line)


def verdict(exp, act, mode, **kw):
    d = C.compare(exp, act, mode, **kw)
    return None if d is None else (d.line, d.column, d.expected, d.actual)


# (mode, expected, actual, None if accepted else (line, column, exp, act))
COMPARE = [
    ("exact", b"a\n", b"a\n", None),
    ("exact", b"a\n", b"a", (2, 1, "", "")),
    ("exact", b"a b\n", b"a b \n", (1, 4, "a b", "a b ")),
    ("exact", b"a\r\n", b"a\n", (1, 2, "a\r", "a")),
    ("lines", b"1 2\n3\n", b"1 2  \r\n3\t\n\n\n", None),
    ("lines", b"1 2\n3", b"1 2\n3\n", None),
    ("lines", b"", b"\n\n  \n", None),
    ("lines", b"1 2\n3\n", b"1 2\n4\n", (2, 1, "3", "4")),
    ("lines", b"1 2\n3\n", b"1  2\n3\n", (1, 3, "1 2", "1  2")),
    ("lines", b"1\n2\n", b"1\n", (2, 1, "2", "")),
    ("lines", b"1\n", b"1\n2\n", (2, 1, "", "2")),
    ("lines", b"\n1\n", b"1\n", (1, 1, "", "1")),  # leading blank lines count
    ("tokens", b"1 2 3\n", b"1\n2\t 3", None),
    # (the excerpts are the lines around the differing tokens)
    ("tokens", b"1 2 3\n", b"1 2 4\n", (1, 5, "1 2 3", "1 2 4")),
    ("tokens", b"1 2 3\n", b"1\n2", (2, 2, "1 2 3", "")),
    ("tokens", b"1 2\n", b"1 2 3\n", (1, 5, "", "1 2 3")),
    ("float", b"0.33333333333 2000 yes\n", b"0.3333333 2e3 yes", None),
    ("float", b"0.33\n", b"0.34\n", (1, 1, "0.33", "0.34")),
    ("float", b"1000000\n", b"1000001\n", None),             # rel_tol 1e-6
    ("float", b"yes\n", b"Yes\n", (1, 1, "yes", "Yes")),
    ("float", b"nan\n", b"nan\n", None),                     # same word
    ("float", b"inf\n", b"1e999\n", (1, 1, "inf", "1e999")),  # not finite: words
    ("float", b"1\n", b"0x1\n", (1, 1, "1", "0x1")),
]


def compare_modes():
    for mode, exp, act, want in COMPARE:
        got = verdict(exp, act, mode)
        tap(got == want, "compare %s: %r vs %r -> %s" % (mode, exp, act, want or "accepted"),
            "got %r" % (got,))
    tap(verdict(b"0.33", b"0.34", "float", abs_tol=0.05, rel_tol=0) is None,
        "float: abs_tol 0.05 accepts 0.34 for 0.33")
    tap(verdict(b"1000000", b"1000001", "float", abs_tol=0, rel_tol=0) is not None,
        "float: abs_tol 0 and rel_tol 0 refuse 1000001 for 1000000")
    long_line = b"x" * 1000 + b"A" + b"y" * 1000
    d = C.compare(long_line.replace(b"A", b"B"), long_line, "lines")
    tap(d is not None and d.column == 1001 and len(d.actual) <= C.EXCERPT + 6
        and "A" in d.actual and "B" in d.expected,
        "a difference deep in a long line: its column, excerpts capped around it",
        d and d.as_dict())
    tap(C.compare(b"\xff\n", b"\xfe\n", "lines").actual == "\ufffd",
        "excerpts of bytes that are not UTF-8 are decoded with replacement")


def frame(code, cases, **kw):
    j = dict(cases=[{"name": c[2] if len(c) > 2 else None,
                     "stdin": base64.b64encode(c[0]).decode(),
                     "expected_stdout": base64.b64encode(c[1]).decode()} for c in cases],
             compare="lines", case_timeout_ms=2000, case_output_limit=1000,
             parallel=2, memory_mb=256, program=True)
    j.update(kw)
    return H.frame(code, **j)


def run_cases(code, cases, **kw):
    rep, out, rc, secs = H.run_raw(frame(code, cases, **kw))
    return rep, out


PROG = (b"import os, sys\n"
        b"n = sys.stdin.read().strip()\n"
        b"if n == 'exit4':\n    sys.exit(4)\n"
        b"if n == 'abrt':\n    os.abort()\n"
        b"if n == 'spin':\n    while True:\n        pass\n"
        b"if n == 'flood':\n    print('x' * 5000)\n"
        b"if n == 'eat':\n    b = bytearray(1 << 30)\n"
        b"print(n)\n").decode()


def harness_runs():
    rep, out = run_cases(PROG, [(b"a", b"a\n", "first"), (b"b", b"c\n"), (b"exit4", b""),
                                (b"abrt", b""), (b"spin", b""), (b"flood", b""),
                                (b"eat", b"")],
                         case_timeout_ms=200, memory_mb=64)
    got = [c["status"] for c in rep["cases"]] if rep else out
    tap(got == ["passed", "wrong_answer", "runtime_error", "runtime_error", "timeout",
                "output_limit", "memory_limit"],
        "a frame with cases: every verdict, in order: %s" % (got,), rep)
    if rep:
        cs = rep["cases"]
        tap(rep["status"] == "failed" and rep["tests"] == [], "run status failed, no tests", rep)
        tap(cs[0]["name"] == "first" and cs[2]["exit_code"] == 4
            and cs[3]["signal"] == "SIGABRT" and cs[1]["difference"] ==
            {"line": 1, "column": 1, "expected": "c", "actual": "b"},
            "names, exit code, signal name and the difference are reported", cs[:4])
        tap(all(c["time_ms"] >= 0 and c["wall_ms"] > 0 and c["memory_kb"] > 0 for c in cs),
            "time_ms, wall_ms and memory_kb of every case", cs)
    rep, out = run_cases(PROG, [(b"a", b"a"), (b"b", b"x"), (b"c", b"c"), (b"d", b"d")],
                         stop_on_first_failure=True, parallel=1)
    got = [c["status"] for c in rep["cases"]] if rep else out
    tap(got == ["passed", "wrong_answer", "not_run", "not_run"],
        "stop_on_first_failure: the rest not_run: %s" % (got,))
    rep, out = run_cases(PROG, [(b"%d" % i, b"%d" % i) for i in range(5)], parallel=3)
    tap(rep and rep["status"] == "passed"
        and [c["index"] for c in rep["cases"]] == list(range(5)),
        "all passed in parallel 3: status passed, the order given", rep or out)
    rep, out = run_cases(PROG, [(b"a", b"a")], compare="diff")
    tap(rep and rep["status"] == "error" and "compare" in rep["error"]["message"],
        "an unknown compare mode in the frame is a bad frame", rep or out)
    rep, out = H.run_raw(H.frame(PROG, cases=[{"expected_stdout": "@"}], compare="lines",
                                 case_timeout_ms=1, case_output_limit=1, parallel=1))[:2]
    tap(rep and rep["status"] == "error" and "base64" in rep["error"]["message"],
        "bad base64 in a case is a bad frame", rep or out)


# A special judge: any permutation of the expected numbers is right.
CHECKER = (b"import sys\n"
           b"inp, exp, act = (open(p, 'rb').read() for p in sys.argv[1:4])\n"
           b"if b'crash' in inp:\n    raise ValueError('checker bug')\n"
           b"if b'spin' in inp:\n    while True:\n        pass\n"
           b"if b'two' in inp:\n    print('two is no verdict'); sys.exit(2)\n"
           b"if sorted(exp.split()) == sorted(act.split()):\n"
           b"    print('ok: a permutation'); sys.exit(0)\n"
           b"print('not a permutation of', exp.decode().strip()); sys.exit(1)\n")
ECHO = "import sys\nprint(sys.stdin.read().split('/')[0])\n"


def checker_runs():
    def run(cases, **kw):
        kw = dict(dict(compare="checker", checker=base64.b64encode(CHECKER).decode(),
                       checker_timeout_ms=300, checker_memory_mb=256,
                       checker_output_limit=4096), **kw)
        return run_cases(ECHO, cases, **kw)
    rep, out = run([(b"1 2 3", b"3 1 2"), (b"1 2", b"1 3", "wrong"), (b"1/crash", b"1"),
                    (b"1/spin", b"1"), (b"1/two", b"1"), (b"x", b"x")])
    got = [c["status"] for c in rep["cases"]] if rep else out
    tap(got == ["passed", "wrong_answer", "checker_error", "checker_error",
                "checker_error", "passed"],
        "checker: accept, reject, crash, timeout, exit 2: %s" % (got,), rep)
    if rep:
        cs = rep["cases"]
        tap(cs[0]["message"] == "ok: a permutation"
            and cs[1]["message"] == "not a permutation of 1 3",
            "checker: its first line of output is the message", cs[:2])
        tap("ValueError: checker bug" in (cs[2]["message"] or "")
            and "time limit" in (cs[3]["message"] or "")
            and "code 2" in (cs[4]["message"] or ""),
            "checker_error messages say what went wrong", cs[2:5])
        tap(rep["status"] == "error" and rep["error"]["type"] == "CheckerError"
            and rep["error"]["message"].startswith("case 2: "),
            "a checker_error makes the run error, type CheckerError", rep)
    rep, out = run([(b"1 2", b"2 1"), (b"1", b"1")])
    tap(rep and rep["status"] == "passed", "checker: all accepted, run passed", rep or out)
    rep, out = run([(b"1", b"2"), (b"1", b"1"), (b"1", b"1")],
                   stop_on_first_failure=True, parallel=1)
    got = [c["status"] for c in rep["cases"]] if rep else out
    tap(got == ["wrong_answer", "not_run", "not_run"] and rep["status"] == "failed",
        "checker with stop_on_first_failure: %s" % (got,), rep)
    rep, out = run_cases(ECHO, [(b"1", b"1")], compare="checker")
    tap(rep and rep["status"] == "error" and "checker" in rep["error"]["message"],
        "compare checker without a checker is a bad frame", rep or out)
    rep, out = run_cases(ECHO, [(b"1", b"1")], checker="eA==")
    tap(rep and rep["status"] == "error" and "checker" in rep["error"]["message"],
        "a checker without compare checker is a bad frame", rep or out)


def main():
    compare_modes()
    harness_runs()
    checker_runs()
    print("1..%d" % len(RESULTS))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
