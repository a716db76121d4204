# Hostile: stops the harness, then keeps writing to the container's attach
# stream through PID 1's stdout at a modest rate (under the service's read
# cap), so the run ends by the service's own wall clock while the container
# is still writing. The timeout verdict must come within timeout_ms + grace
# (+ start-up), and the worker must be free again just as soon.
import os
import signal
import time


def solve():
    fd = os.open("/proc/1/fd/1", os.O_WRONLY)
    os.kill(os.getppid(), signal.SIGSTOP)
    chunk = b"T" * 16384
    while True:
        os.write(fd, chunk)
        time.sleep(0.05)
