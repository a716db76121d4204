"""Shared helpers of the ll-solution-runner test scripts (Python 3 stdlib only).

Used by tests/integration/run.py, tests/mbpp/mbpp_all.py and
tests/mbpp/mbpp_broken.py:

  - HTTP to the service (http.client, the layer urllib.request is built on,
    because the HTTP-level cases need full control of the method, the headers
    and the raw body), always with a timeout and only to a loopback address;
  - base64 helpers;
  - the Docker Engine API over its unix socket, to list the containers that
    carry the service's label (`ll-solution-runner`) and so find leaks;
  - MBPP: loading the data set, deriving deterministic broken variants of a
    reference solution with `ast` transforms, and the "oracle" that computes
    the expected per-test statuses by running every assert on its own with
    plain python3 on the host.

MBPP (Mostly Basic Python Problems, Austin et al. 2021) is by Google Research,
CC BY 4.0; this module reads /work/shared/datasets/mbpp-sanitized.json and
embeds none of it.
"""

import ast
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MBPP = "/work/shared/datasets/mbpp-sanitized.json"
DOCKER_SOCKET = "/var/run/docker.sock"
LABEL = "ll-solution-runner"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


# --------------------------------------------------------------------------
# base64

def b64(data):
    """Standard base64 (no line breaks) of str (UTF-8) or bytes, as str."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def b64_wrapped(data, width=76, sep="\n"):
    """MIME-style base64: lines of `width` characters joined with sep."""
    s = b64(data)
    return sep.join(s[i:i + width] for i in range(0, len(s), width))


# --------------------------------------------------------------------------
# HTTP

class Response(object):
    def __init__(self, status, reason, headers, body, elapsed):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes
        self.elapsed = elapsed          # seconds
        self._json = None
        self.json_error = None
        try:
            self._json = json.loads(body.decode("utf-8"))
        except Exception as e:  # not JSON (e.g. a lighttpd error page)
            self.json_error = "%s: %s" % (type(e).__name__, e)

    @property
    def json(self):
        return self._json

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def short(self, limit=600):
        b = self.body.decode("utf-8", "replace")
        if len(b) > limit:
            b = b[:limit] + "...[%d bytes]" % len(self.body)
        return "HTTP %d %s" % (self.status, b.strip())


class Service(object):
    """A ll-solution-runner base URL, e.g. http://127.0.0.1:18081."""

    def __init__(self, url, timeout=60.0):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http":
            raise ValueError("only http:// URLs are supported: %r" % url)
        host = u.hostname or ""
        if host not in LOOPBACK:
            # The suite runs arbitrary code through the service: never point
            # it anywhere but this machine.
            raise ValueError("refusing a non-loopback URL: %r" % url)
        self.host = host
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None, timeout=None,
                send_length=True):
        """One request on a fresh connection. body: bytes or None.

        send_length=False sends a body-less request without Content-Length
        (for the 411 case). Returns a Response; network errors raise.
        """
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout or self.timeout)
        t0 = time.monotonic()
        try:
            conn.putrequest(method, self.prefix + path, skip_accept_encoding=True)
            hdrs = dict(headers or {})
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None and send_length and \
                    not any(k.lower() == "content-length" for k in hdrs):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                conn.send(body)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.reason, r.getheaders(), data,
                            time.monotonic() - t0)
        finally:
            conn.close()

    def post_json(self, obj, path="/run_code", timeout=None):
        body = json.dumps(obj).encode("utf-8")
        return self.request("POST", path, body,
                            {"Content-Type": "application/json"}, timeout)

    def run_code(self, code, tests=None, stdin=None, timeout=None, **fields):
        """POST /run_code with code/tests/stdin given as text (encoded here)."""
        obj = {"code": b64(code)}
        if tests is not None:
            obj["tests"] = b64(tests)
        if stdin is not None:
            obj["stdin"] = b64(stdin)
        obj.update(fields)
        return self.post_json(obj, timeout=timeout)

    def health(self, timeout=10.0):
        return self.request("GET", "/health", timeout=timeout)

    def worker_pids(self, tries=12):
        """Pids of the workers that answer /health (best effort)."""
        pids = set()
        for _ in range(tries):
            try:
                r = self.health()
                if r.status == 200 and isinstance(r.json, dict):
                    pids.add(int(r.json.get("pid")))
            except Exception:
                pass
        return pids

    def limits(self):
        """GET /health's "limits" ({"timeout_ms", "max_batch",
        "max_batch_cost_ms", ...}); raises when the service does not say."""
        r = self.health()
        lim = (r.json or {}).get("limits") if r.status == 200 and isinstance(r.json, dict) else None
        if not isinstance(lim, dict) or not isinstance(lim.get("max_batch_cost_ms"), int):
            raise RuntimeError("GET /health has no limits: %s" % r.short())
        return lim

    def wait_ready(self, seconds=30.0):
        end = time.monotonic() + seconds
        while True:
            try:
                r = self.health(timeout=5.0)
                if r.status == 200:
                    return r
            except Exception:
                r = None
            if time.monotonic() > end:
                return r
            time.sleep(0.5)


