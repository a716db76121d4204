#!/usr/bin/env python3
"""Fair shares through a real stack (spawn-fcgi, multiwatch, lighttpd or
Apache, dockerd). TAP on stdout.

The claim (issue 12): one greedy client cannot crowd out another. A timed
assertion would be fragile on a loaded machine, so this checks the
mechanism, deterministically; the latency figures are in bench/fair.py.

(a) Per address (no tokens; client_concurrency 1, client_rate 20, burst 5):
    a greedy client on 127.0.0.2 with 4 connections, each sending a run
    that sleeps 2 s as fast as it can, next to a victim on 127.0.0.1 sending
    20 correct runs one after the other. The greedy client gets 429
    rate_limited (JSON, Retry-After >= 1), for concurrency and for rate, and
    some of its runs are served; the victim is never refused and every run
    passes; the service's own /health says no client ever had more than 1
    request in service ("fair": {"concurrency_peak": 1}); the worker's log
    shows each client counted under its own address, as the web server
    passed it (REMOTE_ADDR).
(b) Per token: the same with two tokens sent from one address (the greedy
    one with the client_* limits, the victim's with its own limits from
    auth_token_file): the limit follows the token, not the address.
(c) While a client's only allowed request is in service, its next one is
    429 at once, also with a 4 MB body that the worker never reads (the
    web server must pass the early answer on, not fail on the unread
    body). A worker killed (SIGKILL) while it serves that request does not
    keep the client's share: after multiwatch replaced the workers, the
    client is served again.
(d) max_batch_cost_ms = 30000 (GET /health says so under "limits"): the
    issue's 777-byte batch (8 submissions sleeping 60 s, timeout_ms 4000:
    cost 32000) is 400 batch_too_costly, with cost_ms 32000 and
    max_cost_ms 30000 in the error, and no container is created for it;
    7 of them (28000) run; a client's
    max_cost_ms lowers the cap, and may not raise it.
(e) pool_ready_ms (2 workers, pool_size 1, pool_ready_ms 12000): a warm
    container younger than that may still be booting its harness, and a
    run handed to it waits for that (the tail bench/fair.py measured next
    to a greedy client). Three rounds, each once both workers' warm
    containers are over 12 s old: run A; once A's worker has started its
    next warm container (Docker shows it running), run B must be served by
    the other worker (X-Request-Id names the process), whose container has
    booted; then run C, with both workers' containers young, is still
    served at once (in under half of pool_ready_ms), not held back until
    one is ready.

Each part runs through lighttpd and through Apache (--web both, the
default); ports PORT..PORT+3 and PORT+10..PORT+13.

usage: test_fair.py --bin PATH/ll-solution-runner [--port 19300]
                    [--web lighttpd|apache|both]
"""
import argparse
import base64
import grp
import http.client
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llsr_client as lc  # noqa: E402
from llsr_stack import APACHE, Stack, Tap, children, wait_for  # noqa: E402

tap = Tap()

WORKERS = 3
LIMITS = ["client_concurrency = 1", "client_rate = 20", "client_burst = 5"]
GREEDY_ADDR, VICTIM_ADDR, CRASH_ADDR = "127.0.0.2", "127.0.0.1", "127.0.0.3"
TOKEN_GREEDY = "greedy-0123456789abcdefghij"
TOKEN_VICTIM = "victim-0123456789abcdefghij"
VICTIM_RUNS = 20
GIVE_UP_S = 180          # the greedy client stops here whatever it saw

