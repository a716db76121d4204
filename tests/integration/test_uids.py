#!/usr/bin/env python3
"""A uid of its own for every container (config uid_range), through stacks
of their own (stack.sh: spawn-fcgi, multiwatch, lighttpd or Apache, the
real engine). TAP on stdout.

1. Several workers with warm pools serve concurrent program runs that
   print their /proc/self/status Uid and Gid: each is one uid of the range,
   real = effective = saved = fs, gid the same; while they run, every
   listing of the engine's containers of the stack (warm ones included)
   shows no two with the same Config.User.
2. Exhaustion: with every uid of the range held (this test holds them the
   way a worker does: flock() on the lock files), a request is 503
   uid_exhausted with Retry-After; with one freed, it runs as that uid.
3. A worker killed with SIGKILL while its warm container holds the only
   free uid: the replacement worker gets that uid again (the dead worker's
   lock went with it) once the container it named is gone, and serves.

Each part runs through lighttpd and through Apache (--web both, the
default): the 503 uid_exhausted and its Retry-After must reach the client
the same way through either. Ports: PORT and PORT+1 for lighttpd, PORT+2
and PORT+3 for Apache.

usage: test_uids.py --bin PATH/ll-solution-runner [--port 19210]
                    [--image llsr-sandbox:latest]
                    [--web lighttpd|apache|both]
                    [--first-range off]   (part 1 with uid_range off and
                    user 20001:20001: shows that part 1 can fail)
"""
import argparse
import base64
import concurrent.futures
import fcntl
import json
import os
import pwd
import shutil
import signal
import sys
import tempfile
import threading
import urllib.parse

from llsr_client import docker_get, owner_pid
from llsr_stack import APACHE, Stack, Tap, alive, children, wait_for

WORKER_USER = "ll-solution-runner"
LABEL = "ll-solution-runner"
WHO = ("import os\n"
       "for line in open('/proc/self/status'):\n"
       "    if line.startswith(('Uid:', 'Gid:')):\n"
       "        print(line.split()[0], *line.split()[1:])\n")
tap = Tap()


def private_lock_dir():
    d = tempfile.mkdtemp(prefix="llsr-uids.")
    pw = pwd.getpwnam(WORKER_USER)
    os.chown(d, pw.pw_uid, pw.pw_gid)
    os.chmod(d, 0o700)
    return d


def hold(lock_dir, uid):
    """Holds uid as a worker would; the fd is the lock (close to free)."""
    pw = pwd.getpwnam(WORKER_USER)
    fd = os.open(os.path.join(lock_dir, str(uid)), os.O_RDWR | os.O_CREAT, 0o600)
    os.fchown(fd, pw.pw_uid, pw.pw_gid)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def program(st, timeout_ms=8000):
    body = json.dumps({"code": base64.b64encode(WHO.encode()).decode(),
                       "timeout_ms": timeout_ms})
    return st.request("POST", "/run_code", body, timeout=120)


def ids_of(doc):
    """{"Uid": [r, e, s, fs], "Gid": [...]} from a program run's stdout."""
    out = {}
    for line in (doc.get("stdout") or "").splitlines():
        parts = line.split()
        if parts and parts[0] in ("Uid:", "Gid:"):
            out[parts[0][:-1]] = [int(x) for x in parts[1:]]
    return out


def stack_containers(pids):
    """[(id, Config.User)] of the labelled containers whose owner is one of
    pids, as one engine listing shows them (a container removed between the
    listing and its inspection is left out)."""
    q = urllib.parse.quote(json.dumps({"label": [LABEL]}))
    out = []
    for c in docker_get("/containers/json?all=1&filters=" + q):
        if owner_pid((c.get("Labels") or {}).get(LABEL + ".owner", "")) not in pids:
            continue
        try:
            info = docker_get("/containers/%s/json" % c["Id"])
        except RuntimeError:
            continue
        out.append((c["Id"][:12], info["Config"]["User"]))
    return out


