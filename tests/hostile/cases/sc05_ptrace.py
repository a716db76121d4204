# Seccomp: ptrace and its relatives are refused even on the submission's own
# child (same uid, dumpable): attach, process_vm_readv/writev, kcmp, pidfd_getfd.
import ctypes
import os

# include: _syscalls.py


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def ptrace_child():
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(wr)
        os.read(rd, 1)  # until the parent is done
        os._exit(0)
    os.close(rd)
    try:
        got = not_refused([("ptrace(PTRACE_SEIZE, child)", 101, (0x4206, pid, 0, 0))])
        call(101, 17, pid, 0, 0)  # PTRACE_DETACH, should it have worked
        buf = ctypes.create_string_buffer(b"llsr", 16)
        local = iovec(ctypes.cast(buf, ctypes.c_void_p), 4)
        remote = iovec(ctypes.cast(buf, ctypes.c_void_p), 4)
        got += not_refused([
            ("process_vm_readv(child)", 310, (pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)),
            ("process_vm_writev(child)", 311, (pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)),
            ("kcmp(self, child, KCMP_VM)", 312, (os.getpid(), pid, 1, 0, 0))])
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # gVisor has no pidfd_open: -1 is EBADF unfiltered
            pidfd = -1
        got += not_refused([("pidfd_getfd(child, 0)", 438, (pidfd, 0, 0))])
        if pidfd >= 0:
            os.close(pidfd)
        return got
    finally:
        os.close(wr)
        os.waitpid(pid, 0)


def ptrace_traceme():
    # PTRACE_TRACEME in a child: its parent would become its tracer.
    return in_child(lambda: not_refused([("ptrace(PTRACE_TRACEME)", 101, (0, 0, 0, 0))]))
