# Hostile: `kill -STOP` of the harness (the test process's parent), then
# the test process exits. Nobody inside can resume the harness: the
# service's own wall clock must end the run within timeout_ms + its grace.
import os
import signal


def solve():
    os.kill(os.getppid(), signal.SIGSTOP)
    os._exit(0)
