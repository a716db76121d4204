# Seccomp: fanotify_init is refused. Since Linux 5.13 an unprivileged user
# may make an fanotify group that reports file handles (FAN_REPORT_FID),
# new kernel code reachable by any tenant; the profile refuses it (EPERM)
# where the kernel alone would hand out the group, or say EINVAL for
# unknown flags.
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


FAN_CLASS_NOTIF, FAN_REPORT_FID, FAN_REPORT_DFID_NAME = 0x0, 0x200, 0xc00


def fanotify():
    got = []
    for name, flags in (("FAN_REPORT_FID", FAN_CLASS_NOTIF | FAN_REPORT_FID),
                        ("FAN_REPORT_DFID_NAME", FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME),
                        ("unknown flags", 0x40000000)):
        r, e = call(300, flags, os.O_RDONLY)
        if r >= 0:
            os.close(r)
            got.append("fanotify_init(%s) made group fd %d" % (name, r))
        elif e not in REFUSED:
            got.append("fanotify_init(%s) -> errno %d" % (name, e))
    return got
