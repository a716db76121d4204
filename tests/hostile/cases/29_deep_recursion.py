# Hostile: deep recursion. First plain recursion under the default limit
# (RecursionError), then recursion through C (repr() calling __repr__) with
# the recursion limit lifted, so the C stack overflows: the test process
# dies of SIGSEGV, the harness must report it and go on with a fresh one.
import sys


def plain(n):
    return plain(n + 1) + 1


class Deep:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return repr(Deep(self.n + 1))


def c_stack():
    sys.setrecursionlimit(10 ** 8)
    return repr(Deep(0))
