# Seccomp: personality() only answers the query. The odd flags an attacker
# wants are refused and take no effect: MMAP_PAGE_ZERO (page 0 mapped at
# exec, the classic help for a kernel NULL dereference), PER_LINUX32 and
# UNAME26 (uname lies: machine i686, release 2.6.x, which fools version
# checks), ADDR_LIMIT_3GB, ADDR_COMPAT_LAYOUT, and a value with every bit
# set but the query's. Afterwards the persona is still 0 (where the kernel
# answers the query: gVisor says EINVAL) and uname is what it was.
import ctypes
import os

# include: _syscalls.py


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

