# Not hostile: a correct tenant that uses ordinary kernel facilities the
# kernel accounts per uid, sent alongside sc20-sc25 (case key "alongside"):
# each function must work, whatever the attack in another container holds.
import ctypes
import errno
import fcntl
import os
import signal
import threading

libc = ctypes.CDLL(None, use_errno=True)


def watch_file():
    """inotify: watch a file, write to it, read the event (True)."""
    path = b"/tmp/neighbour-watched"
    with open(path, "wb"):
        pass
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    try:
        if libc.inotify_add_watch(fd, path, 0x2) < 0:  # IN_MODIFY
            raise OSError(ctypes.get_errno(), "inotify_add_watch")
        with open(path, "ab") as f:
            f.write(b"x")
        return len(os.read(fd, 4096)) >= 16
    finally:
        os.close(fd)


def pipe_capacity():
    """A pipe's default capacity, and the capacity it takes when asked for
    1 MiB (to pass a large block between processes in one write)."""
    r, w = os.pipe()
    try:
        default = fcntl.fcntl(w, fcntl.F_GETPIPE_SZ)
        return default, fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
    finally:
        os.close(r)
        os.close(w)


def rt_signals(n=3):
    """Real-time signals queue: n sent, n received (not merged into one)."""
    sig = signal.SIGRTMIN + 1
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    try:
        for _ in range(n):
            signal.pthread_kill(threading.get_ident(), sig)
        got = 0
        while signal.sigtimedwait({sig}, 0) is not None:
            got += 1
        return got
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class mq_attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]


def mqueue_roundtrip():
    """A POSIX message queue of the default size: one message through it
    ("ok"), or "unsupported" where the kernel lacks a call (ENOSYS: gVisor
    opens queues but cannot send on them)."""
    libc.mq_open.restype = ctypes.c_int
    libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                             ctypes.POINTER(mq_attr)]
    libc.mq_receive.restype = ctypes.c_ssize_t

    def check(ok, what):
        if not ok:
            e = ctypes.get_errno()
            if e == errno.ENOSYS:
                raise NotImplementedError(what)
            raise OSError(e, "%s: %s" % (what, os.strerror(e)))

    attr = mq_attr(0, 10, 8192, 0)
    name = b"/neighbour-%d" % os.getpid()
    try:
        q = libc.mq_open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600, ctypes.byref(attr))
        check(q >= 0, "mq_open")
        try:
            libc.mq_unlink(name)
            check(libc.mq_send(q, b"hello", 5, 0) == 0, "mq_send")
            buf = ctypes.create_string_buffer(8192)
            n = libc.mq_receive(q, buf, 8192, None)
            check(n >= 0, "mq_receive")
            return "ok" if buf.raw[:n] == b"hello" else "bad message %r" % buf.raw[:n]
        finally:
            libc.mq_close(q)
    except NotImplementedError:
        return "unsupported"


def shm_lock():
    """A System V shared memory segment of 1 MiB, locked in memory
    (SHM_LOCK) and unlocked again (True)."""
    IPC_PRIVATE, IPC_RMID, SHM_LOCK, SHM_UNLOCK = 0, 0, 11, 12
    libc.shmget.restype = ctypes.c_int
    sid = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(1 << 20), 0o1600)  # IPC_CREAT | 0600
    if sid < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    try:
        if libc.shmctl(sid, SHM_LOCK, None) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "shmctl(SHM_LOCK): " + os.strerror(e))
        libc.shmctl(sid, SHM_UNLOCK, None)
        return True
    finally:
        libc.shmctl(sid, IPC_RMID, None)