# --------------------------------------------------------------------------
# Docker Engine API over the unix socket

class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10.0):
        http.client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def docker_get(path, sock=DOCKER_SOCKET, timeout=10.0):
    conn = _UnixHTTPConnection(sock, timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError("docker GET %s: HTTP %d %s" % (path, r.status, data[:200]))
        return json.loads(data.decode("utf-8"))
    finally:
        conn.close()


def labelled_containers(label=LABEL, sock=DOCKER_SOCKET):
    """All containers (running or not) carrying `label`: list of dicts with
    id, state, status, owner, deadline (unix seconds or None), created."""
    filters = urllib.parse.quote(json.dumps({"label": [label]}))
    out = []
    for c in docker_get("/containers/json?all=1&filters=" + filters, sock):
        labels = c.get("Labels") or {}
        try:
            deadline = int(labels.get(label + ".deadline", ""))
        except ValueError:
            deadline = None
        out.append({"id": c.get("Id", "")[:12], "state": c.get("State"),
                    "status": c.get("Status"), "created": c.get("Created"),
                    "owner": labels.get(label + ".owner", ""),
                    "deadline": deadline})
    return out


def owner_pid(owner):
    """The pid part of an owner label host:pid:start (or None)."""
    parts = owner.split(":")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def leaked_containers(pids, grace=20.0, poll=0.5, sock=DOCKER_SOCKET, warm=0):
    """Waits up to `grace` seconds for the containers owned by the worker
    pids to disappear (the service removes a run's container after the
    response), but for `warm` running containers per worker: its warm pool
    (pool_size), which waits for the next request by design. Also counts
    any labelled container more than `grace` seconds past its own deadline
    label, whoever created it.

    Returns the list of leaked containers (empty when all is clean).
    """
    end = time.monotonic() + grace
    while True:
        now = time.time()
        bad = []
        running = {}
        for c in labelled_containers(sock=sock):
            pid = owner_pid(c["owner"])
            mine = pid in pids
            if mine and c["status"].startswith("Up") and running.get(pid, 0) < warm:
                running[pid] = running.get(pid, 0) + 1
                mine = False
            stale = c["deadline"] is not None and now > c["deadline"] + grace
            if mine or stale:
                bad.append(c)
        if not bad or time.monotonic() > end:
            return bad
        time.sleep(poll)


# --------------------------------------------------------------------------
# MBPP

def load_mbpp(path=DEFAULT_MBPP):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return sorted(data, key=lambda p: p["task_id"])


def tests_source(problem):
    """The tests as the service receives them: imports, then the asserts."""
    return "\n".join(list(problem["test_imports"]) + list(problem["test_list"]))


def entry_function(problem):
    """Name of the solution's top-level function the first test calls."""
    tree = ast.parse(problem["code"])
    defs = {s.name for s in tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    calls = [n for n in ast.walk(ast.parse(problem["test_list"][0]))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    for c in calls:
        if c.func.id in defs:
            return c.func.id
    return None


def _own_nodes(fn):
    """Nodes of fn's body, not descending into nested functions, lambdas or
    classes."""
    todo = list(fn.body)
    out = []
    while todo:
        n = todo.pop()
        out.append(n)
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.Lambda, ast.ClassDef)):
                todo.append(c)
    out.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    return out


def _body_start(fn):
    """Index in fn.body after the docstring."""
    b = fn.body
    if b and isinstance(b[0], ast.Expr) and isinstance(b[0].value, ast.Constant) \
            and isinstance(b[0].value.value, str):
        return 1
    return 0


def _numeric_results(problem):
    """True when some test compares the entry call to a numeric literal."""
    for t in problem["test_list"]:
        for n in ast.walk(ast.parse(t)):
            if isinstance(n, ast.Compare) and len(n.ops) == 1 and \
                    isinstance(n.ops[0], ast.Eq):
                for side in (n.left, n.comparators[0]):
                    v = side
                    if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub):
                        v = v.operand
                    if isinstance(v, ast.Constant) and type(v.value) in (int, float):
                        return True
    return False


