#!/usr/bin/env python3
"""Integration tests that need a stack of their own: engine faults (a fake
Engine API for what a real engine cannot be made to do), an unreachable
engine, a missing image, SIGTERM and SIGKILL in the middle of a run, a client
that goes away, the warm pool and overload. TAP on stdout.

usage: test_lifecycle.py --bin PATH/ll-solution-runner [--port 18100]
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fake_engine import FakeEngine  # noqa: E402
from llsr_stack import Stack, Tap, b64, wait_for  # noqa: E402

DOCKER_SOCK = "/var/run/docker.sock"

tap = Tap()


def docker_get(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(DOCKER_SOCK)
    c = http.client.HTTPConnection("localhost")
    c.sock = s
    c.request("GET", path)
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return data


def our_containers(pid=None):
    """Containers of ours; with pid, only those made by that worker (other
    stacks may be running on the same engine)."""
    q = "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22ll-solution-runner%22%5D%7D"
    cs = docker_get(q)
    if pid is not None:
        cs = [c for c in cs if owner_pid(c) == str(pid)]
    return cs


def owner_pid(c):
    """The worker pid in a container's owner label (w1:host:pid:start)."""
    parts = c["Labels"].get("ll-solution-runner.owner", "").split(":")
    return parts[2] if len(parts) == 4 and parts[0] == "w1" else None


def test_unreachable_engine(binary, port):
    st = Stack(binary, port, ["engine_url = unix:///nonexistent/docker.sock",
                              "engine_timeout_ms = 1000"])
    try:
        code, hdr, doc = st.run_code("print(1)")
        tap(code == 503 and doc.get("error", {}).get("code") == "engine_unavailable"
            and hdr.get("Retry-After") == "1",
            "engine unreachable: 503 engine_unavailable with Retry-After", (code, hdr, doc))
        code, _, doc = st.request("GET", "/health")
        tap(code == 503 and doc.get("error", {}).get("code") == "engine_unavailable",
            "engine unreachable: /health is 503 engine_unavailable", (code, doc))
        code, _, doc = st.run_code("print(1)")
        tap(code == 503, "engine unreachable: the worker keeps answering", (code, doc))
    finally:
        st.stop()


def test_missing_image(binary, port):
    st = Stack(binary, port, ["image = llsr-no-such-image:none"])
    try:
        code, _, doc = st.run_code("print(1)")
        err = doc.get("error", {})
        tap(code == 503 and err.get("code") == "image_missing"
            and "build-image.sh" in err.get("message", ""),
            "missing image: 503 image_missing says how to build it", (code, doc))
        code, _, doc = st.request("GET", "/health")
        tap(code == 503 and doc.get("error", {}).get("code") == "image_missing",
            "missing image: /health is 503 image_missing", (code, doc))
    finally:
        st.stop()


def test_fake_engine(binary, port):
    run = tempfile.mkdtemp(prefix="llsr-fake.")
    os.chmod(run, 0o755)
    sock = os.path.join(run, "engine.sock")
    # A Docker 29-like engine: newest API 1.52, oldest accepted 1.44.
    fake = FakeEngine(sock, api_version="1.52", min_version="1.44")
    # No warm pool: each request creates its container, so each fault
    # injected on the create path is met by the request itself.
    st = Stack(binary, port, ["engine_url = unix://" + sock, "engine_timeout_ms = 1000",
                              "pool_size = 0"])
    try:
        code, _, doc = st.run_code("print(1)")
        created = fake.seen("POST", r"/containers/create")
        tap(code == 200 and doc.get("status") == "passed",
            "engine with minimum API 1.44: the run works", (code, doc, fake.requests[-6:]))
        tap(bool(created) and all(p.startswith("/v1.47/") for p in created),
            "API version negotiated from /_ping (min(1.47, 1.52))", created)
        tap(wait_for(lambda: len(fake.seen("DELETE", r"/containers/[0-9a-f]{64}")) == 1, 10),
            "the container is removed after the run", fake.requests)

        fake.mode = "warnings"
        n_start = len(fake.seen("POST", r"/start"))
        n_create = len(fake.seen("POST", r"/containers/create"))
        code, _, doc = st.run_code("print(1)")
        tap(code == 503 and doc.get("error", {}).get("code") == "sandbox_refused"
            and "memory limit" in doc["error"].get("message", ""),
            "create with Warnings: 503 sandbox_refused, nothing runs", (code, doc))
        tap(len(fake.seen("POST", r"/start")) == n_start,
            "create with Warnings: the container is never started", fake.requests)
        def refused_all_removed():
            ids = ["%064x" % (0xABC000 + i + 1)
                   for i in range(n_create, len(fake.seen("POST", r"/containers/create")))]
            return ids and all(fake.seen("DELETE", i) for i in ids)
        tap(wait_for(refused_all_removed, 10),
            "create with Warnings: every refused container is removed", fake.requests[-8:])

        fake.mode = "garbage"
        code, _, doc = st.run_code("print(1)")
        tap(code == 200 and doc.get("status") == "error"
            and doc.get("error", {}).get("type") == "HarnessError",
            "garbage stream frames: a clear error verdict, no crash", (code, doc))

        fake.mode = "hang_create"
        t0 = time.monotonic()
        code, _, doc = st.run_code("print(1)")
        took = time.monotonic() - t0
        tap(code == 503 and doc.get("error", {}).get("code") == "engine_unavailable" and took < 10,
            "engine hangs on create: 503 after engine_timeout_ms (%.1fs)" % took, (code, doc))
        fake.release.set()

        fake.mode = "ok"
        code, _, doc = st.run_code("print(1)")
        tap(code == 200 and doc.get("status") == "passed",
            "after the faults the same worker serves normally", (code, doc))
        log = st.log()
        tap("sandbox_refused" in log and "engine" in log,
            "errors are logged with their cause", log[-2000:])
    finally:
        st.stop()
        fake.close()
        shutil.rmtree(run, ignore_errors=True)


