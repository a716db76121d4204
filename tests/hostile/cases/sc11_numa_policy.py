# Seccomp: the NUMA memory-policy calls, a recurring source of kernel
# use-after-free bugs that any user can reach, are refused: get_mempolicy,
# set_mempolicy, mbind, migrate_pages, move_pages, set_mempolicy_home_node.
# Without the profile each succeeds on the caller's own memory, or fails on
# its arguments.
import ctypes
import os

# include: _syscalls.py


import mmap


def numa():
    page = mmap.mmap(-1, 4096)
    page.write(b"x")
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    mode = ctypes.c_int(0)
    old, new = ctypes.c_ulong(1), ctypes.c_ulong(1)
    return not_refused([
        ("get_mempolicy", 239, (ctypes.byref(mode), None, 0, 0, 0)),
        ("set_mempolicy(MPOL_DEFAULT)", 238, (0, None, 0)),
        ("mbind(own page, MPOL_DEFAULT)", 237, (addr, 4096, 0, None, 0, 0)),
        ("migrate_pages(self, node 0 -> node 0)", 256,
         (0, 64, ctypes.byref(old), ctypes.byref(new))),
        ("move_pages(self, no page)", 279, (0, 0, None, None, None, 0)),
        ("set_mempolicy_home_node(own page)", 450, (addr, 4096, 0, 0))])
