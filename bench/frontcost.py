#!/usr/bin/env python3
"""The front web server's own cost per request (docs/scaling.md): a
trivial FastCGI back end (trivial_fcgi.c, 2 processes under spawn-fcgi on
TCP, as a back end host would run) behind lighttpd and behind Apache
(conf/*-balancer.conf through tests/integration/stack.sh start-front), all
on 127.0.0.1, against the same-run baseline: the same back end asked
directly over FastCGI.

For each path, in interleaved blocks (direct, lighttpd, apache, apache,
lighttpd, direct, ...): the latency of one request at a time (a new
connection each, as the service's clients do), and the CPU time the web
server's processes used per request (utime + stime from /proc, parent
and children), which gives requests per second per core of the front.

    sudo python3 bench/frontcost.py [--n 2000] [--port 20900] [--json out.json]

Ports PORT (back end), PORT+1 (lighttpd), PORT+2 (Apache)."""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import fcgi_client  # noqa: E402

STACK = os.path.join(TOP, "tests", "integration", "stack.sh")
TICK = os.sysconf("SC_CLK_TCK")


def proc_tree_cpu(root_pid):
    """utime + stime (seconds) of root_pid and its descendants."""
    kids = {}
    total = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            st = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        f = st[st.rfind(")") + 2:].split()
        kids.setdefault(int(f[1]), []).append((int(p), f))
    todo = [root_pid]
    try:
        st = open("/proc/%d/stat" % root_pid).read()
        f = st[st.rfind(")") + 2:].split()
        total += (int(f[11]) + int(f[12])) / TICK
    except OSError:
        pass
    while todo:
        pid = todo.pop()
        for cpid, f in kids.get(pid, []):
            total += (int(f[11]) + int(f[12])) / TICK
            todo.append(cpid)
    return total


def http_one(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/health")
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200 or body != b'{"ok":true}\n':
        raise RuntimeError("bad answer %d %r" % (r.status, body))


def fcgi_one(port):
    ans = fcgi_client.request("127.0.0.1", port, "/health")
    if not ans or not ans.endswith(b'{"ok":true}\n'):
        raise RuntimeError("bad FastCGI answer %r" % ans)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs))) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="requests per path")
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--port", type=int, default=20900)
    ap.add_argument("--json")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run me as root (stack.sh start-front)")
    run = tempfile.mkdtemp(prefix="llsr-frontcost-")
    os.chmod(run, 0o755)
    procs = {}
    try:
        exe = os.path.join(run, "trivial_fcgi")
        subprocess.run(["cc", "-O2", "-o", exe,
                        os.path.join(HERE, "trivial_fcgi.c"), "-lfcgi"],
                       check=True)
        os.chmod(exe, 0o755)
        back = subprocess.Popen(
            ["spawn-fcgi", "-n", "-a", "127.0.0.1", "-p", str(a.port),
             "-u", "www-data", "-g", "www-data", "--", "/usr/bin/multiwatch",
             "-f", "2", "-s", "TERM", "--", exe],
            env=dict(os.environ, FCGI_WEB_SERVER_ADDRS="127.0.0.1"))
        procs["back"] = back
        member = "127.0.0.1:%d" % a.port
        fronts = {}
        for web, port in (("lighttpd", a.port + 1), ("apache", a.port + 2)):
            d = os.path.join(run, web)
            os.makedirs(d)
            subprocess.run([STACK, "start-front", d, "127.0.0.1", str(port),
                            member], env=dict(os.environ, LLSR_WEB=web),
                           check=True)
            pidf = os.path.join(d, "lighttpd.pid.keep" if web == "lighttpd"
                                else "apache.pid.keep")
            fronts[web] = (port, d, int(open(pidf).read()))
        # Ready, and warm.
        end = time.monotonic() + 30
        while True:
            try:
                fcgi_one(a.port)
                for web in fronts:
                    http_one(fronts[web][0])
                break
            except (OSError, RuntimeError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        for _ in range(200):
            fcgi_one(a.port)
            for web in fronts:
                http_one(fronts[web][0])

        paths = ["direct", "lighttpd", "apache"]
        lat = {p: [] for p in paths}
        cpu = {p: 0.0 for p in paths}
        back_cpu = {p: 0.0 for p in paths}
        per_block = a.n // a.blocks
        la0 = os.getloadavg()
        t0 = time.time()
        for b in range(a.blocks):
            order = paths if b % 2 == 0 else list(reversed(paths))
            for p in order:
                c0 = proc_tree_cpu(fronts[p][2]) if p != "direct" else 0.0
                bc0 = proc_tree_cpu(back.pid)
                for _ in range(per_block):
                    s = time.perf_counter()
                    if p == "direct":
                        fcgi_one(a.port)
                    else:
                        http_one(fronts[p][0])
                    lat[p].append(time.perf_counter() - s)
                if p != "direct":
                    cpu[p] += proc_tree_cpu(fronts[p][2]) - c0
                back_cpu[p] += proc_tree_cpu(back.pid) - bc0
        la1 = os.getloadavg()
        res = {"n_per_path": per_block * a.blocks, "blocks": a.blocks,
               "loadavg_start": la0, "loadavg_end": la1,
               "seconds": round(time.time() - t0, 1), "paths": {}}
        for p in paths:
            n = len(lat[p])
            res["paths"][p] = {
                "p50_us": round(pct(lat[p], 50) * 1e6),
                "p90_us": round(pct(lat[p], 90) * 1e6),
                "p99_us": round(pct(lat[p], 99) * 1e6),
                "web_server_cpu_us_per_request":
                    round(cpu[p] / n * 1e6) if p != "direct" else None,
                "backend_cpu_us_per_request": round(back_cpu[p] / n * 1e6),
            }
        print("| path | p50 | p90 | p99 | added p50 vs direct | web server CPU / request | requests/s per core of the web server |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        d50 = res["paths"]["direct"]["p50_us"]
        for p in paths:
            r = res["paths"][p]
            c = r["web_server_cpu_us_per_request"]
            print("| %s | %d us | %d us | %d us | %s | %s | %s |" % (
                p if p != "direct" else "direct FastCGI (baseline)",
                r["p50_us"], r["p90_us"], r["p99_us"],
                "" if p == "direct" else "%+d us" % (r["p50_us"] - d50),
                "" if c is None else "%d us" % c,
                "" if not c else "%d" % (1e6 / c)))
        print("n = %d per path in %d interleaved blocks, %.0f s; load "
              "average %.2f at start, %.2f at end; CPU from /proc at %d "
              "ticks/s (so +-%d us per request)" % (
                  res["n_per_path"], a.blocks, res["seconds"], la0[0],
                  la1[0], TICK, 1e6 * a.blocks / TICK / res["n_per_path"] + 0.5))
        print(json.dumps(res))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(res, f, indent=1)
    finally:
        for web, d in (("lighttpd", os.path.join(run, "lighttpd")),
                       ("apache", os.path.join(run, "apache"))):
            if os.path.isdir(d):
                subprocess.run([STACK, "stop", d])
        if "back" in procs:
            procs["back"].terminate()
            try:
                procs["back"].wait(timeout=15)
            except subprocess.TimeoutExpired:
                procs["back"].kill()
        shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    main()
