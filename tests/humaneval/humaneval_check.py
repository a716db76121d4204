#!/usr/bin/env python3
"""HumanEval through the service: canonical solutions and mutants.

    humaneval_check.py --url http://127.0.0.1:8080 [--mutants 300] [--seed 1]
                       [--batch 50] [--concurrency 2] [--jobs 2] [--dry-run]

Data: HumanEval (Chen et al. 2021), OpenAI, MIT License, Copyright (c)
OpenAI -- read from /work/shared/datasets/humaneval/HumanEval.jsonl.gz,
nothing of it is embedded here.

Every submission is HumanEval style: code = the program, tests = the
problem's `test` (it defines check(candidate)), entry_point; the service
reports each statement of check()'s body holding an assert as its own case.
Everything is sent as {"submissions": [...]} batches of --batch,
--concurrency requests at a time, each also cut so that its declared cost
(the sum of its timeout_ms) stays within the service's max_batch_cost_ms
(GET /health "limits"; by default 30 submissions of 10000 ms).

1. Canonical: prompt + canonical_solution of all 164 problems, service
   limits left at their defaults. Each must come back `passed` with every
   case `passed` (and as many cases as check() has). One TAP line per batch.

2. Mutants: --mutants (default 300) deterministic `ast` mutants of the
   canonical solutions (seeded by --seed; kinds and mix in
   humaneval_lib.MUTANT_KINDS: off-by-one constants, flipped and boundary
   comparisons, swapped arithmetic operators, and/or, removed statements,
   return None, raise, infinite loop, raise at load), sent with
   timeout_ms (10000) and test_timeout_ms (400, so that a looping case is a
   per-case `timeout` and later cases still run).
   The oracle: for each case k, in a process of its own under plain python3
   with a wall-clock limit (--oracle-timeout, default 1.5 x test_timeout_ms),
   the mutant, then the test module with check()'s body cut down to the
   non-assert statements before case k and case k itself, then
   check(entry_point) (see humaneval_lib: by default the processes are forked
   from a fork server that never runs user code, --oracle-exec starts a
   fresh python3 per case). --jobs cases at a time.
   Agreement, case by case: the service's status is `passed` exactly where
   the oracle passed (failed, error, timeout, a crash are all "not passed",
   on either side), and the service reports as many cases as check() has.
   Two tolerances, reported as notes: a case the oracle passed but slower
   than --slow seconds (default test_timeout_ms / 4) may have any status
   (the service's per-test limit may cut it); when the oracle timed out in
   so many cases that the run's budget may run out
   ((timeout_ms - 2000) / (test_timeout_ms + 250) of them), later cases the
   oracle passed may also be `timeout` or `not_run`.
   One TAP line per mutant: the oracle's and the service's verdicts as
   letters (p passed, f failed, e error, t timeout, n not_run).

Output: TAP on stdout (the plan last; progress as `#` lines on stderr),
ending with `# agreement: N/M mutants`. Exit 1 on any disagreement, a
canonical solution that does not pass, a failed request, or fewer mutants
than asked for.
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import humaneval_lib as hl  # noqa: E402
import llsr_client as lc  # noqa: E402
from llsr_stack import Tap  # noqa: E402

HTTP_TIMEOUT = 330.0   # the service's batch_timeout_ms (300 s) + margin
LETTER = {"passed": "p", "failed": "f", "error": "e", "timeout": "t",
          "not_run": "n"}


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def tap_name(s):
    return s.replace("#", "\\#")  # a bare # would start a TAP directive


def letters(statuses):
    return "".join(LETTER.get(s, "?") for s in statuses) or "-"


def post_batch(svc, subs, tries=20):
    """POST one batch; a 503 with Retry-After (overloaded, engine briefly
    unavailable) is retried. Returns the list of results, or raises."""
    for _ in range(tries):
        r = svc.post_json({"submissions": subs}, timeout=HTTP_TIMEOUT)
        if r.status == 503 and r.header("Retry-After"):
            time.sleep(float(r.header("Retry-After") or 1))
            continue
        break
    j = r.json
    if r.status != 200 or not isinstance(j, dict) or \
            not isinstance(j.get("results"), list) or len(j["results"]) != len(subs):
        raise RuntimeError(r.short())
    return j["results"]


def send_all(svc, batches, concurrency):
    """Results (or the exception) per batch, in order."""
    def one(subs):
        try:
            return post_batch(svc, subs)
        except Exception as e:  # network error, timeout, non-200
            return e
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, batches))


def chunks(items, size, cost=None, max_cost=None):
    """Consecutive groups of at most `size`, also cut where the summed
    cost would pass max_cost."""
    out, cur, c = [], [], 0.0
    for it in items:
        w = cost(it) if cost else 0.0
        if cur and (len(cur) >= size or (max_cost and c + w > max_cost)):
            out.append(cur)
            cur, c = [], 0.0
        cur.append(it)
        c += w
    if cur:
        out.append(cur)
    return out


# --------------------------------------------------------------------------

def run_canonical(tap, svc, problems, a):
    # Service limits left at their defaults: each costs the server's
    # timeout_ms, and a batch stays within max_batch_cost_ms.
    groups = lc.cost_chunks(problems, a.batch, lambda p: a.limits["timeout_ms"],
                            a.limits["max_batch_cost_ms"])
    subs = [[hl.submission(hl.canonical_code(p), p) for p in g] for g in groups]
    t0 = time.monotonic()
    results = send_all(svc, subs, a.concurrency)
    elapsed = time.monotonic() - t0
    npass = 0
    for g, res in zip(groups, results):
        name = "canonical %s..%s" % (g[0]["task_id"], g[-1]["task_id"])
        if isinstance(res, Exception):
            tap(False, name + ": request failed",
                "%s: %s" % (type(res).__name__, res))
            continue
        bad = []
        for p, r in zip(g, res):
            st = lc.status_list(r)
            n = len(hl.case_names(p))
            if r.get("status") == "passed" and st == ["passed"] * n:
                npass += 1
                continue
            line = "%s: status %s, %d cases expected, got %s" % (
                p["task_id"], r.get("status"), n, letters(st))
            if r.get("error"):
                line += " error=%r" % (r["error"],)
            for t in r.get("tests", []):
                if t.get("status") != "passed":
                    line += "\n  case %s %s: %s" % (t.get("index"), t.get("status"),
                                                    (t.get("message") or "")[:200])
                    break
            bad.append(line)
        tap(not bad, "%s: %d/%d pass" % (name, len(g) - len(bad), len(g)),
            "\n".join(bad))
    log("service: %d canonical solutions in %d batches, %.1fs"
        % (len(problems), len(groups), elapsed))
    return npass, elapsed


def run_oracle(mutants, cases, a):
    jobs = [(m, k) for m in mutants for k in range(len(cases[m["problem"]["task_id"]]))]
    t0 = time.monotonic()
    with hl.Oracle(a.jobs, a.oracle_timeout, use_exec=a.oracle_exec) as o:
        def one(job):
            m, k = job
            p = m["problem"]
            return o.run(m["code"], cases[p["task_id"]][k], p["entry_point"])
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            res = list(pool.map(one, jobs))
    for m in mutants:
        m["oracle"] = []
    for (m, k), r in zip(jobs, res):
        m["oracle"].append(r)
    elapsed = time.monotonic() - t0
    log("oracle: %d cases of %d mutants in %.1fs (%d jobs, %s)"
        % (len(jobs), len(mutants), elapsed, a.jobs,
           "fresh python3 per case" if a.oracle_exec else "fork server"))
    return elapsed


def est_cost(m, a):
    """Rough seconds of the service's run of one mutant."""
    t = sum(1 for d in m["oracle"] if d["status"] == "timeout")
    return min(a.timeout_ms / 1000.0,
               0.05 + t * (a.test_timeout_ms + 150) / 1000.0 +
               sum(min(d["seconds"], a.oracle_timeout) for d in m["oracle"]
                   if d["status"] != "timeout"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--mutants", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=50,
                    help="submissions per request (1 to 1000)")
    ap.add_argument("--batch-seconds", type=float, default=60.0,
                    help="also cut a mutant batch when its estimated run time "
                         "(timeouts included) would pass this")
    ap.add_argument("--concurrency", type=int, default=2,
                    help="requests at a time")
    ap.add_argument("--jobs", type=int, default=2, help="oracle cases at a time")
    ap.add_argument("--timeout-ms", type=int, default=10000)
    ap.add_argument("--test-timeout-ms", type=int, default=400)
    ap.add_argument("--oracle-timeout", type=float, default=None,
                    help="seconds per case (default 1.5 x test_timeout_ms)")
    ap.add_argument("--slow", type=float, default=None,
                    help="an oracle pass slower than this (seconds) is "
                         "timing-sensitive (default test_timeout_ms / 4)")
    ap.add_argument("--oracle-exec", action="store_true",
                    help="a fresh python3 per case instead of the fork server")
    ap.add_argument("--humaneval", default=hl.DEFAULT_HUMANEVAL)
    ap.add_argument("--skip-canonical", action="store_true")
    ap.add_argument("--dry-run", action="store_true",
                    help="make the mutants and run the oracle; send nothing")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print the tolerance notes of agreeing mutants")
    a = ap.parse_args()
    if not 1 <= a.batch <= 1000:
        ap.error("--batch must be 1 to 1000")
    if a.oracle_timeout is None:
        a.oracle_timeout = 1.5 * a.test_timeout_ms / 1000.0
    if a.slow is None:
        a.slow = a.test_timeout_ms / 4000.0
    fit = max(1, (a.timeout_ms - 2000) // (a.test_timeout_ms + 250))

    tap = Tap()
    t_start = time.monotonic()
    svc = None
    if not a.dry_run:
        svc = lc.Service(a.url, timeout=HTTP_TIMEOUT)
        r = svc.wait_ready(30)
        if r is None or r.status != 200:
            tap(False, "service ready at %s" % a.url, r.short() if r else "no answer")
            return tap.finish()
        a.limits = svc.limits()
        log("service limits: %s" % json.dumps(a.limits, sort_keys=True))
    problems = hl.load_humaneval(a.humaneval)
    cases = {p["task_id"]: hl.case_sources(p) for p in problems}
    names = {p["task_id"]: hl.case_names(p) for p in problems}

    canon_pass, t_canon = 0, 0.0
    if not a.dry_run and not a.skip_canonical:
        canon_pass, t_canon = run_canonical(tap, svc, problems, a)

    mutants = hl.generate_mutants(problems, a.mutants, a.seed)
    log("%d mutants (seed %d): %s" % (len(mutants), a.seed, ", ".join(
        "%s %d" % (k, sum(1 for m in mutants if m["kind"] == k))
        for k in hl.MUTANT_KINDS)))
    t_oracle = run_oracle(mutants, cases, a)

    for m in mutants:
        m["accept"], m["notes"] = hl.expectation(m["oracle"], a.slow, fit)
    if a.dry_run:
        for m in mutants:
            print("%-28s oracle %-26s %s" % (m["id"], letters(
                [d["status"] for d in m["oracle"]]), m["desc"]))
        print("%d mutants; %d oracle timeouts" % (len(mutants), sum(
            1 for m in mutants for d in m["oracle"] if d["status"] == "timeout")))
        return 0

    limits = {"timeout_ms": a.timeout_ms, "test_timeout_ms": a.test_timeout_ms}
    groups = [g for c in lc.cost_chunks(mutants, a.batch, lambda m: a.timeout_ms,
                                        a.limits["max_batch_cost_ms"])
              for g in chunks(c, a.batch, lambda m: est_cost(m, a) / 2.0, a.batch_seconds)]
    subs = [[hl.submission(m["code"], m["problem"], **limits) for m in g] for g in groups]
    t0 = time.monotonic()
    results = send_all(svc, subs, a.concurrency)
    t_service = time.monotonic() - t0
    log("service: %d mutants in %d batches, %.1fs" % (len(mutants), len(groups), t_service))

    agree = equivalent = tolerated = 0
    per_kind = {}
    for g, res in zip(groups, results):
        for i, m in enumerate(g):
            p = m["problem"]
            want = [d["status"] for d in m["oracle"]]
            name = "%s (%s)" % (m["id"], m["desc"])
            tally = per_kind.setdefault(m["kind"], [0, 0])
            tally[1] += 1
            if isinstance(res, Exception):
                tap(False, tap_name(name) + ": request failed",
                    "%s: %s" % (type(res).__name__, res))
                continue
            r = res[i]
            tests = r.get("tests", [])
            got = [t.get("status") for t in tests]
            bad = []
            if len(got) != len(want):
                bad.append("service reports %d cases, check() has %d"
                           % (len(got), len(want)))
            for k, (acc, s) in enumerate(zip(m["accept"], got)):
                if not hl.agrees(acc, s):
                    d = m["oracle"][k]
                    bad.append("case %d `%s`: oracle %s (%s, %.3fs), service %s: %s"
                               % (k, names[p["task_id"]][k][:100], d["status"],
                                  d["exc"], d["seconds"], s,
                                  (tests[k].get("message") or "")[:300]))
            ok = not bad
            if ok:
                agree += 1
                tally[0] += 1
                equivalent += all(w == "passed" for w in want)
                tolerated += bool(m["notes"])
            tap(ok, "%s: oracle %s service %s" % (tap_name(name), letters(want),
                                                  letters(got)),
                "\n".join(["service run status %s%s" % (
                    r.get("status"), (", error %s" % (r.get("error") or {}).get("type"))
                    if r.get("error") else "")] + bad +
                    ["note: " + x for x in m["notes"]]))
            if ok and a.verbose:
                for x in m["notes"]:
                    print("# note: " + x)
    n = len(mutants)
    for kind in hl.MUTANT_KINDS:
        if kind in per_kind:
            print("# %-10s %d/%d agree" % (kind, per_kind[kind][0], per_kind[kind][1]))
    if not a.skip_canonical:
        print("# canonical: %d/%d pass (service %.1fs)" % (canon_pass, len(problems), t_canon))
    print("# mutants: %d (seed %d), %d equivalent (pass everywhere), %d with a "
          "tolerated timing-sensitive case" % (n, a.seed, equivalent, tolerated))
    print("# wall time: oracle %.1fs (%d jobs), service %.1fs for the mutants "
          "(batches of <= %d, concurrency %d), total %.1fs"
          % (t_oracle, a.jobs, t_service, a.batch, a.concurrency,
             time.monotonic() - t_start))
    print("# agreement: %d/%d mutants" % (agree, n))
    if n < a.mutants:
        tap(False, "only %d mutants could be made (wanted %d)" % (n, a.mutants))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
