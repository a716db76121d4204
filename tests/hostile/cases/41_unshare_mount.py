# Privilege: unshare (user, mount, net, pid namespaces), mount, pivot and
# friends through libc must all fail.
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
FLAGS = {"CLONE_NEWUSER": 0x10000000, "CLONE_NEWNS": 0x00020000,
         "CLONE_NEWNET": 0x40000000, "CLONE_NEWPID": 0x20000000,
         "CLONE_NEWUTS": 0x04000000, "CLONE_NEWUSER|CLONE_NEWNS": 0x10020000}


def unshares():
    return [name for name, fl in FLAGS.items() if libc.unshare(fl) == 0]


def mounts():
    ok = []
    os.makedirs("/tmp/LLSRHOSTILE_mnt", exist_ok=True)
    for src, tgt, fs, flags in ((b"none", b"/tmp/LLSRHOSTILE_mnt", b"tmpfs", 0),
                                (b"proc", b"/tmp/LLSRHOSTILE_mnt", b"proc", 0),
                                (b"/", b"/tmp/LLSRHOSTILE_mnt", None, 4096),       # MS_BIND
                                (None, b"/", None, 32 | 1)):                      # remount ro->rw attempt
        if libc.mount(src, tgt, fs, flags, None) == 0:
            ok.append((src, tgt, fs, flags))
    if libc.umount2(b"/proc", 2) == 0:
        ok.append("umount /proc")
    if libc.syscall(155, b"/tmp", b"/tmp/LLSRHOSTILE_mnt") == 0:     # pivot_root
        ok.append("pivot_root")
    return ok


def keyctl_bpf():
    ok = []
    if libc.syscall(321, 0, None, 0) >= 0:      # bpf(BPF_MAP_CREATE, NULL) must be EPERM, not EFAULT
        ok.append("bpf")
    if hasattr(os, "unshare"):
        try:
            os.unshare(os.CLONE_NEWUSER)
            ok.append("os.unshare")
        except OSError:
            pass
    return ok
