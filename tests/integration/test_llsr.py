#!/usr/bin/env python3
"""llsr(1), the command-line client, against a running service: `llsr run`
on a passing and a failing submission (exit 0 and 1, the report names every
test), --json, a transport error (exit 2), usage errors; `llsr eval` on five
MBPP problems with two samples each (the reference solution, and one whose
function returns None): pass@1 = 0.5, ten result lines, a rerun resumes
(runs nothing, or only the lines that are missing), one request per sample
with --batch 1; and a HumanEval-format problem (prompt + completion,
check(entry_point)); program cases from files (`--case IN OUT`, `--cases
DIR`, `--compare`), a verdict per case, exit 0 only when all passed. Uses the batch API when the service has it, else the
fallback, and passes either way. TAP on stdout.

usage: test_llsr.py --bin PATH/llsr --url http://127.0.0.1:PORT [--mbpp FILE]

MBPP (Mostly Basic Python Problems, Austin et al. 2021) is by Google
Research, CC BY 4.0; this reads /work/shared/datasets/mbpp-sanitized.json.
"""
import argparse
import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse

DEFAULT_MBPP = "/work/shared/datasets/mbpp-sanitized.json"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

results = []


def tap(ok, name, detail=""):
    results.append(bool(ok))
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines()[:30]:
            print("# " + line)
    sys.stdout.flush()


def note(text):
    print("# " + text)
    sys.stdout.flush()


