#!/usr/bin/env python3
"""FastCGI over TCP across hosts (docs/scaling.md, "Several hosts"), with
real hosts in network namespaces this test creates (tests/integration/
multihost.py): two back ends, each with its own dockerd and its own
worker pool on TCP, and a front web server in a third namespace, Apache
(mod_proxy_balancer) and then lighttpd. It shows:
- requests spread over both back ends;
- a back end's dockerd killed (SIGKILL) under load: no failed request
  beyond the documented ones (in flight on it at the kill; then, for
  Apache, only requests it had already handed to that back end before the
  back end's first 503 took it out; for lighttpd, which cannot take a
  member out on its answers, only that back end's 503 engine_unavailable);
  its /health 503, its workers 503 engine_unavailable;
- recovery when that dockerd comes back;
- a back end's workers stopped under load: every request started after
  they are gone is re-sent at the refused connect and passes;
- a connection from an address not in FCGI_WEB_SERVER_ADDRS is closed
  unanswered; a public or wildcard bind address is refused;
- no container left on either engine.

    sudo python3 tests/integration/test_multihost.py --bin _build/ll-solution-runner [--port 20800]

Ports PORT+1 (Apache), PORT+2 (lighttpd), PORT+11.. (back ends). TAP."""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llsr_stack import Tap  # noqa: E402
import multihost  # noqa: E402
from multihost import Cluster, Load, sh  # noqa: E402

CONCURRENCY = 4  # client connections of the load
BACK_WORKERS = 2  # workers per back end
RETRY = 5  # seconds a front keeps a failed member out (LLSR_RETRY)


def b64(s):
    return base64.b64encode(s.encode()).decode()


BODY = json.dumps({"code": b64("def add(a, b):\n    return a + b\n"),
                   "tests": b64("assert add(1, 2) == 3\n")})


