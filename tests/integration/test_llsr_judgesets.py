#!/usr/bin/env python3
"""`llsr eval` on the published layouts of APPS and LiveCodeBench (issue
15), against a private stack. The fixtures in tests/judgesets follow the
datasets' schemas (codeparrot/apps: problem_id, input_output as a JSON
string with inputs/outputs and fn_name; livecodebench/code_generation_lite:
question_id, public_test_cases and private_test_cases as JSON strings, the
private ones of two problems compressed as the release ships them, base64
of zlib of a pickled JSON string, and metadata with func_name). Each problem
has a right and a wrong solution: pass@1 = 0.5, pass@2 = 1.0, every sample
judged as it should be, stdin problems by program cases (per-case totals),
call-based and functional ones by asserts calling the function (plain or
Solution().NAME; a tuple result compares as a list; APPS's [expected]
wrapping). Some wrong solutions pass the public tests and fail only the
private ones, compressed included, so the private tests are shown to count.
Then: a rerun runs nothing; malformed inputs (a pickle of no string, a
fn_name that is no name, inputs and outputs of different lengths) are exit
2 naming the problem's line, before anything is sent.

usage: test_llsr_judgesets.py --bin PATH/ll-solution-runner --llsr PATH/llsr
                              [--port 22420]
"""
import argparse
import base64
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = os.path.join(os.path.dirname(HERE), "judgesets")
sys.path.insert(0, HERE)
from llsr_stack import Stack, Tap  # noqa: E402

tap = Tap()


def run(llsr, *args, timeout=600):
    e = dict(os.environ)
    for k in ("LLSR_URL", "LLSR_TOKEN"):
        e.pop(k, None)
    p = subprocess.run([llsr] + list(args), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL, env=e)
    return p.returncode, p.stdout, p.stderr


def pass_at(out, k):
    m = re.search(r"^pass@%d: ([0-9.]+)$" % k, out, re.M)
    return float(m.group(1)) if m else None


def results(path):
    with open(path) as f:
        return {(r["task_id"], r["sample"]): r for r in map(json.loads, f) if r}


def write(d, name, rows):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path


def check_set(llsr, url, d, name, expected_totals):
    probs = os.path.join(SETS, name + ".jsonl")
    samples = os.path.join(SETS, name + "-samples.jsonl")
    out = os.path.join(d, name + "-results.jsonl")
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1,2")
    tap(rc == 0 and pass_at(o, 1) == 0.5 and pass_at(o, 2) == 1.0,
        "%s: exit 0, pass@1 = 0.5, pass@2 = 1.0" % name, (rc, o, e))
    try:
        res = results(out)
    except (OSError, ValueError, KeyError) as ex:
        res = {}
        e += repr(ex)
    verdicts = {k: r["passed"] for k, r in res.items()}
    want = {(t, s): s == 0 for t in expected_totals for s in (0, 1)}
    tap(verdicts == want, "%s: every right solution passes, every wrong one fails" % name,
        (verdicts, want))
    totals = {t: res[(t, 0)]["summary"]["total"] for t in expected_totals if (t, 0) in res}
    tap(totals == expected_totals,
        "%s: every public and private test is judged (tests per problem)" % name,
        (totals, expected_totals))
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1,2")
    tap(rc == 0 and "0 run now, 8 from" in o and pass_at(o, 1) == 0.5,
        "%s: a rerun resumes, runs nothing" % name, (rc, o, e))
    return res


def check_failures(llsr, url, d):
    """Wrong solutions fail for the right reason: a stdin problem by its
    output, a functional one by the call's value."""
    lcb = os.path.join(SETS, "livecodebench.jsonl")
    samples = write(d, "why-s.jsonl", [
        {"task_id": "abc999_b", "code": "print(input())\n"},
        {"task_id": "3000", "code": "class Solution:\n    def twoSum(self, nums, target):\n"
                                    "        return (0, 1)\n"}])
    out = os.path.join(d, "why.jsonl")
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", lcb, "--samples", samples,
                   "--out", out, "--k", "1")
    res = results(out) if os.path.exists(out) else {}
    s = [res.get(k, {}).get("summary") for k in (("abc999_b", 0), ("3000", 0))]
    tap(rc == 0 and s[0] == {"total": 2, "passed": 1, "failed": 1, "not_run": 0}
        and s[1] is not None and (s[1]["total"], s[1]["passed"]) == (3, 2),
        "LiveCodeBench: the wrong stdin answer fails 1 of 2 cases; the tuple (0, 1) "
        "passes 2 of 3 functional tests (a tuple compares as a list)", (rc, o, e, s))


