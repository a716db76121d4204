# Hostile: opens files until the nofile ulimit refuses (256), and tries
# to raise the limit.
import errno
import os
import resource


def exhaust():
    fds = []
    err = None
    try:
        while len(fds) < 100000:
            fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        err = e.errno
    n = len(fds)
    for fd in fds:
        os.close(fd)
    return n, err


def raise_limit():
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
        return True
    except (ValueError, OSError):
        return False


EMFILE = errno.EMFILE
