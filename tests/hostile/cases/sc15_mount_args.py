# Seccomp: mounts and chroot are refused before the kernel looks up their
# paths, even where no user namespace is at hand (sc06 makes one first):
# EPERM where the kernel alone says ENOENT (mount on, or chroot to, a path
# that does not exist) or EINVAL (unknown umount2, move_mount or
# mount_setattr flags), and open_tree, which hands any user an O_PATH
# handle on a mount, gives none.
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


def mount_args():
    got = not_refused([
        ("mount(tmpfs, missing target)", 165,
         (b"none", b"/tmp/llsr-no-such-dir", b"tmpfs", 0, None)),
        ("umount2(/tmp, unknown flag)", 166, (b"/tmp", 0x100)),
        ("chroot(missing path)", 161, (b"/tmp/llsr-no-such-dir",)),
        ("move_mount(unknown flags)", 429, (-100, b"/tmp", -100, b"/tmp", 0x80000000)),
        ("mount_setattr(/tmp, unknown flags)", 442, (-100, b"/tmp", 0x80000000, None, 0)),
        ("pivot_root(missing paths)", 155, (b"/tmp/llsr-no-such-dir", b"/tmp/llsr-no-such-dir"))])
    r, e = call(428, -100, b"/tmp", 0)  # open_tree(AT_FDCWD, "/tmp", 0)
    if r >= 0:
        os.close(r)
        got.append("open_tree(/tmp) gave fd %d" % r)
    elif e not in REFUSED:
        got.append("open_tree(/tmp) -> errno %d" % e)
    return got


def mount_args_in_child():
    # The same from a forked child: a forked process keeps the filter.
    return in_child(mount_args)
