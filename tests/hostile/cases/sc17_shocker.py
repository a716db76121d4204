# The "shocker" escape (2014): with a descriptor on any file the host
# bind-mounts into the container (/etc/hosts, /etc/resolv.conf,
# /etc/hostname), open_by_handle_at with a guessed handle (inode 2, the
# root of that host filesystem) opens host files outside the container.
# Refused by the profile (EPERM, also where the kernel alone says EBADF);
# name_to_handle_at too; nothing of the host is read.
import ctypes
import os

# include: _syscalls.py


class file_handle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int),
                ("f_handle", ctypes.c_ubyte * 8)]


def _root_handle():
    # FILEID_INO32_GEN (1): inode 2, generation 0.
    h = file_handle(8, 1)
    h.f_handle[0] = 2
    return h


def shocker():
    got = []
    for path in ("/etc/hosts", "/etc/resolv.conf", "/etc/hostname"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            h = _root_handle()
            r, e = call(304, fd, ctypes.byref(h), os.O_RDONLY | os.O_DIRECTORY)
            if r >= 0:
                got.append("open_by_handle_at(%s, inode 2) opened %r" % (
                    path, sorted(os.listdir(r))[:5]))
                os.close(r)
            elif e not in REFUSED:
                got.append("open_by_handle_at(%s, inode 2) -> errno %d" % (path, e))
        finally:
            os.close(fd)
    return got


def handles_bad_fd():
    h = _root_handle()
    fh = ctypes.create_string_buffer(136)
    ctypes.memmove(fh, (ctypes.c_uint * 1)(128), 4)
    mnt = ctypes.c_int(0)
    return not_refused([
        ("open_by_handle_at(bad fd)", 304, (-1, ctypes.byref(h), os.O_RDONLY)),
        ("name_to_handle_at(/etc/hosts)", 303,
         (-100, b"/etc/hosts", fh, ctypes.byref(mnt), 0))])
