"""A minimal FastCGI client (one request per connection, the responder
role), for tests and benchmarks that talk to workers without a web server:
the back ends' /health, the FCGI_WEB_SERVER_ADDRS refusal.

    python3 fcgi_client.py HOST PORT [URI] [--source ADDR] [--data BODY]

prints the worker's answer (CGI headers and body) and exits 0, or prints
"closed without an answer" and exits 3."""
import argparse
import socket
import struct
import sys

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def _record(rtype, content, req_id=1):
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


def _pair(name, value):
    def n(x):
        return bytes([len(x)]) if len(x) < 128 else struct.pack(">I", len(x) | 0x80000000)
    return n(name) + n(value) + name + value


def request(host, port, uri="/health", method="GET", body=b"", source=None,
            timeout=30.0):
    """Sends one request; returns the STDOUT bytes of the answer, or None
    when the peer closed the connection without a single record (libfcgi
    does that to an address not in FCGI_WEB_SERVER_ADDRS)."""
    params = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": uri,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": source or "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_NAME": "localhost",
    }
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect((host, port))
        p = b"".join(_pair(k.encode(), v.encode()) for k, v in params.items())
        out = _record(BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))
        out += _record(PARAMS, p) + _record(PARAMS, b"")
        for i in range(0, len(body), 65535):
            out += _record(STDIN, body[i:i + 65535])
        out += _record(STDIN, b"")
        try:
            s.sendall(out)
        except (BrokenPipeError, ConnectionResetError):
            return None
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if not data:
        return None
    stdout, i = b"", 0
    while i + 8 <= len(data):
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", data[i:i + 8])
        if rtype == STDOUT:
            stdout += data[i + 8:i + 8 + clen]
        i += 8 + clen + plen
    return stdout


def status_of(answer):
    """The HTTP status of a CGI answer (Status: header, else 200)."""
    head = answer.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            return int(line.split()[1])
    return 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("uri", nargs="?", default="/health")
    ap.add_argument("--source")
    ap.add_argument("--data", help="POST this body")
    a = ap.parse_args()
    if a.data is not None:
        ans = request(a.host, a.port, a.uri, "POST", a.data.encode(),
                      source=a.source)
    else:
        ans = request(a.host, a.port, a.uri, source=a.source)
    if ans is None:
        print("closed without an answer")
        return 3
    sys.stdout.write(ans.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
