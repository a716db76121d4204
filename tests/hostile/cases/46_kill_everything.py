# Hostile: kill(-1, SIGKILL) from user code: every process of the sandbox
# uid it can signal (the harness included; not PID 1) dies, so no report
# is ever written. That must never become a pass.
import os
import signal


def solve():
    os.kill(-1, signal.SIGKILL)
    return 42
