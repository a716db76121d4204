# Hostile: SIGTERM (and SIGINT, SIGHUP) to PID 1. docker-init forwards
# signals to the harness; whatever happens, the failing test after it
# must never turn into a pass.
import os
import signal
import time


def solve():
    for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        os.kill(1, s)
    time.sleep(0.5)
    return 41
