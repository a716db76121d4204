# Seccomp: the rest of legacy AIO (io_destroy, io_getevents, io_cancel,
# io_pgetevents; sc09 has io_setup and io_submit), process_madvise and
# memfd_secret are refused before the kernel looks at their arguments.
# memfd_secret is the attack here: every secret page is taken out of the
# kernel's direct map, which splits its huge pages and slows the whole host,
# every tenant on it.
import ctypes
import os

# include: _syscalls.py


import mmap


def aio_rest():
    bad = ctypes.c_void_p(16)
    return not_refused([
        ("io_destroy(0)", 207, (0,)),
        ("io_getevents(0)", 208, (0, 0, 1, bad, None)),
        ("io_cancel(0, bad pointer)", 210, (0, bad, bad)),
        ("io_pgetevents(0)", 333, (0, 0, 1, bad, None, None))])


def madvise_other():
    return not_refused([
        ("process_madvise(-1, flags 1)", 440, (-1, None, 0, 20, 1)),
        ("process_madvise(-1, MADV_COLD)", 440, (-1, None, 0, 20, 0))])


def secretmem():
    r, e = call(447, 0)
    if r < 0:
        return [] if e in REFUSED else ["memfd_secret(0) -> errno %d" % e]
    got = ["memfd_secret(0) made fd %d" % r]
    try:
        os.ftruncate(r, 1 << 20)
        m = mmap.mmap(r, 1 << 20)
        m[:4] = b"llsr"
        m.close()
        got.append("and 1 MiB of secret memory was mapped")
    except OSError as x:
        got.append("(mapping it failed: %s)" % x)
    os.close(r)
    return got
