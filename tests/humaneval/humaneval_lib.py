"""HumanEval helpers of the ll-solution-runner test scripts (Python 3
stdlib only): loading the data set, splitting check() into its cases,
deterministic `ast` mutants of the canonical solutions, and the oracle that
computes the expected per-case verdicts with plain python3 on the host.

HumanEval (Chen et al. 2021, "Evaluating Large Language Models Trained on
Code") is by OpenAI, MIT License, Copyright (c) OpenAI; this module reads
/work/shared/datasets/humaneval/HumanEval.jsonl.gz and embeds none of it.

What is shared with the MBPP scripts comes from tests/integration:
llsr_client (HTTP, base64, the oracle's one-run driver `oracle_one`) and
llsr_stack (TAP).
"""

import ast
import gzip
import json
import os
import queue
import random
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import llsr_client as lc  # noqa: E402

DEFAULT_HUMANEVAL = "/work/shared/datasets/humaneval/HumanEval.jsonl.gz"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


# --------------------------------------------------------------------------
# data

def load_humaneval(path=DEFAULT_HUMANEVAL):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        probs = [json.loads(line) for line in f if line.strip()]
    return sorted(probs, key=lambda p: int(p["task_id"].split("/")[-1]))


def canonical_code(problem):
    return problem["prompt"] + problem["canonical_solution"]


def submission(code, problem, **limits):
    """One element of {"submissions": [...]} (or a single request body)."""
    d = {"code": lc.b64(code), "tests": lc.b64(problem["test"]),
         "entry_point": problem["entry_point"]}
    d.update(limits)
    return d


# --------------------------------------------------------------------------
# check() and its cases

def _has_assert(stmt):
    """Whether stmt holds an assert outside nested functions/classes."""
    todo = [stmt]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Assert):
            return True
        todo.extend(c for c in ast.iter_child_nodes(n) if not isinstance(c, _SCOPES))
    return False


def _check_def(tree):
    fn = None
    for s in tree.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "check":
            fn = s  # the last definition wins, as at run time
    return fn


def case_sources(problem):
    """The tests for each case on its own, in order: the test module with
    check()'s body cut down to the non-assert statements before case k and
    case k itself (each statement of check's body holding an assert is one
    case, as the harness counts them)."""
    n = len(_check_def(ast.parse(problem["test"])).body)
    out = []
    for k in range(n):
        tree = ast.parse(problem["test"])
        fn = _check_def(tree)
        if not _has_assert(fn.body[k]):
            continue
        fn.body = [s for i, s in enumerate(fn.body)
                   if i == k or (i < k and not _has_assert(s))]
        out.append(ast.unparse(ast.fix_missing_locations(tree)) + "\n")
    return out


def case_names(problem):
    fn = _check_def(ast.parse(problem["test"]))
    return [ast.unparse(s).splitlines()[0] for s in fn.body if _has_assert(s)]


# --------------------------------------------------------------------------
# mutants

# kind -> (weight in the default mix, what it does)
MUTANT_KINDS = {
    "const":      (6, "off by one: an integer constant of the solution +1 or -1"),
    "cmp_neg":    (5, "flipped comparison: < -> >=, == -> !=, in -> not in, ..."),
    "cmp_bound":  (3, "boundary: < <-> <=, > <-> >="),
    "arith":      (5, "swapped arithmetic operator: + -> -, * -> +, // -> /, ..."),
    "logic":      (3, "and <-> or, `not x` -> x"),
    "remove":     (5, "removed statement (replaced by pass)"),
    "ret_none":   (4, "one `return x` -> `return None`"),
    "raise":      (3, "`raise ValueError(...)` inserted before a statement"),
    "loop":       (3, "`while True: pass` inserted before a statement"),
    "raise_load": (1, "`raise ValueError(...)` first in the module (load error)"),
}

_NEG = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
        ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In,
        ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BOUND = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add,
          ast.Div: ast.Mult, ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv,
          ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift,
          ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitOr}
_STMT_FIELDS = ("body", "orelse", "finalbody")


def _entry_def(tree, entry):
    fn = None
    for s in tree.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == entry:
            fn = s
    return fn


def _nodes(fn):
    """Pre-order over the entry function's body after its docstring
    (nested functions included: they are the solution too)."""
    out = []

    def rec(n):
        out.append(n)
        for c in ast.iter_child_nodes(n):
            rec(c)
    for s in fn.body[lc._body_start(fn):]:
        rec(s)
    return out


