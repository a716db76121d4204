# Signals: SIGSTOP every other process (the judge, parent, fork server),
# then answer wrongly; a stopped judge must end as a timeout/error, never
# as a pass. kill(-1, SIGSTOP) too.
import os
import signal


def add(a, b):
    me = os.getpid()
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != me:
            try:
                os.kill(int(p), signal.SIGSTOP)
            except OSError:
                pass
    try:
        os.kill(-1, signal.SIGSTOP)
    except OSError:
        pass
    return a - b