ADD = "def add(a, b):\n    return a + b\n"
ADD_TESTS = "assert add(1, 2) == 3\n"
SLEEP = "import time\ntime.sleep(2)\n"
BIG_CODE = 3000000   # base64: a 4 MB body, under max_body_bytes (4 MiB)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def post(port, body, source=None, headers=None, timeout=120):
    """(status, headers, doc); status 0 on a connection error."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    try:
        c.request("POST", "/run_code", body=json.dumps(body), headers=h)
        r = c.getresponse()
        data = r.read()
        hdr = {k.lower(): v for k, v in r.getheaders()}
        status = r.status
    except OSError as e:
        return 0, {}, {"_error": repr(e)}
    finally:
        c.close()
    try:
        doc = json.loads(data)
    except ValueError:
        doc = {"_raw": data[:300]}
    return status, hdr, doc


def health(st):
    code, _, doc = st.request("GET", "/health", timeout=60)
    return doc if code == 200 else {}


def is_429(status, hdr, doc):
    """A well-formed 429: JSON rate_limited, Retry-After a whole number >= 1."""
    ra = hdr.get("retry-after", "")
    return (status == 429 and hdr.get("content-type", "").startswith("application/json")
            and (doc.get("error") or {}).get("code") == "rate_limited"
            and isinstance((doc.get("error") or {}).get("message"), str)
            and ra.isdigit() and int(ra) >= 1)


class Greedy:
    """conns threads sending runs as fast as they can until told to stop
    (and, at the least, until both kinds of 429 were seen or GIVE_UP_S)."""

    def __init__(self, port, source, headers=None, conns=4):
        self.port, self.source, self.headers = port, source, headers
        self.lock = threading.Lock()
        self.ok = self.conc = self.rate = self.other = 0
        self.malformed = []
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(conns)]
        for t in self.threads:
            t.start()

    def seen_both(self):
        with self.lock:
            return self.conc > 0 and self.rate > 0

    def loop(self):
        body = {"code": b64(SLEEP), "timeout_ms": 5000}
        while not self.stop.is_set() or (not self.seen_both() and
                                         time.monotonic() - self.t0 < GIVE_UP_S):
            status, hdr, doc = post(self.port, body, self.source, self.headers)
            with self.lock:
                if status == 200:
                    self.ok += 1
                elif is_429(status, hdr, doc):
                    msg = doc["error"]["message"]
                    if "in service" in msg:
                        self.conc += 1
                    elif "rate" in msg:
                        self.rate += 1
                    else:
                        self.other += 1
                else:
                    self.other += 1
                    if status == 429:
                        self.malformed.append((status, hdr, doc))

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(GIVE_UP_S + 60)
        return self


def victim(port, source, headers=None):
    """VICTIM_RUNS correct runs one after the other: the statuses seen."""
    out = []
    body = {"code": b64(ADD), "tests": b64(ADD_TESTS)}
    for _ in range(VICTIM_RUNS):
        status, _, doc = post(port, body, source, headers)
        out.append(status if status != 200 else doc.get("status"))
    return out


def greedy_and_victim(st, web, label, greedy_src, greedy_hdr, victim_src, victim_hdr):
    g = Greedy(st.port, greedy_src, greedy_hdr)
    # The victim starts once the greedy client is at it.
    wait_for(lambda: g.ok + g.conc + g.rate > 0, 60)
    seen = victim(st.port, victim_src, victim_hdr)
    g.finish()
    tap(all(s == "passed" for s in seen),
        "%s %s: the victim is never refused, and all its %d runs pass" % (web, label, VICTIM_RUNS),
        seen)
    tap(g.conc > 0 and g.rate > 0 and not g.malformed,
        "%s %s: the greedy client gets 429 rate_limited with Retry-After, for concurrency "
        "(%d) and for rate (%d)" % (web, label, g.conc, g.rate),
        (g.conc, g.rate, g.other, g.malformed[:2]))
    tap(g.ok > 0, "%s %s: the greedy client is still served within its share (%d runs)"
        % (web, label, g.ok), (g.ok, g.other))
    if greedy_hdr is None:
        addresses_seen(st, web, label, greedy_src, victim_src)
    fair = health(st).get("fair") or {}
    tap(fair.get("concurrency_peak") == 1 and fair.get("refused", 0) >= g.conc + g.rate,
        "%s %s: the service's view: no client ever had more than 1 request in service "
        "(/health fair %s)" % (web, label, fair), fair)


def addresses_seen(st, web, label, greedy_src, victim_src):
    """Per address, the client's address must reach the worker as the
    web server's REMOTE_ADDR (lighttpd's mod_fastcgi, Apache's
    mod_proxy_fcgi): the worker's log names the address each request was
    counted under. Every 429 is the greedy client's, and the victim's
    runs were served under its own address."""
    log = st.log()
    refused = set(re.findall(r"\] 429 (\S+): (?:concurrency|rate)$", log, re.M))
    served = set(re.findall(r"\] (\S+) POST /run_code 200 verdict=passed", log))
    tap(refused == {greedy_src} and victim_src in served,
        "%s %s: the worker saw each client's own address (REMOTE_ADDR): 429s only for "
        "%s, %s served" % (web, label, greedy_src, victim_src),
        "refused %s, served %s" % (sorted(refused), sorted(served)))


def part_a(binary, port, web):
    st = Stack(binary, port, LIMITS, workers=WORKERS, web=web)
    try:
        greedy_and_victim(st, web, "(a) per address", GREEDY_ADDR, None, VICTIM_ADDR, None)
        tap((health(st).get("fair") or {}).get("keyed_by") == "address",
            "%s (a): /health says the shares are per address" % web)
        part_c(st, web)
    finally:
        st.stop()


def part_b(binary, port, web, tokdir):
    tokfile = os.path.join(tokdir, "tokens")
    st = Stack(binary, port, LIMITS + ["auth_tokens = " + TOKEN_GREEDY,
                                       "auth_token_file = " + tokfile],
               workers=WORKERS, web=web)
    try:
        greedy_and_victim(st, web, "(b) per token, one address",
                          VICTIM_ADDR, {"Authorization": "Bearer " + TOKEN_GREEDY},
                          VICTIM_ADDR, {"Authorization": "Bearer " + TOKEN_VICTIM})
        # The victim's own limits (concurrency=3): three of its sleeping
        # runs at once are all served.
        res = []
        ths = [threading.Thread(target=lambda: res.append(post(
            port, {"code": b64("import time\ntime.sleep(3)\n")}, VICTIM_ADDR,
            {"Authorization": "Bearer " + TOKEN_VICTIM})[0])) for _ in range(3)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(120)
        tap(sorted(res) == [200, 200, 200],
            "%s (b): a token's own limits (concurrency=3 in auth_token_file) apply" % web, res)
    finally:
        st.stop()


def part_c(st, web):
    """A dead worker's share is free (needs a stack with LIMITS)."""
    hold = {"code": b64("import time\ntime.sleep(60)\n"), "timeout_ms": 10000}

    def holder():
        # A poll below may be in service when this arrives: then it is
        # this one's turn to be refused; it tries again until admitted.
        end = time.monotonic() + 60
        while time.monotonic() < end and post(st.port, hold, CRASH_ADDR)[0] == 429:
            time.sleep(0.05)

    th = threading.Thread(target=holder, daemon=True)
    th.start()

    def refused_for_concurrency():
        status, hdr, doc = post(st.port, {"code": b64("pass\n")}, CRASH_ADDR)
        time.sleep(0.1)
        return is_429(status, hdr, doc) and "in service" in doc["error"]["message"]

    held = wait_for(refused_for_concurrency, 60, step=0.1)
    tap(held, "%s (c): while its run is in service, the client's next request is 429" % web)
    # The 429 goes out before the body is read: a large body the worker
    # never reads must not turn it into the web server's 500/502/503.
    big = {"code": b64("#" + "x" * BIG_CODE + "\n")}
    status, hdr, doc = post(st.port, big, CRASH_ADDR)
    tap(held and is_429(status, hdr, doc) and "in service" in doc["error"]["message"],
        "%s (c): so is one with a %d-byte body, which the worker never reads"
        % (web, len(json.dumps(big))), (status, hdr, doc))
    mw = st.spawn_pid()
    old = children(mw)
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    new = wait_for(lambda: len(children(mw)) == WORKERS and
                   not set(children(mw)) & set(old) and children(mw), 60)
    status, _, doc = post(st.port, {"code": b64(ADD), "tests": b64(ADD_TESTS)}, CRASH_ADDR)
    tap(bool(new) and status == 200 and doc.get("status") == "passed",
        "%s (c): after its worker was killed (SIGKILL) mid-request, the client is served "
        "again" % web, (new, status, doc))
    th.join(30)


