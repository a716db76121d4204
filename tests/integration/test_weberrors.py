#!/usr/bin/env python3
"""JSON at every layer: whatever answers, the service or the web server in
front of it, a client gets {"error": {"code", "message"}} as well-formed
UTF-8 with Content-Type application/json, never HTML.

Each case runs through a real lighttpd and a real Apache (stack.sh, the
shipped configs), real spawn-fcgi and multiwatch and the real service; the
engine is tests/integration/fake_engine.py, so that a run can be made to
hang (the web server's FastCGI timeout, 504) and a worker can be killed in
the middle of a request. The cases:

  - a body over the web server's own cap (413 body_too_large), and one just
    over the service's max_body_bytes (the service's own 413);
  - a missing Content-Length (411), a repeated, negative or garbled one
    (400 bad_request);
  - no worker running (503 workers_unavailable) and the service back once
    the workers are; a worker killed in the middle of a request; a FastCGI
    peer that answers garbage (502 bad_gateway);
  - a worker that does not answer within the FastCGI timeout (504
    gateway_timeout), here lowered to LLSR_FCGI_TIMEOUT=3 s;
  - what else the web server answers itself: a garbled request line, an
    unknown method or HTTP version, a URI or headers too long, TRACE, ...;
  - the service's own errors passed through unchanged (they carry
    X-Request-Id), including echoes of client bytes that are not UTF-8 and
    a NUL in a field name or in language (400 invalid_field).

When the web server answered, the body must be the shipped document for
that status (conf/errors/<status>.html), the same through both servers.
TAP on stdout.

usage: test_weberrors.py --bin PATH/ll-solution-runner [--port 19400]
                         [--web lighttpd|apache|both]
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

from llsr_stack import STACK, Stack, Tap, b64, children, wait_for
from fake_engine import FakeEngine

HERE = os.path.dirname(os.path.abspath(__file__))
ERRORS = os.path.join(HERE, "..", "..", "conf", "errors")
FCGI_TIMEOUT = 3
WEB_CAP = 4160 * 1024      # server.max-request-size 4160 (KiB), LimitRequestBody
SERVICE_CAP = 4194304      # max_body_bytes' default
tap = Tap()


def shipped_errors():
    """{status: parsed document} from conf/errors/<status>.html."""
    docs = {}
    for f in glob.glob(os.path.join(ERRORS, "*.html")):
        with open(f, "rb") as fh:
            docs[int(os.path.basename(f)[:3])] = json.loads(fh.read().decode("utf-8"))
    return docs


DOCS = shipped_errors()


def apache_documents():
    """{status: parsed document} from conf/apache2.conf's ErrorDocument
    lines."""
    docs = {}
    with open(os.path.join(ERRORS, "..", "apache2.conf")) as f:
        for line in f:
            m = re.match(r"\s*ErrorDocument (\d{3}) '(.*)'\s*$", line)
            if m:
                docs[int(m.group(1))] = json.loads(m.group(2))
    return docs


def dechunk(data):
    """The payload of a chunked body (what arrived of it)."""
    out = b""
    while data:
        size, sep, rest = data.partition(b"\r\n")
        try:
            n = int(size.split(b";")[0], 16)
        except ValueError:
            break
        if not sep or n == 0:
            break
        out += rest[:n]
        data = rest[n + 2:]
    return out


class Answer:
    def __init__(self, raw, error=None):
        self.raw = raw
        self.error = error
        self.status = None
        self.headers = {}
        self.body = b""
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) >= 2 and parts[1].isdigit():
            self.status = int(parts[1])
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        n = self.headers.get("content-length")
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.body = dechunk(body)
        else:
            self.body = body[:int(n)] if n and n.isdigit() else body

    def by_service(self):
        return "x-request-id" in self.headers

    def __repr__(self):
        return "status %r error %r head %r body %r" % (
            self.status, self.error, self.raw.partition(b"\r\n\r\n")[0][:300], self.body[:300])


def exchange(port, head, body=b"", timeout=60):
    """Sends head (bytes, the request line and headers) then body, reading
    the answer until the server closes. A server that answers before the
    whole body is in, and stops reading, is fine: what it said is kept."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out, err = b"", None
    try:
        s.sendall(head)
        for i in range(0, len(body), 65536):
            s.sendall(body[i:i + 65536])
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err = "send: %s" % e
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError as e:
        err = (err + "; " if err else "") + "recv: %s" % e
    finally:
        s.close()
    return Answer(out, err if not out else None)


