# Seccomp: no executable memfd, no fexecve. A memfd (flags 0, MFD_EXEC) is
# refused; one with MFD_NOEXEC_SEAL can never be made executable; execveat
# with AT_EMPTY_PATH is refused even for /bin/true; binaries dropped in /tmp
# and /dev/shm do not run (noexec).
import ctypes
import os

# include: _syscalls.py


MFD_NOEXEC_SEAL, MFD_EXEC, AT_EMPTY_PATH = 0x8, 0x10, 0x1000
TRUE = "/bin/true"


def _exec_fd(fd, how):
    """Runs the executable in fd in a grandchild; 'ran' if it did."""
    pid = os.fork()
    if pid == 0:
        try:
            if how == "execveat":
                call(322, fd, b"", (ctypes.c_char_p * 2)(b"true", None),
                     (ctypes.c_char_p * 1)(None), AT_EMPTY_PATH)
            else:
                os.execv(how, ["true"])
        except OSError:
            pass
        os._exit(99)
    _, st = os.waitpid(pid, 0)
    return os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0


def _load(fd):
    with open(TRUE, "rb") as f:
        os.write(fd, f.read())


def memfd_exec():
    got = []
    for name, flags in (("0", 0), ("MFD_EXEC", MFD_EXEC)):
        r, e = call(319, b"LLSRHOSTILE", flags)
        if r == -1 and e in REFUSED:
            continue
        if r < 0:
            got.append("memfd_create(%s) -> errno %d" % (name, e))
            continue
        _load(r)
        os.fchmod(r, 0o755)
        if _exec_fd(r, "/proc/self/fd/%d" % r):
            got.append("memfd_create(%s): ran" % name)
        else:
            got.append("memfd_create(%s) allowed" % name)
        os.close(r)
    return got


def sealed_memfd():
    try:
        fd = os.memfd_create("LLSRHOSTILE", MFD_NOEXEC_SEAL)
    except OSError as e:
        # A kernel without MFD_NOEXEC_SEAL (before 6.3; gVisor): there the
        # profile cannot keep memfds from being executable (security.md).
        return ["memfd_create(MFD_NOEXEC_SEAL): %s" % e]
    got = []
    _load(fd)
    try:
        os.fchmod(fd, 0o755)
        got.append("fchmod +x worked")
    except OSError:
        pass
    if _exec_fd(fd, "/proc/self/fd/%d" % fd):
        got.append("sealed memfd ran")
    os.close(fd)
    return got


def fexecve_true():
    fd = os.open(TRUE, os.O_RDONLY)
    try:
        return ["execveat(AT_EMPTY_PATH) ran /bin/true"] if _exec_fd(fd, "execveat") else []
    finally:
        os.close(fd)


def control_true():
    # The control: an exec by path of an image binary works.
    return _exec_fd(-1, TRUE)


def dropped():
    got = []
    for d in ("/tmp", "/dev/shm"):
        p = os.path.join(d, "LLSRHOSTILE_true")
        try:
            with open(TRUE, "rb") as f, open(p, "wb") as g:
                g.write(f.read())
            os.chmod(p, 0o755)
        except OSError:
            continue
        if _exec_fd(-1, p):
            got.append("%s ran" % p)
        os.unlink(p)
    return got
