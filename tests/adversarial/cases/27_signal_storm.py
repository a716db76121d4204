# Signals: a thread keeps sending SIGINT (KeyboardInterrupt in a Python
# judge), SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE, SIGCHLD and
# SIGCONT to every other pid for the whole run.
import os
import signal
import threading
import time

SIGS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
        signal.SIGALRM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGCONT]


def storm():
    me = os.getpid()
    end = time.time() + 10
    while time.time() < end:
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != me:
                for s in SIGS:
                    try:
                        os.kill(int(p), s)
                    except OSError:
                        pass
        time.sleep(0.002)


threading.Thread(target=storm, daemon=True).start()


def add(a, b):
    time.sleep(0.1)
    return a - b
