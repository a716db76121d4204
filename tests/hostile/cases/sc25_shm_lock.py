# Hostile: takes its uid's locked shared memory. The kernel counts System V
# segments locked with SHM_LOCK per uid across the whole host, against
# RLIMIT_MEMLOCK (8 MiB here): with one uid for every container, no other
# tenant could then lock a segment (shmctl(SHM_LOCK): ENOMEM). Locking
# costs no memory until the pages are touched. It locks 1 MiB segments
# until the kernel refuses, holds them for the life of its container (they
# live as long as its IPC namespace), marked (comm LLSRSHMLOCK) for the
# suite, which meanwhile sends a correct neighbour that locks a 1 MiB
# segment (case key "alongside"): it must pass.
import ctypes
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.restype = ctypes.c_int
IPC_PRIVATE, SHM_LOCK = 0, 11
locked = 0
for _ in range(64):
    sid = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(1 << 20), 0o1600)  # IPC_CREAT | 0600
    if sid < 0 or libc.shmctl(sid, SHM_LOCK, None) != 0:
        break
    locked += 1
libc.prctl(15, b"LLSRSHMLOCK", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return locked
