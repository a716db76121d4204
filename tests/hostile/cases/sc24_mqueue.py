# Hostile: takes its uid's POSIX message-queue bytes. The kernel counts the
# size of every message queue per uid across the whole host
# (RLIMIT_MSGQUEUE, 800 KiB): with one uid for every container, no other
# tenant could then open a queue of the default size (mq_open: EMFILE).
# It opens queues of the default size (10 messages of 8 KiB) until the
# kernel refuses (about 9), holds them for the life of its container,
# marked (comm LLSRMQUEUE) for the suite, which meanwhile sends a correct
# neighbour that passes a message through a queue (case key "alongside"):
# it must pass.
import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)


class mq_attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]


libc.mq_open.restype = ctypes.c_int
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(mq_attr)]
held = []
while len(held) < 64:
    attr = mq_attr(0, 10, 8192, 0)
    q = libc.mq_open(b"/hog-%d" % len(held), os.O_RDWR | os.O_CREAT, 0o600, ctypes.byref(attr))
    if q < 0:
        break
    held.append(q)
libc.prctl(15, b"LLSRMQUEUE", 0, 0, 0)  # PR_SET_NAME
time.sleep(3600)


def solve():
    return len(held)
