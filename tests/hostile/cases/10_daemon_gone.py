# Follows 09_daemon: a later run must see no trace of that daemon (no such
# process, no file it wrote).
import os


def marked_processes():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if b"LLSRHOSTILE_DAEMON" in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found