def _blocks(fn):
    """(statement list, first index) of every block of the function."""
    yield fn.body, lc._body_start(fn)
    for n in _nodes(fn):
        for f in _STMT_FIELDS:
            v = getattr(n, f, None)
            if isinstance(v, list) and v and isinstance(v[0], ast.stmt):
                yield v, 0


def _sites(tree, fn, kind):
    """The places where `kind` applies, in a fixed order: a list of
    functions that apply the change to this tree and return a description."""
    sites = []
    if fn is None:
        return sites

    def line(n):
        return getattr(n, "lineno", 0)

    def short(n):
        s = ast.unparse(n).splitlines()[0]
        return s if len(s) <= 60 else s[:57] + "..."

    if kind == "const":
        for n in _nodes(fn):
            if isinstance(n, ast.Constant) and type(n.value) is int:
                for d in (1, -1):
                    def f(n=n, d=d):
                        old = n.value
                        n.value = old + d
                        return "line %d: %r -> %r" % (line(n), old, n.value)
                    sites.append(f)
    elif kind in ("cmp_neg", "cmp_bound"):
        table = _NEG if kind == "cmp_neg" else _BOUND
        for n in _nodes(fn):
            if isinstance(n, ast.Compare):
                for i, op in enumerate(n.ops):
                    if type(op) in table:
                        def f(n=n, i=i, table=table):
                            old = short(n)
                            n.ops[i] = table[type(n.ops[i])]()
                            return "line %d: %s -> %s" % (line(n), old, short(n))
                        sites.append(f)
    elif kind == "arith":
        for n in _nodes(fn):
            if isinstance(n, (ast.BinOp, ast.AugAssign)) and type(n.op) in _ARITH:
                def f(n=n):
                    old = short(n)
                    n.op = _ARITH[type(n.op)]()
                    return "line %d: %s -> %s" % (line(n), old, short(n))
                sites.append(f)
    elif kind == "logic":
        for n in _nodes(fn):
            if isinstance(n, ast.BoolOp):
                def f(n=n):
                    old = short(n)
                    n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
                    return "line %d: %s -> %s" % (line(n), old, short(n))
                sites.append(f)
            elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
                def f(n=n):
                    _replace(fn, n, n.operand)
                    return "line %d: %s -> %s" % (line(n), short(n), short(n.operand))
                sites.append(f)
    elif kind == "ret_none":
        for n in _nodes(fn):
            if isinstance(n, ast.Return) and n.value is not None and not (
                    isinstance(n.value, ast.Constant) and n.value.value is None):
                def f(n=n):
                    old = short(n)
                    n.value = ast.Constant(value=None)
                    return "line %d: %s -> return None" % (line(n), old)
                sites.append(f)
    elif kind in ("remove", "raise", "loop"):
        for block, start in _blocks(fn):
            for i in range(start, len(block)):
                s = block[i]
                if kind == "remove":
                    if isinstance(s, ast.Pass):
                        continue

                    def f(block=block, i=i, s=s):
                        block[i] = ast.Pass()
                        return "line %d: removed %s" % (line(s), short(s))
                    sites.append(f)
                else:
                    new = ("raise ValueError('llsr mutant')" if kind == "raise"
                           else "while True:\n    pass")

                    def f(block=block, i=i, new=new, s=s):
                        block.insert(i, ast.parse(new).body[0])
                        return "line %d: %s inserted before %s" % (
                            line(s), new.replace("\n    ", " "), short(s))
                    sites.append(f)
    elif kind == "raise_load":
        def f():
            tree.body.insert(0, ast.parse(
                "raise ValueError('llsr mutant: raised at load')").body[0])
            return "module start: raise ValueError"
        sites.append(f)
    else:
        raise ValueError("unknown mutant kind %r" % kind)
    return sites


def _replace(root, node, new):
    """Puts `new` where `node` is under root."""
    for parent in ast.walk(root):
        for field, v in ast.iter_fields(parent):
            if v is node:
                setattr(parent, field, new)
                return
            if isinstance(v, list):
                for i, x in enumerate(v):
                    if x is node:
                        v[i] = new
                        return
    raise ValueError("node not found")


def n_sites(problem, kind):
    tree = ast.parse(canonical_code(problem))
    return len(_sites(tree, _entry_def(tree, problem["entry_point"]), kind))