def container_ids(st):
    """The containers of this stack's workers (other stacks share dockerd)."""
    pids = set(children(st.spawn_pid()))
    try:
        return {c["id"] for c in lc.labelled_containers() if lc.owner_pid(c["owner"]) in pids}
    except Exception:  # noqa: BLE001 -- no socket: the check is skipped
        return None


def part_d(binary, port, web):
    st = Stack(binary, port, ["max_batch_cost_ms = 30000"], workers=1, web=web)
    try:
        el = {"code": b64("import time\ntime.sleep(60)\n"), "timeout_ms": 4000}
        body = {"submissions": [el] * 8}
        size = len(json.dumps(body))
        lim = health(st).get("limits") or {}  # (and the warm pool is up)
        tap(lim.get("max_batch_cost_ms") == 30000 and lim.get("batch_timeout_ms") == 300000,
            "%s (d): GET /health reports max_batch_cost_ms 30000 under limits" % web, lim)
        wait_for(lambda: (health(st).get("pool_warm") or 0) >= 1, 60)
        before = container_ids(st)
        t0 = time.monotonic()
        status, hdr, doc = post(port, body)
        took = time.monotonic() - t0
        after = container_ids(st)
        err = doc.get("error") or {}
        tap(status == 400 and err.get("code") == "batch_too_costly"
            and "32000" in err.get("message", "") and "30000" in err.get("message", "")
            and err.get("cost_ms") == 32000 and err.get("max_cost_ms") == 30000,
            "%s (d): a %d-byte batch of 8 x timeout_ms 4000 (cost 32000) over "
            "max_batch_cost_ms 30000: 400 batch_too_costly in %.2f s" % (web, size, took),
            (status, doc))
        if before is None:
            tap.skip("%s (d): no container is created for it" % web, "no Docker socket")
        else:
            tap(before == after, "%s (d): no container is created for it" % web,
                (before, after))
        quick = {"code": b64("pass\n"), "timeout_ms": 4000}
        status, _, doc = post(port, {"submissions": [quick] * 7})
        tap(status == 200 and len(doc.get("results") or []) == 7,
            "%s (d): 7 x 4000 (cost 28000) runs" % web, (status, doc))
        status, _, doc = post(port, {"submissions": [quick] * 7, "max_cost_ms": 20000})
        tap(status == 400 and (doc.get("error") or {}).get("code") == "batch_too_costly"
            and (doc.get("error") or {}).get("max_cost_ms") == 20000,
            "%s (d): the client's max_cost_ms 20000 lowers the cap" % web, (status, doc))
        status, _, doc = post(port, {"submissions": [quick], "max_cost_ms": 30001})
        tap(status == 400 and (doc.get("error") or {}).get("code") == "invalid_field",
            "%s (d): max_cost_ms over the server's cap is 400 invalid_field" % web,
            (status, doc))
    finally:
        st.stop()