def test_engine_comes_and_goes(binary, port):
    """The engine is down at start-up, comes up, dies in the middle of a
    run, and comes back: the same worker answers 503 while it is down and
    recovers each time without a restart."""
    run = tempfile.mkdtemp(prefix="llsr-fake2.")
    os.chmod(run, 0o755)
    sock = os.path.join(run, "engine.sock")
    st = Stack(binary, port, ["engine_url = unix://" + sock, "engine_timeout_ms = 1000",
                              "pool_size = 0"], workers=1)
    fake = None
    try:
        pid = st.request("GET", "/health")[2].get("error") and None
        code, _, doc = st.run_code("print(1)")
        tap(code == 503 and doc.get("error", {}).get("code") == "engine_unavailable",
            "engine down at start-up: 503 engine_unavailable", (code, doc))
        fake = FakeEngine(sock)
        code, _, doc = st.run_code("print(1)")
        tap(code == 200 and doc.get("status") == "passed",
            "engine comes up: the worker recovers without a restart", (code, doc))
        fake.mode = "die_mid_run"
        code, _, doc = st.run_code("print(1)")
        tap(code == 503 and doc.get("error", {}).get("code") == "engine_unavailable",
            "engine stops mid-run: 503 engine_unavailable, not a verdict", (code, doc))
        fake.close()
        fake = FakeEngine(sock)
        code, _, doc = st.run_code("print(1)")
        tap(code == 200 and doc.get("status") == "passed",
            "engine comes back: the same worker serves again", (code, doc))
        _ = pid
    finally:
        st.stop()
        if fake:
            fake.close()
        shutil.rmtree(run, ignore_errors=True)


def test_sigterm_finishes_request(binary, port):
    # No warm pool: the only running container of the worker is the run's.
    st = Stack(binary, port, ["pool_size = 0"], workers=1)
    try:
        _, _, health = st.request("GET", "/health")
        pid = health.get("pid")
        result = {}

        def slow():
            result["r"] = st.run_code("import time\ntime.sleep(2)\nprint('done')\n",
                                      "assert True\n")

        import threading
        t = threading.Thread(target=slow)
        t.start()
        running = wait_for(lambda: [c for c in our_containers(pid) if c["State"] == "running"], 20)
        os.kill(pid, signal.SIGTERM)
        t.join(30)
        code, _, doc = result.get("r", (0, {}, {}))
        tap(bool(running) and code == 200 and doc.get("status") == "passed"
            and doc.get("stdout") == "done\n",
            "SIGTERM mid-run: the request in hand is finished", (running, code, doc))
        gone = wait_for(lambda: not os.path.exists("/proc/%d" % pid), 20)
        tap(gone, "SIGTERM mid-run: the worker exits afterwards", pid)
        tap(wait_for(lambda: not our_containers(pid), 20) == True,
            "SIGTERM mid-run: its container is removed", our_containers(pid))
    finally:
        st.stop()


def post_and_hold(port, code, timeout_ms):
    """Sends a /run_code request and returns the socket without reading
    the answer (the caller closes it, or kills the worker under it)."""
    body = json.dumps({"code": b64(code), "timeout_ms": timeout_ms})
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
    return s


def test_client_goes_away(binary, port):
    st = Stack(binary, port, ["pool_size = 0"], workers=1)
    try:
        pid = st.request("GET", "/health")[2].get("pid")
        s = post_and_hold(port, "import time\ntime.sleep(3)\n", 5000)
        running = wait_for(lambda: our_containers(pid), 20)
        s.close()
        tap(bool(running), "client goes away: the run had started", running)
        tap(wait_for(lambda: not our_containers(pid), 30) == True,
            "client goes away: the container is still removed", our_containers(pid))
        code, _, doc = st.run_code("print(2)")
        tap(code == 200 and doc.get("stdout") == "2\n",
            "client goes away: the worker serves the next request", (code, doc))
    finally:
        st.stop()


