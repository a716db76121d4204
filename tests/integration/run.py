#!/usr/bin/env python3
"""Integration suite of ll-solution-runner against a running service (TAP).

    run.py --url http://127.0.0.1:18081 [--mbpp N] [--only PATTERN]
           [--concurrency 4] [--no-leak-check] [--cases DIR]

Cases are data: tests/integration/cases/*.json, one file per area, each a
JSON list of cases (files in name order, cases in file order). A case:

  name          TAP description (unique)
  request       JSON body fields. code / tests / stdin are plain text (or a
                list of lines, joined with "\\n") and are base64-encoded
                here; every other field is sent as given.
  b64_wrap      optional {"width": 76, "sep": "\\n"}: wrap the encoded
                code / tests / stdin like MIME does
  raw_fields    optional: fields merged into the body verbatim, after the
                encoding (invalid base64, wrong types, unknown fields)
  raw_body      optional: the body, sent verbatim (UTF-8) instead of JSON
  body_size     optional: a valid request ({"code": ...} running
                `pass`) padded with trailing spaces to exactly this many
                bytes
  raw_http      optional: a whole HTTP request sent as is on a socket
                ("\\r\\n" spelled out in the JSON)
  method, path  default POST /run_code
  headers       default {"Content-Type": "application/json"} for a body
  no_content_length  send no Content-Length header
  expect_runsc  optional: replaces expect when the suite runs with
                --runtime runsc (the service's config says runtime = runsc),
                for an answer gVisor gives differently while the verdict
                is still not forged; it must hold "reason" (why; see
                docs/security.md, "gVisor"), and may not accept status
                "passed" where expect does not (none needs one today)
  expect        what the response must satisfy:
    http            status code
    headers         {name: exact value}; null means the header is absent
    header_present  [names]
    json            false when the body need not be JSON
    error_code      error.code of a 4xx/5xx JSON error
    error_message_contains  [substrings of error.message]
    status          run status
    summary         partial summary object
    test_statuses   the exact list of tests[i].status
    tests           list (same length as tests) of partial matchers
    error           partial matcher of the load error (null: must be absent
                    or null)
    stdout_contains / stderr_contains  [substrings]
    body            generic partial matcher of the whole JSON body
  Partial matchers: an object matches when each of its keys matches (other
  keys are ignored), a list matches elementwise with equal length, scalars
  by equality (1 != true). Special objects: {"$contains": s or [s...]},
  {"$not_contains": ...}, {"$in": [...]}, {"$type": "string|number|int|
  bool|null|array|object"}, {"$absent": true}, {"$gte": n}, {"$lte": n},
  {"$regex": r}.

Then --mbpp N (default 50; 0 disables) MBPP problems (MBPP, Google Research,
CC BY 4.0, read from /work/shared/datasets/mbpp-sanitized.json), every
(427/N)-th by task_id: the reference solution must pass every test, and one
deterministic broken variant of it (kinds cycled by position, see
llsr_client.make_variant) must get, test by test, the status the host's
plain python3 gives that assert on its own (see tests/mbpp/mbpp_broken.py).

Last: GET /health still answers ok, and no sandbox container of this
service is left behind (Docker API on /var/run/docker.sock).

Requests run on a thread pool (--concurrency, 4); results print in case
order, so TAP numbering is deterministic. Progress goes to stderr; stdout
is TAP only. Exit 1 when any test failed.
"""

import argparse
import concurrent.futures
import glob
import http.client
import json
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llsr_client as lc  # noqa: E402

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
TEXT_FIELDS = ("code", "tests", "stdin")


# --------------------------------------------------------------------------
# matching

