"""A fake Docker Engine API on a unix socket, for injecting faults.

Never the main path: the real suite runs against a real dockerd. This one
answers what a test tells it to (warnings on create, a hang, garbage stream
frames, a newer API version) and records every request it saw.
"""
import http.server
import json
import os
import re
import socketserver
import struct
import threading


class FakeEngine:
    def __init__(self, path, api_version="1.41", min_version="1.12"):
        self.path = path
        self.api_version = api_version
        self.min_version = min_version
        self.mode = "ok"  # ok | warnings | hang_create | garbage | no_image | die_mid_run
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
                    engine.containers.pop(cid, None)
                    return self._send(204)
                if action == "/start" or action == "/kill":
                    return self._send(204)
                if action == "/json":
                    return self._send(200, {"State": {"Running": False, "ExitCode": 0, "OOMKilled": False}})
                if action == "/attach":
                    return self._attach()
                return self._send(404, {"message": "not found"})

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

    def close(self):
        self.release.set()
        if not getattr(self, "stopped", False):
            self.stop_listening()