READY_MS = 12000


def request_pid(hdr):
    """The worker's pid from X-Request-Id (hex pid, '-', sequence)."""
    try:
        return int(hdr.get("x-request-id", "").split("-")[0], 16)
    except ValueError:
        return None


def worker_containers(pid):
    """Ids of the running containers worker pid owns."""
    return {c["id"] for c in lc.labelled_containers()
            if lc.owner_pid(c["owner"]) == pid and c["state"] == "running"}


def part_e(binary, port, web):
    st = Stack(binary, port, ["pool_ready_ms = %d" % READY_MS], workers=2, web=web)
    try:
        run = {"code": b64(ADD), "tests": b64(ADD_TESTS)}
        up = time.monotonic()  # both pools were filled before the stack answered
        for rnd in range(1, 4):
            # Both warm containers are over pool_ready_ms old.
            while time.monotonic() - up < READY_MS / 1000.0 + 0.5:
                time.sleep(0.1)
            wait_for(lambda: len(children(st.spawn_pid())) == 2, 30)
            status, hdr, doc = post(port, run)
            pid_a = request_pid(hdr)
            tap(status == 200 and doc.get("status") == "passed" and pid_a,
                "%s (e) round %d: run A passes" % (web, rnd), (status, hdr, doc))
            old = worker_containers(pid_a)
            # A's worker warmed its next container: it is idle again, with
            # a container that is still booting.
            refilled = wait_for(lambda: worker_containers(pid_a) - old, 60)
            status, hdr, doc = post(port, run)
            pid_b = request_pid(hdr)
            tap(status == 200 and doc.get("status") == "passed" and pid_b and pid_b != pid_a,
                "%s (e) round %d: run B goes to the worker whose container booted "
                "(A: %s, B: %s)" % (web, rnd, pid_a, pid_b), (status, hdr, doc, refilled))
            old = {p: worker_containers(p) for p in (pid_a, pid_b)}
            t0 = time.monotonic()
            status, hdr, doc = post(port, run)
            took = time.monotonic() - t0
            pid_c = request_pid(hdr)
            tap(status == 200 and doc.get("status") == "passed"
                and took < READY_MS / 2000.0,
                "%s (e) round %d: with both containers young, run C is still served "
                "at once (%.2f s)" % (web, rnd, took), (status, hdr, doc))
            # The next round starts when the youngest container (C's
            # worker's next) is over pool_ready_ms old.
            wait_for(lambda: worker_containers(pid_c) - old.get(pid_c, set()), 60)
            up = time.monotonic()
    finally:
        st.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=19300)
    ap.add_argument("--web", default="both", choices=("lighttpd", "apache", "both"))
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    webs = ["lighttpd", "apache"] if a.web == "both" else [a.web]
    tokdir = tempfile.mkdtemp(prefix="llsr-tok.")
    try:
        os.chmod(tokdir, 0o755)
        tokfile = os.path.join(tokdir, "tokens")
        with open(tokfile, "w") as f:
            f.write("# test_fair.py\n%s concurrency=3 rate=50 burst=50\n" % TOKEN_VICTIM)
        os.chown(tokfile, 0, grp.getgrnam("ll-solution-runner").gr_gid)
        os.chmod(tokfile, 0o640)
        for i, web in enumerate(webs):
            if web == "apache" and not os.access(APACHE, os.X_OK):
                tap.skip("apache: fair shares", "apache2 is not installed")
                continue
            port = a.port + 10 * i
            for part in (lambda: part_a(binary, port, web),
                         lambda: part_b(binary, port + 1, web, tokdir),
                         lambda: part_d(binary, port + 2, web),
                         lambda: part_e(binary, port + 3, web)):
                try:
                    part()
                except Exception as e:  # a stack that does not start is a failure
                    tap(False, "%s: the stack runs" % web, repr(e))
    finally:
        shutil.rmtree(tokdir, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