def _type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def match(want, got, path, errs):
    """Appends to errs a line per mismatch of got against want."""
    if isinstance(want, dict) and any(k.startswith("$") for k in want):
        for op, arg in want.items():
            if op == "$contains" or op == "$not_contains":
                subs = arg if isinstance(arg, list) else [arg]
                if not isinstance(got, str):
                    errs.append("%s: expected a string, got %s" % (path, _short(got)))
                    continue
                for s in subs:
                    if (s in got) != (op == "$contains"):
                        errs.append("%s: %s %r in %s" % (
                            path, "missing" if op == "$contains" else "unwanted",
                            s, _short(got)))
            elif op == "$in":
                if not any(_same(g, got) for g in arg):
                    errs.append("%s: %s not in %r" % (path, _short(got), arg))
            elif op == "$type":
                t = _type_name(got)
                ok = t == arg or (arg == "number" and t in ("int", "number"))
                if not ok:
                    errs.append("%s: type %s, expected %s" % (path, t, arg))
            elif op in ("$gte", "$lte"):
                if _type_name(got) not in ("int", "number") or \
                        (got < arg if op == "$gte" else got > arg):
                    errs.append("%s: %s, expected %s %s" % (
                        path, _short(got), ">=" if op == "$gte" else "<=", arg))
            elif op == "$regex":
                if not isinstance(got, str) or not re.search(arg, got):
                    errs.append("%s: %s does not match /%s/" % (path, _short(got), arg))
            elif op == "$absent":
                pass  # handled by the parent
            else:
                errs.append("%s: bad matcher %s" % (path, op))
        return
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errs.append("%s: expected an object, got %s" % (path, _short(got)))
            return
        for k, w in want.items():
            if isinstance(w, dict) and w.get("$absent"):
                if k in got:
                    errs.append("%s.%s: should be absent, is %s" % (path, k, _short(got[k])))
                continue
            if k not in got:
                errs.append("%s.%s: missing" % (path, k))
                continue
            match(w, got[k], "%s.%s" % (path, k), errs)
        return
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            errs.append("%s: expected %s, got %s" % (path, _short(want), _short(got)))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            match(w, g, "%s[%d]" % (path, i), errs)
        return
    if not _same(want, got):
        errs.append("%s: expected %s, got %s" % (path, _short(want), _short(got)))


def _same(a, b):
    return a == b and (type(a) is bool) == (type(b) is bool)


def _short(v, n=300):
    s = json.dumps(v) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


# --------------------------------------------------------------------------
# cases

def _text(v):
    return "\n".join(v) if isinstance(v, list) else v


def build_body(case):
    if "raw_body" in case:
        return _text(case["raw_body"]).encode("utf-8")
    if "body_size" in case:
        base = json.dumps({"code": lc.b64("pass\n")}).encode()
        n = case["body_size"]
        if n < len(base):
            raise ValueError("body_size below %d" % len(base))
        return base + b" " * (n - len(base))
    req = case.get("request")
    if req is None:
        return None
    obj = {}
    wrap = case.get("b64_wrap")
    for k, v in req.items():
        if k in TEXT_FIELDS and v is not None:
            v = _text(v)
            obj[k] = lc.b64_wrapped(v, wrap["width"], wrap["sep"]) if wrap else lc.b64(v)
        else:
            obj[k] = v
    obj.update(case.get("raw_fields", {}))
    return json.dumps(obj).encode("utf-8")


def send_raw_http(svc, text, timeout):
    s = socket.create_connection((svc.host, svc.port), timeout=timeout)
    t0 = time.monotonic()
    try:
        s.sendall(text.encode("utf-8"))
        r = http.client.HTTPResponse(s, method="POST")
        r.begin()
        data = r.read()
        return lc.Response(r.status, r.reason, r.getheaders(), data,
                           time.monotonic() - t0)
    finally:
        s.close()


def perform(svc, case):
    if "raw_http" in case:
        return send_raw_http(svc, _text(case["raw_http"]), 60)
    body = build_body(case)
    method = case.get("method", "POST")
    path = case.get("path", "/run_code")
    headers = case.get("headers")
    if headers is None:
        headers = {"Content-Type": "application/json"} if body is not None else {}
    return svc.request(method, path, body, headers, timeout=60,
                       send_length=not case.get("no_content_length"))


def check_case(case, r):
    exp = case.get("expect", {})
    errs = []
    if "http" in exp and r.status != exp["http"]:
        errs.append("HTTP status %d, expected %d" % (r.status, exp["http"]))
    for name, v in exp.get("headers", {}).items():
        got = r.header(name)
        if got != v:
            errs.append("header %s: %r, expected %r" % (name, got, v))
    for name in exp.get("header_present", []):
        if r.header(name) is None:
            errs.append("header %s missing" % name)
    j = r.json
    if exp.get("json", True) and r.body:
        if j is None:
            errs.append("body is not JSON (%s)" % r.json_error)
            return errs
    body = {}
    if "error_code" in exp:
        body["error"] = {"code": exp["error_code"]}
        if "error_message_contains" in exp:
            body["error"]["message"] = {"$contains": exp["error_message_contains"]}
    for k in ("status", "summary", "tests"):
        if k in exp:
            body[k] = exp[k]
    if "stdout_contains" in exp:
        body["stdout"] = {"$contains": exp["stdout_contains"]}
    if "stderr_contains" in exp:
        body["stderr"] = {"$contains": exp["stderr_contains"]}
    if "error" in exp and "error_code" not in exp:
        if exp["error"] is None:
            if isinstance(j, dict) and j.get("error") is not None:
                errs.append("error should be absent, is %s" % _short(j["error"]))
        else:
            body["error"] = exp["error"]
    if body:
        match(body, j, "$", errs)
    if "test_statuses" in exp:
        got = lc.status_list(j) if isinstance(j, dict) else None
        if got != exp["test_statuses"]:
            errs.append("test statuses %s, expected %s" % (got, exp["test_statuses"]))
    if "body" in exp:
        match(exp["body"], j, "$", errs)
    return errs


