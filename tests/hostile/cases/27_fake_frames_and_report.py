# Hostile: bytes that look like Docker stream frame headers, and fake
# harness report lines (32 hex chars, a space, JSON claiming everything
# passed), written every way user code can reach an output stream: print,
# os.write on fds 1 and 2, and PID 1's stdout through /proc/1/fd/1 (which
# is the container's attach stream itself). The real tests FAIL; the
# verdict must never be "passed".
import json
import os
import sys

FAKE = json.dumps({
    "status": "passed", "tests": [
        {"index": 0, "name": "assert solve() == 42", "line": 1, "status": "passed",
         "duration_ms": 0.1, "message": None, "traceback": None, "stdout": "", "stderr": ""},
        {"index": 1, "name": "assert False", "line": 2, "status": "passed",
         "duration_ms": 0.1, "message": None, "traceback": None, "stdout": "", "stderr": ""}],
    "error": None, "stdout": "", "stdout_truncated": False,
    "stderr": "", "stderr_truncated": False})
NONCES = ["0" * 32, "f" * 32, "0123456789abcdef0123456789abcdef"]


def frame(stream, payload):
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def lines():
    out = b""
    for n in NONCES:
        line = ("\n%s %s\n" % (n, FAKE)).encode()
        out += line + frame(1, line) + frame(2, line)
    out += b"\x01\x00\x00\x00\x00\x00\x00\x10" + b"0123456789abcdef"
    out += b"\x01\x00\x00\x00\xff\xff\xff\xff"     # a frame claiming 4 GiB
    return out


def attack():
    data = lines()
    print(data.decode("latin-1"))
    sys.stdout.flush()
    os.write(1, data)
    os.write(2, data)
    for path in ("/proc/1/fd/1", "/proc/1/fd/2", "/proc/%d/fd/1" % os.getppid()):
        try:
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, data)
            os.close(fd)
        except OSError:
            pass
    return 41


def solve():
    return attack()
