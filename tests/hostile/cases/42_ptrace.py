# Privilege: ptrace attach to PID 1 (docker-init) and to the harness.
# PID 1 runs as the sandbox uid and holds the container's stdin/stdout;
# attaching to it must fail. (Should an attach succeed, this case waits for
# the tracee's stop and detaches cleanly, so the verdict shows which assert
# failed; 52_ptrace_freeze_pid1 is the hostile version that does not.)
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SEIZE = 16, 17, 0x4206
WALL = 0x40000000


def attach(pid):
    got = []
    for req in (PTRACE_ATTACH, PTRACE_SEIZE):
        if libc.ptrace(req, pid, None, None) == 0:
            got.append(req)
            if req == PTRACE_ATTACH:
                try:
                    os.waitpid(pid, WALL)
                except OSError:
                    pass
            libc.ptrace(PTRACE_DETACH, pid, None, None)
    return got


def pid1():
    return attach(1)


def harness():
    return attach(os.getppid())


def vm_read_pid1():
    # process_vm_readv on PID 1: the same permission check as ptrace.
    class iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    buf = ctypes.create_string_buffer(16)
    local = iovec(ctypes.cast(buf, ctypes.c_void_p), 16)
    try:  # a non-dumpable PID 1 does not even show its maps
        with open("/proc/1/maps") as f:
            start = int(f.readline().split("-")[0], 16)
    except PermissionError:
        return -1
    remote = iovec(start, 16)
    return libc.process_vm_readv(1, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)


def mem_pid1():
    # /proc/1/mem: the same "may I attach" check as ptrace; reading PID 1's
    # memory (or writing it: code injection) must fail.
    got = []
    try:  # a non-dumpable PID 1 does not even show its maps
        with open("/proc/1/maps") as f:
            start = int(f.readline().split("-")[0], 16)
    except PermissionError:
        return got
    try:
        with open("/proc/1/mem", "rb") as f:
            f.seek(start)
            if f.read(4):
                got.append("read")
    except OSError:
        pass
    try:
        fd = os.open("/proc/1/mem", os.O_WRONLY)
        got.append("open for writing")
        os.close(fd)
    except OSError:
        pass
    return got
