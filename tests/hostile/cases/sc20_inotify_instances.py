# Hostile: takes every inotify instance its uid may have. The kernel counts
# inotify instances per uid across the whole host (fs.inotify.
# max_user_instances, 128 by default): with one uid for every container,
# no other tenant's code could then watch a file (inotify_init1: EMFILE).
# It holds them for the life of its container, marked (comm LLSRINOTIFY)
# for the suite, which meanwhile sends a correct neighbour that watches a
# file (case key "alongside"): it must pass.
import ctypes
import time

libc = ctypes.CDLL(None, use_errno=True)
held = []
while len(held) < 200:  # below nofile (256): the uid's limit comes first
    fd = libc.inotify_init1(0o2000000)  # IN_CLOEXEC
    if fd < 0:
        break
    held.append(fd)
libc.prctl(15, b"LLSRINOTIFY", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return len(held)