def ok(r):
    return r[2] == 200 and r[3] == "passed"


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def wait_for(cond, timeout, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def summary(results):
    out = {}
    for r in results:
        k = "%d %s" % (r[2], r[3])
        out[k] = out.get(k, 0) + 1
    return out


def check_refusals(cl, tap, binary, conf):
    rc, out = cl.fcgi(1)
    tap(rc == 0 and out.startswith("Status: 200"),
        "a back end answers /health over FastCGI from its front's address",
        out)
    rc, out = cl.fcgi(1, source=Cluster.rogue_addr(1))
    tap(rc == 3 and "closed without an answer" in out,
        "a connection from %s, not in FCGI_WEB_SERVER_ADDRS, is closed "
        "unanswered" % Cluster.rogue_addr(1), out)
    log = open(os.path.join(cl.backend_dir(1), "log", "workers.log")).read()
    tap("closed a FastCGI connection from %s" % Cluster.rogue_addr(1) in log,
        "the back end logs the refused peer's address")
    # A POST that would run code, from the same address: no answer either.
    rc, out = cl.fcgi(1, "/run_code", source=Cluster.rogue_addr(1), data=BODY)
    tap(rc == 3, "a run_code from that address is closed unanswered", out)

    tmp = tempfile.mkdtemp(prefix=multihost.PREFIX + "bind-", dir="/tmp")
    try:
        env = dict(os.environ, LLSR_FRONTENDS="10.213.0.2")
        for addr, why in (("8.8.8.8", "not a private address"),
                          ("0.0.0.0", "refusing to bind 0.0.0.0"),
                          ("::1", "not an IPv4 address")):
            r = subprocess.run([multihost.STACK, "start-backend", binary, conf,
                                os.path.join(tmp, "x"), addr, "20899", "1"],
                               env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=60)
            tap(r.returncode != 0 and why in r.stderr and
                not os.path.exists(os.path.join(tmp, "x", "spawn.pid")),
                "start-backend refuses to bind %s" % addr, r.stderr)
        env["LLSR_FRONTENDS"] = ""
        r = subprocess.run([multihost.STACK, "start-backend", binary, conf,
                            os.path.join(tmp, "x"), "10.213.9.9", "20899", "1"],
                           env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        tap(r.returncode != 0 and "LLSR_FRONTENDS" in r.stderr,
            "start-backend refuses an empty front list (libfcgi would "
            "accept every peer)", r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_until(url, n_ok, timeout, pred=None):
    """Load at CONCURRENCY until n_ok passed results (that satisfy pred)."""
    load = Load(url, BODY, CONCURRENCY)
    load.start()
    wait_for(lambda: load.count(lambda r: ok(r) and (not pred or pred(r)))
             >= n_ok, timeout)
    return load.stop()


def scenario(cl, tap, web, port):
    url, d = cl.start_front(web, port)
    up = wait_for(lambda: get(url + "/health") == 200, 60)
    tap(up, "%s: the front answers /health through the balancer" % web)
    if not up:
        cl.stop_front(d)
        return

    # Spread.
    res = run_until(url, 16, 180)
    served = cl.served_by()
    per = {1: 0, 2: 0}
    for r in res:
        if ok(r) and served.get(r[4]) in per:
            per[served[r[4]]] += 1
    tap(all(ok(r) for r in res) and per[1] > 0 and per[2] > 0,
        "%s: %d requests spread over both back ends (%d / %d), none failed"
        % (web, len(res), per[1], per[2]), summary(res))

    # Back end 1's dockerd killed under load.
    load = Load(url, BODY, CONCURRENCY)
    load.start()
    served_ok = lambda i: load.count(  # noqa: E731
        lambda r: ok(r) and cl.served_by().get(r[4]) == i)
    wait_for(lambda: served_ok(1) >= 2 and served_ok(2) >= 2, 180, 0.5)
    t_kill = time.monotonic()
    cl.engines[0].kill()
    wait_for(lambda: load.count(lambda r: ok(r) and r[0] > t_kill) >= 12,
             240, 0.5)
    res = load.stop()
    t_end = time.monotonic()
    served = cl.served_by()
    fails = [r for r in res if not ok(r)]
    in_flight = [r for r in fails if r[0] < t_kill]
    after = [r for r in fails if r[0] >= t_kill]
    after_b1_503 = all(r[2] == 503 and r[3] == "engine_unavailable" and
                       served.get(r[4]) == 1 for r in after)
    n_after_ok = sum(1 for r in res if ok(r) and r[0] >= t_kill)
    detail = "all: %s; in flight at the kill: %s; started after: %s" % (
        summary(res), summary(in_flight), summary(after))
    print("# %s, dockerd of back end 1 killed: %d requests, %d failed "
          "(%d in flight at the kill, %d started after it: %s); %d passed "
          "after it" % (web, len(res), len(fails), len(in_flight), len(after),
                        summary(after), n_after_ok))
    tap(len(in_flight) <= CONCURRENCY and
        all(served.get(r[4], 1) == 1 for r in in_flight),
        "%s: failures in flight at the kill are on back end 1 only (%d)"
        % (web, len(in_flight)), detail)
    if web == "apache":
        # failonstatus takes the member out on its first 503; after
        # RETRY seconds Apache tries it again with whatever requests
        # arrive before its next 503 comes back (at most one per client
        # connection each time).
        bound = CONCURRENCY * (1 + int((t_end - t_kill) / RETRY))
        tap(after_b1_503 and len(after) <= bound,
            "apache: after the kill, only 503 engine_unavailable of back end "
            "1, at most one per client connection per retry interval "
            "(%d in %.0f s, bound %d)" % (len(after), t_end - t_kill, bound),
            detail)
    else:
        tap(after_b1_503,
            "lighttpd: after the kill, every failure is back end 1's 503 "
            "engine_unavailable (lighttpd cannot take a member out on its "
            "answers; documented): %d of %d" % (len(after), len(after) +
                                                n_after_ok), detail)
    tap(n_after_ok >= 12, "%s: back end 2 carried the load after the kill "
        "(%d passed)" % (web, n_after_ok))

    rc, out = cl.fcgi(1)
    tap(rc == 0 and out.startswith("Status: 503") and
        '"engine_unavailable"' in out,
        "%s round: back end 1's /health answers 503 engine_unavailable"
        % web, out)
    rc, out = cl.fcgi(1, "/run_code", data=BODY)
    tap(rc == 0 and out.startswith("Status: 503") and
        '"engine_unavailable"' in out and "Retry-After: 1" in out,
        "%s round: back end 1's workers answer a run 503 "
        "engine_unavailable (Retry-After: 1)" % web, out)

    # Recovery.
    cl.engines[0].start()
    back = cl.engines[0].wait_up() and wait_for(
        lambda: cl.fcgi(1)[1].startswith("Status: 200"), 90, 0.5)
    tap(back, "%s round: back end 1's /health is 200 again once its "
        "dockerd is back" % web)
    load = Load(url, BODY, CONCURRENCY)
    load.start()
    wait_for(lambda: load.count(
        lambda r: ok(r) and cl.served_by().get(r[4]) == 1) >= 3 and
        load.count(ok) >= 12, 240, 0.5)
    res = load.stop()
    served = cl.served_by()
    per = {1: 0, 2: 0}
    for r in res:
        if ok(r) and served.get(r[4]) in per:
            per[served[r[4]]] += 1
    fails = [r for r in res if not ok(r)]
    print("# %s recovery: %s, back end 1 / 2: %d / %d" % (
        web, summary(res), per[1], per[2]))
    tap(per[1] >= 3, "%s: recovery: back end 1 serves again (%d of %d)"
        % (web, per[1], len(res)), summary(res))
    tap(not fails, "%s: recovery: no failed request (%d)" % (web, len(fails)),
        summary(res))

    # Back end 2's workers stopped under load: the front cannot connect
    # to it and re-sends those requests to back end 1. Requests that were
    # already queued on back end 2 when its workers went are lost (its
    # listening socket closes under them); none started afterwards is.
    load = Load(url, BODY, CONCURRENCY)
    load.start()
    wait_for(lambda: load.count(ok) >= 4, 180, 0.5)
    t_stop = time.monotonic()
    cl.stop_backend(2)
    t_gone = time.monotonic()
    wait_for(lambda: load.count(lambda r: ok(r) and r[0] > t_gone) >= 8,
             240, 0.5)
    res = load.stop()
    served = cl.served_by()
    during = [r for r in res if not ok(r) and r[0] <= t_gone]
    after = [r for r in res if r[0] > t_gone]
    bad = [r for r in after if not ok(r)]
    print("# %s, back end 2's workers stopped: %d requests; while they "
          "stopped (%.1f s): %s; afterwards: %s" % (
              web, len(res), t_gone - t_stop, summary(during), summary(after)))
    tap(not bad and after and
        all(served.get(r[4]) == 1 for r in after),
        "%s: once back end 2's workers are gone, every request is re-sent "
        "to back end 1 at the refused connect and passes (%d)"
        % (web, len(after)), summary(after))
    cl.start_backend(2)
    tap(wait_for(lambda: cl.fcgi(2)[1].startswith("Status: 200"), 90, 0.5),
        "%s: back end 2's workers start again" % web)
    cl.stop_front(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--conf", default=os.path.join(
        HERE, "..", "..", "conf", "ll-solution-runner.conf"))
    ap.add_argument("--port", type=int, default=20800)
    ap.add_argument("--web", default="apache,lighttpd")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    conf = os.path.abspath(a.conf)
    tap = Tap()
    missing = [t for t in ("ip", "dockerd", "docker", "spawn-fcgi",
                           "multiwatch", "lighttpd", "curl")
               if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        tap.skip("multihost", "needs root and %s" % (missing or "root"))
        return tap.finish()
    cl = Cluster(2, a.port, binary, conf, workers=BACK_WORKERS)
    try:
        t0 = time.monotonic()
        try:
            cl.start()
        except Exception as e:  # noqa: BLE001 (reported as a failure)
            tap(False, "set-up: namespaces, two engines, two back ends", e)
            return tap.finish()
        tap(True, "set-up: namespaces, two engines, two back ends on TCP "
            "(%.0f s)" % (time.monotonic() - t0))
        check_refusals(cl, tap, binary, conf)
        for i, web in enumerate(a.web.split(",")):
            scenario(cl, tap, web, a.port + 1 + i)
        # Every container is gone once the workers have stopped.
        for i in (1, 2):
            cl.stop_backend(i)
        for i, e in enumerate(cl.engines, 1):
            left = wait_for(lambda: cl.engines[i - 1].containers() == [], 60)
            ids = e.containers() or []
            why = []
            log = os.path.join(cl.backend_dir(i), "log", "workers.log")
            for line in open(log, errors="replace"):
                if any(c in line for c in ids):
                    why.append(line.rstrip())
            tap(left, "no container left on back end %d's engine (%s)"
                % (i, ids), "\n".join(why[-15:]))
    finally:
        cl.cleanup()
    gone = not [line for line in sh("ip", "netns", "list").stdout.splitlines()
                if line.startswith(multihost.PREFIX)] and \
        not [p for p in os.listdir("/tmp") if p.startswith(multihost.PREFIX)]
    tap(gone, "clean-up: no namespace and no engine directory of ours left")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
