# Hostile: fills /tmp (the size-capped tmpfs) file after file until the
# filesystem refuses. The cap must hold: ENOSPC (or EFBIG per file, from
# the fsize ulimit) well before the host could be hurt.
import errno
import os


def fill_tmp():
    total, errs, k = 0, set(), 0
    chunk = b"\xab" * (1 << 20)
    while k < 64 and total < (512 << 20):
        k += 1
        path = "/tmp/LLSRHOSTILE_fill_%d" % k
        try:
            with open(path, "wb") as f:
                while True:
                    f.write(chunk)
                    f.flush()
                    total += len(chunk)
        except OSError as e:
            errs.add(e.errno)
            if e.errno == errno.ENOSPC:
                break
    return total, errs
