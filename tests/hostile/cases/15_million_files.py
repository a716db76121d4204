# Hostile: tries to create a million small (empty) files in /tmp: inodes
# and dentries, not bytes, so the tmpfs size cap does not stop it. It
# cannot finish inside the time limit; the container (and its million
# inodes) must still be cleaned up.
import os


def many_files():
    os.makedirs("/tmp/LLSRHOSTILE_many", exist_ok=True)
    for i in range(1000000):
        os.close(os.open("/tmp/LLSRHOSTILE_many/%07d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
    return True
