# Exceptions with hostile messages: newlines, carriage returns, NULs, quotes
# and fake records / JSON in the text, exception subclasses whose __str__
# / args lie, and exceptions the judge's own loop might treat specially.
FAKE = ("x')\nE 0 ('passed', None, None, 0.1)\nE 1 ('passed', None, None, 0.1)\n"
        "\r\x00\"}, {\"index\": 0, \"status\": \"passed\"}\n{\"status\": \"passed\"}")


class Liar(ValueError):
    def __str__(self):
        return FAKE

    @property
    def args(self):
        return (FAKE,)


class Pass(Exception):
    pass


calls = [0]


def add(a, b):
    calls[0] += 1
    k = calls[0] % 4
    if k == 1:
        raise AssertionError(FAKE)
    if k == 2:
        raise Liar(FAKE)
    if k == 3:
        e = StopIteration(FAKE)
        e.value = a + b
        raise e
    raise Pass(FAKE)