def run(binary, *args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("LLSR_URL", None)
    e.pop("LLSR_TOKEN", None)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    p = subprocess.run([binary] + list(args), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL, env=e)
    return p.returncode, p.stdout, p.stderr


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pass_at(out, k):
    m = re.search(r"^pass@%d: ([0-9.]+)$" % k, out, re.M)
    return float(m.group(1)) if m else None


def jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def broken(code):
    """The reference solution with its last function redefined to return
    None: it loads, and every assert on that function fails."""
    names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
    return code + "\n\ndef %s(*args, **kwargs):\n    return None\n" % names[-1]


def check_run(binary, url, d):
    sol = write(d, "sol.py", "def add(a, b):\n    return a + b\n")
    good = write(d, "good.py", "assert add(1, 2) == 3\n\ndef test_negative():\n"
                 "    assert add(-1, 1) == 0\n")
    bad = write(d, "bad.py", "assert add(1, 2) == 3\nassert add(2, 2) == 5\n")

    rc, out, err = run(binary, "run", "--url", url, "--code", sol, "--tests", good)
    tap(rc == 0, "run, passing: exit 0", (rc, out, err))
    tap("assert add(1, 2) == 3" in out and "test_negative" in out and "PASSED" in out
        and "\033[" not in out and err == "",
        "run, passing: plain report names every test", (out, err))

    rc, out, err = run(binary, "run", "--code", sol, "--tests", bad, env={"LLSR_URL": url})
    tap(rc == 1, "run, failing: exit 1 ($LLSR_URL)", (rc, out, err))
    tap("assert add(1, 2) == 3" in out and "assert add(2, 2) == 5" in out
        and re.search(r"^\s*FAIL\s+assert add\(2, 2\) == 5$", out, re.M)
        and re.search(r"^\s*PASS\s+assert add\(1, 2\) == 3$", out, re.M)
        and "4 == 5" in out and "Traceback" in out,
        "run, failing: PASS/FAIL marks, names, message and traceback", out)
    tap(re.search(r"^failed: 2 tests, 1 passed, 1 failed", out, re.M) is not None,
        "run, failing: summary line", out)
    tap(out.count("4 == 5") == 1 and "AssertionError" not in out,
        "run, failing: the message once, not again as the traceback's last line", out)

    rc, out, err = run(binary, "run", "--url", url, "--code", sol, "--tests", bad, "--json")
    try:
        doc = json.loads(out)
    except ValueError as e:
        doc = None
        out += "\n%s" % e
    tap(rc == 1 and isinstance(doc, dict) and doc.get("status") == "failed"
        and doc["summary"]["passed"] == 1, "run --json: the service's JSON, exit 1",
        (rc, out, err))

    crash = write(d, "crash.py", "raise RuntimeError('at import')\n")
    rc, out, err = run(binary, "run", "--url", url, "--code", crash, "--tests", good)
    tap(rc == 1 and "ERROR" in out and "RuntimeError" in out,
        "run, solution fails to load: exit 1, the error shown", (rc, out, err))

    dead = "http://127.0.0.1:%d" % closed_port()
    rc, out, err = run(binary, "run", "--url", dead, "--code", sol, "--tests", good)
    tap(rc == 2 and out == "" and "llsr run:" in err and "127.0.0.1" in err,
        "run, nothing listening: exit 2, a message on stderr", (rc, out, err))

    rc, out, err = run(binary, "run", "--url", url, "--code", sol, "--timeout", "5")
    tap(rc == 2 and "400" in err and "timeout_ms" in err,
        "run, the service answers 400: exit 2, code and message on stderr", (rc, out, err))

    for args in (["run"], ["run", "--tests", good], ["eval", "--problems", good],
                 ["frobnicate"], [], ["run", "--code", sol, "--batch", "3"],
                 ["eval", "--problems", good, "--samples", good, "--batch", "0"]):
        rc, out, err = run(binary, *args)
        tap(rc == 2 and out == "" and err != "",
            "usage error %r: exit 2, message on stderr" % " ".join(args), (rc, out, err))

    rc, out, err = run(binary, "--version")
    tap(rc == 0 and re.fullmatch(r"llsr \(ll-solution-runner\) \d+\.\d+\.\d+\n", out),
        "--version", (rc, out, err))
    rc, out, err = run(binary, "--help")
    tap(rc == 0 and out.startswith("usage: llsr run") and "--problems" in out,
        "--help", (rc, out, err))


def check_cases(binary, url, d):
    """Program cases read from files: --cases DIR (NAME.in/NAME.out pairs,
    by name with numbers as numbers), --case IN OUT, --compare, a verdict per
    case, exit 0 only when every case passed."""
    prog = write(d, "sum.py", "a, b = map(int, input().split())\nprint(a + b)\n")
    cd = os.path.join(d, "judge")
    os.mkdir(cd)
    for name, i, o in (("1", "1 2\n", "3\n"), ("2", "2 2\n", "5\n"),
                       ("10", "5 5\n", "10\n"), ("3", "x\n", "1\n")):
        write(cd, name + ".in", i)
        write(cd, name + ".out", o)
    write(cd, "README", "not a case")

    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", cd)
    tap(rc == 1, "cases dir, one wrong and one crash: exit 1", (rc, out, err))
    names = re.findall(r"^  \S+(?: \S+)? +(\d+)\b", out, re.M)
    tap(names == ["1", "2", "3", "10"], "cases dir: every pair, in name order (2 before 10)",
        (names, out))
    tap(re.search(r"^\s*PASS\s+1 \(\d+ ms CPU", out, re.M)
        and re.search(r"^\s*WRONG\s+2: wrong_answer", out, re.M)
        and re.search(r"^\s*CRASH\s+3: runtime_error", out, re.M)
        and "ValueError" in out and "line 1, column 1" in out
        and re.search(r"expected:\n\s+5\n\s+actual:\n\s+4\n", out),
        "cases dir: per-case marks, the first difference, the crash's stderr", out)
    tap(re.search(r"^failed: 4 cases, 2 passed, 2 failed, 0 not run", out, re.M),
        "cases dir: summary line counts cases", out)

    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", cd, "--json")
    try:
        doc = json.loads(out)
        st = [(c["name"], c["status"]) for c in doc["cases"]]
    except (ValueError, KeyError, TypeError) as e:
        st = repr(e)
    tap(rc == 1 and st == [("1", "passed"), ("2", "wrong_answer"),
                           ("3", "runtime_error"), ("10", "passed")],
        "cases dir --json: the service's answer, per-case statuses", (rc, st, out[:300]))

    ok_dir = os.path.join(d, "judge-ok")
    os.mkdir(ok_dir)
    for name, i, o in (("a", "1 2\n", "3\n"), ("b", "40 2\n", "42\n")):
        write(ok_dir, name + ".in", i)
        write(ok_dir, name + ".out", o)
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", ok_dir,
                       "--case", os.path.join(cd, "10.in"), os.path.join(cd, "10.out"))
    tap(rc == 0 and re.search(r"^passed: 3 cases, 3 passed", out, re.M),
        "--cases and --case together, every case passed: exit 0", (rc, out, err))

    nonl = write(d, "three.out", "3")
    one_in = os.path.join(cd, "1.in")
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--case", one_in,
                       nonl, "--compare", "exact")
    tap(rc == 1 and "wrong_answer" in out,
        "--compare exact: a missing final newline is a wrong answer", (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--case", one_in,
                       nonl, "--compare", "tokens")
    tap(rc == 0 and re.search(r"^\s*PASS\s+1 ", out, re.M),
        "--compare tokens: the same case passes, named after IN", (rc, out, err))

    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", cd,
                       "--stop-on-first-failure")
    tap(rc == 1 and re.search(r"^\s*NOT RUN\s+3$", out, re.M)
        and re.search(r"1 not run|2 not run", out),
        "--stop-on-first-failure: later cases NOT RUN", (rc, out, err))

    bad = os.path.join(d, "judge-bad")
    os.mkdir(bad)
    write(bad, "1.in", "1 2\n")
    write(bad, "1.out", "3\n")
    write(bad, "2.in", "2 2\n")
    port = closed_port()
    rc, out, err = run(binary, "run", "--url", "http://127.0.0.1:%d" % port,
                       "--code", prog, "--cases", bad)
    tap(rc == 2 and "2.in has no 2.out" in err and out == "",
        "--cases, an .in without its .out: exit 2 naming it, nothing sent", (rc, out, err))
    os.unlink(os.path.join(bad, "2.in"))
    write(bad, "7.out", "1\n")
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", bad)
    tap(rc == 2 and "7.out has no 7.in" in err, "--cases, an .out without its .in: exit 2",
        (rc, out, err))
    empty = os.path.join(d, "judge-empty")
    os.mkdir(empty)
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", empty)
    tap(rc == 2 and "no NAME.in" in err, "--cases, a directory without a pair: exit 2",
        (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--case", one_in)
    tap(rc == 2 and "two files" in err, "--case with one file: exit 2", (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--case", one_in,
                       "--compare", "tokens")
    tap(rc == 2 and "two files" in err, "--case IN --compare: OUT missing, exit 2",
        (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--case", one_in,
                       os.path.join(d, "nonexistent.out"))
    tap(rc == 2 and "nonexistent.out" in err, "--case, a missing OUT: exit 2 naming it",
        (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", cd,
                       "--tests", prog)
    tap(rc == 2 and "not with" in err, "--cases with --tests: usage error", (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--compare", "tokens")
    tap(rc == 2 and "need --case" in err, "--compare without cases: usage error",
        (rc, out, err))
    rc, out, err = run(binary, "run", "--url", url, "--code", prog, "--cases", cd,
                       "--compare", "fuzzy")
    tap(rc == 2 and "compare" in err and "400" in err,
        "--compare of an unknown mode: the service's 400, exit 2", (rc, out, err))


def make_evalset(d, mbpp):
    """The first 5 MBPP problems, and 2 samples each (its reference, which
    passes, and a broken one): (problems path, samples path, problems)."""
    with open(mbpp) as f:
        problems = json.load(f)[:5]
    probs = write(d, "problems.jsonl", "".join(json.dumps(p) + "\n" for p in problems))
    lines = []
    for p in problems:
        lines.append(json.dumps({"task_id": p["task_id"], "code": p["code"]}))
        lines.append(json.dumps({"task_id": p["task_id"], "solution": broken(p["code"])}))
    samples = write(d, "samples.jsonl", "\n".join(lines) + "\n")
    return probs, samples, problems


def check_eval(binary, url, d, mbpp):
    probs, samples, problems = make_evalset(d, mbpp)
    out_path = os.path.join(d, "results.jsonl")

    rc, out, err = run(binary, "eval", "--url", url, "--problems", probs,
                       "--samples", samples, "--out", out_path, "--k", "1,2,10")
    note("batch API: %s" % ("no, one request per sample" if "refused a batch" in err
                            else "yes"))
    tap(rc == 0, "eval: exit 0", (rc, out, err))
    tap(pass_at(out, 1) == 0.5, "eval: pass@1 = 0.5", out)
    tap(pass_at(out, 2) == 1.0 and pass_at(out, 10) is None,
        "eval: pass@2 = 1.0 (n = 2), no pass@10", out)
    # Plain "llsr eval: progress N/M" lines are the non-terminal form (a
    # loaded machine makes a batch outlast their 5 s period); a bar is not.
    bar = "\n".join(l for l in err.splitlines() if not l.startswith("llsr eval: progress "))
    tap("\r" not in err and "/10" not in bar and "ETA" not in err,
        "eval: no progress bar when stderr is not a terminal", err)
    res = jsonl(out_path) if os.path.exists(out_path) else []
    keys = {(r["task_id"], r["sample"]) for r in res}
    want = {(p["task_id"], i) for p in problems for i in (0, 1)}
    tap(len(res) == 10 and keys == want, "eval: 10 result lines, one per sample", res)
    tap(all(r["passed"] == (r["sample"] == 0) and r["status"] in ("passed", "failed")
            and isinstance(r["summary"], dict) for r in res),
        "eval: the reference passes, the broken sample fails, with summaries", res)

    rc, out, err = run(binary, "eval", "--url", url, "--problems", probs,
                       "--samples", samples, "--out", out_path)
    tap(rc == 0 and "0 run now, 10 from" in out and pass_at(out, 1) == 0.5
        and len(jsonl(out_path)) == 10,
        "eval rerun: resumes, runs nothing, same pass@1", (rc, out, err))

    # Cut the file: three results lost, the last line half written.
    with open(out_path) as f:
        kept = f.readlines()[:7]
    with open(out_path, "w") as f:
        f.writelines(kept[:6] + [kept[6][:20]])
    rc, out, err = run(binary, "eval", "--url", url, "--problems", probs,
                       "--samples", samples, "--out", out_path)
    with open(out_path) as f:
        raw = f.read().splitlines()
    good = []
    for l in raw:
        try:
            good.append(json.loads(l))
        except ValueError:
            pass
    tap(rc == 0 and "4 run now, 6 from" in out and pass_at(out, 1) == 0.5
        and {(r["task_id"], r["sample"]) for r in good} == want and len(good) == 10,
        "eval after an interrupted run: runs only the 4 missing samples", (rc, out, err, raw))

    rc, out, err = run(binary, "eval", "--url", url, "--problems", mbpp,
                       "--samples", samples, "--batch", "1")
    tap(rc == 0 and pass_at(out, 1) == 0.5 and "refused a batch" not in err
        and "tasks without samples are left out" in out,
        "eval --batch 1 on the whole MBPP array, no results file: pass@1 = 0.5",
        (rc, out, err))

    # HumanEval format: prompt + completion, check(candidate) with entry_point.
    he = {"task_id": "HumanEval/0", "prompt": "def add(a, b):\n    \"\"\"a + b\"\"\"\n",
          "entry_point": "add", "canonical_solution": "    return a + b\n",
          "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n"
                  "    assert candidate(0, 0) == 0\n"}
    hprobs = write(d, "he.jsonl", json.dumps(he) + "\n")
    hsamples = write(d, "he-samples.jsonl",
                     json.dumps({"task_id": "HumanEval/0", "completion": "    return a + b\n"})
                     + "\n" + json.dumps({"task_id": "HumanEval/0",
                                          "completion": "    return a - b\n"}) + "\n"
                     + json.dumps({"task_id": "HumanEval/0", "completion": "    return b + a\n"})
                     + "\n")
    hout = os.path.join(d, "he-results.jsonl")
    rc, out, err = run(binary, "eval", "--url", url, "--problems", hprobs,
                       "--samples", hsamples, "--out", hout, "--k", "1,2,3")
    res = jsonl(hout) if os.path.exists(hout) else []
    tap(rc == 0 and abs(pass_at(out, 1) - 2 / 3) < 1e-3 and pass_at(out, 2) == 1.0
        and [r["passed"] for r in res] == [True, False, True]
        and all(r["task_id"] == "HumanEval/0" for r in res),
        "eval, HumanEval format: pass@1 = 0.6667, pass@2 = 1", (rc, out, err, res))

    rc, out, err = run(binary, "eval", "--url", "http://127.0.0.1:%d" % closed_port(),
                       "--problems", probs, "--samples", samples)
    tap(rc == 2 and "llsr eval:" in err, "eval, nothing listening: exit 2", (rc, out, err))
    bad = write(d, "bad-samples.jsonl", '{"task_id": 999999, "code": "x"}\n')
    rc, out, err = run(binary, "eval", "--url", url, "--problems", probs, "--samples", bad)
    tap(rc == 2 and "bad-samples.jsonl:1: task_id 999999 is not in the problems" in err,
        "eval, a sample of an unknown task: exit 2 with file and line", (rc, out, err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--mbpp", default=DEFAULT_MBPP)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    host = urllib.parse.urlsplit(a.url).hostname
    if host not in LOOPBACK:
        print("Bail out! --url must be a loopback address: %s" % a.url)
        return 1
    d = tempfile.mkdtemp(prefix="llsr-cli.")
    try:
        check_run(binary, a.url, d)
        check_cases(binary, a.url, d)
        if os.path.exists(a.mbpp):
            check_eval(binary, a.url, d, a.mbpp)
        else:
            results.append(True)
            print("ok %d - eval # SKIP %s not found" % (len(results), a.mbpp))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
