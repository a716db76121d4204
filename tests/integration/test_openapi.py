#!/usr/bin/env python3
"""GET /openapi.json against real answers: every status the service and its
web server can be made to answer is produced for real and its body is
validated against the schema /openapi.json gives for that path, method,
status and Content-Type (JSON Schema 2020-12, python3-jsonschema). A
status, path or method the document does not list fails; so does a
missing required header (Retry-After on 429, Allow on 405,
WWW-Authenticate on 401).

Stacks (stack.sh, lighttpd): the real engine and image (200s, 400 of each
code, 404, 405, 411, 413, 415); tokens with a tight share (401, 429); a
fake engine (tests/integration/fake_engine.py) for what a real engine
cannot be made to do (503 image_missing and sandbox_refused, 504 past a
3 s FastCGI timeout, 500 from a worker killed mid-request, 503 when no
worker runs). Not produced, and said so in the TAP: 403 and 408 (only with
access control or timeouts added to the web server), 502 (not seen from
lighttpd or Apache), 501 (an unknown method, which no OpenAPI operation
can name), 503 overloaded and uid_exhausted (test_lifecycle.py,
test_uids.py), Apache's own 414 and 417.

usage: test_openapi.py --bin PATH/ll-solution-runner [--port 20260] [--image TAG]
       (uses port .. port + 2)
"""
import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fake_engine import FakeEngine  # noqa: E402
from llsr_stack import Stack, Tap, b64, children, wait_for  # noqa: E402
from test_weberrors import exchange, stack_cmd  # noqa: E402

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
TOKEN = "openapi-token-0123456789abcdef"
FCGI_TIMEOUT = 3
SRC = os.path.join(HERE, "..", "..", "docs", "openapi.json")

try:
    import jsonschema
except ImportError:
    jsonschema = None


def request(port, method, path, body=None, headers=None, ctype="application/json",
            length=True):
    head = "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" % (method, path)
    if body is not None:
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        if length:
            head += "Content-Length: %d\r\n" % len(body)
    for k, v in (headers or {}).items():
        head += "%s: %s\r\n" % (k, v)
    return exchange(port, (head + "\r\n").encode("latin-1"), body or b"")


class Checker:
    """Validates answers against the document served by the service."""

    def __init__(self, spec):
        self.spec = spec
        self.produced = set()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resolver = jsonschema.RefResolver.from_schema(spec)

    def ref(self, obj):
        while "$ref" in obj:
            node = self.spec
            for part in obj["$ref"].lstrip("#/").split("/"):
                node = node[part]
            obj = node
        return obj

    def operation(self, method, path):
        p = path.split("?")[0]
        item = self.spec["paths"].get(p)
        if item is None and re.match(r"^/[^/]+$", p):
            item = self.spec["paths"].get("/{path}")
        return (item or {}).get(method.lower())

    def check(self, name, a, method, path, want_status, want_code=None):
        """a: test_weberrors.Answer. want_code: error.code expected."""
        why = None
        if a.status != want_status:
            why = "status %r, not %r" % (a.status, want_status)
        op = self.operation(method, path)
        resp = op and op["responses"].get(str(a.status))
        if not why and not op:
            why = "%s %s is not in the document" % (method, path)
        elif not why and not resp:
            why = "status %s of %s %s is not in the document" % (a.status, method, path)
        if not why:
            resp = self.ref(resp)
            ctype = a.headers.get("content-type", "")
            media = resp.get("content", {}).get(ctype) or resp.get("content", {}).get(
                ctype.split(";")[0].strip())
            if media is None:
                why = "Content-Type %r is not documented for %s" % (ctype, a.status)
        if not why:
            for h, spec in resp.get("headers", {}).items():
                if self.ref(spec).get("required") and h.lower() not in a.headers:
                    why = "required header %s is missing" % h
        if not why:
            schema = media["schema"]
            try:
                doc = a.body.decode("utf-8")
                if ctype.split(";")[0].strip() == "application/json":
                    doc = json.loads(doc)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    jsonschema.Draft202012Validator(schema, resolver=self.resolver).validate(doc)
            except jsonschema.ValidationError as e:
                why = "body does not validate at %s: %s" % (
                    "/".join(str(x) for x in e.absolute_path), e.message[:800])
            except ValueError as e:
                why = "body is not JSON: %s" % e
            else:
                if want_code and doc.get("error", {}).get("code") != want_code:
                    why = "error code %r, not %r" % (doc.get("error", {}).get("code"), want_code)
        if not why:
            self.produced.add(a.status)
        tap(not why, "%s %s %s: %d%s validates" % (name, method, path, want_status,
                                                    " " + want_code if want_code else ""),
            "%s\n%r" % (why, a))