def load_cases(cases_dir=CASES_DIR):
    cases = []
    for f in sorted(glob.glob(os.path.join(cases_dir, "*.json"))):
        with open(f, encoding="utf-8") as fh:
            area = json.load(fh)
        base = os.path.basename(f)[:-5]
        for c in area:
            c = dict(c)
            c["name"] = "%s: %s" % (base, c["name"])
            cases.append(c)
    return cases


# --------------------------------------------------------------------------
# MBPP items

def mbpp_items(n):
    """[(name, thunk)] where thunk(svc) -> (ok, [diagnostics])."""
    if n <= 0:
        return [], []
    problems = lc.load_mbpp()
    n = min(n, len(problems))
    picked = [problems[i * len(problems) // n] for i in range(n)]
    items = []
    prep = []  # (index in items, problem, kind-order) for broken variants
    for j, p in enumerate(picked):
        items.append(("mbpp %d: reference solution passes every test" % p["task_id"],
                      ("ref", p)))
        kinds = lc.VARIANT_KINDS[j % len(lc.VARIANT_KINDS):] + \
            lc.VARIANT_KINDS[:j % len(lc.VARIANT_KINDS)]
        items.append((None, ("broken", p, kinds)))
    return items, picked


def choose_variant(p, kinds):
    """First kind (in the given order) whose variant is broken and has an
    unambiguous oracle verdict that fits the run budget."""
    for kind in kinds:
        src = lc.make_variant(p, kind)
        if src is None:
            continue
        e = lc.oracle(src, p)
        if e["run"] == "passed" or lc.oracle_ambiguity(e):
            continue
        if sum(1 for s in e["tests"] if s == "timeout") * 1200 + 2500 > 10000:
            continue
        return kind, src, e
    return None, None, None


def run_mbpp_ref(svc, p):
    r = svc.run_code(p["code"], lc.tests_source(p))
    n = len(p["test_list"])
    errs = []
    j = r.json if isinstance(r.json, dict) else None
    if r.status != 200 or j is None:
        return ["%s" % r.short()]
    if j.get("status") != "passed":
        errs.append("status %r, expected 'passed'" % j.get("status"))
    if lc.status_list(j) != ["passed"] * n:
        errs.append("tests %s, expected %d x passed" % (lc.status_list(j), n))
    for t in j.get("tests", []):
        if t.get("status") != "passed":
            errs.append("test %s: %s" % (t.get("index"), (t.get("message") or "")[:300]))
    if j.get("error"):
        errs.append("error %s" % _short(j["error"]))
    return errs


def run_mbpp_broken(svc, p, kind, src, e):
    r = svc.run_code(src, lc.tests_source(p), timeout_ms=10000, test_timeout_ms=1000)
    j = r.json if isinstance(r.json, dict) else None
    if r.status != 200 or j is None:
        return [r.short()]
    errs = []
    want_run = "error" if e["run"] == "error" else "failed"
    if j.get("status") != want_run:
        errs.append("run status %r, expected %r" % (j.get("status"), want_run))
    if e["run"] == "error" and (j.get("error") or {}).get("type") != e["load"]["exc"]:
        errs.append("error %s, expected type %s" % (_short(j.get("error")), e["load"]["exc"]))
    got = lc.status_list(j)
    if got != e["tests"]:
        errs.append("tests %s, expected (host python3, each assert alone) %s"
                    % (got, e["tests"]))
        for i, t in enumerate(j.get("tests", [])):
            if i < len(e["tests"]) and t.get("status") != e["tests"][i]:
                errs.append("  test %d %r: %s" % (i, t.get("name"),
                                                  (t.get("message") or "")[:200]))
    return errs


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:18081")
    ap.add_argument("--mbpp", type=int, default=50)
    ap.add_argument("--only", default=None,
                    help="run only the tests whose name matches this regex")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--no-leak-check", action="store_true")
    ap.add_argument("--cases", default=CASES_DIR,
                    help="directory of the *.json case files (default: cases/)")
    ap.add_argument("--runtime", default="runc", choices=("runc", "runsc"),
                    help="the service's sandbox runtime: with runsc a case's "
                         "expect_runsc, if any, replaces its expect")
    a = ap.parse_args()

    svc = lc.Service(a.url, timeout=60)
    only = re.compile(a.only) if a.only else None
    cases = load_cases(a.cases)
    for c in cases:
        over = c.get("expect_runsc")
        if over is None:
            continue
        if not str(over.get("reason", "")).strip():
            lc.log("%s: expect_runsc needs a \"reason\"" % c["name"])
            return 2
        if c["expect"].get("status", "passed") != "passed" and \
                over.get("status") == "passed":
            lc.log("%s: expect_runsc may not accept \"passed\"" % c["name"])
            return 2
        if a.runtime == "runsc":
            c["expect"] = {k: v for k, v in over.items() if k != "reason"}
    names = set()
    for c in cases:
        if c["name"] in names:
            lc.log("duplicate case name: %s" % c["name"])
            return 2
        names.add(c["name"])

    # The list of TAP tests: (name, kind, payload)
    tap = [(c["name"], "case", c) for c in cases]
    mitems, _ = mbpp_items(a.mbpp)
    # Broken variants need the oracle first (host python3): name them now.
    variants = {}
    if mitems:
        want = [it for it in mitems if it[1][0] == "broken"]
        if only:
            want = [it for it in want
                    if only.search("mbpp %d: broken" % it[1][1]["task_id"])]
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futs = {it[1][1]["task_id"]: pool.submit(choose_variant, it[1][1], it[1][2])
                    for it in want}
            for tid, f in futs.items():
                variants[tid] = f.result()
        lc.log("# oracle for %d broken variants: %.1fs" % (len(want), time.monotonic() - t0))
    for name, payload in mitems:
        p = payload[1]
        if payload[0] == "ref":
            tap.append((name, "mbpp_ref", p))
        else:
            kind, src, e = variants.get(p["task_id"], (None, None, None))
            tap.append(("mbpp %d: broken (%s) fails exactly the broken tests"
                        % (p["task_id"], kind or "none derivable"),
                        "mbpp_broken", (p, kind, src, e)))
    tap.append(("service: /health still ok after the suite", "health_after", None))
    if not a.no_leak_check:
        tap.append(("docker: no sandbox container left behind", "leaks", None))
    if only:
        tap = [t for t in tap if only.search(t[0])]

    pids = svc.worker_pids()

    def run_one(item):
        name, kind, payload = item
        try:
            if kind == "case":
                r = perform(svc, payload)
                errs = check_case(payload, r)
                if errs:
                    errs.append("response: " + r.short(1500))
                return errs
            if kind == "mbpp_ref":
                return run_mbpp_ref(svc, payload)
            if kind == "mbpp_broken":
                p, vk, src, e = payload
                if vk is None:
                    return ["no broken variant of task %d could be derived" % p["task_id"]]
                return run_mbpp_broken(svc, p, vk, src, e)
            return None  # run after the pool
        except Exception as ex:
            return ["%s: %s" % (type(ex).__name__, ex)]

    print("1..%d" % len(tap), flush=True)
    failed = 0
    t0 = time.monotonic()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
        pending = [(i, item) for i, item in enumerate(tap)
                   if item[1] not in ("health_after", "leaks")]
        futs = [(i, pool.submit(run_one, item)) for i, item in pending]
        for i, f in futs:
            results[i] = f.result()
            lc.log("# done %d/%d" % (len(results), len(tap)))
    pool_size = 0
    for i, item in enumerate(tap):
        name, kind, _ = item
        if kind == "health_after":
            r = svc.health()
            errs = [] if r.status == 200 and isinstance(r.json, dict) and \
                r.json.get("status") == "ok" else [r.short()]
            pids |= svc.worker_pids()
            if r.status == 200 and isinstance(r.json, dict):
                pool_size = int(r.json.get("pool_size") or 0)
        elif kind == "leaks":
            try:
                left = lc.leaked_containers(pids, grace=20.0, warm=pool_size)
            except Exception as ex:
                left = None
                errs = ["docker API: %s: %s" % (type(ex).__name__, ex)]
            if left is not None:
                errs = ["container %s (%s, owner %s, deadline %s)" % (
                    c["id"], c["status"], c["owner"], c["deadline"]) for c in left]
        else:
            errs = results[i]
        if errs:
            failed += 1
            print("not ok %d - %s" % (i + 1, name))
            for e in errs:
                for line in str(e).splitlines() or [""]:
                    print("# " + line)
        else:
            print("ok %d - %s" % (i + 1, name))
        sys.stdout.flush()
    lc.log("# %d/%d passed, %d failed, %.1fs (worker pids %s)"
           % (len(tap) - failed, len(tap), failed, time.monotonic() - t0,
              sorted(pids)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
