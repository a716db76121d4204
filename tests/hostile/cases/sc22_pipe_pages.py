# Hostile: takes its uid's share of pipe buffers. The kernel counts pipe
# buffer pages per uid across the whole host (fs.pipe-user-pages-soft,
# 16384 pages = 64 MiB): past it, every new pipe of that uid gets 2 pages
# instead of 16 and can no longer be grown (F_SETPIPE_SZ: EPERM). It grows
# pipes to 1 MiB each until the kernel refuses (about 64), holds them for
# the life of its container, marked (comm LLSRPIPES) for the suite, which
# meanwhile sends a correct neighbour that needs a 64 KiB pipe grown to
# 1 MiB (case key "alongside"): it must pass.
import ctypes
import fcntl
import os
import time

held = []
while len(held) < 100:  # 200 descriptors: below nofile (256)
    r, w = os.pipe()
    held.append((r, w))
    try:
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        break
ctypes.CDLL(None).prctl(15, b"LLSRPIPES", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return len(held)
