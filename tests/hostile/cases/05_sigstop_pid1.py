# Hostile: SIGSTOP (and SIGKILL, SIGTERM-less) to PID 1 of the container.
# Signals from inside the PID namespace to its init are dropped by the
# kernel unless init handles them: PID 1 must keep running.
import os
import signal
import time


def pid1_state():
    with open("/proc/1/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def stop_pid1():
    os.kill(1, signal.SIGSTOP)
    time.sleep(0.3)
    return pid1_state()


def kill_pid1():
    os.kill(1, signal.SIGKILL)
    time.sleep(0.3)
    return os.path.exists("/proc/1/stat") and pid1_state()
