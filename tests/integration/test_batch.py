#!/usr/bin/env python3
"""Batch runs ({"submissions": [...]} on POST /run_code) against a running
service. TAP on stdout (the plan last), progress on stderr; exit 1 when a
test failed. Python 3 standard library only.

usage: test_batch.py --url http://127.0.0.1:18080 [--problems 100]
                     [--batch-size 100] [--concurrency 2]

(a) Same verdicts. --problems MBPP problems (MBPP, Google Research, CC BY
    4.0, read from /work/shared/datasets/mbpp-sanitized.json; nothing of it
    is embedded here), every (427/N)-th by task_id, task 123 left out (its
    reference needs seconds of CPU: a timing test, not a verdict test). Each
    problem gives two submissions: its reference solution, and one
    deterministic broken variant (llsr_client.make_variant, kinds cycled
    by position). Every submission is sent on its own (--concurrency at a
    time), then all of them again as batches of --batch-size, in a
    deterministic shuffled order (so that result order is checked too).
    Every batch element's status, summary, error.type and per-test
    (name, status) must be exactly the single request's. A per-test status
    that differs only because one side hit test_timeout_ms while the other
    side's test took at least half of it is reported as timing-sensitive
    (a note, not a failure). One TAP line per 10 problems.
(b) Misbehaving neighbours: a loop (timeout_ms 1000), os._exit in a test and
    at load, a ctypes segfault, an output flood, and a memory eater
    (memory_mb 32, 200 MB, in a test and at load) in one batch between
    passing submissions: every passing one passes with its own output, and
    each bad one gets the status (and per-test statuses, error.type) that
    the same submission gets as a single request.
(c) Working directories: each submission of a batch starts in an empty
    directory of its own (a file written by one is not visible to the next
    one), which persists across its own tests.
(d) 400s: a malformed element names its index (error.index, message
    "submissions[i]: ..."); an empty list and 1001 elements; an unknown
    field next to "submissions"; "submissions" not a list. The default
    max_batch_cost_ms (batch_timeout_ms, 300000; the stack must run the
    shipped config) bites: the issue's time.sleep(60) element 31 times
    (cost 310000) and 1000 times with timeout_ms 4000 are 400
    batch_too_costly at once, with cost_ms and max_cost_ms; 30 elements
    without timeout_ms (cost 300000) run. Also: exactly 1000 small elements
    (timeout_ms 300, to fit the cap) are accepted and answered in order.
    Batches of (a) are also cut to fit max_batch_cost_ms.

Last: GET /health still answers ok and no container of the answering
workers is left behind (Docker API on /var/run/docker.sock; skipped when
the socket is not there).
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llsr_client as lc  # noqa: E402

SLOW_TASKS = {123}          # see the docstring
BROKEN_LIMITS = {"timeout_ms": 10000, "test_timeout_ms": 1000}
MAX_BATCH = 1000            # the service's default max_batch
HTTP_TIMEOUT = 330.0        # batch_timeout_ms (300 s) + margin


# --------------------------------------------------------------------------
# TAP

class Tap(object):
    def __init__(self):
        self.n = 0
        self.failed = 0

    def __call__(self, ok, name, details=(), notes=()):
        self.n += 1
        if not ok:
            self.failed += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, name))
        for line in (list(details) if not ok else []) + list(notes):
            for sub in str(line).splitlines()[:40]:
                print("# " + sub)
        sys.stdout.flush()
        return ok

    def finish(self):
        print("1..%d" % self.n)
        sys.stdout.flush()
        return 1 if self.failed else 0


tap = Tap()


def short(v, n=300):
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "...[%d chars]" % len(s)


# --------------------------------------------------------------------------
# HTTP with the client's courtesy: a 503 overloaded is retried after
# Retry-After (a busy worker refuses rather than queues).

def post(svc, obj, tries=30):
    for _ in range(tries):
        r = svc.post_json(obj, timeout=HTTP_TIMEOUT)
        err = (r.json or {}).get("error") if isinstance(r.json, dict) else None
        if r.status == 503 and isinstance(err, dict) and err.get("code") == "overloaded":
            time.sleep(float(r.header("Retry-After") or 1))
            continue
        return r
    return r


def sub(code, tests=None, **fields):
    d = {"code": lc.b64(code)}
    if tests is not None:
        d["tests"] = lc.b64(tests)
    d.update(fields)
    return d


# --------------------------------------------------------------------------
# comparing a batch element with the single request's response

def verdict(j):
    """The fields that must agree between a single run and a batch element."""
    return {"status": j.get("status"),
            "summary": j.get("summary"),
            "error_type": (j.get("error") or {}).get("type"),
            "tests": [(t.get("name"), t.get("status")) for t in j.get("tests", [])]}


def compare(single, batch, test_timeout_ms):
    """(errors, notes): errors are real differences; notes are per-test
    differences explained by a test_timeout_ms race."""
    a, b = verdict(single), verdict(batch)
    if a == b:
        return [], []
    ta, tb = single.get("tests", []), batch.get("tests", [])
    timing = []
    if len(ta) == len(tb) and a["error_type"] == b["error_type"]:
        for i, (x, y) in enumerate(zip(ta, tb)):
            if x.get("status") == y.get("status"):
                continue
            other = y if x.get("status") == "timeout" else x if y.get("status") == "timeout" else None
            if other is None or (other.get("duration_ms") or 0) < 0.5 * test_timeout_ms:
                timing = None
                break
            timing.append("test %d: single %s (%.0f ms), batch %s (%.0f ms)" % (
                i, x.get("status"), x.get("duration_ms") or 0,
                y.get("status"), y.get("duration_ms") or 0))
    if timing:
        return [], ["timing-sensitive: " + t for t in timing]
    errs = []
    for k in ("status", "summary", "error_type"):
        if a[k] != b[k]:
            errs.append("%s: single %s, batch %s" % (k, short(a[k]), short(b[k])))
    if a["tests"] != b["tests"]:
        errs.append("tests: single %s" % short([s for _, s in a["tests"]]))
        errs.append("       batch  %s" % short([s for _, s in b["tests"]]))
        for i, (x, y) in enumerate(zip(ta, tb)):
            if (x.get("name"), x.get("status")) != (y.get("name"), y.get("status")):
                errs.append("  test %d %r: single %s %s / batch %s %s" % (
                    i, short(x.get("name"), 80), x.get("status"),
                    short(x.get("message") or "", 120), y.get("status"),
                    short(y.get("message") or "", 120)))
    return errs, []


# --------------------------------------------------------------------------
# (a) MBPP: single requests and batches give the same verdicts

def pick_problems(n):
    ps = [p for p in lc.load_mbpp() if p["task_id"] not in SLOW_TASKS]
    n = min(n, len(ps))
    return [ps[i * len(ps) // n] for i in range(n)]


def mbpp_submissions(problems):
    """[(problem, label, element)]: per problem its reference, then one
    broken variant (the first kind, in an order rotated by position, whose
    transform applies; no loop variant for problems with > 5 tests, which
    could reach the run's own timeout_ms)."""
    out = []
    kinds = lc.VARIANT_KINDS
    for j, p in enumerate(problems):
        tests = lc.tests_source(p)
        out.append((p, "reference", sub(p["code"], tests)))
        for kind in kinds[j % len(kinds):] + kinds[:j % len(kinds)]:
            if kind == "loop" and len(p["test_list"]) > 5:
                continue
            src = lc.make_variant(p, kind)
            if src is not None:
                out.append((p, kind, sub(src, tests, **BROKEN_LIMITS)))
                break
    return out


def part_a(svc, n_problems, batch_size, conc):
    problems = pick_problems(n_problems)
    items = mbpp_submissions(problems)
    n = len(items)
    lc.log("(a) %d MBPP problems, %d submissions: single requests, %d at a time"
           % (len(problems), n, conc))
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(conc) as ex:
        singles = list(ex.map(lambda it: post(svc, it[2]), items))
    t_single = time.monotonic() - t0
    bad = ["submission %d (task %d, %s): %s" % (i, items[i][0]["task_id"], items[i][1], r.short())
           for i, r in enumerate(singles) if r.status != 200 or not isinstance(r.json, dict)]
    tap(not bad, "(a) %d single requests answered 200 (%.1f s)" % (n, t_single), bad[:20])
    refs_bad = ["task %d: %s %s" % (items[i][0]["task_id"], r.json.get("status"),
                                    lc.status_list(r.json))
                for i, r in enumerate(singles)
                if items[i][1] == "reference" and r.status == 200 and isinstance(r.json, dict)
                and r.json.get("status") != "passed"]
    kinds = {}
    for (_, kind, _), r in zip(items, singles):
        if kind != "reference" and r.status == 200 and isinstance(r.json, dict):
            kinds.setdefault(kind, {}).setdefault(r.json.get("status"), 0)
            kinds[kind][r.json.get("status")] += 1
    tap(not refs_bad, "(a) sanity: every reference solution passes as a single request",
        refs_bad, ["broken variants, run statuses by kind: %s" % json.dumps(kinds, sort_keys=True)])

    # The same submissions as batches, in a shuffled order, all batches at
    # once (as many as there are workers to take them).
    order = lc.spread(n, 3)
    # Each batch also within the service's max_batch_cost_ms (an element
    # without timeout_ms costs the server's).
    lim = svc.limits()
    chunks = lc.cost_chunks(order, batch_size,
                            lambda i: items[i][2].get("timeout_ms", lim["timeout_ms"]),
                            lim["max_batch_cost_ms"])
    lc.log("(a) the same as %d batch(es) of up to %d (max_batch_cost_ms %d)"
           % (len(chunks), batch_size, lim["max_batch_cost_ms"]))
    t0 = time.monotonic()
    times = {}

    def send(chunk):
        t = time.monotonic()
        r = post(svc, {"submissions": [items[i][2] for i in chunk]})
        times[id(chunk)] = time.monotonic() - t
        return r

    with concurrent.futures.ThreadPoolExecutor(max(1, min(conc, len(chunks)))) as ex:
        responses = list(ex.map(send, chunks))
    t_batch = time.monotonic() - t0
    batched = [None] * n
    bad = []
    for chunk, r in zip(chunks, responses):
        res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
        if not isinstance(res, list) or len(res) != len(chunk):
            bad.append("batch of %d: %s" % (len(chunk), r.short()))
            continue
        for i, j in zip(chunk, res):
            batched[i] = j
    tap(not bad, "(a) %d batch(es) of up to %d answered 200 with one result per element "
        "(%.1f s; single requests took %.1f s)" % (len(chunks), batch_size, t_batch, t_single),
        bad, ["batch %d: %d elements, %.1f s" % (k, len(c), times[id(c)])
              for k, c in enumerate(chunks)])

    # One line per 10 problems.
    by_problem = {}
    for i, (p, _, _) in enumerate(items):
        by_problem.setdefault(p["task_id"], []).append(i)
    tids = [p["task_id"] for p in problems]
    tolerated = 0
    for g in range(0, len(tids), 10):
        group = tids[g:g + 10]
        errs, notes = [], []
        for tid in group:
            for i in by_problem[tid]:
                s, b = singles[i], batched[i]
                where = "task %d %s" % (tid, items[i][1])
                if s.status != 200 or not isinstance(s.json, dict):
                    errs.append("%s: no single verdict (%s)" % (where, s.short(200)))
                    continue
                if b is None:
                    errs.append("%s: no batch result" % where)
                    continue
                limit = items[i][2].get("test_timeout_ms", 10000)
                e, nt = compare(s.json, b, limit)
                errs += ["%s: %s" % (where, x) for x in e]
                notes += ["%s: %s" % (where, x) for x in nt]
        tolerated += len(notes)
        tap(not errs, "(a) tasks %d..%d (%d problems, %d submissions): batch verdicts equal "
            "the single requests' (status, summary, error.type, per-test name and status)"
            % (group[0], group[-1], len(group), sum(len(by_problem[t]) for t in group)),
            errs, notes)
    if tolerated:
        lc.log("(a) %d timing-sensitive per-test differences noted" % tolerated)


# --------------------------------------------------------------------------
# (b) misbehaving submissions next to passing ones

def passing(i):
    code = "def f(x):\n    print('out-%d')\n    return x * %d\n" % (i, i + 2)
    tests = "assert f(1) == %d\nassert f(3) == %d\n" % (i + 2, 3 * (i + 2))
    return sub(code, tests)


BAD = [
    ("loop (timeout_ms 1000)",
     sub("def f():\n    while True:\n        pass\n", "assert f() is None\n", timeout_ms=1000)),
    ("os._exit in a test",
     sub("import os\ndef f():\n    os._exit(3)\n", "assert f() is None\nassert True\n")),
    ("os._exit at load",
     sub("import os\nos._exit(7)\n", "assert True\n")),
    ("ctypes segfault",
     sub("import ctypes\ndef f():\n    return ctypes.string_at(0)\n",
         "assert f() is None\nassert True\n")),
    ("output flood",
     sub("import sys\ndef f():\n    while True:\n        sys.stdout.write('x' * 65536)\n",
         "assert f() is None\n")),
    ("memory eater in a test (memory_mb 32, 200 MB)",
     sub("def f():\n    b = bytearray(200 * 1024 * 1024)\n    return len(b)\n",
         "assert f() > 0\nassert True\n", memory_mb=32)),
    ("memory eater at load (memory_mb 32, 200 MB)",
     sub("b = bytearray(200 * 1024 * 1024)\n", "assert True\n", memory_mb=32)),
]


def part_b(svc):
    elems, roles = [], []
    k = 0
    for name, el in BAD:
        elems.append(passing(k))
        roles.append(("pass", k))
        k += 1
        elems.append(el)
        roles.append(("bad", name))
    elems.append(passing(k))
    roles.append(("pass", k))
    lc.log("(b) a batch of %d: %d misbehaving between passing ones" % (len(elems), len(BAD)))
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        fut_batch = ex.submit(post, svc, {"submissions": elems})
        singles = list(ex.map(lambda b: post(svc, b[1]), BAD))
        r = fut_batch.result()
    res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
    if not tap(isinstance(res, list) and len(res) == len(elems),
               "(b) the batch with misbehaving submissions is answered 200 with %d results "
               "(%.1f s)" % (len(elems), r.elapsed), [r.short()]):
        return
    errs = []
    for (role, x), j in zip(roles, res):
        if role != "pass":
            continue
        want_tests = [("assert f(1) == %d" % (x + 2), "passed"),
                      ("assert f(3) == %d" % (3 * (x + 2)), "passed")]
        got = [(t.get("name"), t.get("status")) for t in j.get("tests", [])]
        want_out = "out-%d\n" % x
        if j.get("status") != "passed" or got != want_tests or j.get("error") or \
                j.get("stdout") != want_out * 2 or j.get("stdout_truncated") or \
                j.get("oom_killed") or [t.get("stdout") for t in j.get("tests", [])] != [want_out] * 2:
            errs.append("passing %d: %s" % (x, short(j, 600)))
    tap(not errs, "(b) every passing submission of that batch passes, with its own output", errs)
    bi = 0
    for (role, name), j in zip(roles, res):
        if role != "bad":
            continue
        s = singles[bi]
        bi += 1
        if s.status != 200 or not isinstance(s.json, dict):
            tap(False, "(b) %s: same verdict as a single request" % name, [s.short()])
            continue
        errs, _ = compare(s.json, j, 10 ** 9)
        tap(not errs and j.get("status") != "passed",
            "(b) %s: same verdict as a single request (%s %s)" % (
                name, j.get("status"), [t.get("status") for t in j.get("tests", [])]),
            errs + ["batch element: %s" % short(j, 500)])


# --------------------------------------------------------------------------
# (c) a fresh working directory per submission

CWD_CODE = """import os
def fresh():
    seen = sorted(os.listdir('.'))
    print('cwd=' + os.getcwd())
    print('seen=' + repr(seen))
    with open('llsr_marker', 'w') as f:
        f.write(MINE)
    return seen == []
"""
CWD_TESTS = "assert fresh()\nassert open('llsr_marker').read() == MINE\n"


def part_c(svc, n=6):
    elems = [sub("MINE = %r\n" % ("submission-%d" % i) + CWD_CODE, CWD_TESTS) for i in range(n)]
    r = post(svc, {"submissions": elems})
    res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
    if not tap(isinstance(res, list) and len(res) == n,
               "(c) a batch of %d directory probes is answered 200" % n, [r.short()]):
        return
    errs, cwds = [], []
    for i, j in enumerate(res):
        out = (j.get("tests") or [{}])[0].get("stdout") or j.get("stdout") or ""
        cwd = [line[4:] for line in out.splitlines() if line.startswith("cwd=")]
        seen = [line[5:] for line in out.splitlines() if line.startswith("seen=")]
        cwds.append(cwd[0] if cwd else None)
        if j.get("status") != "passed" or lc.status_list(j) != ["passed", "passed"]:
            errs.append("submission %d: %s %s, cwd %s, saw %s; %s" % (
                i, j.get("status"), lc.status_list(j), cwd, seen,
                short([t.get("message") for t in j.get("tests", [])], 300)))
    tap(not errs, "(c) each submission starts in an empty directory (no file of another "
        "submission visible) that keeps its own files across its tests", errs)
    ok = None not in cwds and len(set(cwds)) == n and "/tmp" not in cwds
    tap(ok, "(c) the %d working directories are distinct (and not /tmp)" % n, [short(cwds)])


# --------------------------------------------------------------------------
# (d) 400s

def expect_400(r, code, index=None, contains=()):
    errs = []
    j = r.json if isinstance(r.json, dict) else {}
    e = j.get("error") if isinstance(j.get("error"), dict) else {}
    if r.status != 400:
        errs.append("HTTP %d, expected 400" % r.status)
    if e.get("code") != code:
        errs.append("error.code %r, expected %r" % (e.get("code"), code))
    msg = e.get("message") or ""
    if index is not None:
        if e.get("index") != index or isinstance(e.get("index"), bool):
            errs.append("error.index %r, expected %d" % (e.get("index"), index))
        if not msg.startswith("submissions[%d]: " % index):
            errs.append("message does not start with 'submissions[%d]: '" % index)
    elif "index" in e:
        errs.append("error.index %r on an error of the whole request" % e.get("index"))
    for c in contains:
        if c not in msg:
            errs.append("message lacks %r" % c)
    if errs:
        errs.append(r.short())
    return errs


def part_d(svc):
    ok_el = sub("pass\n")
    cases = [
        ("invalid base64 in element 3 of 5", [ok_el] * 3 + [{"code": "abc!"}, ok_el],
         "invalid_base64", 3, ("code",)),
        ("element 1 is not an object", [ok_el, 42, ok_el], "invalid_field", 1, ()),
        ("unknown field in element 0", [dict(ok_el, timeout=5), ok_el],
         "invalid_field", 0, ("timeout",)),
        ("timeout_ms out of range in the last element (4)", [ok_el] * 4 + [dict(ok_el, timeout_ms=99)],
         "invalid_field", 4, ("timeout_ms",)),
        ("element 2 without code", [ok_el, ok_el, {"tests": lc.b64("assert True\n")}],
         "missing_field", 2, ("code",)),
        ("unsupported language in element 1", [ok_el, dict(ok_el, language="ruby")],
         "unsupported_language", 1, ()),
        ("element 0 of 1 is null", [None], "invalid_field", 0, ()),
    ]
    for name, subs, code, idx, contains in cases:
        r = svc.post_json({"submissions": subs}, timeout=60)
        tap(not expect_400(r, code, idx, contains),
            "(d) %s: 400 %s naming index %d" % (name, code, idx), expect_400(r, code, idx, contains))
    # Two bad elements: the first is named.
    r = svc.post_json({"submissions": [ok_el, {"code": 1}, {"code": "%%"}]}, timeout=60)
    tap(not expect_400(r, "invalid_field", 1), "(d) of two bad elements the first (1) is named",
        expect_400(r, "invalid_field", 1))

    whole = [
        ("an empty list", {"submissions": []}, "invalid_field", ("submissions",)),
        ("1001 elements", {"submissions": [{"code": "cGFzcwo="}] * (MAX_BATCH + 1)},
         "invalid_field", ("submissions", "1001")),
        ("an unknown field next to submissions",
         {"submissions": [ok_el], "timeout_ms": 1000}, "invalid_field", ("timeout_ms",)),
        ("code next to submissions", {"code": ok_el["code"], "submissions": [ok_el]},
         "invalid_field", ("code",)),
        ("submissions an object", {"submissions": {"0": ok_el}}, "invalid_field", ("submissions",)),
        ("submissions a string", {"submissions": "[]"}, "invalid_field", ("submissions",)),
        ("submissions null", {"submissions": None}, "invalid_field", ("submissions",)),
        ("submissions a number", {"submissions": 1}, "invalid_field", ("submissions",)),
    ]
    for name, body, code, contains in whole:
        r = svc.post_json(body, timeout=60)
        tap(not expect_400(r, code, None, contains), "(d) %s: 400 %s" % (name, code),
            expect_400(r, code, None, contains))

    part_d_cost(svc)

    # The boundary: exactly max_batch small elements run, in order, each
    # with the timeout_ms that keeps the batch within max_batch_cost_ms
    # (300 with the defaults: the user's CPU time, far more than they use).
    tmo = svc.limits()["max_batch_cost_ms"] // MAX_BATCH
    elems = [sub("X = %d\n" % i, "assert X == %d\n" % i, timeout_ms=tmo) for i in range(MAX_BATCH)]
    lc.log("(d) a batch of %d small submissions of timeout_ms %d" % (MAX_BATCH, tmo))
    r = post(svc, {"submissions": elems})
    res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
    errs = []
    if not isinstance(res, list) or len(res) != MAX_BATCH:
        errs.append(r.short())
    else:
        for i, j in enumerate(res):
            t = j.get("tests") or [{}]
            if j.get("status") != "passed" or t[0].get("name") != "assert X == %d" % i:
                errs.append("result %d: %s" % (i, short(j, 300)))
    tap(tmo >= 100 and not errs, "(d) exactly %d elements (timeout_ms %d) are accepted; every "
        "result passes, in input order (%.1f s)" % (MAX_BATCH, tmo, r.elapsed),
        ["timeout_ms %d" % tmo] + errs[:10])


SLEEPER = "import time\ntime.sleep(60)\n"   # the batch element


def part_d_cost(svc):
    """The default max_batch_cost_ms (batch_timeout_ms, 300000) bites: a
    small body cannot declare more of the user's time than a batch's wall
    budget. Refused at once, with what a client needs to split."""
    lim = svc.limits()
    cap, t = lim["max_batch_cost_ms"], lim["timeout_ms"]
    tap(cap == lim["batch_timeout_ms"] == 300000 and t == 10000,
        "(d) GET /health limits: max_batch_cost_ms is batch_timeout_ms (300000, the "
        "default), timeout_ms 10000", [json.dumps(lim)])
    n = cap // t + 1
    attacks = [
        ("the issue's sleeper, %d times without timeout_ms (cost %d)" % (n, n * t),
         [sub(SLEEPER)] * n, n * t),
        ("the issue's sleeper, %d times with timeout_ms 4000 (cost %d)" % (MAX_BATCH, MAX_BATCH * 4000),
         [sub(SLEEPER, timeout_ms=4000)] * MAX_BATCH, MAX_BATCH * 4000),
    ]
    for name, elems, cost in attacks:
        body = {"submissions": elems}
        size = len(json.dumps(body))
        r = svc.post_json(body, timeout=HTTP_TIMEOUT)
        e = (r.json or {}).get("error") if isinstance(r.json, dict) else None
        e = e if isinstance(e, dict) else {}
        errs = expect_400(r, "batch_too_costly", None, ("%d ms" % cost, "%d ms" % cap))
        if e.get("cost_ms") != cost or e.get("max_cost_ms") != cap:
            errs.append("cost_ms %r, max_cost_ms %r; expected %d, %d"
                        % (e.get("cost_ms"), e.get("max_cost_ms"), cost, cap))
        # Run, it would sleep for minutes (batch_timeout_ms).
        if r.elapsed > 60:
            errs.append("answered after %.1f s, not at once" % r.elapsed)
        tap(not errs, "(d) %s, %d bytes: 400 batch_too_costly with cost_ms and max_cost_ms "
            "(%.2f s)" % (name, size, r.elapsed), errs)
    # At the cap exactly: runs.
    m = cap // t
    elems = [sub("X = %d\n" % i, "assert X == %d\n" % i) for i in range(m)]
    r = post(svc, {"submissions": elems})
    res = r.json.get("results") if r.status == 200 and isinstance(r.json, dict) else None
    bad = [r.short()] if not isinstance(res, list) or len(res) != m else \
        ["result %d: %s" % (i, short(j, 300)) for i, j in enumerate(res)
         if j.get("status") != "passed"]
    tap(not bad, "(d) %d submissions without timeout_ms (cost %d, the cap): 200, all pass "
        "(%.1f s)" % (m, m * t, r.elapsed), bad[:10])


# --------------------------------------------------------------------------

def part_end(svc, pids):
    r = svc.health()
    tap(r.status == 200 and (r.json or {}).get("status") == "ok", "GET /health is ok at the end",
        [r.short()])
    if not os.path.exists(lc.DOCKER_SOCKET):
        print("ok %d - no container left behind # SKIP no %s" % (tap.n + 1, lc.DOCKER_SOCKET))
        tap.n += 1
        return
    warm = int((r.json or {}).get("pool_size") or 0)
    pids |= svc.worker_pids()
    try:
        left = lc.leaked_containers(pids, warm=warm)
        tap(not left, "no container of workers %s left behind (pool_size %d)"
            % (sorted(pids), warm), [short(left, 1000)])
    except Exception as e:  # noqa: BLE001 - reported as a failure
        tap(False, "no container left behind", ["%s: %s" % (type(e).__name__, e)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:18080")
    ap.add_argument("--problems", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=2,
                    help="single requests (and batches) in flight at once")
    a = ap.parse_args()
    svc = lc.Service(a.url, timeout=HTTP_TIMEOUT)
    t0 = time.monotonic()
    r = svc.wait_ready(30)
    if r is None or r.status != 200:
        print("Bail out! the service at %s is not ready: %s" % (a.url, r.short() if r else "no answer"))
        return 1
    pids = svc.worker_pids()
    part_d(svc)
    part_c(svc)
    part_b(svc)
    part_a(svc, a.problems, a.batch_size, max(1, a.concurrency))
    part_end(svc, pids)
    lc.log("took %.1f s" % (time.monotonic() - t0))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