# Variant kinds, in the order they are tried. Each one breaks the entry
# function (the first solution function the tests call) except raise_load.
VARIANT_KINDS = ("const", "ret_plus1", "ret_none", "raise", "loop", "raise_load")
VARIANT_DOC = {
    "const": "off by one: the first integer constant of the function body + 1",
    "ret_plus1": "off by one: every `return x` -> `return (x) + 1` (numeric results)",
    "ret_none": "wrong value: every `return x` -> `return None`",
    "raise": "exception: `raise ValueError(...)` first in the function body",
    "loop": "infinite loop: `while True: pass` first in the function body",
    "raise_load": "load error: `raise ValueError(...)` at module level",
}


def make_variant(problem, kind):
    """Source of the `kind` broken variant of problem's reference solution,
    or None when the transform does not apply. Deterministic."""
    try:
        tree = ast.parse(problem["code"])
    except SyntaxError:
        return None
    name = entry_function(problem)
    fn = None
    for s in tree.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name:
            fn = s  # the last definition wins, as at run time
    if kind == "raise_load":
        i = 0
        while i < len(tree.body) and isinstance(tree.body[i], ast.ImportFrom) \
                and tree.body[i].module == "__future__":
            i += 1
        tree.body.insert(i, ast.parse(
            "raise ValueError('llsr broken variant: raised at load')").body[0])
        return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    if fn is None:
        return None
    if kind == "const":
        for n in _own_nodes(fn):
            if isinstance(n, ast.Constant) and type(n.value) is int:
                n.value = n.value + 1
                break
        else:
            return None
    elif kind in ("ret_plus1", "ret_none"):
        if kind == "ret_plus1" and not _numeric_results(problem):
            return None
        rets = [n for n in _own_nodes(fn) if isinstance(n, ast.Return)]
        if kind == "ret_plus1":
            rets = [r for r in rets if r.value is not None]
            if not rets:
                return None
            for r in rets:
                r.value = ast.BinOp(left=r.value, op=ast.Add(),
                                    right=ast.Constant(value=1))
        else:
            if any(r.value is not None and not (isinstance(r.value, ast.Constant)
                                                and r.value.value is None)
                   for r in rets):
                for r in rets:
                    r.value = ast.Constant(value=None)
            else:
                fn.body.insert(_body_start(fn), ast.Return(value=ast.Constant(value=None)))
    elif kind == "raise":
        fn.body.insert(_body_start(fn), ast.parse(
            "raise ValueError('llsr broken variant')").body[0])
    elif kind == "loop":
        fn.body.insert(_body_start(fn), ast.parse("while True:\n    pass").body[0])
    else:
        raise ValueError("unknown variant kind %r" % kind)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


# The oracle's driver: runs the solution, the test imports and ONE assert in
# a fresh python3, like `python3 file.py` on their concatenation would, and
# reports "<phase> <status> <seconds> <exception type>" on fd 3.
_DRIVER = r'''
import os, sys, time
fd = int(sys.argv[1])
sol, setup, test = sys.stdin.read().split("\0")
sys.stdin = open(os.devnull)
ns = {"__name__": "__main__", "__builtins__": __builtins__}
def report(phase, status, dt, exc):
    os.write(fd, ("%s %s %.6f %s\n" % (phase, status, dt, exc)).encode())
    os._exit(0)
phase = "load"
try:
    exec(compile(sol, "<solution>", "exec"), ns)
    phase = "setup"
    exec(compile(setup, "<tests>", "exec"), ns)
    if not test:
        report("load", "passed", 0.0, "-")
    phase = "test"
    t0 = time.perf_counter()
    exec(compile(test, "<tests>", "exec"), ns)
    report(phase, "passed", time.perf_counter() - t0, "-")
except AssertionError as e:
    report(phase, "failed", 0.0, "AssertionError")
except BaseException as e:
    report(phase, "error", 0.0, type(e).__name__)
'''


def _mem_limit():
    try:
        import resource
        lim = 1 << 30
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    except Exception:
        pass