def make_mutant(problem, kind, site):
    """(source, description) of mutant `site` of `kind`, or None when it
    does not compile. Deterministic."""
    tree = ast.parse(canonical_code(problem))
    fn = _entry_def(tree, problem["entry_point"])
    desc = _sites(tree, fn, kind)[site]()
    src = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    try:
        compile(src, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return None
    return src, desc


def _quotas(n, kinds):
    total = sum(MUTANT_KINDS[k][0] for k in kinds)
    q = {k: n * MUTANT_KINDS[k][0] // total for k in kinds}
    rest = n - sum(q.values())
    order = sorted(kinds, key=lambda k: -(n * MUTANT_KINDS[k][0] % total))
    for k in order[:rest]:
        q[k] += 1
    return q


def generate_mutants(problems, n, seed, kinds=None):
    """n mutants (fewer only if the sites run out), deterministic for a
    given seed: each kind gets its share of n (largest remainder; a kind
    short of sites hands the rest on to the next); its problems are visited
    in a seeded shuffled order, round after round, each visit taking one
    not yet taken site at random. Mutants whose source repeats one already
    taken (or the canonical one, as unparsed) are skipped. Returned
    interleaved by kind (so slow kinds spread over the batches): a list of
    dicts problem, kind, site, desc, code."""
    kinds = list(kinds or MUTANT_KINDS)
    rng = random.Random(seed)
    q = _quotas(n, kinds)
    seen = {ast.unparse(ast.parse(canonical_code(p))) + "\n" for p in problems}
    per_kind = {}
    carry = 0
    for kind in kinds:
        want = q[kind] + carry
        cands = [(p, n_sites(p, kind)) for p in problems]
        cands = [(p, set(range(ns))) for p, ns in cands if ns > 0]
        rng.shuffle(cands)
        got = []
        progressed = True
        while len(got) < want and progressed:
            progressed = False
            for p, free in cands:
                if len(got) >= want:
                    break
                if not free:
                    continue
                progressed = True
                j = rng.choice(sorted(free))
                free.discard(j)
                m = make_mutant(p, kind, j)
                if m is None or m[0] in seen:
                    continue
                seen.add(m[0])
                got.append({"problem": p, "kind": kind, "site": j,
                            "desc": m[1], "code": m[0]})
        carry = want - len(got)
        per_kind[kind] = got
    out = []
    i = 0
    while any(per_kind.values()):
        k = kinds[i % len(kinds)]
        i += 1
        if per_kind[k]:
            out.append(per_kind[k].pop(0))
    for i, m in enumerate(out):
        m["id"] = "%s %s@%d" % (m["problem"]["task_id"], m["kind"], m["site"])
    return out


# --------------------------------------------------------------------------
# the oracle
#
# Each case runs in a process of its own under plain python3, with a
# wall-clock limit. A python3 start costs ~100 ms of CPU on a small machine
# (x 2000 cases), so by default the processes are forked from a small fork
# server: a `python3 -I` that imports a few stdlib modules and never runs
# user code, then forks one child per case. The child (own session, 1 GiB
# address space, stdin/stdout/stderr on /dev/null, an empty temporary
# working directory) runs the code, the cut-down tests and check(), as
# llsr_client.oracle_one's driver does, and reports
# "<phase> <status> <seconds> <exception>" on a pipe; at the limit (or once
# it has reported) its process group is SIGKILLed. --oracle-exec uses
# llsr_client.oracle_one instead (a fresh `python3 -I` per case).

_FORK_SERVER = r"""
import json, os, resource, select, shutil, signal, struct, sys, tempfile, time

def read_exact(n):
    b = b""
    while len(b) < n:
        c = os.read(0, n - len(b))
        if not c:
            os._exit(0)
        b += c
    return b

def child(w, d, req):
    os.setsid()
    lim = req["mem"]
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    os.chdir(d)
    fd = os.open(os.devnull, os.O_RDWR)
    for i in (0, 1, 2):
        os.dup2(fd, i)
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    def report(phase, status, dt, exc):
        os.write(w, ("%s %s %.6f %s\n" % (phase, status, dt, exc)).encode())
        os._exit(0)
    phase = "load"
    t0 = time.perf_counter()
    try:
        exec(compile(req["code"], "<solution>", "exec"), ns)
        phase = "setup"
        exec(compile(req["setup"], "<tests>", "exec"), ns)
        phase = "test"
        t0 = time.perf_counter()
        exec(compile(req["test"], "<tests>", "exec"), ns)
        report(phase, "passed", time.perf_counter() - t0, "-")
    except AssertionError:
        report(phase, "failed", time.perf_counter() - t0, "AssertionError")
    except BaseException as e:
        report(phase, "error", time.perf_counter() - t0, type(e).__name__)

while True:
    req = json.loads(read_exact(struct.unpack(">I", read_exact(4))[0]))
    d = tempfile.mkdtemp(prefix="llsr-oracle-")
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            child(w, d, req)
        finally:
            os._exit(70)
    os.close(w)
    end = t0 + req["timeout"]
    data = b""
    timed_out = False
    while not data.endswith(b"\n"):
        left = end - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        if select.select([r], [], [], left)[0]:
            c = os.read(r, 4096)
            if not c:
                break
            data += c
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    _, st = os.waitpid(pid, 0)
    os.close(r)
    shutil.rmtree(d, ignore_errors=True)
    wall = time.monotonic() - t0
    line = data.decode("utf-8", "replace").strip()
    if timed_out:
        out = {"phase": "test", "status": "timeout", "seconds": wall, "exc": "-"}
    elif not line:
        out = {"phase": "?", "status": "error", "seconds": wall,
               "exc": "died (wait status %d)" % st}
    else:
        ph, s, dt, exc = line.split(" ", 3)
        out = {"phase": ph, "status": s, "seconds": float(dt), "exc": exc}
    b = json.dumps(out).encode()
    os.write(1, struct.pack(">I", len(b)) + b)
"""


class ForkServer(object):
    """One fork server (see above); one case at a time."""

    def __init__(self, python="python3"):
        self.python = python
        self.p = None

    def _start(self):
        self.p = subprocess.Popen([self.python, "-I", "-c", _FORK_SERVER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, cwd="/",
                                  start_new_session=True)

    def run(self, code, setup, test, timeout, mem=1 << 30):
        if self.p is None or self.p.poll() is not None:
            self._start()
        b = json.dumps({"code": code, "setup": setup, "test": test,
                        "timeout": timeout, "mem": mem}).encode("utf-8")
        try:
            self.p.stdin.write(struct.pack(">I", len(b)) + b)
            self.p.stdin.flush()
            n = struct.unpack(">I", _read_exact(self.p.stdout, 4))[0]
            return json.loads(_read_exact(self.p.stdout, n).decode("utf-8"))
        except (OSError, ValueError, struct.error) as e:
            self.close()
            return {"phase": "?", "status": "error", "seconds": 0.0,
                    "exc": "fork server failed: %s" % e}

    def close(self):
        if self.p is not None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            self.p = None


def _read_exact(f, n):
    b = b""
    while len(b) < n:
        c = f.read(n - len(b))
        if not c:
            raise ValueError("fork server closed its output")
        b += c
    return b


class Oracle(object):
    """Runs cases, `jobs` at a time: run(code, case_src, entry_point) ->
    an oracle_one-style dict (phase, status passed / failed / error /
    timeout, seconds, exc). Thread-safe; a context manager."""

    def __init__(self, jobs, timeout, use_exec=False):
        self.timeout = timeout
        self.use_exec = use_exec
        self.free = queue.Queue()
        self.servers = [] if use_exec else [ForkServer() for _ in range(jobs)]
        for s in self.servers:
            self.free.put(s)

    def run(self, code, case_src, entry_point):
        test = "check(%s)\n" % entry_point
        if self.use_exec:
            return lc.oracle_one(code, case_src, test, self.timeout)
        s = self.free.get()
        try:
            return s.run(code, case_src, test, self.timeout)
        finally:
            self.free.put(s)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        for s in self.servers:
            s.close()


def expectation(details, slow, fit):
    """Per case, the service statuses that agree with the oracle:
      - oracle passed in at most `slow` s: {"passed"};
      - oracle passed but slower: any status (timing-sensitive: the
        service's per-test limit may or may not cut it);
      - oracle failed, error, timeout: anything but "passed";
      - and, when the oracle timed out in more than `fit` cases (the
        service's whole-run budget may run out), an oracle-passed case after
        the fit-th timed-out one may also be "not_run" or "timeout".
    Returns (list of (set of accepted statuses, or None for "not passed"),
    list of tolerance notes)."""
    out, notes = [], []
    touts = 0
    budget_gone = False
    for i, d in enumerate(details):
        if d["status"] == "passed":
            if d["seconds"] > slow:
                out.append({"passed", "failed", "error", "timeout", "not_run"})
                notes.append("case %d: passed in %.2fs on the host (timing-sensitive,"
                             " either verdict accepted)" % (i, d["seconds"]))
            elif budget_gone:
                out.append({"passed", "timeout", "not_run"})
                notes.append("case %d: after %d timed-out cases (the run budget may"
                             " end first)" % (i, touts))
            else:
                out.append({"passed"})
        else:
            out.append(None)
            if d["status"] == "timeout":
                touts += 1
                if touts >= fit:
                    budget_gone = True
    return out, notes


def agrees(accepted, status):
    return status != "passed" if accepted is None else status in accepted
