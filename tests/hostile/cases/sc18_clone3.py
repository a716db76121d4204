# Seccomp: clone3 is refused (ENOSYS, so that libc falls back to clone).
# Its flags are in memory, where a seccomp filter cannot look: allowed, it
# would let a child start in new user, mount, network and pid namespaces
# (CAP_SYS_ADMIN there, the way to mount, unshare more, reach kernel code
# that checks only namespaced capabilities) past the filter on clone's
# flags. Neither a plain clone3 nor one with namespace flags makes a child.
import ctypes
import os

# include: _syscalls.py


import struct

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
SIGCHLD = 17


def _clone3(flags):
    # struct clone_args, version 0 (64 bytes): flags, pidfd, child_tid,
    # parent_tid, exit_signal, stack, stack_size, tls.
    args = ctypes.create_string_buffer(struct.pack("8Q", flags, 0, 0, 0, SIGCHLD, 0, 0, 0), 64)
    r, e = call(435, args, 64)
    if r == 0:
        os._exit(0)
    if r > 0:
        os.waitpid(r, 0)
        return ["clone3(%#x) made pid %d" % (flags, r)]
    return [] if e in REFUSED else ["clone3(%#x) -> errno %d" % (flags, e)]


def clone3_plain():
    return in_child(lambda: _clone3(0))


def clone3_namespaces():
    return in_child(lambda: _clone3(CLONE_NEWUSER) +
                    _clone3(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET))


def fork_works():
    # The control: an ordinary fork (clone) works.
    return in_child(lambda: [])
