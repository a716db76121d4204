# Seccomp: the clock is the host's, shared by every tenant (their time
# limits, certificates, timestamps). clock_settime and settimeofday are
# refused before the kernel reads their arguments: EPERM where the kernel
# alone says EINVAL (a clock that cannot be set, tv_usec out of range) or
# EFAULT (a bad pointer). Setting the clock to 1970 fails, and it did not
# move.
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
REFUSED = (1, 38)  # EPERM (the profile's answer), ENOSYS


def call(nr, *args):
    """syscall(nr, *args) -> (result, errno); ints go as longs."""
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *conv)
    return r, ctypes.get_errno()


def not_refused(calls):
    """The calls (name, nr, args) that the kernel ran instead of refusing
    them outright: success, or an error about their arguments."""
    got = []
    for name, nr, args in calls:
        r, e = call(nr, *args)
        if not (r == -1 and e in REFUSED):
            got.append("%s -> %d (errno %d)" % (name, r, e))
    return got


def in_child(fn):
    """fn() in a forked child; its list of findings (or how it died)."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rd)
            try:
                got = fn()
            except Exception as e:
                got = ["child raised %r" % e]
            os.write(wr, repr(got).encode())
        finally:
            os._exit(0)
    os.close(wr)
    data = b""
    while True:
        b = os.read(rd, 65536)
        if not b:
            break
        data += b
    os.close(rd)
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        return ["child killed by signal %d" % os.WTERMSIG(st)]
    return eval(data.decode()) if data else ["child said nothing"]


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
