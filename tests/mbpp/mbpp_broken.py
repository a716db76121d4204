#!/usr/bin/env python3
"""Broken MBPP solutions: does the service fail exactly the tests they break?

    mbpp_broken.py --url http://127.0.0.1:18081 [--variants 200]
                   [--concurrency 4] [--oracle-jobs 2] [--dry-run]

Data: MBPP (Mostly Basic Python Problems, Austin et al. 2021), Google
Research, CC BY 4.0 -- read from /work/shared/datasets/mbpp-sanitized.json,
nothing of it is embedded here.

Variants (all deterministic, no randomness; see llsr_client.make_variant):
an `ast` transform of the reference solution's entry function (the first
solution function the tests call):
  const       off by one: the first integer constant of the body + 1
  ret_plus1   off by one: `return x` -> `return (x) + 1` (only for problems
              whose tests compare with a numeric literal)
  ret_none    wrong value: `return x` -> `return None`
  raise       `raise ValueError(...)` first in the body
  loop        `while True: pass` first in the body
  raise_load  `raise ValueError(...)` at module level (fails at load)
Each kind gets a fixed share of --variants; its candidates (problems where
the transform applies) are visited in a fixed pseudo-random order
(llsr_client.spread, a stride permutation) and a candidate is taken when
  - the oracle says it is really broken (not every test passes),
  - the oracle result is unambiguous (no finished test slower than 0.3 s on
    the host, no MemoryError/RecursionError: those depend on limits), and
  - its expected per-test timeouts fit the run budget:
    timeouts * (test_timeout_ms + 200) + 2500 <= timeout_ms.
A kind that runs out of candidates passes its remainder to the next kind.

Expected statuses (the oracle): every assert runs ON ITS OWN in a fresh
`python3 -I` on the host (solution + test_imports + that one assert, 1.5 s
wall-clock limit, 1 GiB address space):
  exit normally        -> passed
  AssertionError       -> failed
  any other exception  -> error
  killed at the limit  -> timeout
The solution + imports alone are run first; when that fails (raise_load),
the comparison is at run level: the service must answer status `error` with
error.type equal to the exception the host saw, and list every test as
`not_run`.

Comparison with the service, which gets code = the variant, tests = the
imports and asserts joined with "\\n", timeout_ms (cap, 10000) and a small
test_timeout_ms (1000) so that a looping assert is a per-test `timeout` and
later asserts still run:
  - the service's tests[i].status must equal the oracle's status of the
    i-th assert, for every i (`timeout` matches `timeout`), and the counts
    must be equal;
  - the run status must be `failed` (some test did not pass; the oracle
    never takes a variant where all pass) or `error` for load failures.
    A run status of `timeout` means the whole-run budget ran out, which the
    selection rule above is meant to prevent: it is reported as a mismatch.
Output: one line per mismatch with details, a line per kind, then
`agreement: K/N variants (P%)`. Exit 1 on any mismatch (or a request that
failed at the HTTP level), 0 otherwise.
"""

import argparse
import concurrent.futures
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import llsr_client as lc  # noqa: E402

WEIGHTS = {"const": 9, "ret_plus1": 7, "ret_none": 8, "raise": 7, "loop": 6,
           "raise_load": 3}