def body(obj):
    return json.dumps(obj).encode()


PASS = {"code": b64("def add(a, b):\n    return a + b\n"), "tests": b64("assert add(1, 2) == 3\n")}


def suite_real(port, ck):
    ck.check("real", request(port, "POST", "/run_code", body(PASS)), "POST", "/run_code", 200)
    failing = dict(PASS, code=b64("def add(a, b) return\n"))
    ck.check("real: error (load error)", request(port, "POST", "/run_code", body(failing)),
             "POST", "/run_code", 200)
    ck.check("real: program run", request(port, "POST", "/run_code", body(
        {"code": b64("import sys\nprint('hi')\nsys.exit(3)\n")})), "POST", "/run_code", 200)
    ck.check("real: failing test, every field", request(port, "POST", "/run_code", body(dict(
        PASS, tests=b64("assert add(1, 2) == 4\nassert add(2, 2) == 4\n"), language="python",
        stop_on_first_failure=True, isolation="process", timeout_ms=2000, memory_mb=128,
        test_timeout_ms=1000, stdin=b64("x")))), "POST", "/run_code", 200)
    ck.check("real: batch", request(port, "POST", "/run_code", body(
        {"submissions": [PASS, dict(PASS, tests=b64("assert add(1, 2) == 4\n"))]})),
        "POST", "/run_code", 200)
    # Program cases: a pass, a wrong answer (its difference), a crash
    # (exit code, stderr), with every case field and every option.
    ck.check("real: program cases", request(port, "POST", "/run_code", body({
        "code": b64("import sys\na, b = map(int, input().split())\n"
                    "if a < 0:\n    sys.exit(3)\nprint(a + b)\n"),
        "cases": [{"name": "sum", "stdin": b64("1 2\n"), "expected_stdout": b64("3\n")},
                  {"stdin": b64("2 2\n"), "expected_stdout": b64("5\n")},
                  {"stdin": b64("-1 2\n"), "expected_stdout": b64("1\n")}],
        "compare": "float", "abs_tol": 0.001, "rel_tol": 0.001, "case_timeout_ms": 1000,
        "case_output_limit": 1000, "timeout_ms": 5000, "memory_mb": 128})),
        "POST", "/run_code", 200)
    # A client's checker: accepted, rejected with its message, and a
    # checker that exits 2 (checker_error, run error CheckerError).
    a = request(port, "POST", "/run_code", body({
        "code": b64("print(input())\n"),
        "cases": [{"stdin": b64("1 2\n"), "expected_stdout": b64("2 1\n")},
                  {"stdin": b64("1 3\n"), "expected_stdout": b64("1 2\n")},
                  {"stdin": b64("fail\n"), "expected_stdout": b64("x\n")}],
        "compare": "checker", "checker_timeout_ms": 1000, "checker_memory_mb": 64,
        "checker_output_limit": 1000,
        "checker": b64("import sys\nexp, act = (open(p).read().split() for p in sys.argv[2:])\n"
                       "if act == ['fail']:\n    sys.exit(2)\n"
                       "print('ok' if sorted(exp) == sorted(act) else 'no')\n"
                       "sys.exit(sorted(exp) != sorted(act))\n")}))
    ck.check("real: program cases with a checker", a, "POST", "/run_code", 200)
    try:
        got = [c["status"] for c in json.loads(a.body)["cases"]]
    except (ValueError, KeyError, TypeError):
        got = None
    tap(got == ["passed", "wrong_answer", "checker_error"],
        "real: the checker's answer has the statuses it was made to give: %s" % (got,))
    one = [{"expected_stdout": ""}]
    for name, b, code in (
            ("compare checker without checker",
             body({"code": b64("pass"), "cases": one, "compare": "checker"}), "missing_field"),
            ("checker without compare checker",
             body({"code": b64("pass"), "cases": one, "checker": b64("pass")}),
             "conflicting_fields"),
            ("not JSON", b"{nope", "invalid_json"),
            ("no code", body({"tests": ""}), "missing_field"),
            ("bad base64", body({"code": "abc!"}), "invalid_base64"),
            ("unknown field", body(dict(PASS, timeout=1)), "invalid_field"),
            ("batch element (index)", body({"submissions": [PASS, {"tests": ""}]}), "missing_field"),
            ("language", body(dict(PASS, language="ruby")), "unsupported_language"),
            ("batch over its cost (cost_ms)", body({"submissions": [PASS, PASS], "max_cost_ms": 10}),
             "batch_too_costly"),
            ("cases and tests", body(dict(PASS, cases=[{"expected_stdout": ""}])),
             "conflicting_fields")):
        ck.check("real: " + name, request(port, "POST", "/run_code", b), "POST", "/run_code",
                 400, code)
    a = exchange(port, b"POST /run_code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 1x\r\n\r\n{}")
    ck.check("web server: garbled Content-Length", a, "POST", "/run_code", 400, "bad_request")
    ck.check("real", request(port, "POST", "/run_code", body(PASS), length=False),
             "POST", "/run_code", 411, "length_required")
    ck.check("real: over max_body_bytes", request(port, "POST", "/run_code", b"{" + b" " * 70000 + b"}"),
             "POST", "/run_code", 413, "body_too_large")
    ck.check("real", request(port, "POST", "/run_code", body(PASS), ctype="text/plain"),
             "POST", "/run_code", 415, "unsupported_media_type")
    ck.check("real", request(port, "GET", "/run_code"), "GET", "/run_code", 405, "method_not_allowed")
    for p in ("/health", "/version", "/metrics", "/openapi.json"):
        ck.check("real", request(port, "GET", p), "GET", p, 200)
        ck.check("real", request(port, "POST", p, b"{}"), "POST", p, 405, "method_not_allowed")
    ck.check("real", request(port, "GET", "/nope"), "GET", "/nope", 404, "not_found")
    ck.check("web server: headers over 8 KiB", request(port, "GET", "/health", headers={
        "X-Big": "x" * 9000}), "GET", "/health", 431, "headers_too_large")
    a = exchange(port, b"GET /health HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n")
    ck.check("web server: HTTP/2.0 in the request line", a, "GET", "/health", 505,
             "http_version_not_supported")


