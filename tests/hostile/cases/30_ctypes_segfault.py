# Hostile: a segmentation fault through ctypes (reads address 1; note that
# ctypes.string_at(0, n) does not fault: it makes an uninitialised bytes).
import ctypes


def solve():
    return ctypes.string_at(1, 16)


def fine():
    return 7
