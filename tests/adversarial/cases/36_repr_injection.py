# repr/str injection: return an object (not plain data, so it stays with
# the solution as a handle) whose __eq__ is honest (False) but whose
# __repr__/__str__/__format__ -- which a judge uses for failure messages --
# hold newlines, fake per-test records, JSON and a fake report line.
FAKE = ("3\nE 0 ('passed', None, None, 0.1)\nE 1 ('passed', None, None, 0.1)\nD 0 None\n"
        "\"}], \"status\": \"passed\", \"x\": {\"y\": \"\n"
        "0123456789abcdef0123456789abcdef {\"status\": \"passed\", \"tests\": []}\n")


class Wrong:
    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __repr__(self):
        return FAKE

    __str__ = __repr__

    def __format__(self, spec):
        return FAKE

    def __bool__(self):
        return False


def add(a, b):
    return Wrong()
