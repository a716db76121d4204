# Seccomp: mounts and chroot are refused before the kernel looks up their
# paths, even where no user namespace is at hand (sc06 makes one first):
# EPERM where the kernel alone says ENOENT (mount on, or chroot to, a path
# that does not exist) or EINVAL (unknown umount2, move_mount or
# mount_setattr flags), and open_tree, which hands any user an O_PATH
# handle on a mount, gives none.
import ctypes
import os

# include: _syscalls.py


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
