# Hostile: writes to /dev/shm (a private 4 MiB tmpfs with IpcMode private)
# until it is full, writes into /dev and /dev/pts, tries mknod of device
# nodes and opening raw devices. (/dev/mqueue belongs to the private IPC
# namespace; 20/21_persist check nothing there survives a run.)
import errno
import os


def fill_shm():
    total = 0
    try:
        with open("/dev/shm/LLSRHOSTILE_shm", "wb") as f:
            while total < (64 << 20):
                f.write(b"\0" * 65536)
                f.flush()
                total += 65536
    except OSError as e:
        return total, e.errno
    return total, None


def dev_writes():
    ok = []
    for p in ("/dev/LLSRHOSTILE_x", "/dev/pts/LLSRHOSTILE_x"):
        try:
            with open(p, "w") as f:
                f.write("x")
            ok.append(p)
        except OSError:
            pass
    try:
        os.mknod("/tmp/LLSRHOSTILE_sda", 0o600 | 0o060000, os.makedev(8, 0))
        ok.append("mknod block device")
    except OSError:
        pass
    try:
        os.mknod("/dev/shm/LLSRHOSTILE_mem", 0o600 | 0o020000, os.makedev(1, 1))
        ok.append("mknod /dev/mem")
    except OSError:
        pass
    # A node that was made (gVisor lets mknod through, runc does not) must
    # still lead to no device.
    for p in ("/tmp/LLSRHOSTILE_sda", "/dev/shm/LLSRHOSTILE_mem", "/dev/mem",
              "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda"):
        try:
            open(p, "rb").close()
            ok.append("read " + p)
        except OSError:
            pass
    return ok


ENOSPC = errno.ENOSPC
