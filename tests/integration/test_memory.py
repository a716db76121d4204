#!/usr/bin/env python3
"""A worker's own memory stays flat: after runs with large output (batches
whose report is over a megabyte) it gives the heap back, and a stream of
ordinary runs does not make it grow. Measured as RssAnon (the worker's own
pages; shared library pages are not its doing) from /proc, each time after
the worker answered /health, i.e. after its clean-up. TAP on stdout.

Run it with a build without sanitizers: ASan's allocator keeps freed memory
in quarantine, so there the numbers mean nothing (the test says SKIP).

usage: test_memory.py --bin PATH/ll-solution-runner [--port 18460]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llsr_stack import Stack, Tap, b64  # noqa: E402

tap = Tap()

SMALL = {"code": b64("def f():\n    return 1\n"), "tests": b64("assert f() == 1\n")}
# 20 submissions of 60 kB of stdout each: a 1.2 MB answer.
BIG = {"submissions": [{"code": b64('import sys\nsys.stdout.write("x" * 60000)\n'
                                    "def f():\n    return 1\n"),
                        "tests": b64("assert f() == 1\n")}] * 20}
# Growth allowed: a few pages of libraries' lazily touched data, not a
# run's buffers (the large answer alone is over 1 MB; kept, it is 2.4 MB).
SLACK_KB = 512


def sanitized(binary):
    out = subprocess.run(["nm", "-D", binary], capture_output=True, text=True).stdout
    return "__asan_init" in out


def anon_kb(st, pid):
    """RssAnon of pid once the worker is between runs again."""
    code, _, doc = st.request("GET", "/health")
    if code != 200 or doc.get("pid") != pid:
        raise RuntimeError("health: %r %r" % (code, doc))
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise RuntimeError("no RssAnon for %d" % pid)


def post(st, obj):
    code, _, doc = st.request("POST", "/run_code", json.dumps(obj))
    return code, doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18460)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if sanitized(binary):
        tap.skip("worker memory stays flat", "sanitizer build (ASan quarantine)")
        return tap.finish()
    st = Stack(binary, a.port, [], workers=1)
    try:
        code, _, doc = st.request("GET", "/health")
        pid = doc.get("pid")
        for _ in range(5):  # libraries' first-use pages
            post(st, SMALL)
        base = anon_kb(st, pid)
        for i in range(3):
            code, doc = post(st, BIG)
            tap(code == 200 and len(doc.get("results", [])) == 20
                and all(r.get("status") == "passed" for r in doc["results"]),
                "1.2 MB batch %d answered, 20 passed" % (i + 1),
                (code, str(doc)[:300]))
        after_big = anon_kb(st, pid)
        tap(after_big - base <= SLACK_KB,
            "after three 1.2 MB answers the worker's own memory is back "
            "(RssAnon %d -> %d kB)" % (base, after_big), (base, after_big))
        for _ in range(30):
            post(st, SMALL)
        after_small = anon_kb(st, pid)
        tap(after_small - base <= SLACK_KB,
            "30 more runs do not make it grow (RssAnon %d -> %d kB)" % (base, after_small),
            (base, after_small))
    finally:
        st.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
