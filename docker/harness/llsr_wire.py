"""The boundary between the judge and the solution: one socket, two peers.

The judge (llsr_judge) runs the tests; the solution server (llsr_solution)
runs the solution. The tests see the solution's names as stand-ins
(Remote objects); every use of one is a request over the socket:

    ("call", hid, args, kwargs)        ("getattr", hid, name)
    ("setattr", hid, name, value)      ("delattr", hid, name)
    ("op", hid, name, args)            name: one of OPS (==, len, iter, ...)

answered by ("ret", value, copyback) or ("exc", base, hid, args, tb).
While a peer waits for its answer it serves the other side's requests, so
a solution may call back a function the tests passed it.

Messages are length-prefixed pickles (4 bytes, big-endian, then at most
MAX_MSG bytes). What a peer sends is built by its own pickler:
  - plain data (PLAIN: None, bool, int, float, complex, str, bytes,
    bytearray, tuple, list, dict, set, frozenset, slice, Ellipsis, with
    exactly those types) goes by value;
  - any other object stays where it lives and goes as a reference
    ("s" or "j", its handle number, and for the solution's objects what
    kind of thing it is), which the receiver turns into a Remote (or back
    into its own object, for a reference to one of its own).
What the judge accepts from the solution is read by RestrictedUnpickler:
it rebuilds only the exact builtin types above (no global but complex,
slice and Ellipsis may be named; a reference becomes a Remote that refuses
every operation while the message is being decoded), so a comparison of
plain values is always computed by the judge's own builtin code.

The solution side trusts nothing either, but it has nothing to protect.
"""

import io
import os
import pickle
import select
import struct
import sys
import threading

MAX_MSG = 64 << 20
_HDR = struct.Struct("!I")

PLAIN = frozenset((type(None), bool, int, float, complex, str, bytes, bytearray,
                   tuple, list, dict, set, frozenset, slice, type(Ellipsis)))
MUTABLE = (list, dict, set, bytearray)

# The operations a Remote forwards (name -> how the owner performs it).
_op = __import__("operator")
OPS = {
    "__eq__": _op.eq, "__ne__": _op.ne, "__lt__": _op.lt, "__le__": _op.le,
    "__gt__": _op.gt, "__ge__": _op.ge, "__hash__": hash, "__bool__": bool,
    "__len__": len, "__iter__": iter, "__next__": next, "__repr__": repr,
    "__str__": str, "__format__": format, "__contains__": lambda a, b: b in a,
    "__getitem__": _op.getitem, "__setitem__": _op.setitem,
    "__delitem__": _op.delitem, "__int__": int, "__float__": float,
    "__complex__": complex, "__index__": _op.index, "__abs__": abs,
    "__neg__": _op.neg, "__pos__": _op.pos, "__invert__": _op.invert,
    "__round__": round, "__reversed__": reversed, "__bytes__": bytes,
    "__enter__": lambda a: type(a).__enter__(a),
    "__exit__": lambda a, *x: type(a).__exit__(a, *x),
    "__instancecheck__": lambda c, x: isinstance(x, c),
    "__subclasscheck__": lambda c, x: issubclass(x, c),
    "__dir__": lambda a: sorted(dir(a)),
}
for _n in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lshift",
           "rshift", "and", "or", "xor", "matmul"):
    _f = getattr(_op, _n + "_" if _n in ("and", "or") else _n)
    OPS["__%s__" % _n] = _f
    OPS["__r%s__" % _n] = (lambda f: lambda a, b: f(b, a))(_f)
    OPS["__i%s__" % _n] = getattr(_op, "i" + _n)
# What the solution may ask of the judge's objects (a function the tests
# passed as an argument, say): using them, never looking inside them.
JUDGE_OPS = frozenset(("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
                       "__hash__", "__bool__", "__len__", "__iter__", "__next__",
                       "__repr__", "__str__", "__format__", "__contains__",
                       "__getitem__", "__int__", "__float__", "__index__"))


