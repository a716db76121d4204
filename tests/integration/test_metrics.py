#!/usr/bin/env python3
"""GET /metrics and GET /version against the real service (stack.sh,
lighttpd, spawn-fcgi, two workers, the real engine and image).

  - Requests of several verdicts (passed, failed, error, timeout, a batch)
    and several statuses (200, 400, 404, 405) move the counters by exactly
    what was sent, whichever worker answers the scrape: the workers count
    into the pool's shared board, and both workers served.
  - The text passes `promtool check metrics`, and every family is llsr_
    with HELP and TYPE.
  - A real Prometheus (Debian's) scrapes the service every second and its
    HTTP API answers a query with the service's own value.
  - With tokens configured: /metrics needs one, /version and /openapi.json
    do not; a scrape takes no client share.
TAP on stdout; a missing promtool or prometheus is a SKIP.

usage: test_metrics.py --bin PATH/ll-solution-runner [--port 20200]
       (uses port, port + 1 for Prometheus and port + 2 for the token stack)
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llsr_stack import Stack, Tap, b64, wait_for  # noqa: E402

tap = Tap()
SAN = re.compile(r"ERROR: (?:Address|Leak)Sanitizer.*|runtime error:.*")


def stop(st, name):
    """Stops st, after checking its workers' log for sanitizer reports."""
    try:
        bad = SAN.findall(st.log())
    except OSError as e:
        bad = ["the log is unreadable: %s" % e]
    st.stop()
    tap(not bad, "%s: no sanitizer report in the workers' log" % name, "\n".join(bad[:10]))
TOKEN = "metrics-token-0123456789abcdef"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse(text):
    """{(name, ((label, value), ...)): float} of a text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def key(name, **labels):
    return (name, tuple(sorted(labels.items())))


def scrape(port, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics", headers=headers or {})
    r = c.getresponse()
    body = r.read().decode("utf-8")
    c.close()
    return r.status, r.getheader("Content-Type"), body


def worker_of(headers):
    """The worker's pid, from X-Request-Id (<hex pid>-<seq>)."""
    return headers.get("X-Request-Id", "-").split("-")[0]


