# Seccomp: io_uring (setup, enter, register) is refused outright (EPERM),
# where the kernel alone would set up a ring or complain of a bad fd.
import ctypes
import os

# include: _syscalls.py


def io_uring():
    params = ctypes.create_string_buffer(120)
    return not_refused([("io_uring_setup(4)", 425, (4, params)),
                        ("io_uring_enter(-1)", 426, (-1, 0, 0, 0, None, 0)),
                        ("io_uring_register(-1)", 427, (-1, 0, None, 0))])
