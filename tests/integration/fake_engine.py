"""A fake Docker Engine API on a unix socket, for injecting faults.

Never the main path: the real suite runs against a real dockerd. This one
answers what a test tells it to (warnings on create, a hang, garbage stream
frames, a newer API version, failing or hanging removals) and records every
request it saw. It is the one fake engine of the tests: the Python suites
import it, the C unit tests run it as a process (`--serve`, see serve()
below and tests/unit/fake_engine.h).
"""
import http.server
import json
import os
import re
import socketserver
import struct
import sys
import threading


class FakeEngine:
    def __init__(self, path, api_version="1.41", min_version="1.12"):
        self.path = path
        self.api_version = api_version
        self.min_version = min_version
        # ok | warnings | hang_create | garbage | no_image | die_mid_run |
        # fail_create (500 with a message) | bad_id (201 without a valid Id)
        self.mode = "ok"
        self.delete_status = 204  # what a DELETE is answered with
        self.hold_deletes = False  # while set, DELETEs wait
        self.holding = 0  # DELETEs waiting
        self.deleted = []  # each answered DELETE's container id, in order
        self.cv = threading.Condition()
        self.down = False
        self.requests = []  # (method, path)
        self.lock = threading.Lock()
        self.release = threading.Event()  # ends a hang
        self.containers = {}
        self._seq = 0
        if os.path.exists(path):
            os.unlink(path)
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def address_string(self):
                return "unix"

            def log_message(self, *args):
                pass

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _send(self, code, obj=None, headers=None):
                data = b"" if obj is None else json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Api-Version", engine.api_version)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if obj is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method):
                if engine.down:  # hang up without an answer
                    self.close_connection = True
                    return
                body = self._body()
                with engine.lock:
                    engine.requests.append((method, self.path))
                if self.path == "/_ping":
                    return self._send(200, None)
                m = re.match(r"^/v(\d+)\.(\d+)(/.*)$", self.path)
                if not m:
                    return self._send(404, {"message": "page not found"})
                ver = (int(m.group(1)), int(m.group(2)))
                lo = tuple(int(x) for x in engine.min_version.split("."))
                hi = tuple(int(x) for x in engine.api_version.split("."))
                if ver < lo or ver > hi:
                    return self._send(400, {"message": "client version %d.%d is too old/new" % ver})
                rest = m.group(3)
                if method == "GET" and rest.startswith("/images/"):
                    if engine.mode == "no_image":
                        return self._send(404, {"message": "No such image"})
                    return self._send(200, {"Id": "sha256:" + "0" * 64})
                if method == "GET" and rest.startswith("/containers/json"):
                    return self._send(200, [])
                if method == "GET" and rest == "/info":
                    return self._send(200, {"Runtimes": {"runc": {}}})
                if method == "POST" and rest.startswith("/containers/create"):
                    if engine.mode == "hang_create":
                        engine.release.wait(30)
                        return self._send(500, {"message": "released"})
                    if engine.mode == "no_image":
                        return self._send(404, {"message": "No such image: x"})
                    if engine.mode == "fail_create":
                        return self._send(500, {"message": "no space left on device"})
                    if engine.mode == "bad_id":
                        return self._send(201, {"Id": "not-an-id", "Warnings": []})
                    engine._seq += 1
                    cid = "%064x" % (0xABC000 + engine._seq)
                    engine.containers[cid] = json.loads(body)
                    warn = ["Your kernel does not support memory limit"] if engine.mode == "warnings" else []
                    return self._send(201, {"Id": cid, "Warnings": warn})
                m = re.match(r"^/containers/([0-9a-f]{64})(/[a-z]+)?(\?.*)?$", rest)
                if not m:
                    return self._send(404, {"message": "not found"})
                cid, action = m.group(1), m.group(2) or ""
                if method == "DELETE":
                    return self._delete(cid)
                if action == "/start" or action == "/kill":
                    return self._send(204)
                if action == "/json":
                    return self._send(200, {"State": {"Running": False, "ExitCode": 0, "OOMKilled": False}})
                if action == "/attach":
                    return self._attach()
                return self._send(404, {"message": "not found"})

            def _delete(self, cid):
                with engine.cv:
                    engine.holding += 1
                    engine.cv.notify_all()
                    engine.cv.wait_for(lambda: not engine.hold_deletes)
                    engine.holding -= 1
                    engine.deleted.append(cid)
                    status = engine.delete_status
                    engine.cv.notify_all()
                if status == 204:
                    engine.containers.pop(cid, None)
                    return self._send(204)
                if status == 404:
                    return self._send(404, {"message": "No such container: " + cid})
                return self._send(status, {"message": "driver failed"})

            def _attach(self):
                self.send_response(101, "UPGRADED")
                self.send_header("Content-Type", "application/vnd.docker.raw-stream")
                self.send_header("Connection", "Upgrade")
                self.send_header("Upgrade", "tcp")
                self.end_headers()
                self.wfile.flush()
                head = self.rfile.readline()
                n = int(head.split()[1])
                job = json.loads(self.rfile.read(n))
                if engine.mode == "die_mid_run":
                    # The engine goes away under the run: the stream ends
                    # without a report and nothing answers any more.
                    engine.down = True
                    self.wfile.flush()
                    self.close_connection = True
                    threading.Thread(target=engine.stop_listening, daemon=True).start()
                    return
                if engine.mode == "garbage":
                    self.wfile.write(b"\x07\x01\x02\x03garbage that is no frame")
                else:
                    report = {"status": "passed", "tests": [], "error": None,
                              "stdout": "", "stdout_truncated": False,
                              "stderr": "", "stderr_truncated": False}
                    line = ("%s %s\n" % (job["nonce"], json.dumps(report))).encode()
                    # Split the frame header across writes on purpose.
                    hdr = struct.pack(">BxxxI", 1, len(line))
                    self.wfile.write(hdr[:3])
                    self.wfile.flush()
                    self.wfile.write(hdr[3:] + line)
                self.wfile.flush()
                self.close_connection = True

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that hung up on a hang is expected

        self.server = Server(path, Handler)
        os.chmod(path, 0o666)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop_listening(self):
        """Stops answering and removes the socket (the engine is down)."""
        self.server.shutdown()
        self.server.server_close()
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.stopped = True

    def seen(self, method, pattern):
        with self.lock:
            return [p for m, p in self.requests if m == method and re.search(pattern, p)]

    def set_hold(self, on):
        with self.cv:
            self.hold_deletes = on
            self.cv.notify_all()

    def close(self):
        self.release.set()
        self.set_hold(False)
        if not getattr(self, "stopped", False):
            self.stop_listening()