def quotas(n):
    total = sum(WEIGHTS.values())
    q = {k: n * w // total for k, w in WEIGHTS.items()}
    rest = n - sum(q.values())
    # largest remainder, ties in kind order
    order = sorted(lc.VARIANT_KINDS, key=lambda k: -(n * WEIGHTS[k] % total))
    for k in order[:rest]:
        q[k] += 1
    return q


def fits_budget(expect, timeout_ms, test_timeout_ms):
    t = sum(1 for s in expect["tests"] if s == "timeout")
    return t * (test_timeout_ms + 200) + 2500 <= timeout_ms


def select(problems, n, jobs, timeout_ms, test_timeout_ms, verbose):
    """Returns [(problem, kind, source, expect)] and a dict of skip counts."""
    q = quotas(n)
    chosen = []
    skips = {"not broken": 0, "ambiguous": 0, "budget": 0}
    carry = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for ki, kind in enumerate(lc.VARIANT_KINDS):
            want = q[kind] + carry
            cands = []
            for p in problems:
                src = lc.make_variant(p, kind)
                if src is not None:
                    cands.append((p, src))
            order = [cands[i] for i in lc.spread(len(cands), ki)]
            got = []
            pos = 0
            while len(got) < want and pos < len(order):
                batch = order[pos:pos + max(want - len(got), jobs)]
                pos += len(batch)
                futs = [pool.submit(lc.oracle, src, p) for p, src in batch]
                for (p, src), f in zip(batch, futs):
                    e = f.result()
                    if len(got) >= want:
                        break
                    why = None
                    if e["run"] == "passed":
                        skips["not broken"] += 1
                        why = "not broken"
                    elif lc.oracle_ambiguity(e):
                        skips["ambiguous"] += 1
                        why = "ambiguous: " + lc.oracle_ambiguity(e)
                    elif not fits_budget(e, timeout_ms, test_timeout_ms):
                        skips["budget"] += 1
                        why = "over the run budget"
                    if why:
                        if verbose:
                            lc.log("skip task %d %s: %s" % (p["task_id"], kind, why))
                        continue
                    got.append((p, kind, src, e))
            carry = want - len(got)
            chosen.extend(got)
            lc.log("selected %d/%d %s variants" % (len(got), want, kind))
    return chosen, skips


def compare(resp, expect):
    """List of problems (empty when the service agrees)."""
    if resp.status != 200 or not isinstance(resp.json, dict):
        return ["HTTP-level failure: " + resp.short()]
    j = resp.json
    out = []
    got = lc.status_list(j)
    want_run = "error" if expect["run"] == "error" else "failed"
    if expect["run"] == "timeout":
        want_run = "timeout"
    if j.get("status") != want_run:
        extra = ""
        if j.get("status") == "timeout":
            extra = " (the whole-run budget ran out)"
        out.append("run status %r, expected %r%s" % (j.get("status"), want_run, extra))
    if expect["run"] == "error":
        err = j.get("error") or {}
        if err.get("type") != expect["load"]["exc"]:
            out.append("error.type %r, expected %r (error=%r)"
                       % (err.get("type"), expect["load"]["exc"], err))
    if len(got) != len(expect["tests"]):
        out.append("%d tests reported, expected %d" % (len(got), len(expect["tests"])))
    for i, (g, w) in enumerate(zip(got, expect["tests"])):
        if g != w:
            t = j["tests"][i]
            out.append("test %d: service %r, host %r%s; name=%r message=%r"
                       % (i, g, w, (" (%s)" % expect["details"][i]["exc"])
                          if expect["details"] else "",
                          t.get("name"), (t.get("message") or "")[:300]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:18081")
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--oracle-jobs", type=int, default=2)
    ap.add_argument("--timeout-ms", type=int, default=10000)
    ap.add_argument("--test-timeout-ms", type=int, default=1000)
    ap.add_argument("--mbpp", default=lc.DEFAULT_MBPP)
    ap.add_argument("--dry-run", action="store_true",
                    help="select the variants and print the oracle's verdicts; "
                         "send nothing")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    svc = None if a.dry_run else lc.Service(a.url, timeout=a.timeout_ms / 1000.0 + 60)
    if svc is not None:
        r = svc.wait_ready(10)
        if r is None or r.status != 200:
            print("service not ready at %s: %s" % (a.url, r.short() if r else "no answer"))
            return 1
    problems = lc.load_mbpp(a.mbpp)
    t0 = time.monotonic()
    chosen, skips = select(problems, a.variants, a.oracle_jobs, a.timeout_ms,
                           a.test_timeout_ms, a.verbose)
    lc.log("oracle: %d variants in %.1fs; skipped %s"
           % (len(chosen), time.monotonic() - t0, skips))
    if a.dry_run:
        for p, kind, src, e in chosen:
            print("task %d %-10s run=%s tests=%s" % (p["task_id"], kind, e["run"],
                                                     ",".join(e["tests"])))
        print("%d variants selected" % len(chosen))
        return 0 if len(chosen) >= a.variants else 1

    tests_src = {p["task_id"]: lc.tests_source(p) for p, _, _, _ in chosen}

    def send(item):
        p, kind, src, e = item
        try:
            return svc.run_code(src, tests_src[p["task_id"]], timeout_ms=a.timeout_ms,
                                test_timeout_ms=a.test_timeout_ms)
        except Exception as ex:  # network error, timeout
            return ex

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
        results = list(pool.map(send, chosen))
    lc.log("service: %d runs in %.1fs" % (len(chosen), time.monotonic() - t0))

    agree = 0
    per_kind = {}
    for (p, kind, src, e), r in zip(chosen, results):
        if isinstance(r, Exception):
            probs = ["request failed: %s: %s" % (type(r).__name__, r)]
        else:
            probs = compare(r, e)
        k = per_kind.setdefault(kind, [0, 0])
        k[1] += 1
        if not probs:
            agree += 1
            k[0] += 1
            continue
        print("MISMATCH task %d %s (%s)" % (p["task_id"], kind, lc.VARIANT_DOC[kind]))
        print("  expected run=%s tests=%s" % (e["run"], e["tests"]))
        if not isinstance(r, Exception) and isinstance(r.json, dict):
            print("  service  run=%s tests=%s duration_ms=%s"
                  % (r.json.get("status"), lc.status_list(r.json),
                     r.json.get("duration_ms")))
        for line in probs:
            print("  - " + line)
    for kind in lc.VARIANT_KINDS:
        if kind in per_kind:
            print("%-10s %d/%d agree" % (kind, per_kind[kind][0], per_kind[kind][1]))
    n = len(chosen)
    print("agreement: %d/%d variants (%.2f%%)" % (agree, n, 100.0 * agree / n if n else 0.0))
    if n < a.variants:
        print("only %d variants could be derived (wanted %d)" % (n, a.variants))
        return 1
    return 0 if agree == n else 1


if __name__ == "__main__":
    sys.exit(main())
