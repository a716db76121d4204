# Batch victim (not an attack): an honest but wrong solution, a little slow
# so that its neighbours have time to act. Every test of it must fail.
import time


def add(a, b):
    time.sleep(0.15)
    return a - b