def concurrent_uids(a, web, port, lo, hi):
    lock_dir = private_lock_dir()
    workers, pool = 3, 2
    rng = "%d-%d" % (lo, hi) if a.first_range != "off" else "off\nuser = 20001:20001"
    st = Stack(a.bin, port, ["image = \"%s\"" % a.image,
                             "uid_range = %s" % rng,
                             "uid_lock_dir = \"%s\"" % lock_dir,
                             "max_workers = %d" % workers,
                             "pool_size = %d" % pool], workers=workers, web=web)
    try:
        mw = st.spawn_pid()
        pids = set(wait_for(lambda: len(children(mw)) == workers and children(mw), 30) or [])
        # The warm pools are full before the burst: they count too.
        wait_for(lambda: len(stack_containers(pids)) >= workers * pool, 60, 0.2)
        shared, listings, stop = [], [0], threading.Event()

        def watch():
            while not stop.is_set():
                seen = {}
                for cid, user in stack_containers(pids):
                    if user in seen:
                        shared.append("%s and %s both run as %s" % (seen[user], cid, user))
                    seen[user] = cid
                listings[0] += 1

        t = threading.Thread(target=watch)
        t.start()
        try:
            with concurrent.futures.ThreadPoolExecutor(2 * workers) as ex:
                answers = list(ex.map(lambda _: program(st), range(4 * workers)))
        finally:
            stop.set()
            t.join()
        bad, uids = [], []
        for code, _, doc in answers:
            ids = ids_of(doc)
            u, g = ids.get("Uid", []), ids.get("Gid", [])
            if code != 200 or doc.get("status") != "passed" or len(u) != 4 or \
                    len(set(u)) != 1 or u != g or not lo <= u[0] <= hi:
                bad.append((code, doc.get("status"), ids, doc.get("error")))
            else:
                uids.append(u[0])
        tap(not bad, web + ": %d concurrent runs on %d workers (pool_size %d) each ran as one uid "
            "of %d-%d, gid the same (uids seen: %s)" % (len(answers), workers, pool, lo, hi,
                                                     sorted(set(uids))), bad)
        tap(listings[0] > 0 and not shared,
            web + ": no two live containers of the stack shared a uid in %d engine listings "
            "(warm ones included)" % listings[0], shared[:10])
    finally:
        st.stop()
        shutil.rmtree(lock_dir, ignore_errors=True)


def exhaustion_and_crash(a, web, port, lo):
    # One worker, pool 1: the smallest range the config accepts, 1 * (1 + 50).
    hi = lo + 50
    lock_dir = private_lock_dir()
    held = {u: hold(lock_dir, u) for u in range(lo, hi + 1)}
    st = Stack(a.bin, port, ["image = \"%s\"" % a.image,
                             "uid_range = %d-%d" % (lo, hi),
                             "uid_lock_dir = \"%s\"" % lock_dir,
                             "max_workers = 1", "pool_size = 1",
                             "pool_max_age_s = 4"], workers=1, web=web)
    try:
        code, hdr, doc = program(st)
        err = doc.get("error") or {}
        hdr = {k.lower(): v for k, v in hdr.items()}
        tap(code == 503 and err.get("code") == "uid_exhausted" and
            hdr.get("retry-after") == "1" and "x-request-id" in hdr and
            hdr.get("content-type", "").startswith("application/json"),
            web + ": every uid held: the service's 503 uid_exhausted, JSON, with "
            "Retry-After: 1", (code, hdr, doc))
        os.close(held.pop(lo))
        code, _, doc = program(st)
        tap(code == 200 and ids_of(doc).get("Uid") == [lo] * 4,
            web + ": one uid freed: the run gets it (%d)" % lo, (code, doc))

        mw = st.spawn_pid()
        victim = (children(mw) or [None])[0]

        def warm():
            return [c for c in stack_containers({victim}) if c[1] == "%d:%d" % (lo, lo)]
        # The tick refills the pool once the used container is removed.
        w = wait_for(warm, 60, 0.2)
        tap(bool(w), web + ": the worker's warm container holds the only free uid",
            stack_containers({victim}))
        if not w or victim is None:
            return
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: not alive(victim), 10)
        new = wait_for(lambda: [p for p in children(mw) if p != victim], 30)
        code, _, doc = program(st)
        gone = True
        try:
            docker_get("/containers/%s/json" % w[0][0])
            gone = False
        except RuntimeError:
            pass
        tap(code == 200 and ids_of(doc).get("Uid") == [lo] * 4 and gone,
            web + ": after SIGKILL the new worker (%s) runs as the dead one's uid %d, whose "
            "container is gone" % (new, lo), (code, doc, "old container gone: %s" % gone))
    finally:
        st.stop()
        for fd in held.values():
            os.close(fd)
        shutil.rmtree(lock_dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=19210)
    ap.add_argument("--image", default="llsr-sandbox:latest")
    ap.add_argument("--web", default="both", choices=("lighttpd", "apache", "both"))
    ap.add_argument("--first-range", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    webs = ("lighttpd", "apache") if a.web == "both" else (a.web,)
    for i, web in enumerate(webs):
        if web == "apache" and not os.access(APACHE, os.X_OK):
            tap.skip("apache: a uid per container", "apache2 is not installed")
            continue
        port = a.port + 2 * i
        # Ranges of their own (private lock directories too): nothing here
        # holds or frees a uid of another stack. One stack at a time, so
        # both web servers' runs may use the same ranges.
        parts = [lambda: concurrent_uids(a, web, port, 310000, 310199)]
        if a.first_range != "off":
            parts.append(lambda: exhaustion_and_crash(a, web, port + 1, 320000))
        for part in parts:
            try:
                part()
            except Exception as e:  # a stack that does not start is a failure
                tap(False, "%s: the stack runs" % web, repr(e))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