def oracle_one(solution, imports, assertion, timeout=1.5, python="python3"):
    """Runs solution + imports + one assert (or none when assertion is "")
    in a fresh `python3 -I`. Returns dict(phase, status, seconds, exc) where
    status is passed / failed (AssertionError) / error (any other exception,
    or the process died) / timeout."""
    r, w = os.pipe()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llsr-oracle-") as tmp:
        try:
            p = subprocess.Popen([python, "-I", "-c", _DRIVER, str(w)],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, cwd=tmp,
                                 pass_fds=(w,), preexec_fn=_mem_limit,
                                 start_new_session=True)
        finally:
            os.close(w)
        try:
            p.communicate("\0".join([solution, imports, assertion]).encode("utf-8"),
                          timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(p.pid, 9)
            except OSError:
                pass
            p.wait()
        data = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            data += chunk
        os.close(r)
    wall = time.monotonic() - t0
    if timed_out:
        return {"phase": "test" if assertion else "load", "status": "timeout",
                "seconds": wall, "exc": "-"}
    line = data.decode("utf-8", "replace").strip().splitlines()
    if not line:
        return {"phase": "?", "status": "error", "seconds": wall,
                "exc": "died (exit %s)" % p.returncode}
    phase, status, dt, exc = line[-1].split(" ", 3)
    return {"phase": phase, "status": status, "seconds": float(dt), "exc": exc}


def oracle(solution, problem, timeout=1.5, pool=None):
    """Expected outcome of a solution against problem's tests, each assert
    run on its own. Returns dict:
      load: the result of loading solution + imports alone (oracle_one dict)
      run: expected run status (passed / failed / error at load)
      tests: expected per-test statuses (not_run for all when load fails)
      details: per-test oracle_one dicts
    """
    imports = "\n".join(problem["test_imports"])
    load = oracle_one(solution, imports, "", timeout)
    n = len(problem["test_list"])
    if load["status"] != "passed":
        return {"load": load, "run": "error" if load["status"] != "timeout"
                else "timeout", "tests": ["not_run"] * n, "details": []}
    if pool is not None:
        futs = [pool.submit(oracle_one, solution, imports, t, timeout)
                for t in problem["test_list"]]
        details = [f.result() for f in futs]
    else:
        details = [oracle_one(solution, imports, t, timeout)
                   for t in problem["test_list"]]
    tests = [d["status"] for d in details]
    run = "passed" if all(s == "passed" for s in tests) else "failed"
    return {"load": load, "run": run, "tests": tests, "details": details}


def oracle_ambiguity(expect, slow=0.3):
    """Why an oracle result cannot be compared reliably with the service
    (or None). A test that ends but takes more than `slow` seconds on the
    host might be a per-test timeout in the 1-CPU sandbox, and memory errors
    depend on the limits in force."""
    for i, d in enumerate(expect.get("details", [])):
        if d["status"] != "timeout" and d["seconds"] > slow:
            return "test %d took %.2fs on the host" % (i, d["seconds"])
        if d["exc"] in ("MemoryError", "RecursionError") or d["exc"].startswith("died"):
            return "test %d: %s on the host" % (i, d["exc"])
    ld = expect.get("load")
    if ld and ld["exc"] in ("MemoryError",):
        return "load: MemoryError on the host"
    return None


def spread(n, k, stride=97):
    """A deterministic permutation of range(n), different per k."""
    if n == 0:
        return []
    while _gcd(stride, n) != 1:
        stride += 1
    start = (k * 37) % n
    return [(start + i * stride) % n for i in range(n)]


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def cost_chunks(items, size, timeout_ms, max_cost_ms):
    """Consecutive groups of at most `size` items whose declared cost (the
    sum of their timeout_ms; timeout_ms(item) gives one item's) stays within
    the service's max_batch_cost_ms: a batch over it is refused as
    batch_too_costly."""
    out, cur, c = [], [], 0
    for it in items:
        t = timeout_ms(it)
        if cur and (len(cur) >= size or c + t > max_cost_ms):
            out.append(cur)
            cur, c = [], 0
        cur.append(it)
        c += t
    if cur:
        out.append(cur)
    return out


def status_list(resp_json):
    return [t.get("status") for t in (resp_json or {}).get("tests", [])]


def log(*a):
    print(*a, file=sys.stderr, flush=True)
