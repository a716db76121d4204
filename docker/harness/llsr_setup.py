"""What a freshly started judge or solution process does before its job:
receive it, read it, take its limits, choose its place in the OOM order.
Shared by llsr_judge and llsr_solution (and the fork server)."""

import errno
import os
import sys

from llsr_text import _load

# A send to a peer fails with these when the peer is gone; any other errno
# of a job hand-off is the kernel refusing it (ETOOMANYREFS when the uid's
# descriptors in flight are used up, EMFILE, ENOBUFS, ...).
PEER_GONE = (errno.EPIPE, errno.ECONNRESET, errno.ECONNREFUSED, errno.ENOTCONN)


def errno_text(e):
    """An OSError as "ENAME (text)", for a message that names the cause."""
    n = e.errno or 0
    return "%s (%s)" % (errno.errorcode.get(n, "errno %d" % n), os.strerror(n))


def recv_job(chan):
    """(job fd, stdin fd) from the one-byte job message (two descriptors,
    SCM_RIGHTS) on socket fd chan; exits quietly if the sender went away,
    with 70 on anything malformed."""
    import _socket

    s = _socket.socket(fileno=chan)
    try:
        while True:
            try:
                data, anc, flags, _ = s.recvmsg(
                    1, _socket.CMSG_SPACE(2 * 4), _socket.MSG_CMSG_CLOEXEC)
                break
            except InterruptedError:
                continue
    except OSError:
        os._exit(70)
    finally:
        s.detach()
    fds = []
    for level, kind, payload in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.extend(int.from_bytes(payload[i:i + 4], sys.byteorder, signed=True)
                       for i in range(0, len(payload) - len(payload) % 4, 4))
    if not data:
        os._exit(0)  # the sender is gone (no frame came)
    if data != b"J" or len(fds) != 2 or flags & _socket.MSG_CTRUNC:
        os._exit(70)
    return fds[0], fds[1]


def read_fd(fd):
    """Everything in fd (a memfd), then close it."""
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    return b"".join(chunks)


def set_limits(job):
    """A batch submission's own working directory, and a submission's own
    memory limit (memory_mb; inherited by whatever user code starts).
    Exits 70 if they cannot be set.

    The limit is RLIMIT_DATA, or with memory_rlimit "as" (the service asks
    for it under gVisor) RLIMIT_AS: gVisor applies RLIMIT_DATA to brk()
    alone, never to mmap(), where Python's large objects live, and at the
    container's limit the host kills gVisor's kernel, that is the whole
    sandbox, so without a limit of its own a memory bomb would leave no
    per-test verdict. RLIMIT_AS is memory_mb above what this process has
    mapped now (the interpreter), with malloc kept to one arena so that a
    thread does not reserve 64 MiB of it."""
    try:
        cwd = job.get("cwd")
        if cwd is not None:
            os.chdir(cwd)
        mem = job.get("memory_mb")
        if mem is not None:
            resource = _load("resource")
            res, lim = resource.RLIMIT_DATA, mem << 20
            if job.get("memory_rlimit") == "as":
                res, lim = resource.RLIMIT_AS, lim + _mapped_now()
                _load("ctypes").CDLL(None).mallopt(-8, 1)  # M_ARENA_MAX
            hard = resource.getrlimit(res)[1]
            if hard != resource.RLIM_INFINITY:
                lim = min(lim, hard)
            resource.setrlimit(res, (lim, lim))
    except BaseException:
        os._exit(70)


def _mapped_now():
    """Bytes of address space this process has mapped (statm's size)."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def oom_first():
    """Be the kernel OOM killer's first choice (fails, harmlessly, in a
    non-dumpable process: its /proc files belong to root)."""
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass


def prctl_dumpable():
    """A function setting PR_SET_DUMPABLE (1 or 0) -> bool, or None."""
    try:
        prctl = _load("ctypes").CDLL(None, use_errno=True).prctl
    except BaseException:
        return None
    return lambda v: prctl(4, v, 0, 0, 0) == 0


# memfd_create's MFD_NOEXEC_SEAL (Linux 6.3): a memfd that can never be made
# executable. The sandbox's seccomp profile refuses any other memfd on
# kernels that know the flag; older kernels answer EINVAL to it.
MFD_NOEXEC_SEAL = 0x8


def memfd(data, name):
    """A descriptor of a new memfd holding data, at offset 0."""
    try:
        try:
            fd = os.memfd_create(name, MFD_NOEXEC_SEAL)
        except OSError as e:
            if e.errno != 22:  # EINVAL: the kernel knows no such flag
                raise
            fd = os.memfd_create(name, 0)
    except (AttributeError, OSError):
        fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
