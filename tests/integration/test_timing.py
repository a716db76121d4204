#!/usr/bin/env python3
"""Time limits are the user's time (TAP): a correct one-assert solution with
timeout_ms 100 passes 50 times out of 50 while the machine runs another
load; the same limit still stops code that takes longer.

    test_timing.py --url http://127.0.0.1:18080 [--requests 50] [--hogs N]
                   [--label apache]

The load is N busy processes on the host (default: twice the cores), started
by this test and killed at its end. Interpreter start-up, the job hand-off
and the harness's own work are not charged to the limit (docs/harness.md):
only the user's code is, from the judge's first phase record.

The web server in front is outside that clock (the limit is charged
inside the container, from the judge's records): CI runs the 50 through
lighttpd and 20 through Apache (--label apache names it in the TAP lines),
enough to show that timeout_ms and test_timeout_ms reach the service and
the verdicts come back the same way through mod_proxy_fcgi, at 40 % of the
time.
"""

import argparse
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llsr_client import Service, b64  # noqa: E402
from llsr_stack import Tap  # noqa: E402

CODE = "def add(a, b):\n    return a + b\n"


def hogs(n):
    return [subprocess.Popen([sys.executable, "-c", "while True:\n    pass\n"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--hogs", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--label", default="", help="a prefix for the TAP lines, e.g. apache")
    a = ap.parse_args()
    pre = a.label + ": " if a.label else ""
    tap = Tap()
    svc = Service(a.url)

    def post(obj):
        r = svc.post_json(obj)
        return r.status, r.json

    procs = hogs(a.hogs)
    try:
        statuses = []
        for _ in range(a.requests):
            st, body = post({"code": b64(CODE), "tests": b64("assert add(1, 2) == 3\n"),
                                    "timeout_ms": 100, "test_timeout_ms": 100})
            statuses.append(body.get("status") if st == 200 and isinstance(body, dict)
                            else "HTTP %s" % st)
        bad = [s for s in statuses if s != "passed"]
        tap(not bad, pre + "timeout_ms 100, %d correct one-assert requests next to %d busy "
               "processes: %d passed (others: %s)" % (a.requests, a.hogs,
                                                      a.requests - len(bad), sorted(set(bad))))
        st, body = post({"code": b64("import time\ndef add(a, b):\n"
                                            "    t = time.process_time()\n"
                                            "    while time.process_time() - t < 0.5:\n"
                                            "        pass\n    return a + b\n"),
                                "tests": b64("assert add(1, 2) == 3\n"), "timeout_ms": 100})
        tap(st == 200 and body.get("status") == "timeout",
            pre + "the same limit stops a solution that takes 0.5 s of CPU: %s %s"
               % (st, body.get("status") if isinstance(body, dict) else body))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
