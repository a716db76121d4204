# Hostile: parks descriptors in flight for the life of its container. It
# sends one /dev/null descriptor, 253 at a time (SCM_MAX_FD), over a
# socketpair it never reads from, until the kernel refuses (the uid's count
# of descriptors in flight passed RLIMIT_NOFILE: about 500 parked), marks
# itself (comm LLSRPARKED, for the suite to see from the host) and sleeps.
# The kernel counts descriptors in flight per uid across the whole host:
# with one uid for every container, every other container's job hand-off
# (SCM_RIGHTS) then fails with ETOOMANYREFS. The suite sends correct
# requests while this one is parked (case key "alongside"): each must pass.
import ctypes
import os
import socket
import time

a, b = socket.socketpair()
fd = os.open("/dev/null", os.O_RDONLY)
parked = 0
for _ in range(8):
    try:
        socket.send_fds(a, [b"x"], [fd] * 253)
    except OSError:
        break
    parked += 253
ctypes.CDLL(None).prctl(15, b"LLSRPARKED", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return parked