EOF_REASON = "the solution process ended or closed its connection"


class Lost(BaseException):
    """The peer is gone or broke the protocol (a BaseException, so that
    `except Exception` in test code does not swallow it)."""


class Peer:
    """One end of the boundary. side is "j" (the judge) or "s" (the
    solution server); pipes (judge only) are the solution's stdout and
    stderr, forwarded to this process's sys.stdout/sys.stderr while it
    waits; on_lost(reason) is called (and must not return) when the peer
    is gone or sent something malformed."""

    def __init__(self, fd, side, pipes=(), on_lost=None, out_cap=None):
        self.fd = fd
        self.side = side
        self.exports = {}      # handle -> our object handed to the peer
        self.handles = {}      # id(obj) -> handle (objects stay alive in exports)
        self.remotes = {}      # the peer's handle -> Remote (identity is kept)
        self.mirrors = {}      # the peer's exception class handle -> our class
        self.next = 1
        self.lock = threading.RLock()
        self.owner = None      # (solution side) the thread that serves the judge
        self.decoding = 0
        self.pipes = list(pipes)
        self.out_pipe = pipes[0] if pipes else None
        self.decoders = {}
        self.on_lost = on_lost or self._lost
        self.out_cap = out_cap
        self.pending = bool(pipes)  # output may wait in the pipes
        self.tests_module = None   # (judge) __module__ of the tests' classes
        self.forwarded = 0
        self.inbuf = bytearray()
        self._outbuf = self.outbuf = io.BytesIO()
        self.pickler = _Pickler(self.outbuf, self)
        if self.pipes:
            for p in self.pipes:
                os.set_blocking(p, False)
        self.poller = None

    # -- references ------------------------------------------------------------
    def ref(self, obj):
        """The reference under which obj goes to the peer."""
        t = type(obj)
        if t is Remote and object.__getattribute__(obj, "_p") is self:
            return ("o", object.__getattribute__(obj, "_h"))   # the peer's own object
        if self.side == "j":
            back = getattr(obj, "_llsr_mirror_of", None) if isinstance(obj, type) else None
            if back is not None and self.mirrors.get(back) is obj:
                return ("o", back)
        h = self.handles.get(id(obj))
        if h is None:
            h = self.next
            self.next += 1
            self.exports[h] = obj
            self.handles[id(obj)] = h
        if self.side == "j":
            return ("r", h, "o", None, None)
        return ("r", h) + describe(obj)

    def resolve(self, pid):
        """A reference received from the peer: ("o", h) one of ours,
        ("r", h, kind, name, base) one of theirs."""
        if type(pid) is not tuple or not pid or type(pid[0]) is not str:
            raise pickle.UnpicklingError("bad reference")
        if pid[0] == "o" and len(pid) == 2 and type(pid[1]) is int:
            try:
                return self.exports[pid[1]]
            except KeyError:
                raise pickle.UnpicklingError("unknown handle") from None
        if pid[0] == "r" and len(pid) == 5 and type(pid[1]) is int:
            h, kind, name, base = pid[1:]
            if kind == "x" and self.side == "j" and type(name) is str and type(base) is str:
                return self.mirror(h, name, base)
            if kind == "m" and self.side == "j" and type(name) is str:
                mod = _stdlib_module(name)
                if mod is not None:
                    return mod
            r = self.remotes.get(h)
            if r is None:
                r = object.__new__(Remote)
                object.__setattr__(r, "_h", h)
                object.__setattr__(r, "_p", self)
                self.remotes[h] = r
            return r
        raise pickle.UnpicklingError("bad reference")

    def mirror(self, h, name, base):
        """The judge's stand-in for an exception class of the solution: a
        real class (so `except` and assertRaises work) derived from the
        builtin exception it derives from."""
        cls = self.mirrors.get(h)
        if cls is None:
            b = builtin_exception(base)
            cls = type(name if name.isidentifier() else "SolutionError", (b,),
                       {"__module__": "solution", "_llsr_mirror_of": h})
            self.mirrors[h] = cls
        return cls

    # -- messages ----------------------------------------------------------------
    def encode(self, msg):
        f = self.outbuf
        if f is None:   # (re-entered: a __class__ of the solution's ran code)
            f = io.BytesIO()
            p = _Pickler(f, self)
        else:
            self.outbuf = None
            p = self.pickler
            f.seek(0)
            f.truncate()
            p.clear_memo()
        try:
            p.dump(msg)
            data = f.getvalue()
        finally:
            if f is self._outbuf:
                self.outbuf = f
        n = len(data)
        if n > MAX_MSG:
            raise ValueError("a value of %d bytes is too large to cross the "
                             "boundary (at most %d)" % (n, MAX_MSG))
        return _HDR.pack(n) + data

    def send(self, msg):
        data = self.encode(msg)
        try:
            view = memoryview(data)
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError:
            self.on_lost("the solution process closed its connection"
                         if self.side == "j" else "the judge is gone")

    def _fill(self, n):
        """Read until inbuf holds n bytes (forwarding the solution's
        output meanwhile, on the judge's side)."""
        while len(self.inbuf) < n:
            if self.pipes:
                self._wait_readable()
            try:
                b = os.read(self.fd, max(65536, n - len(self.inbuf)))
            except BlockingIOError:
                continue
            except InterruptedError:
                continue
            except OSError:
                b = b""
            if not b:
                self.pending = True
                self.drain()
                self.on_lost(EOF_REASON if self.side == "j" else "the judge is gone")
            self.inbuf += b

    def recv(self):
        self._fill(4)
        n = _HDR.unpack_from(self.inbuf)[0]
        if n > MAX_MSG:
            self.on_lost("the solution process sent an oversized message")
        self._fill(4 + n)
        data = bytes(self.inbuf[4:4 + n])
        del self.inbuf[:4 + n]
        self.decoding += 1
        try:
            msg = _Unpickler(io.BytesIO(data), self).load()
        except BaseException as e:
            if isinstance(e, Lost):
                raise
            self.on_lost("the solution process sent a malformed message (%s)"
                         % type(e).__name__)
        finally:
            self.decoding -= 1
        if type(msg) is not tuple or not msg or type(msg[0]) is not str:
            self.on_lost("the solution process sent a malformed message")
        return msg

    def request(self, msg):
        """Send a request and return the answer's value (raising what the
        peer raised), serving the peer's own requests meanwhile."""
        if self.side == "s" and self.owner is not None and \
                threading.get_ident() != self.owner:
            raise RuntimeError("only the thread that the tests called may call "
                               "back into the tests")
        with self.lock:
            self.send(msg)
            while True:
                reply = self.recv()
                kind = reply[0]
                if kind == "ret" and len(reply) == 3:
                    self.drain()
                    if reply[2]:
                        _copy_back(msg, reply[2])
                    return reply[1]
                if kind == "exc" and len(reply) == 5:
                    self.drain()
                    raise self.rebuild(reply)
                self.serve_one(reply)

    def serve_one(self, msg):
        """Answer one request of the peer."""
        try:
            value, copyback = self.perform(msg)
        except BaseException as e:
            if isinstance(e, Lost):
                raise
            self.flush_streams()
            self.send(self.exc_message(e))
            return
        self.flush_streams()
        try:
            data = ("ret", value, copyback)
            self.send(data)
        except (ValueError, pickle.PicklingError, RecursionError, TypeError) as e:
            self.send(self.exc_message(e))

    def perform(self, msg):
        kind = msg[0]
        if kind == "call" and len(msg) == 4:
            obj = self._mine(msg[1])
            args, kwargs = msg[2], msg[3]
            if type(args) is not tuple or type(kwargs) is not dict:
                raise TypeError("bad call")
            value = obj(*args, **kwargs)
            cb = None
            if self.side == "s":
                cb = [(i, a) for i, a in enumerate(args) if type(a) in MUTABLE]
                cb += [(k, v) for k, v in kwargs.items() if type(v) in MUTABLE]
            return value, cb
        if kind == "global" and self.side == "s" and len(msg) == 2 and \
                type(msg[1]) is str:
            try:
                return self.globals[msg[1]], None
            except KeyError:
                raise NameError("name %r is not defined" % msg[1]) from None
        if kind in ("getattr", "setattr", "delattr") and len(msg) >= 3 and \
                type(msg[2]) is str:
            obj = self._mine(msg[1])
            name = msg[2]
            if self.side == "j" and (name.startswith("_") or
                                     type(obj).__module__ != self.tests_module):
                # The solution may use the attributes of instances of the
                # tests' own classes (a ListNode the tests built), never look
                # inside anything else of the judge's (a frame, a traceback,
                # a function, a module) nor at private names.
                raise AttributeError("the solution may not look inside the tests' "
                                     "objects (%r)" % name)
            if kind == "getattr":
                return getattr(obj, name), None
            if kind == "setattr" and len(msg) == 4:
                setattr(obj, name, msg[3])
                return None, None
            delattr(obj, name)
            return None, None
        if kind == "op" and len(msg) == 4 and type(msg[3]) is tuple and msg[2] in OPS:
            if self.side == "j" and msg[2] not in JUDGE_OPS:
                raise TypeError("operation %s is not available to the solution" % msg[2])
            obj = self._mine(msg[1])
            return OPS[msg[2]](obj, *msg[3]), None
        raise TypeError("bad request %r" % (kind,))

    def _mine(self, h):
        try:
            return self.exports[h]
        except (KeyError, TypeError):
            raise TypeError("unknown handle") from None

    def exc_message(self, e):
        """("exc", builtin base name, our handle of its class or None,
        args, frames text) for an exception raised on our side."""
        t = type(e)
        base = "Exception"
        for c in t.__mro__:
            if c.__module__ == "builtins" and issubclass(c, BaseException):
                base = c.__name__
                break
        h = None
        if t.__module__ != "builtins":
            h = self.ref(t)[1]
        args = e.args if all(type(a) in PLAIN for a in e.args) else (_str(e),)
        tb = None
        if self.side == "s":
            tb = self.frames(e)
        try:
            self.encode(("exc", base, h, args, tb))
        except BaseException:
            args = (_str(e),)
        return ("exc", base, h, args, tb)

    def frames(self, e):
        return None

    def rebuild(self, reply):
        """The exception to raise for an ("exc", ...) answer."""
        _, base, h, args, tb = reply
        if type(base) is not str or type(args) is not tuple:
            self.on_lost("the solution process sent a malformed message")
        cls = builtin_exception(base)
        if h is not None and self.side == "j":
            c = self.mirrors.get(h)
            if c is not None:
                cls = c
        e = None
        for a in (args, tuple(_str(x) for x in args[:1]), ()):
            try:
                e = cls(*a)
                break
            except BaseException:
                continue
        if e is None:
            e = Exception(*(_str(x) for x in args[:1]))
        if type(tb) is str and tb:
            try:
                e.__llsr_tb__ = tb
            except BaseException:
                pass
        return e

    # -- the solution's output (judge side) --------------------------------------
    def _wait_readable(self):
        if self.poller is None:
            self.poller = select.poll()
            self.poller.register(self.fd, select.POLLIN)
            for p in self.pipes:
                self.poller.register(p, select.POLLIN)
        while True:
            ready = False
            for fd, _ in self.poller.poll():
                if fd == self.fd:
                    ready = True
                else:
                    self._forward(fd)
                    self.pending = True
            if ready:
                return

    def _forward(self, fd):
        try:
            data = os.read(fd, 65536)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            data = b""
        if not data:
            self.poller.unregister(fd)
            self.pipes.remove(fd)
            return 0
        self.forwarded += len(data)
        if self.out_cap is not None and self.forwarded > self.out_cap:
            self.on_lost("output")
        stream = "stdout" if fd == self.out_pipe else "stderr"
        dec = self.decoders.get(fd)
        if dec is None:
            dec = self.decoders[fd] = _decoder()
        text = dec.decode(data)
        try:
            getattr(sys, stream).write(text)
        except BaseException:
            pass
        return len(data)

    def drain(self):
        """Forward whatever the solution has written so far. (The solution
        writes its output before its answer, so when the poll that saw the
        answer saw no output, there is none: no read is needed.)"""
        if not self.pending:
            return
        self.pending = False
        for fd in list(self.pipes):
            while fd in self.pipes and self._forward(fd):
                pass

    def flush_streams(self):
        out, err = sys.stdout, sys.stderr
        for s in (out, err) if out is sys.__stdout__ and err is sys.__stderr__ else \
                (out, err, sys.__stdout__, sys.__stderr__):
            try:
                s.flush()
            except BaseException:
                pass

    def _lost(self, reason):
        raise Lost(reason)


