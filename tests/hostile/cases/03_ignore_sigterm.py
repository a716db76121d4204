# Hostile: ignores every catchable termination signal, then spins.
import signal

for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
           signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGXCPU):
    signal.signal(_s, signal.SIG_IGN)


def solve():
    n = 0
    while True:
        n += 1
