# Hostile: sleeps far past any limit.
import time


def solve():
    time.sleep(3600)
    return 1