def post(port, body, extra=b"", path=b"/run_code", ctype=True):
    head = b"POST " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if ctype:
        head += b"Content-Type: application/json\r\n"
    head += b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n"
    return exchange(port, head, body)


def raw(port, text, body=b""):
    return exchange(port, text.encode("latin-1"), body)


def json_error(a):
    """The parsed {"error": ...} of a, or None with why."""
    ctype = a.headers.get("content-type", "")
    if ctype.split(";")[0].strip() != "application/json":
        return None, "Content-Type %r" % ctype
    if "charset" in ctype and "utf-8" not in ctype.lower():
        return None, "charset in %r" % ctype
    try:
        text = a.body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return None, "not UTF-8: %s" % e
    try:
        doc = json.loads(text)
    except ValueError as e:
        return None, "not JSON: %s" % e
    e = doc.get("error") if isinstance(doc, dict) else None
    if not (isinstance(e, dict) and isinstance(e.get("code"), str)
            and isinstance(e.get("message"), str) and e["code"] and e["message"]):
        return None, "no error.code and error.message"
    return e, None


def check(name, a, statuses, code=None, layer=None):
    """One TAP line: a is a JSON error with a status in statuses and, when
    given, that code; layer 'web' (no X-Request-Id: the web server
    answered, with its shipped document) or 'service'. Returns the error
    object or None."""
    if isinstance(statuses, int):
        statuses = (statuses,)
    if code is None and a.status in DOCS and not a.by_service():
        code = DOCS[a.status]["error"]["code"]
    why = []
    e, bad = (None, "no answer") if a.status is None else json_error(a)
    if bad:
        why.append(bad)
    if a.status not in statuses:
        why.append("status %r, expected %r" % (a.status, statuses))
    if e and code and e["code"] != code:
        why.append("code %r, expected %r" % (e["code"], code))
    if layer == "web" and a.by_service():
        why.append("answered by the service, expected the web server")
    if layer == "service" and not a.by_service():
        why.append("answered by the web server, expected the service")
    if e and not a.by_service():
        want = DOCS.get(a.status)
        if want != {"error": e}:
            why.append("not the shipped document for %r: %r" % (a.status, want))
    tap(not why, "%s: %s %s (%s)" % (name, a.status, e["code"] if e else "-",
                                     "service" if a.by_service() else "web server"),
        "; ".join(why) + "\n" + repr(a))
    return e


class GarbagePeer:
    """Listens on a unix socket in the workers' place and answers every
    connection with bytes that are no FastCGI record."""

    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(8)
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                c.settimeout(5)
                c.recv(65536)
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>no</html>")
            except OSError:
                pass
            c.close()

    def close(self):
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def run_body(code="print(1)\n", **fields):
    return json.dumps(dict({"code": b64(code)}, **fields)).encode()


def stack_cmd(*args):
    subprocess.run([STACK] + list(args), check=True, timeout=120,
                   stdout=subprocess.DEVNULL)