def serve(path):
    """The fake as a process, driven by one command per line on stdin, one
    answer per line on stdout (for tests that are not Python):
      mode NAME            the engine's mode (see FakeEngine.mode)    -> ok
      api VERSION          the API version it speaks (e.g. 1.24)     -> ok
      delete_status N      DELETEs answer N (204, 404, 500, ...)      -> ok
      hold 1|0             DELETEs wait / go on                       -> ok
      wait_holding N       until N DELETEs wait                       -> ok
      wait_deleted N       until N DELETEs were answered              -> ok
      deleted              -> the count, then the ids in order
      seen METHOD REGEX    -> how many such requests came
      down                 stop answering, remove the socket           -> ok
    End of input stops it."""
    engine = FakeEngine(path)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd, args = words[0], words[1:]
        answer = "ok"
        if cmd == "mode":
            engine.mode = args[0]
        elif cmd == "api":
            engine.api_version = args[0]
        elif cmd == "delete_status":
            with engine.cv:
                engine.delete_status = int(args[0])
        elif cmd == "hold":
            engine.set_hold(args[0] == "1")
        elif cmd in ("wait_holding", "wait_deleted"):
            n = int(args[0])
            with engine.cv:
                # (bounded: a test that failed half-way must not leave the
                # fake waiting for it forever)
                if cmd == "wait_holding":
                    ok = engine.cv.wait_for(lambda: engine.holding >= n, 120)
                else:
                    ok = engine.cv.wait_for(lambda: len(engine.deleted) >= n, 120)
            if not ok:
                answer = "error: still waiting for %s %d after 120 s" % (cmd, n)
        elif cmd == "deleted":
            with engine.cv:
                answer = " ".join([str(len(engine.deleted))] + engine.deleted)
        elif cmd == "seen":
            answer = str(len(engine.seen(args[0], args[1])))
        elif cmd == "down":
            engine.stop_listening()
        else:
            answer = "error: unknown command " + cmd
        out.write(answer + "\n")
        out.flush()
    engine.close()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--serve":
        sys.exit("usage: fake_engine.py --serve SOCKET")
    serve(sys.argv[2])
