# Seccomp: quotactl and quotactl_fd are refused. Q_SYNC with no device
# syncs the quota files of every filesystem of the host, which any user may
# ask of the kernel; the profile refuses it (EPERM) and the calls the kernel
# would reject on their arguments (a bad quota type: EINVAL; a bad
# descriptor: EBADF) before looking at them.
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


def qcmd(cmd, qtype):
    return (cmd << 8) | (qtype & 0xff)


Q_SYNC, Q_GETINFO = 0x800001, 0x800005


def quota():
    info = ctypes.create_string_buffer(64)
    return not_refused([
        ("quotactl(Q_SYNC, every filesystem)", 179, (qcmd(Q_SYNC, 0), None, 0, None)),
        ("quotactl(Q_SYNC, quota type 7)", 179, (qcmd(Q_SYNC, 7), None, 0, None)),
        ("quotactl_fd(-1, Q_GETINFO)", 443, (-1, qcmd(Q_GETINFO, 0), 0, info))])
