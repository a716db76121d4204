# Seccomp: quotactl and quotactl_fd are refused. Q_SYNC with no device
# syncs the quota files of every filesystem of the host, which any user may
# ask of the kernel; the profile refuses it (EPERM) and the calls the kernel
# would reject on their arguments (a bad quota type: EINVAL; a bad
# descriptor: EBADF) before looking at them.
import ctypes
import os

# include: _syscalls.py


def qcmd(cmd, qtype):
    return (cmd << 8) | (qtype & 0xff)


Q_SYNC, Q_GETINFO = 0x800001, 0x800005


def quota():
    info = ctypes.create_string_buffer(64)
    return not_refused([
        ("quotactl(Q_SYNC, every filesystem)", 179, (qcmd(Q_SYNC, 0), None, 0, None)),
        ("quotactl(Q_SYNC, quota type 7)", 179, (qcmd(Q_SYNC, 7), None, 0, None)),
        ("quotactl_fd(-1, Q_GETINFO)", 443, (-1, qcmd(Q_GETINFO, 0), 0, info))])
