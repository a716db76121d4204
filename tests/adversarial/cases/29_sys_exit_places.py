# sys.exit(0) / SystemExit(0) in various places: raised by the function,
# raised from a __del__, from a thread, from a generator's finally, and
# KeyboardInterrupt / GeneratorExit / StopIteration for the other tests.
import sys
import threading

calls = [0]


class D:
    def __del__(self):
        sys.exit(0)


def gen():
    try:
        yield 1
    finally:
        raise SystemExit(0)


def add(a, b):
    calls[0] += 1
    threading.Thread(target=sys.exit, args=(0,)).start()
    D()
    g = gen()
    next(g)
    del g
    k = calls[0] % 4
    if k == 1:
        sys.exit(0)
    if k == 2:
        raise KeyboardInterrupt
    if k == 3:
        raise GeneratorExit
    raise StopIteration