def _decoder():
    import codecs

    return codecs.getincrementaldecoder("utf-8")("replace")


def _str(x):
    try:
        s = str(x)
        return s if type(s) is str else "<str() returned a non-string>"
    except BaseException:
        return "<unprintable>"


def _copy_back(msg, copyback):
    """Apply the solution's in-place changes to mutable arguments to the
    judge's own objects (their new contents arrived by value)."""
    if msg[0] != "call" or type(copyback) is not list:
        return
    args, kwargs = msg[2], msg[3]
    for item in copyback:
        if type(item) is not tuple or len(item) != 2:
            continue
        key, new = item
        if type(key) is int and 0 <= key < len(args):
            orig = args[key]
        elif type(key) is str and key in kwargs:
            orig = kwargs[key]
        else:
            continue
        t = type(orig)
        if t is not type(new) or orig is new:
            continue
        if t is list or t is bytearray:
            orig[:] = new
        elif t is dict:
            orig.clear()
            orig.update(new)
        elif t is set:
            orig.clear()
            orig.update(new)


_EXC = {n: c for n, c in vars(__import__("builtins")).items()
        if isinstance(c, type) and issubclass(c, BaseException)}


def builtin_exception(name):
    return _EXC.get(name, Exception) if type(name) is str else Exception


def describe(obj):
    """(kind, name, base) sent with a reference to one of the solution's
    objects: "x" an exception class, "m" a module, "c" another class,
    "f" a function, "o" anything else."""
    t = type(obj)
    if isinstance(obj, type):
        try:
            if issubclass(obj, BaseException):
                base = "Exception"
                for c in obj.__mro__:
                    if c.__module__ == "builtins":
                        base = c.__name__
                        break
                return ("x", _str(obj.__name__), base)
        except BaseException:
            pass
        return ("c", None, None)
    if t is type(sys):
        name = getattr(obj, "__name__", None)
        return ("m", name if type(name) is str else None, None)
    return ("f" if callable(obj) else "o", None, None)


