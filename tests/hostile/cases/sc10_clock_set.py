# Seccomp: the clock is the host's, shared by every tenant (their time
# limits, certificates, timestamps). clock_settime and settimeofday are
# refused before the kernel reads their arguments: EPERM where the kernel
# alone says EINVAL (a clock that cannot be set, tv_usec out of range) or
# EFAULT (a bad pointer). Setting the clock to 1970 fails, and it did not
# move.
import ctypes
import os

# include: _syscalls.py


import time


class timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


class timeval(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("usec", ctypes.c_long)]


def clock_set():
    bad = ctypes.c_void_p(16)
    epoch = timespec(0, 0)
    before = time.time()
    got = not_refused([
        ("clock_settime(CLOCK_REALTIME, bad pointer)", 227, (0, bad)),
        ("clock_settime(CLOCK_MONOTONIC, 1970)", 227, (1, ctypes.byref(epoch))),
        ("clock_settime(clock 99, 1970)", 227, (99, ctypes.byref(epoch))),
        ("clock_settime(CLOCK_REALTIME, 1970)", 227, (0, ctypes.byref(epoch))),
        ("settimeofday(tv_usec 2000000)", 164, (ctypes.byref(timeval(0, 2000000)), None)),
        ("settimeofday(bad pointer)", 164, (bad, None)),
        ("settimeofday(1970)", 164, (ctypes.byref(timeval(0, 0)), None))])
    after = time.time()
    if not before - 1 <= after <= before + 600:
        got.append("the clock moved: %r -> %r" % (before, after))
    return got
