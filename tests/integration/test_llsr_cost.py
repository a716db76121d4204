#!/usr/bin/env python3
"""`llsr eval` against a service whose max_batch_cost_ms is small: batches
are split to fit, never given up (issue 12: the cap on a batch's cost must
not break evaluations of thousands of samples). TAP on stdout.

A private stack (one worker, so that GET /health's "requests" counts every
POST /run_code of the run) with max_batch_cost_ms = 15000. Five MBPP
problems, two samples each (the reference, and one whose function returns
None), so pass@1 = 0.5 whatever the batch sizes:

(a) --batch 10 --timeout 4000 (cost 40000): the first batch is refused as
    batch_too_costly; llsr says so on stderr, takes 3 per request from the
    answer's cost_ms and max_cost_ms, and runs the rest in batches of 3:
    1 + 4 requests, ten results, pass@1 = 0.5, no fallback to single runs.
(b) --batch 10 without --timeout: each submission costs the server's
    timeout_ms (10000), so not even two fit: 1 + 10 requests, one per
    sample, pass@1 = 0.5.
(c) --batch 3 --timeout 4000 (cost 12000): fits; 4 requests, no warning.
(d) the default --batch (50) without --timeout on all 10 samples: split as
    in (b); the run still succeeds.

usage: test_llsr_cost.py --bin PATH/ll-solution-runner --llsr PATH/llsr
                         [--port 20600] [--web lighttpd|apache]
                         [--mbpp FILE]

MBPP (Mostly Basic Python Problems, Austin et al. 2021) is by Google
Research, CC BY 4.0; this reads /work/shared/datasets/mbpp-sanitized.json.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llsr_stack import Stack, Tap  # noqa: E402
from test_llsr import DEFAULT_MBPP, jsonl, make_evalset, pass_at, run  # noqa: E402

tap = Tap()
CAP = 15000


def requests(st):
    code, _, doc = st.request("GET", "/health", timeout=60)
    return doc.get("requests") if code == 200 else None


def evalset(d, mbpp):
    probs, samples, problems = make_evalset(d, mbpp)
    want = {(p["task_id"], i) for p in problems for i in (0, 1)}
    return probs, samples, want


def one(st, llsr, d, sets, name, args, want_requests, per_request):
    probs, samples, want = sets
    url = "http://127.0.0.1:%d" % st.port
    out_path = os.path.join(d, "results-%s.jsonl" % name[1])
    before = requests(st)
    rc, out, err = run(llsr, "eval", "--url", url, "--problems", probs, "--samples",
                       samples, "--out", out_path, *args)
    after = requests(st)
    res = jsonl(out_path) if os.path.exists(out_path) else []
    ok = (rc == 0 and pass_at(out, 1) == 0.5 and len(res) == 10
          and {(r["task_id"], r["sample"]) for r in res} == want
          and all(r["passed"] == (r["sample"] == 0) for r in res))
    tap(ok, "%s llsr eval %s: exit 0, ten results, pass@1 = 0.5"
        % (name, " ".join(args)), (rc, out, err, res))
    n = None if before is None or after is None else after - before
    if per_request is None:
        tap(n == want_requests and "cost limit" not in err and "refused a batch" not in err,
            "%s fits the cap: %d requests, no warning" % (name, want_requests),
            (before, after, err))
    else:
        said = "%d submission%s per request" % (per_request, "s" if per_request > 1 else "")
        tap(n == want_requests and "batch cost limit" in err and said in err
            and "refused a batch" not in err,
            "%s refused once as batch_too_costly, then %s: %d requests, no fallback"
            % (name, said, want_requests), (before, after, err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--llsr", required=True)
    ap.add_argument("--port", type=int, default=20600)
    ap.add_argument("--web", default="lighttpd", choices=("lighttpd", "apache"))
    ap.add_argument("--mbpp", default=DEFAULT_MBPP)
    a = ap.parse_args()
    if not os.path.exists(a.mbpp):
        tap.skip("llsr eval against a small max_batch_cost_ms", "%s not found" % a.mbpp)
        return tap.finish()
    llsr = os.path.abspath(a.llsr)
    d = tempfile.mkdtemp(prefix="llsr-cost.")
    st = None
    try:
        sets = evalset(d, a.mbpp)
        st = Stack(os.path.abspath(a.bin), a.port, ["max_batch_cost_ms = %d" % CAP],
                   workers=1, web=a.web)
        code, _, doc = st.request("GET", "/health", timeout=60)
        tap(code == 200 and (doc.get("limits") or {}).get("max_batch_cost_ms") == CAP,
            "GET /health reports max_batch_cost_ms %d" % CAP, (code, doc))
        one(st, llsr, d, sets, "(a)", ["--batch", "10", "--timeout", "4000"], 1 + 4, 3)
        one(st, llsr, d, sets, "(b)", ["--batch", "10"], 1 + 10, 1)
        one(st, llsr, d, sets, "(c)", ["--batch", "3", "--timeout", "4000"], 4, None)
        one(st, llsr, d, sets, "(d)", [], 1 + 10, 1)
    except Exception as e:  # a stack that does not start is a failure
        tap(False, "the stack runs", repr(e))
    finally:
        if st:
            st.stop()
        shutil.rmtree(d, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