# Modules the judge may stand in for with its own copy when the solution
# holds one (`import math` in the solution, `math.isclose` in the tests).
# A name from the solution is never imported: importing runs code
# (`unittest.__main__` runs a test discovery in the working directory), so
# only these, whose import does nothing but define things, and only by
# exactly these names.
SAFE_MODULES = frozenset((
    "array", "bisect", "calendar", "cmath", "collections", "collections.abc",
    "copy", "dataclasses", "datetime", "decimal", "enum", "fractions",
    "functools", "hashlib", "heapq", "itertools", "json", "math", "numbers",
    "operator", "random", "re", "statistics", "string", "struct", "textwrap",
    "typing", "unicodedata"))


def _stdlib_module(name):
    """The judge's own copy of a module the solution imported: one of
    SAFE_MODULES, or a standard-library module the judge has imported
    already (os, sys, time, threading, ...: nothing runs to hand it out).
    None otherwise: the module stays a handle."""
    mod = sys.modules.get(name)
    if mod is not None and "__main__" not in name and not name.startswith("llsr") \
            and name.partition(".")[0] in getattr(sys, "stdlib_module_names", ()):
        return mod
    if name not in SAFE_MODULES:
        return None
    try:
        return __import__("importlib").import_module(name)
    except BaseException:
        return None


