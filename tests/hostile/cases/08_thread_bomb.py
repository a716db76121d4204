# Hostile: a thread bomb (threads count against the pids limit too).
import threading
import time


def _sleeper():
    time.sleep(3600)


def solve():
    threads = []
    while True:
        t = threading.Thread(target=_sleeper, daemon=True)
        t.start()          # raises RuntimeError once the pids limit is hit
        threads.append(t)
