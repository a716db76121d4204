# Seccomp: personality() only answers the query. The odd flags an attacker
# wants are refused and take no effect: MMAP_PAGE_ZERO (page 0 mapped at
# exec, the classic help for a kernel NULL dereference), PER_LINUX32 and
# UNAME26 (uname lies: machine i686, release 2.6.x, which fools version
# checks), ADDR_LIMIT_3GB, ADDR_COMPAT_LAYOUT, and a value with every bit
# set but the query's. Afterwards the persona is still 0 (where the kernel
# answers the query: gVisor says EINVAL) and uname is what it was.
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


FLAGS = {"MMAP_PAGE_ZERO": 0x0100000, "PER_LINUX32": 0x0008, "UNAME26": 0x0020000,
         "ADDR_LIMIT_3GB": 0x8000000, "ADDR_COMPAT_LAYOUT": 0x0200000,
         "0x7fffffff": 0x7fffffff}


def _odd():
    before = os.uname()
    got = not_refused([("personality(%s)" % n, 135, (v,)) for n, v in sorted(FLAGS.items())])
    r, e = call(135, 0xffffffff)  # the query (gVisor answers it EINVAL)
    if r > 0:
        got.append("the persona is now %#x" % r)
    after = os.uname()
    if (after.machine, after.release) != (before.machine, before.release):
        got.append("uname changed: %s %s -> %s %s" % (
            before.machine, before.release, after.machine, after.release))
    return got


def odd_personalities():
    return in_child(_odd)