def check_compare(llsr, url, d):
    """--compare reaches the program cases, and is part of the result key."""
    apps = os.path.join(SETS, "apps.jsonl")
    samples = write(d, "cmp-s.jsonl", [
        {"task_id": 4001, "code": "a, b = map(int, input().split())\nprint('  ', a + b)\n"},
        {"task_id": 4003, "code": "def add_lists(a, b):\n    s = [x + y for x, y in zip(a, b)]\n"
                                  "    return s, len(s)\n"}])
    out = os.path.join(d, "cmp.jsonl")
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", apps, "--samples", samples,
                   "--out", out, "--k", "1")
    tap(rc == 0 and pass_at(o, 1) == 0.5, "--compare absent: leading spaces fail (lines)",
        (rc, o, e))
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", apps, "--samples", samples,
                   "--out", out, "--k", "1", "--compare", "tokens")
    tap(rc == 0 and pass_at(o, 1) == 1.0 and "1 run now, 1 from" in o,
        "--compare tokens: they pass; only the stdin problem's sample runs again",
        (rc, o, e))


def check_refusals(llsr, url, d):
    samples = write(d, "r-s.jsonl", [{"task_id": 1, "code": "print(1)\n"}])

    def bad(rows, what, needle, where=None):
        probs = write(d, "r-p.jsonl", rows)
        rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples)
        where = where or "r-p.jsonl:%d" % len(rows)
        tap(rc == 2 and needle in e and where in e and o == "",
            "refused, exit 2 naming it: " + what, (rc, o, e))

    not_str = base64.b64encode(zlib.compress(pickle.dumps([1, 2]))).decode()
    bad([{"question_id": 1, "public_test_cases": "[]", "private_test_cases": not_str,
          "metadata": "{}"}], "a compressed private_test_cases that is no pickled string",
        "not a pickle of one string")
    bad([{"question_id": 1, "public_test_cases": "[]",
          "private_test_cases": base64.b64encode(b"not zlib").decode(), "metadata": "{}"}],
        "base64 that is no zlib", "not zlib")
    bad([{"problem_id": 1, "input_output": json.dumps(
        {"fn_name": "f(); import os", "inputs": [[1]], "outputs": [[1]]})}],
        "a fn_name that is no Python name", "fn_name is not a name")
    bad([{"problem_id": 1, "input_output": json.dumps({"inputs": ["1"], "outputs": []})}],
        "inputs and outputs of different lengths", "same length")
    bad([{"question_id": 1, "public_test_cases": json.dumps(
        [{"input": "1", "output": "1", "testtype": "stdin"},
         {"input": "1", "output": "1", "testtype": "functional"}]),
        "private_test_cases": "[]", "metadata": json.dumps({"func_name": "f"})}],
        "stdin and functional tests in one problem", "mixed")
    bad([{"problem_id": 1, "input_output": ""}],
        "an APPS problem without tests, with samples", "no test", "task_id 1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--llsr", required=True)
    ap.add_argument("--port", type=int, default=22420)
    a = ap.parse_args()
    llsr = os.path.abspath(a.llsr)
    d = tempfile.mkdtemp(prefix="llsr-judgesets.")
    stack = Stack(os.path.abspath(a.bin), a.port, [], workers=2)
    try:
        url = "http://127.0.0.1:%d" % a.port
        check_set(llsr, url, d, "apps", {4001: 3, 4002: 2, 4003: 3, 4004: 2})
        check_set(llsr, url, d, "livecodebench",
                  {"abc999_a": 3, "abc999_b": 2, "3000": 3, "3001": 3})
        check_failures(llsr, url, d)
        check_compare(llsr, url, d)
        check_refusals(llsr, url, d)
    finally:
        stack.stop()
        shutil.rmtree(d, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
