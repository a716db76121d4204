# Descriptors: close every descriptor (sockets, pipes, stdio) at the first
# call, then return a wrong value. The judge must not read a lost peer as a
# pass.
import os


def add(a, b):
    for name in os.listdir("/proc/self/fd"):
        try:
            os.close(int(name))
        except OSError:
            pass
    return a - b
