# Hostile: stops itself (SIGSTOP cannot be caught); nobody sends SIGCONT.
import os
import signal


def solve():
    os.kill(os.getpid(), signal.SIGSTOP)
    return 1
