# Hostile: floods the container's own stdout (the attach stream the
# service reads the report from) directly through PID 1's fd, bypassing
# the harness's capped pipes. The service's read cap must stop it.
import os


def solve():
    fd = os.open("/proc/1/fd/1", os.O_WRONLY)
    chunk = b"Z" * 65536
    while True:
        os.write(fd, chunk)
