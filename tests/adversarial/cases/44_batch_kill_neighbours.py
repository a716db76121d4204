# Batch neighbour, signals: for ~6 s, SIGSTOP, SIGCONT, SIGINT and finally
# SIGKILL every other process of the container (judges, solution servers,
# the fork server, the other submissions). The victims' tests may end as
# errors or timeouts, never as passes.
import os
import signal
import threading
import time


def loop():
    me = os.getpid()
    end = time.time() + 6
    n = 0
    while time.time() < end:
        n += 1
        sig = [signal.SIGSTOP, signal.SIGCONT, signal.SIGINT, signal.SIGKILL][n % 4]
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != me:
                try:
                    os.kill(int(p), sig)
                except OSError:
                    pass
        time.sleep(0.01)


threading.Thread(target=loop, daemon=True).start()


def add(a, b):
    time.sleep(1.0)
    return a - b
