# Hostile: kill(-1, SIGSTOP): every process of the sandbox uid (the
# harness, the test process itself) is stopped. Only the service's wall
# clock can end this run, within timeout_ms + its grace.
import os
import signal


def solve():
    os.kill(-1, signal.SIGSTOP)
    return 42