def send_load(st):
    """Sends the requests whose counts the test checks; returns the pids
    of the workers that answered /run_code."""
    ok = ("def add(a, b):\n    return a + b\n", "assert add(1, 2) == 3\n")
    bad = ("def add(a, b):\n    return a - b\n", "assert add(1, 2) == 3\n")
    pids = set()
    results = []

    def run(code, tests, **kw):
        code_, hdrs, doc = st.run_code(code, tests, **kw)
        results.append((code_, doc.get("status")))
        pids.add(worker_of(hdrs))

    # Two at once, twice: both workers serve.
    for _ in range(2):
        ts = [threading.Thread(target=run, args=ok) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    run(*bad)
    run("def add(a, b) return\n", "assert add(1, 2) == 3\n")
    run("while True:\n    pass\n", "assert True\n", timeout_ms=1000)
    batch = {"submissions": [
        {"code": b64(ok[0]), "tests": b64(ok[1])},
        {"code": b64(bad[0]), "tests": b64(bad[1])},
        {"code": b64(ok[0]), "tests": b64(ok[1])}]}
    code, hdrs, doc = st.request("POST", "/run_code", json.dumps(batch))
    pids.add(worker_of(hdrs))
    results.append((code, [r.get("status") for r in doc.get("results", [])]))
    results.append(st.request("POST", "/run_code", "{not json")[0])
    results.append(st.request("GET", "/run_code")[0])
    results.append(st.request("GET", "/no/such/path")[0])
    return pids, results


EXPECT_RESULTS = [(200, "passed")] * 4 + [
    (200, "failed"), (200, "error"), (200, "timeout"),
    (200, ["passed", "failed", "passed"]), 400, 405, 404]

# What send_load must add, exactly.
EXPECT_DELTA = {
    key("llsr_http_requests_total", route="/run_code", code="200"): 8,
    key("llsr_http_requests_total", route="/run_code", code="400"): 1,
    key("llsr_http_requests_total", route="/run_code", code="405"): 1,
    key("llsr_http_requests_total", route="other", code="404"): 1,
    key("llsr_http_request_duration_seconds_count", route="/run_code"): 10,
    key("llsr_verdicts_total", verdict="passed"): 6,
    key("llsr_verdicts_total", verdict="failed"): 2,
    key("llsr_verdicts_total", verdict="error"): 1,
    key("llsr_verdicts_total", verdict="timeout"): 1,
    key("llsr_verdicts_total", verdict="memory_limit"): 0,
    key("llsr_engine_step_duration_seconds_count", step="run"): 8,
    key("llsr_batch_size_submissions_count"): 1,
    key("llsr_batch_size_submissions_sum"): 3,
    key("llsr_batch_size_submissions_bucket", le="2"): 0,
    key("llsr_batch_size_submissions_bucket", le="5"): 1,
}


def delta(before, after, k):
    return after.get(k, 0.0) - before.get(k, 0.0)


def test_counters(st, port):
    code, ctype, text = scrape(port)
    tap(code == 200 and ctype == "text/plain; version=0.0.4; charset=utf-8",
        "GET /metrics: 200, text format 0.0.4", (code, ctype))
    before = parse(text)
    pids, results = send_load(st)
    tap(results == EXPECT_RESULTS, "the load got the verdicts and statuses it was made for",
        results)
    tap(len(pids) >= 2, "two workers served /run_code", pids)
    # Every worker answers a scrape with the pool's numbers.
    seen = set()
    scrapes = []
    for _ in range(6):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/metrics")
        r = c.getresponse()
        scrapes.append(parse(r.read().decode()))
        seen.add(worker_of(dict(r.getheaders())))
        c.close()
    for after in scrapes:
        bad = {"%s%s" % k: (delta(before, after, k), want)
               for k, want in EXPECT_DELTA.items()
               if delta(before, after, k) != want}
        if bad:
            break
    tap(not bad, "every counter moved by exactly what was sent, in each of "
        "%d scrapes (answered by %d workers)" % (len(scrapes), len(seen)), bad)
    after = scrapes[-1]
    hits = delta(before, after, key("llsr_warm_pool_hits_total"))
    misses = delta(before, after, key("llsr_warm_pool_misses_total"))
    tap(hits + misses == 8 and hits >= 1,
        "warm pool: one hit or miss per run, and hits", (hits, misses))
    tap(after.get(key("llsr_workers")) == 2, "llsr_workers is 2",
        after.get(key("llsr_workers")))
    # Removal is the reaper's, after the answer: poll for it.
    rm = key("llsr_engine_step_duration_seconds_count", step="remove")

    def removed():
        return delta(before, parse(scrape(port)[2]), rm) >= 8
    tap(wait_for(removed, 120, 0.2), "the 8 used containers' removals are timed")
    warm = key("llsr_warm_pool_containers")
    target = key("llsr_warm_pool_target_containers")

    def refilled():
        m = parse(scrape(port)[2])
        return m.get(warm) == m.get(target) == 2
    tap(wait_for(refilled, 120, 0.2), "warm pool gauge: back to its target of 2")
    errs = [k for k in after if k[0] == "llsr_engine_errors_total" and after[k]]
    tap(not errs, "no engine errors counted", errs)
    return text


def test_promtool(port):
    text = scrape(port)[2]
    fams = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    tap(fams and fams == helps and all(f.startswith("llsr_") for f in fams),
        "every family is llsr_ with HELP and TYPE", sorted(fams ^ helps))
    if not shutil.which("promtool"):
        tap.skip("promtool check metrics", "promtool is not installed")
        return
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    tap(p.returncode == 0 and not p.stdout.strip(),
        "promtool check metrics: clean", p.stdout.decode(errors="replace"))


def prom_query(pport, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (pport, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=10) as r:
        doc = json.loads(r.read())
    return doc["data"]["result"] if doc.get("status") == "success" else []


def test_prometheus(port, pport):
    if not shutil.which("prometheus"):
        tap.skip("a real Prometheus scrapes /metrics", "prometheus is not installed")
        return
    d = tempfile.mkdtemp(prefix="llsr-prom.")
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: llsr\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % port)
    log = open(os.path.join(d, "prometheus.log"), "w")
    p = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(d, "prometheus.yml"),
                          "--storage.tsdb.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % pport],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        want = parse(scrape(port)[2])[key("llsr_verdicts_total", verdict="passed")]

        def sample():
            if p.poll() is not None:
                return "exited"
            try:
                res = prom_query(pport, 'llsr_verdicts_total{verdict="passed"}')
                up = prom_query(pport, 'up{job="llsr"}')
            except OSError:
                return None
            if res and up and float(res[0]["value"][1]) == want and up[0]["value"][1] == "1":
                return res
            return None
        got = wait_for(sample, 120, 0.25)
        with open(os.path.join(d, "prometheus.log")) as f:
            plog = f.read()[-2000:]
        tap(got and got != "exited",
            "Prometheus scraped the service: up is 1 and it answers "
            "llsr_verdicts_total{verdict=\"passed\"} = %g" % want, plog)
        try:
            hist = prom_query(pport, 'llsr_http_request_duration_seconds_count{route="/metrics"}')
        except OSError as e:
            hist = str(e)
        tap(isinstance(hist, list) and hist and float(hist[0]["value"][1]) >= 1,
            "Prometheus sees its own scrapes in the request histogram", hist)
    finally:
        p.terminate()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        shutil.rmtree(d, ignore_errors=True)


def test_version(st):
    code, hdrs, doc = st.request("GET", "/version")
    ok = (code == 200 and doc.get("service") == "ll-solution-runner"
          and re.match(r"^\d+\.\d+", doc.get("version", ""))
          and (doc.get("commit") is None or re.match(r"^[0-9a-f]{40}(-dirty)?$", doc["commit"]))
          and re.match(r"^sha256:[0-9a-f]{64}$", doc.get("image_id") or "")
          and doc.get("image")
          and re.match(r"^\d", doc.get("libraries", {}).get("json-c", ""))
          and re.match(r"^\d", doc.get("libraries", {}).get("libcurl", "")))
    tap(ok, "GET /version: version, commit, image id, libraries", (code, doc))
    img = doc.get("image")
    if img and shutil.which("docker"):
        p = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", img],
                           stdout=subprocess.PIPE, timeout=60)
        tap(p.stdout.decode().strip() == doc.get("image_id"),
            "/version's image_id is the engine's id of the image", p.stdout)
    git = shutil.which("git")
    if git and doc.get("commit"):
        p = subprocess.run([git, "-C", HERE, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=60)
        tap(doc["commit"].split("-")[0] == p.stdout.decode().strip(),
            "/version's commit is the tree's HEAD", (doc["commit"], p.stdout))
    code, hdrs, doc = st.request("POST", "/version", "{}")
    tap(code == 405 and hdrs.get("Allow") == "GET, HEAD", "POST /version: 405, Allow: GET, HEAD",
        (code, hdrs))


def test_tokens(binary, port):
    st = Stack(binary, port, ["auth_tokens = " + TOKEN, "client_concurrency = 1",
                              "client_rate = 0.001", "client_burst = 1"], workers=1)
    try:
        code = scrape(port)[0]
        tap(code == 401, "tokens on: /metrics without a token is 401", code)
        auth = {"Authorization": "Bearer " + TOKEN}
        codes = [scrape(port, auth)[0] for _ in range(3)]
        tap(codes == [200] * 3, "tokens on: /metrics with a token, 3 times over a "
            "rate of one request: 200 (a scrape takes no share)", codes)
        codes = [st.request("GET", p)[0] for p in ("/version", "/openapi.json", "/health")]
        tap(codes == [200] * 3, "tokens on: /version, /openapi.json, /health need none", codes)
        code = st.run_code("print(1)", headers=auth)[0]
        tap(code == 200, "tokens on: the client's one request is admitted", code)
        code = st.run_code("print(1)", headers=auth)[0]
        tap(code == 429, "tokens on: its second is over the rate (429)", code)
        text = scrape(port, auth)[2]
        m = parse(text)
        tap(m.get(key("llsr_http_requests_total", route="/run_code", code="429")) == 1
            and m.get(key("llsr_http_requests_total", route="/metrics", code="401")) == 1,
            "the 429 and the 401 are counted", [l for l in text.splitlines()
                                                if l.startswith("llsr_http_requests_total")])
    finally:
        stop(st, "tokens")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=20200)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    st = Stack(binary, a.port, ["pool_size = 1"], workers=2)
    try:
        test_counters(st, a.port)
        test_promtool(a.port)
        test_version(st)
        test_prometheus(a.port, a.port + 1)
    finally:
        stop(st, "two workers")
    test_tokens(binary, a.port + 2)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