def test_sigkill_sweeper(binary, port):
    st = Stack(binary, port, ["pool_size = 0"], workers=1)
    try:
        pid = st.request("GET", "/health")[2].get("pid")
        s = post_and_hold(port, "import time\ntime.sleep(5)\n", 8000)
        running = wait_for(lambda: [c for c in our_containers(pid) if c["State"] == "running"
                                    and c["Id"]], 20)
        os.kill(pid, signal.SIGKILL)
        s.close()
        tap(bool(running), "SIGKILL mid-run: the run had started", running)
        # multiwatch starts a new worker, whose start-up sweep removes what
        # the dead one left (the run's container and its warm one).
        gone = wait_for(lambda: not our_containers(pid), 30)
        tap(gone == True, "SIGKILL mid-run: the sweeper removes its containers",
            [c["Names"] for c in our_containers(pid)])
        code, _, doc = st.run_code("print(3)")
        tap(code == 200 and doc.get("stdout") == "3\n",
            "SIGKILL mid-run: the pool keeps answering", (code, doc))
        tap("sweeper removed container" in st.log(), "the sweep is logged", st.log()[-1500:])
    finally:
        st.stop()


def test_warm_pool(binary, port):
    st = Stack(binary, port, ["pool_size = 1"], workers=1)
    try:
        _, _, h = st.request("GET", "/health")
        pid = h.get("pid")
        warm = wait_for(lambda: [c["Id"] for c in our_containers(pid) if c["State"] == "running"], 20)
        tap(h.get("pool_size") == 1 and len(warm) == 1,
            "warm pool: the worker keeps one container started", (h, warm))
        code, _, doc = st.run_code("def f():\n    return 1\n", "assert f() == 1\n")
        tap(code == 200 and doc.get("status") == "passed", "warm pool: a run passes", (code, doc))
        # Single-use: the container that served is destroyed, a new one waits.
        again = wait_for(lambda: [c["Id"] for c in our_containers(pid)
                                  if c["State"] == "running" and c["Id"] not in warm], 20)
        tap(bool(again) and warm[0] not in [c["Id"] for c in our_containers(pid)],
            "warm pool: the used container is removed and a fresh one warmed",
            (warm, [c["Id"] for c in our_containers(pid)]))
        # A client limit below the warm container's is applied to it.
        code, _, doc = st.run_code("x = bytearray(100 * 1024 * 1024)\n", "assert True\n",
                                   memory_mb=32)
        tap(code == 200 and doc.get("status") in ("memory_limit", "error"),
            "warm pool: a lowered memory_mb is enforced", (code, doc))
        # A warm container that died while waiting is replaced, and the
        # request still succeeds.
        wid = wait_for(lambda: [c["Id"] for c in our_containers(pid) if c["State"] == "running"], 20)
        s = socket.socket(socket.AF_UNIX)
        s.connect(DOCKER_SOCK)
        c = http.client.HTTPConnection("localhost")
        c.sock = s
        c.request("POST", "/containers/%s/kill" % wid[0])
        c.getresponse().read()
        c.close()
        code, _, doc = st.run_code("print('fresh')\n")
        tap(code == 200 and doc.get("stdout") == "fresh\n",
            "warm pool: a dead warm container is replaced, the request succeeds", (code, doc))
    finally:
        st.stop()
    tap(wait_for(lambda: not our_containers(pid), 20) == True,
        "warm pool: stopping the worker removes its warm container", our_containers(pid))


def test_overload(binary, port):
    """One worker, a queue of one: of five simultaneous slow requests, one
    runs, at most one waits its turn, the others get 503 overloaded with
    Retry-After at once (long before the first run ends). Which ones, and
    whether the second is queued or refused, depends on when each reaches
    the worker: the test checks the mechanism, not the arrival order."""
    st = Stack(binary, port, ["pool_size = 0", "max_queue = 1"], workers=1)
    try:
        import threading
        results = []
        lock = threading.Lock()
        start = threading.Barrier(5)

        def one():
            start.wait(30)
            t0 = time.monotonic()
            code, hdr, doc = st.run_code("import time\ntime.sleep(2)\n", timeout_ms=5000)
            with lock:
                results.append((code, hdr.get("Retry-After"), doc, time.monotonic() - t0))

        ts = [threading.Thread(target=one) for _ in range(5)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        ok = [r for r in results if r[0] == 200]
        busy = [r for r in results if r[0] == 503]
        tap(1 <= len(ok) <= 2 and len(ok) + len(busy) == 5 and
            all(r[2].get("status") == "passed" for r in ok),
            "overload: the worker runs one request and queues at most one", results)
        tap(len(busy) >= 3 and all(r[1] == "1" and r[2].get("error", {}).get("code") == "overloaded"
                                   and r[3] < 1.9 for r in busy),
            "overload: the rest get 503 overloaded with Retry-After at once", results)
        code, _, doc = st.run_code("print(4)")
        tap(code == 200 and doc.get("stdout") == "4\n", "overload: afterwards the worker serves",
            (code, doc))
    finally:
        st.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18100)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tests = [test_unreachable_engine, test_missing_image, test_fake_engine,
             test_engine_comes_and_goes,
             test_sigterm_finishes_request, test_client_goes_away,
             test_sigkill_sweeper, test_warm_pool, test_overload]
    for i, t in enumerate(tests):
        try:
            t(binary, a.port + i)
        except Exception as e:  # a crashed case is a failed case
            tap(False, "%s raised" % t.__name__, repr(e))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
