# Hostile, part 1 of 2: leaves files behind everywhere it can write, for
# the next run (21_persist_read) to find. Containers are single-use: the
# next run must find none of them.
import os

PLACES = ["/tmp/LLSRHOSTILE_persist", "/tmp/.LLSRHOSTILE_hidden/persist",
          "/dev/shm/LLSRHOSTILE_persist", "/dev/mqueue/LLSRHOSTILE_persist",
          "/var/tmp/LLSRHOSTILE_persist", "/run/lock/LLSRHOSTILE_persist"]


def plant():
    written = []
    for p in PLACES:
        try:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write("left by the previous run")
            written.append(p)
        except OSError:
            pass
    return written