def suite_tokens(port, ck):
    ck.check("tokens: no token", request(port, "POST", "/run_code", body(PASS)),
             "POST", "/run_code", 401, "unauthorized")
    ck.check("tokens: no token", request(port, "GET", "/metrics"), "GET", "/metrics", 401,
             "unauthorized")
    auth = {"Authorization": "Bearer " + TOKEN}
    ck.check("tokens", request(port, "POST", "/run_code", body(PASS), auth), "POST", "/run_code", 200)
    ck.check("tokens: over the rate", request(port, "POST", "/run_code", body(PASS), auth),
             "POST", "/run_code", 429, "rate_limited")


def suite_fake(st, fake, ck):
    port = st.port
    fake.mode = "no_image"
    ck.check("fake engine: no image", request(port, "GET", "/health"), "GET", "/health", 503,
             "image_missing")
    ck.check("fake engine: no image", request(port, "POST", "/run_code", body(PASS)),
             "POST", "/run_code", 503, "image_missing")
    fake.mode = "warnings"
    ck.check("fake engine: create answers Warnings", request(port, "POST", "/run_code", body(PASS)),
             "POST", "/run_code", 503, "sandbox_refused")
    # A run that hangs on the engine past the web server's patience.
    fake.release.clear()
    fake.mode = "hang_create"
    a = request(port, "POST", "/run_code", body(PASS))
    fake.release.set()
    ck.check("past the FastCGI timeout (%d s)" % FCGI_TIMEOUT, a, "POST", "/run_code", 504,
             "gateway_timeout")
    # A worker killed in the middle of a request: lighttpd's own 500.
    fake.mode = "ok"
    wait_for(lambda: request(port, "GET", "/version").status == 200, 30, step=0.2)
    fake.release.clear()
    fake.mode = "hang_create"
    n = len(fake.seen("POST", r"/containers/create"))
    got = {}
    th = threading.Thread(target=lambda: got.setdefault(
        "a", request(port, "POST", "/run_code", body(PASS))))
    th.start()
    started = wait_for(lambda: len(fake.seen("POST", r"/containers/create")) > n, 30)
    for pid in children(st.spawn_pid()) if started else []:
        os.kill(pid, signal.SIGKILL)
    th.join(60)
    fake.release.set()
    fake.mode = "ok"
    if got.get("a") is not None:
        ck.check("a worker killed mid-request", got["a"], "POST", "/run_code", 500, "internal_error")
    else:
        tap(False, "a worker killed mid-request: an answer came", started)
    stack_cmd("stop-workers", st.run)
    ck.check("no worker running", request(port, "POST", "/run_code", body(PASS)),
             "POST", "/run_code", 503, "workers_unavailable")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=20260)
    ap.add_argument("--image", help="the sandbox image (config key image)")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if jsonschema is None:
        tap.skip("OpenAPI answers", "python3-jsonschema is not installed")
        return tap.finish()
    st = Stack(binary, a.port, ["max_body_bytes = 65536"]
               + (["image = %s" % a.image] if a.image else []), workers=1)
    try:
        ans = request(a.port, "GET", "/openapi.json")
        try:
            spec = json.loads(ans.body)
        except ValueError:
            spec = {}
        with open(SRC, "rb") as f:
            tap(spec and spec == json.loads(f.read()),
                "GET /openapi.json is docs/openapi.json", repr(ans)[:500])
        tap(spec.get("openapi", "").startswith("3.1."), "an OpenAPI 3.1 document",
            spec.get("openapi"))
        bad = []
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                bad.append("%s: %s" % (name, e.message))
        tap(spec and not bad, "every schema of the document is valid JSON Schema 2020-12", bad)
        version = json.loads(request(a.port, "GET", "/version").body)
        tap(spec.get("info", {}).get("version") == version.get("version"),
            "info.version is the service's version",
            (spec.get("info", {}).get("version"), version.get("version")))
        ck = Checker(spec)
        suite_real(a.port, ck)
    finally:
        stop(st, "real engine")
    st = Stack(binary, a.port + 1, ["auth_tokens = " + TOKEN, "client_rate = 0.001",
                                    "client_burst = 1"], workers=1)
    try:
        suite_tokens(a.port + 1, ck)
    finally:
        stop(st, "tokens")
    os.environ["LLSR_FCGI_TIMEOUT"] = str(FCGI_TIMEOUT)
    run = tempfile.mkdtemp(prefix="llsr-openapi.")
    os.chmod(run, 0o755)
    sock = os.path.join(run, "engine.sock")
    fake = FakeEngine(sock)
    st = None
    try:
        st = Stack(binary, a.port + 2, ["engine_url = unix://" + sock, "engine_timeout_ms = 30000",
                                        "pool_size = 0"], workers=1)
        suite_fake(st, fake, ck)
    finally:
        if st:
            stop(st, "fake engine")
        fake.close()
        shutil.rmtree(run, ignore_errors=True)
    documented = set()
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                documented |= {int(s) for s in op["responses"]}
    tap(ck.produced >= {200, 400, 401, 404, 405, 411, 413, 415, 429, 500, 503, 504},
        "produced and validated statuses %s; documented, not produced here: %s" % (
            sorted(ck.produced), sorted(documented - ck.produced)), sorted(ck.produced))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