def suite(web, st, fake):
    port = st.port
    t = "%s: " % web

    # The service answers through the web server, in JSON.
    a = post(port, run_body())
    tap(a.status == 200 and a.by_service() and json.loads(a.body).get("status") == "passed",
        t + "a run passes through (200, X-Request-Id)", repr(a))

    # Bodies: over the web server's cap it answers itself; between the
    # service's cap and the web server's, the service does.
    big = b"x" * (WEB_CAP + 1)
    check(t + "body of %d bytes, over the web server's cap" % len(big),
          post(port, big), 413, "body_too_large", "web")
    a = exchange(port, b"POST /run_code HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n")
    check(t + "Content-Length of 99999999999 announced, no body sent", a, 413,
          "body_too_large", "web")
    check(t + "body of %d bytes, over max_body_bytes only" % (SERVICE_CAP + 1),
          post(port, b"x" * (SERVICE_CAP + 1)), 413, "body_too_large", "service")

    # Content-Length missing, repeated, negative, garbled.
    a = raw(port, "POST /run_code HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            "Content-Type: application/json\r\n\r\n")
    check(t + "no Content-Length", a, 411, "length_required")
    a = raw(port, "POST /run_code HTTP/1.0\r\nContent-Type: application/json\r\n\r\n")
    check(t + "HTTP/1.0 POST without Content-Length", a, 411, "length_required")
    for cl in ("2\r\nContent-Length: 3", "2\r\nContent-Length: 2", "abc", "-1", "1x",
               "2, 2", "0x2", "99999999999999999999999"):
        a = raw(port, "POST /run_code HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                "Content-Type: application/json\r\nContent-Length: %s\r\n\r\n{}" % cl)
        check(t + "Content-Length: %r" % cl, a, (400, 413), None, "web")
    a = raw(port, "POST /run_code HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n"
            "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    if a.by_service():
        check(t + "Content-Length with Transfer-Encoding: chunked", a, (200, 400))
    else:
        check(t + "Content-Length with Transfer-Encoding: chunked", a, 400, "bad_request")

    # What else the web server answers on its own.
    for name, req in (
            ("garbled request line", "GARBAGE\r\n\r\n"),
            ("request line without a version", "GET /health\r\n\r\n"),
            ("HTTP/2.0 in an HTTP/1 request line", "GET /health HTTP/2.0\r\nHost: x\r\n\r\n"),
            ("HTTP/9.9", "GET /health HTTP/9.9\r\nHost: x\r\n\r\n"),
            ("unknown method BREW", "BREW /run_code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("TRACE", "TRACE /run_code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("CONNECT", "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n"),
            ("Transfer-Encoding: gzip",
             "POST /run_code HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
            ("Expect: something",
             "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: something\r\n\r\n"),
            ("path above the root", "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("URI of 20000 bytes",
             "GET /run_code?" + "a" * 20000 + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("a header of 20000 bytes",
             "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "b" * 20000 + "\r\n\r\n"),
            ("200 headers", "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             + "".join("X-H%d: v\r\n" % i for i in range(200)) + "\r\n"),
            ("a header line without a colon",
             "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nNoColon\r\n\r\n"),
            ("Host with a space", "GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n"),
            ("two Host headers", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"),
            ("a NUL in the request line", "GET /he\x00alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("bad chunk size", "POST /run_code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")):
        a = raw(port, req)
        # Whoever answers, an error is JSON; the service's carry its id.
        if a.status is not None and a.status < 400 and a.by_service():
            tap(json_error(a)[1] == "no error.code and error.message",
                t + name + ": %d from the service, in JSON" % a.status, repr(a))
        else:
            check(t + name, a, tuple(range(400, 600)))
    for path, method in (("/nowhere", "GET"), ("/health", "DELETE"), ("/run_code", "GET")):
        a = raw(port, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % (method, path))
        check(t + "%s %s" % (method, path), a, (404, 405), None, "service")

    # Client bytes the service echoes: well-formed UTF-8 whatever they are.
    for name, body, code in (
            ("unknown field of bytes that are not UTF-8",
             b'{"code": "", "\xff\xfe\xc3": 1}', "invalid_field"),
            ("unknown field of 40 euro signs (cut)",
             b'{"code": "", "' + "\u20ac".encode() * 40 + b'": 1}', "invalid_field"),
            ("language of bytes that are not UTF-8",
             b'{"code": "", "language": "\xc3("}', "unsupported_language"),
            ("a NUL in a field name", b'{"code\\u0000x": "eA=="}', "invalid_field"),
            ("a NUL in language", b'{"code": "", "language": "python\\u0000ruby"}',
             "invalid_field"),
            ("batch: unknown field of bytes that are not UTF-8",
             b'{"submissions": [{"code": "", "\xf0\x9f\x98": 1}]}', "invalid_field")):
        check(t + name, post(port, body), 400, code, "service")

    # No worker running: the web server answers 503; back with the workers.
    stack_cmd("stop-workers", st.run)
    check(t + "no worker running: POST /run_code", post(port, run_body()), 503,
          "workers_unavailable", "web")
    check(t + "no worker running: GET /health",
          raw(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
          503, "workers_unavailable", "web")

    # A FastCGI peer that answers garbage in the workers' place.
    peer = GarbagePeer(os.path.join(st.run, "fcgi.sock"))
    try:
        # lighttpd may still hold the socket as disabled for a second
        # after the refused connects (503): poll, bounded, for an answer
        # to a request that reached the peer.
        def through_peer():
            n = peer.accepted
            x = post(port, run_body())
            return x if peer.accepted > n else None
        a = wait_for(through_peer, 15, step=0.2) or Answer(b"", "the peer got no connection")
        # lighttpd says 500 (a backend error), Apache 503.
        check(t + "a FastCGI peer answering garbage", a, (500, 502, 503), None, "web")
    finally:
        peer.close()

    stack_cmd("start-workers", st.run)
    a = wait_for(lambda: (lambda x: x if x.status == 200 else None)(post(port, run_body())),
                 30, step=0.2)
    tap(a, t + "the workers back: a run passes again", repr(post(port, run_body())))

    # A worker that does not answer in time: the run hangs on the engine.
    fake.release.clear()
    fake.mode = "hang_create"
    a = post(port, run_body())
    fake.release.set()
    check(t + "worker silent past the FastCGI timeout (%d s)" % FCGI_TIMEOUT, a, 504,
          "gateway_timeout", "web")

    # A worker killed in the middle of a request.
    fake.mode = "ok"
    wait_for(lambda: post(port, run_body()).status == 200, 30, step=0.2)
    fake.release.clear()
    fake.mode = "hang_create"
    n = len(fake.seen("POST", r"/containers/create"))
    got = {}
    th = threading.Thread(target=lambda: got.setdefault("a", post(port, run_body())))
    th.start()
    started = wait_for(lambda: len(fake.seen("POST", r"/containers/create")) > n, 20)
    victims = children(st.spawn_pid())
    for pid in victims if started else []:
        os.kill(pid, signal.SIGKILL)
    th.join(60)
    fake.release.set()
    fake.mode = "ok"
    a = got.get("a") or Answer(b"", "no answer")
    tap(started and victims, t + "a worker is in the middle of a request (%s)" % victims,
        fake.requests[-5:])
    check(t + "the worker killed mid-request", a, (500, 502, 503), None, "web")
    a = wait_for(lambda: (lambda x: x if x.status == 200 else None)(post(port, run_body())),
                 30, step=0.2)
    tap(a, t + "after the kill, multiwatch's new worker serves",
        repr(post(port, run_body())))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=19400)
    ap.add_argument("--web", default="both", choices=("lighttpd", "apache", "both"))
    a = ap.parse_args()
    webs = ("lighttpd", "apache") if a.web == "both" else (a.web,)
    tap(sorted(DOCS) and all(set(d) == {"error"} for d in DOCS.values()),
        "conf/errors: %d documents, each {\"error\": ...}" % len(DOCS), DOCS)
    tap(apache_documents() == DOCS,
        "apache2.conf's ErrorDocuments are conf/errors' documents", apache_documents())
    os.environ["LLSR_FCGI_TIMEOUT"] = str(FCGI_TIMEOUT)
    for i, web in enumerate(webs):
        run = tempfile.mkdtemp(prefix="llsr-weberr.")
        os.chmod(run, 0o755)
        sock = os.path.join(run, "engine.sock")
        fake = FakeEngine(sock)
        st = None
        try:
            # engine_timeout_ms far above the FastCGI timeout: a hung create
            # outlasts the web server's patience.
            st = Stack(os.path.abspath(a.bin), a.port + i,
                       ["engine_url = unix://" + sock, "engine_timeout_ms = 30000",
                        "pool_size = 0"], workers=1, web=web)
            suite(web, st, fake)
            log = st.log()
            bad = re.findall(r"ERROR: (?:Address|Leak)Sanitizer.*|runtime error:.*", log)
            tap(not bad, "%s: no sanitizer report in the workers' log" % web, "\n".join(bad[:10]))
        except Exception as e:  # a broken stack is a failure, never a pass
            tap(False, "%s: the suite ran to its end" % web,
                "%r\n%s" % (e, st.log()[-3000:] if st else ""))
        finally:
            if st:
                st.stop()
            fake.close()
            shutil.rmtree(run, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
