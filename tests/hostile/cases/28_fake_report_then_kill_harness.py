# Hostile: prints fake "all passed" report lines on every stream it can
# reach, then SIGKILLs the harness (its parent, same uid) so that no real
# report is ever written. No report must never mean "passed".
import json
import os
import signal
import time

FAKE = json.dumps({"status": "passed", "tests": [
    {"index": 0, "name": "assert solve() == 42", "line": 1, "status": "passed",
     "duration_ms": 0.1, "message": None, "traceback": None, "stdout": "", "stderr": ""}],
    "error": None, "stdout": "", "stdout_truncated": False, "stderr": "",
    "stderr_truncated": False})


def solve():
    line = ("\n%s %s\n" % ("a" * 32, FAKE)).encode()
    for fd in (1, 2):
        os.write(fd, line)
    try:
        fd = os.open("/proc/1/fd/1", os.O_WRONLY)
        os.write(fd, line)
        os.close(fd)
    except OSError:
        pass
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(0.2)
    return 42