class _Pickler(pickle.Pickler):
    def __init__(self, f, peer):
        pickle.Pickler.__init__(self, f, protocol=5)
        self.peer = peer

    def persistent_id(self, obj):
        t = type(obj)
        if t in PLAIN:
            return None
        if t is type and obj in _SAFE_CLASSES:
            return None   # (named by the pickles of complex, slice, bytearray)
        if self.peer.side == "j" and (t in _EXC_TYPES or (
                (t is type or t is _BUILTIN_FN) and _by_name(obj)
                and getattr(obj, "__module__", None) == "builtins")):
            # The judge's builtins go by name (int, len, ValueError) and its
            # builtin exceptions by value: the solution side rebuilds them.
            return None
        return self.peer.ref(obj)


_GLOBALS = {("builtins", "complex"): complex, ("builtins", "slice"): slice,
            ("builtins", "Ellipsis"): Ellipsis, ("builtins", "bytearray"): bytearray,
            ("builtins", "set"): set, ("builtins", "frozenset"): frozenset}


_SAFE_CLASSES = frozenset(v for v in _GLOBALS.values() if type(v) is type)
_BUILTINS = vars(__import__("builtins"))
_BUILTIN_FN = type(len)
_EXC_TYPES = frozenset(_EXC.values())


def _by_name(obj):
    """Whether obj is the builtin of its name (a class or function)."""
    name = getattr(obj, "__name__", None)
    return type(name) is str and _BUILTINS.get(name) is obj


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, peer):
        pickle.Unpickler.__init__(self, f)
        self.peer = peer

    def find_class(self, module, name):
        if self.peer.side == "s" and module == "builtins" and name in _BUILTINS:
            return _BUILTINS[name]   # (from the judge: trusted)
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError("%s.%s may not cross" % (module, name)) from None

    def persistent_load(self, pid):
        return self.peer.resolve(pid)


