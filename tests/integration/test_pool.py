#!/usr/bin/env python3
"""The worker pool under multiwatch, through a stack of its own: a worker
killed with SIGKILL is replaced (a new pid answers /health) while the pool
keeps answering, and SIGTERM to the pool (multiwatch) stops every worker.
TAP on stdout.

usage: test_pool.py --bin PATH/ll-solution-runner [--port 18420] [--web lighttpd|apache]
"""
import argparse
import os
import signal
import sys

from llsr_stack import Stack, Tap, alive, children, wait_for

WORKERS = 2
tap = Tap()


def health_pid(st):
    """The pid of the worker that answered GET /health, or None."""
    try:
        code, _, doc = st.request("GET", "/health", timeout=30)
    except OSError:
        return None
    return doc.get("pid") if code == 200 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18420)
    ap.add_argument("--web", default="lighttpd", choices=("lighttpd", "apache"))
    a = ap.parse_args()
    st = Stack(os.path.abspath(a.bin), a.port, [], workers=WORKERS, web=a.web)
    try:
        pool(st)
    finally:
        st.stop()
    return tap.finish()


def pool(st):
    mw = st.spawn_pid()
    workers = wait_for(lambda: len(children(mw)) == WORKERS and children(mw), 30)
    tap(workers and len(workers) == WORKERS,
        "multiwatch runs %d workers" % WORKERS, (mw, children(mw)))

    victim = health_pid(st)
    tap(victim in (workers or []), "GET /health names the worker that answered",
        (victim, workers))
    if victim is None:
        return
    os.kill(victim, signal.SIGKILL)
    tap(wait_for(lambda: not alive(victim), 10), "the worker is gone after SIGKILL", victim)

    # multiwatch starts a replacement; meanwhile the other worker answers.
    def replaced():
        now = children(mw)
        return len(now) == WORKERS and victim not in now and now
    now = wait_for(replaced, 30)
    tap(now, "multiwatch replaced the killed worker (%s)" % now,
        (victim, children(mw), st.log()[-1500:]))
    new = sorted(set(now or []) - set(workers or []))

    # A different pid answers /health: poll until the new worker has
    # answered at least once, bounded (the accept is shared).
    seen = set()

    def new_answers():
        p = health_pid(st)
        if p is not None:
            seen.add(p)
        return bool(new) and new[0] in seen
    tap(wait_for(new_answers, 60, step=0.01) and victim not in seen,
        "the new worker answers /health, the killed one never again",
        (victim, new, seen))

    code, _, doc = st.run_code("def f():\n    return 2\n", "assert f() == 2\n")
    tap(code == 200 and doc.get("status") == "passed",
        "POST /run_code still works after the kill", (code, doc))

    # SIGTERM to the pool stops every worker, then multiwatch itself.
    pids = children(mw)
    os.kill(mw, signal.SIGTERM)
    gone = wait_for(lambda: not any(alive(p) for p in pids) and not alive(mw), 30)
    tap(gone, "SIGTERM to multiwatch stops every worker and multiwatch",
        [(p, alive(p)) for p in pids + [mw]])


if __name__ == "__main__":
    sys.exit(main())
