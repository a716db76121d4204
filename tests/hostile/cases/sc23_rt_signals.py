# Hostile: fills its uid's queue of pending signals. The kernel counts
# queued signals per uid across the whole host (RLIMIT_SIGPENDING, about
# 96,000 here): past it, another process of that uid can queue no
# real-time signal (pthread_kill, sigqueue: EAGAIN; kill: merged into one),
# nor make a POSIX timer. A forked child blocks SIGRTMIN and queues it to
# itself until the kernel says EAGAIN, then holds them for the life of its
# container, marked (comm LLSRSIGPEND) for the suite, which meanwhile sends
# a correct neighbour that queues three real-time signals to itself and
# receives three (case key "alongside"): it must pass.
import ctypes
import os
import signal
import time

libc = ctypes.CDLL(None, use_errno=True)
SI_QUEUE = -1


class siginfo(ctypes.Structure):
    _fields_ = [("signo", ctypes.c_int), ("errno", ctypes.c_int), ("code", ctypes.c_int),
                ("pad", ctypes.c_int), ("pid", ctypes.c_int), ("uid", ctypes.c_int),
                ("rest", ctypes.c_byte * 104)]


if os.fork() == 0:
    sig = signal.SIGRTMIN
    signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    info = siginfo(sig, 0, SI_QUEUE, 0, os.getpid(), os.getuid())
    queued = 0
    while queued < 200000:
        if libc.syscall(129, os.getpid(), sig, ctypes.byref(info)) != 0:  # rt_sigqueueinfo
            break
        queued += 1
    libc.prctl(15, b"LLSRSIGPEND", 0, 0, 0)  # PR_SET_NAME
    while True:
        time.sleep(3600)
time.sleep(3600)


def solve():
    return 1
