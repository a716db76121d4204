# Seccomp: userfaultfd (the usual tool to widen kernel race windows) is
# refused, even with UFFD_USER_MODE_ONLY, which an unprivileged user may use.
import ctypes
import os

# include: _syscalls.py


def userfaultfd():
    return not_refused([("userfaultfd(UFFD_USER_MODE_ONLY)", 323, (1,)),
                        ("userfaultfd(0)", 323, (0,))])
