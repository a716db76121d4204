# Plain-looking values that are hard to carry: a list nested 200000 deep, a
# list that contains itself, an int of a million digits (over the str
# conversion limit), a dict keyed by a tuple holding a list's hash... Each
# is wrong for the test; none may come out as a pass.
calls = [0]


def add(a, b):
    calls[0] += 1
    k = calls[0] % 4
    if k == 1:
        x = []
        for _ in range(200000):
            x = [x]
        return x
    if k == 2:
        x = [a + b]
        x.append(x)
        return x
    if k == 3:
        return 10 ** 1000000 + a + b
    d = {}
    d["self"] = d
    return d
