# Seccomp: clone3 is refused (ENOSYS, so that libc falls back to clone).
# Its flags are in memory, where a seccomp filter cannot look: allowed, it
# would let a child start in new user, mount, network and pid namespaces
# (CAP_SYS_ADMIN there, the way to mount, unshare more, reach kernel code
# that checks only namespaced capabilities) past the filter on clone's
# flags. Neither a plain clone3 nor one with namespace flags makes a child.
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


import struct

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
SIGCHLD = 17


def _clone3(flags):
    # struct clone_args, version 0 (64 bytes): flags, pidfd, child_tid,
    # parent_tid, exit_signal, stack, stack_size, tls.
    args = ctypes.create_string_buffer(struct.pack("8Q", flags, 0, 0, 0, SIGCHLD, 0, 0, 0), 64)
    r, e = call(435, args, 64)
    if r == 0:
        os._exit(0)
    if r > 0:
        os.waitpid(r, 0)
        return ["clone3(%#x) made pid %d" % (flags, r)]
    return [] if e in REFUSED else ["clone3(%#x) -> errno %d" % (flags, e)]


def clone3_plain():
    return in_child(lambda: _clone3(0))


def clone3_namespaces():
    return in_child(lambda: _clone3(CLONE_NEWUSER) +
                    _clone3(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET))


def fork_works():
    # The control: an ordinary fork (clone) works.
    return in_child(lambda: [])
