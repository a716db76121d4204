# Seccomp: fanotify_init is refused. Since Linux 5.13 an unprivileged user
# may make an fanotify group that reports file handles (FAN_REPORT_FID),
# new kernel code reachable by any tenant; the profile refuses it (EPERM)
# where the kernel alone would hand out the group, or say EINVAL for
# unknown flags.
import ctypes
import os

# include: _syscalls.py


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
