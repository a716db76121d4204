# Seccomp: bpf and perf_event_open are refused before the kernel reads their
# arguments (EPERM, not EFAULT for the bad pointers).
import ctypes
import os

# include: _syscalls.py


def bpf_perf():
    bad = ctypes.c_void_p(16)
    return not_refused([("bpf(BPF_MAP_CREATE, bad pointer)", 321, (0, bad, 8)),
                        ("bpf(BPF_PROG_LOAD, bad pointer)", 321, (5, bad, 8)),
                        ("perf_event_open(bad pointer)", 298, (bad, 0, -1, -1, 0))])
