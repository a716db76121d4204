# Hostile, part 2 of 2: looks for what 20_persist_write left behind.
import os

PLACES = ["/tmp/LLSRHOSTILE_persist", "/tmp/.LLSRHOSTILE_hidden/persist",
          "/dev/shm/LLSRHOSTILE_persist", "/dev/mqueue/LLSRHOSTILE_persist",
          "/var/tmp/LLSRHOSTILE_persist", "/run/lock/LLSRHOSTILE_persist"]


def leftovers():
    found = [p for p in PLACES if os.path.exists(p)]
    for d in ("/tmp", "/dev/shm"):
        try:
            found += [os.path.join(d, n) for n in os.listdir(d) if "LLSRHOSTILE" in n]
        except OSError:
            pass
    return found