def _forward(name):
    def method(self, *args):
        return _op_request(self, name, args)
    method.__name__ = name
    return method


def _op_request(r, name, args):
    p = object.__getattribute__(r, "_p")
    if p.decoding:
        raise pickle.UnpicklingError("a reference used while decoding")
    return p.request(("op", object.__getattribute__(r, "_h"), name, args))


class Remote:
    """A stand-in for an object on the other side of the boundary."""

    __slots__ = ("_h", "_p", "__weakref__")

    def __call__(self, *args, **kwargs):
        p = object.__getattribute__(self, "_p")
        if p.decoding:
            raise pickle.UnpicklingError("a reference used while decoding")
        return p.request(("call", object.__getattribute__(self, "_h"), args, kwargs))

    def __getattr__(self, name):
        p = object.__getattribute__(self, "_p")
        if p.decoding:
            raise AttributeError(name)
        return p.request(("getattr", object.__getattribute__(self, "_h"), name))

    def __setattr__(self, name, value):
        p = object.__getattribute__(self, "_p")
        p.request(("setattr", object.__getattribute__(self, "_h"), name, value))

    def __delattr__(self, name):
        p = object.__getattribute__(self, "_p")
        p.request(("delattr", object.__getattribute__(self, "_h"), name))

    def __reduce_ex__(self, protocol):
        raise TypeError("a stand-in of the other side cannot be copied")


for _n in OPS:
    setattr(Remote, _n, _forward(_n))
del _n, _f
