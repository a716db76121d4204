#!/usr/bin/env python3
"""All MBPP reference solutions through the service.

    mbpp_all.py --url http://127.0.0.1:18081 [--concurrency 4]

Data: MBPP (Mostly Basic Python Problems, Austin et al. 2021), Google
Research, CC BY 4.0 -- read from /work/shared/datasets/mbpp-sanitized.json,
nothing of it is embedded here.

Every reference solution is sent as code, with tests = test_imports lines
and test_list lines joined with "\\n", service defaults otherwise. The
service agrees when it answers 200 with status `passed`, exactly
len(test_list) tests, every one `passed`, and summary.passed == total.
Prints any problem that does not agree, then `K/427 agree`. Exit 1 when any
disagrees.
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


def check(resp, problem):
    if isinstance(resp, Exception):
        return "request failed: %s: %s" % (type(resp).__name__, resp)
    if resp.status != 200 or not isinstance(resp.json, dict):
        return resp.short()
    j = resp.json
    n = len(problem["test_list"])
    st = lc.status_list(j)
    s = j.get("summary") or {}
    if j.get("status") == "passed" and st == ["passed"] * n and \
            s.get("total") == n and s.get("passed") == n:
        return None
    bad = [t for t in j.get("tests", []) if t.get("status") != "passed"]
    detail = "status=%s tests=%s" % (j.get("status"), st)
    if j.get("error"):
        detail += " error=%r" % (j["error"],)
    for t in bad[:3]:
        detail += "\n    test %s %s: %s" % (t.get("index"), t.get("status"),
                                           (t.get("message") or "")[:300])
    return detail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:18081")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--mbpp", default=lc.DEFAULT_MBPP)
    a = ap.parse_args()

    svc = lc.Service(a.url, timeout=90)
    r = svc.wait_ready(10)
    if r is None or r.status != 200:
        print("service not ready at %s: %s" % (a.url, r.short() if r else "no answer"))
        return 1
    problems = lc.load_mbpp(a.mbpp)

    def send(p):
        try:
            return svc.run_code(p["code"], lc.tests_source(p))
        except Exception as e:
            return e

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
        results = list(pool.map(send, problems))
    elapsed = time.monotonic() - t0
    agree = 0
    for p, r in zip(problems, results):
        why = check(r, p)
        if why is None:
            agree += 1
        else:
            print("DISAGREE task %d: %s" % (p["task_id"], why))
    print("%d/%d agree (%.1fs, concurrency %d)" % (agree, len(problems), elapsed,
                                                    a.concurrency))
    return 0 if agree == len(problems) else 1


if __name__ == "__main__":
    sys.exit(main())
