# Subclasses of builtin types that lie to a serialiser but not to ==: an
# int subclass whose repr/str/format/__index__/__int__/to_bytes/
# __getnewargs__ give the right answer while its value (what == compares in
# plain Python) is wrong; a list/tuple whose __iter__/__getitem__/__len__
# yield the right items over wrong contents; a str whose encode/__str__ say
# the right thing; a dict whose items/keys/__iter__ do. Plus builtins.type
# patched to call them the builtin type. Plain python3: every test fails.
import builtins


class LInt(int):
    def __new__(cls, real, shown):
        o = int.__new__(cls, real)
        o.shown = shown
        return o

    def __repr__(self):
        return repr(self.shown)

    __str__ = __repr__

    def __format__(self, spec):
        return format(self.shown, spec)

    def __index__(self):
        return self.shown

    def __int__(self):
        return self.shown

    def to_bytes(self, *a, **k):
        return int(self.shown).to_bytes(*a, **k)

    def __getnewargs__(self):
        return (self.shown,)

    def __reduce__(self):
        return (int, (self.shown,))

    __reduce_ex__ = lambda self, p: (int, (self.shown,))


class LList(list):
    def __init__(self, real, shown):
        list.__init__(self, real)
        self.shown = shown

    def __iter__(self):
        return iter(self.shown)

    def __len__(self):
        return len(self.shown)

    def __getitem__(self, i):
        return self.shown[i]

    def __repr__(self):
        return repr(self.shown)

    def __reduce__(self):
        return (list, (self.shown,))

    __reduce_ex__ = lambda self, p: (list, (self.shown,))


class LTuple(tuple):
    def __new__(cls, real, shown):
        o = tuple.__new__(cls, real)
        o.shown = shown
        return o

    def __iter__(self):
        return iter(self.shown)

    def __len__(self):
        return len(self.shown)

    def __getitem__(self, i):
        return self.shown[i]

    def __repr__(self):
        return repr(self.shown)

    def __getnewargs__(self):
        return (self.shown,)

    __reduce_ex__ = lambda self, p: (tuple, (self.shown,))


class LStr(str):
    def __new__(cls, real, shown):
        o = str.__new__(cls, real)
        o.shown = shown
        return o

    def encode(self, *a, **k):
        return self.shown.encode(*a, **k)

    def __str__(self):
        return self.shown

    def __repr__(self):
        return repr(self.shown)

    def __iter__(self):
        return iter(self.shown)

    def __len__(self):
        return len(self.shown)

    def __getnewargs__(self):
        return (self.shown,)

    __reduce_ex__ = lambda self, p: (str, (self.shown,))


class LDict(dict):
    def __init__(self, real, shown):
        dict.__init__(self, real)
        self.shown = shown

    def items(self):
        return self.shown.items()

    def keys(self):
        return self.shown.keys()

    def values(self):
        return self.shown.values()

    def __iter__(self):
        return iter(self.shown)

    def __len__(self):
        return len(self.shown)

    def __getitem__(self, k):
        return self.shown[k]

    def __repr__(self):
        return repr(self.shown)

    __reduce_ex__ = lambda self, p: (dict, (self.shown,))


_type = type
_isinstance = isinstance
MAP = {LInt: int, LList: list, LTuple: tuple, LStr: str, LDict: dict}


class FakeType(_type):
    def __call__(cls, *a, **k):  # pragma: no cover
        return _type.__call__(cls, *a, **k)


def lying_type(*a):
    if len(a) == 1:
        t = _type(a[0])
        return MAP.get(t, t)
    return _type(*a)


builtins.type = lying_type


def add(a, b):
    return LInt(a - b, a + b)


def pair(a, b):
    return LList([a - b, a + b], [a + b, a - b])


def tpair(a, b):
    return LTuple((a - b, a + b), (a + b, a - b))


def name():
    return LStr("xyz", "abc")


def table():
    return LDict({"a": 2}, {"a": 1})
