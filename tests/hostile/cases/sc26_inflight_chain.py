# Hostile: parks descriptors in flight where no process holds them. Like
# 54_park_inflight_fds it uses up its uid's count of descriptors in flight
# over unix sockets (RLIMIT_NOFILE per uid, host-wide), but along a chain:
# 253 /dev/null descriptors sent over one socketpair, both ends of that pair
# sent over the next, 253 more over it, and so on until the kernel refuses
# (ETOOMANYREFS); every pair but the last is then closed, so the parked
# descriptors appear in no process's /proc/PID/fd, only in a socket's
# queue, itself in flight. Marked (comm LLSRCHAIN) for the suite, which
# meanwhile sends correct requests (case key "alongside"): with one uid for
# every container their harness's job hand-off (SCM_RIGHTS) failed; with a
# uid each they pass.
import ctypes
import os
import socket
import time

fd = os.open("/dev/null", os.O_RDONLY)
held = socket.socketpair()
parked = hops = 0
while hops < 16:
    try:
        socket.send_fds(held[0], [b"x"], [fd] * 253)
    except OSError:
        break
    parked += 253
    nxt = socket.socketpair()
    try:
        socket.send_fds(nxt[0], [b"y"], [held[0].fileno(), held[1].fileno()])
    except OSError:
        nxt[0].close()
        nxt[1].close()
        break
    held[0].close()
    held[1].close()
    held = nxt
    hops += 1
os.close(fd)
ctypes.CDLL(None).prctl(15, b"LLSRCHAIN", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return parked
