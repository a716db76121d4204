# Seccomp: mounts and namespaces. A child first tries to make a user and
# mount namespace of its own (where it would hold CAP_SYS_ADMIN); then every
# mount call, with arguments the kernel would accept there, must be refused.
import ctypes
import os

# include: _syscalls.py


CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def _mounts():
    got = not_refused([("unshare(CLONE_NEWUSER|CLONE_NEWNS)", 272,
                        (CLONE_NEWUSER | CLONE_NEWNS,))])
    os.makedirs("/tmp/LLSRHOSTILE_mnt", exist_ok=True)
    got += not_refused([
        ("mount(tmpfs)", 165, (b"none", b"/tmp/LLSRHOSTILE_mnt", b"tmpfs", 0, None)),
        ("umount2(/tmp)", 166, (b"/tmp/LLSRHOSTILE_mnt", 2)),
        ("pivot_root", 155, (b"/tmp", b"/tmp/LLSRHOSTILE_mnt")),
        ("chroot(/tmp)", 161, (b"/tmp",)),
        ("open_tree(/tmp, OPEN_TREE_CLONE)", 428, (-100, b"/tmp", 1)),
        ("fsopen(tmpfs)", 430, (b"tmpfs", 0)),
        ("fspick(/tmp)", 433, (-100, b"/tmp", 0)),
        ("move_mount", 429, (-1, b"", -100, b"/tmp/LLSRHOSTILE_mnt", 4)),
        ("fsconfig(-1)", 431, (-1, 0, None, None, 0)),
        ("fsmount(-1)", 432, (-1, 0, 0)),
        ("mount_setattr(/tmp)", 442, (-100, b"/tmp", 0, None, 0))])
    return got


def mounts():
    return in_child(_mounts)


def _ns_fd():
    try:
        return os.open("/proc/self/ns/uts", os.O_RDONLY)
    except OSError:  # no ns files (gVisor): -1 is EBADF unfiltered
        return -1


def namespaces():
    return in_child(lambda: not_refused([
        ("unshare(CLONE_NEWUSER)", 272, (CLONE_NEWUSER,)),
        ("unshare(CLONE_NEWNS)", 272, (CLONE_NEWNS,)),
        ("setns(uts fd, CLONE_NEWNET)", 308,
         (_ns_fd(), 0x40000000))]))


def clone_newuser():
    # clone(2) with namespace flags: the raw call, no libc wrapper (the
    # child, if one is made, exits at once: SIGCHLD | CLONE_NEWUSER).
    def go():
        r, e = call(56, 0x10000000 | 17, 0, 0, 0, 0)
        if r == 0:
            os._exit(0)
        if r > 0:
            os.waitpid(r, 0)
            return ["clone(CLONE_NEWUSER) made pid %d" % r]
        return [] if e in REFUSED else ["clone(CLONE_NEWUSER) -> errno %d" % e]
    return in_child(go)
