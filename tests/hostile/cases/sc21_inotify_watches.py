# Hostile: takes every inotify watch its uid may have (fs.inotify.
# max_user_watches, counted per uid across the whole host): 20,000 empty
# files in its own /tmp, each watched from up to 10 instances, until the
# kernel says ENOSPC. With one uid for every container, no other tenant
# could then add a watch. Held for the life of its container, marked (comm
# LLSRWATCHES) for the suite, which meanwhile sends a correct neighbour
# that watches a file (case key "alongside"): it must pass.
import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)
FILES, INSTANCES = 20000, 10
os.makedirs("/tmp/w", exist_ok=True)
paths = []
for i in range(FILES):
    p = b"/tmp/w/%d" % i
    os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
    paths.append(p)
add = libc.inotify_add_watch
watches, full = 0, False
for _ in range(INSTANCES):
    fd = libc.inotify_init1(0o2000000)  # IN_CLOEXEC
    if fd < 0:
        break
    for p in paths:
        if add(fd, p, 0x2) < 0:  # IN_MODIFY
            full = True
            break
        watches += 1
    if full:
        break
libc.prctl(15, b"LLSRWATCHES", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return watches
