# Seccomp: the NUMA memory-policy calls, a recurring source of kernel
# use-after-free bugs that any user can reach, are refused: get_mempolicy,
# set_mempolicy, mbind, migrate_pages, move_pages, set_mempolicy_home_node.
# Without the profile each succeeds on the caller's own memory, or fails on
# its arguments.
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


import mmap


def numa():
    page = mmap.mmap(-1, 4096)
    page.write(b"x")
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    mode = ctypes.c_int(0)
    old, new = ctypes.c_ulong(1), ctypes.c_ulong(1)
    return not_refused([
        ("get_mempolicy", 239, (ctypes.byref(mode), None, 0, 0, 0)),
        ("set_mempolicy(MPOL_DEFAULT)", 238, (0, None, 0)),
        ("mbind(own page, MPOL_DEFAULT)", 237, (addr, 4096, 0, None, 0, 0)),
        ("migrate_pages(self, node 0 -> node 0)", 256,
         (0, 64, ctypes.byref(old), ctypes.byref(new))),
        ("move_pages(self, no page)", 279, (0, 0, None, None, None, 0)),
        ("set_mempolicy_home_node(own page)", 450, (addr, 4096, 0, 0))])
