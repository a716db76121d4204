"""Text for failure reports: capped reprs, assert explanations, tracebacks.

Used by the judge (which builds every message about plain values) and by
the solution server (which formats the solution's own frames of an
exception it sends across the boundary). Everything here is written to
never raise and never run long on builtin values.
"""

import sys

HERE = __file__.rpartition("/")[0]
REPR_CAP = 200
MSG_CAP = 8192
TB_CAP = 8192
TB_FRAMES = 30


def cap(s, n):
    if len(s) <= n:
        return s
    return s[: n - 40] + "\n... [%d characters cut]" % (len(s) - n + 40)


_reprlib = None
_import = __import__  # captured before user code can replace builtins.__import__
_builtins = sys.modules["builtins"]


def _load(name):
    """Import a module for the runner even if user code replaced
    builtins.__import__ (the module's own imports go through it)."""
    cur = _builtins.__dict__.get("__import__")
    _builtins.__import__ = _import
    try:
        return _import(name, fromlist=["_"])
    finally:
        _builtins.__import__ = cur


def saferepr(x, cap=REPR_CAP):
    """repr() that never raises, never runs long on builtin containers."""
    global _reprlib
    try:
        if _reprlib is None:
            r = _load("reprlib").Repr()
            r.maxlevel = 4
            r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = 30
            r.maxdeque = r.maxarray = r.maxdict = 30
            r.maxstring = r.maxother = cap
            r.maxlong = cap
            _reprlib = r
        s = _reprlib.repr(x)
        if type(s) is not str:
            s = "<repr returned %s>" % type(s).__name__
    except BaseException as e:  # user __repr__ may raise anything
        try:
            s = "<%s object; repr() raised %s>" % (
                type(x).__name__, type(e).__name__)
        except BaseException:
            s = "<unrepresentable object>"
    if len(s) > cap:
        s = s[: cap - 20] + "..." + s[-17:]
    return s


def _first_difference(a, b):
    """Lines locating the first difference of two long-ish builtin values."""
    ta = type(a)
    if ta is not type(b):
        return []
    try:
        if ta in (str, bytes, bytearray, list, tuple):
            what = "characters" if ta is str else "items"
            n = min(len(a), len(b))
            i = 0
            while i < n and a[i] == b[i]:
                i += 1
            if i < n:
                if ta is str or ta is bytes or ta is bytearray:
                    lo = max(0, i - 10)
                    return [
                        " first difference at index %d: %s != %s"
                        % (i, saferepr(a[lo : i + 20], 80),
                           saferepr(b[lo : i + 20], 80))
                    ]
                return [
                    " first difference at index %d: %s != %s"
                    % (i, saferepr(a[i], 80), saferepr(b[i], 80))
                ]
            if len(a) != len(b):
                longer, side = (a, "left") if len(a) > len(b) else (b, "right")
                return [
                    " left has %d %s, right has %d; first extra %s item: %s"
                    % (len(a), what, len(b), side, saferepr(longer[n], 80))
                ]
        elif ta is dict:
            out = []
            only_l = [k for k in a if k not in b]
            only_r = [k for k in b if k not in a]
            diff = [k for k in a if k in b and a[k] != b[k]]
            if diff:
                k = diff[0]
                out.append(" differing key %s: %s != %s" % (
                    saferepr(k, 60), saferepr(a[k], 60), saferepr(b[k], 60)))
            if only_l:
                out.append(" keys only in left: %s" % saferepr(only_l[:10], 120))
            if only_r:
                out.append(" keys only in right: %s" % saferepr(only_r[:10], 120))
            return out
        elif ta is set or ta is frozenset:
            out = []
            if a - b:
                out.append(" items only in left: %s" % saferepr(sorted(a - b, key=repr)[:10], 120))
            if b - a:
                out.append(" items only in right: %s" % saferepr(sorted(b - a, key=repr)[:10], 120))
            return out
    except BaseException:
        pass
    return []


def explain(kind, op, lsrc, rsrc, left, right, has_msg, msg, asrc=None):
    """Build the message of a failed rewritten assert (see llsr_plan): the
    assert's own source line first, then the values."""
    lines = []
    if kind == "cmp":
        lr, rr = saferepr(left), saferepr(right)
        lines.append("assert %s %s %s" % (lr, op, rr))
        if lsrc is not None and lsrc != lr:
            lines.append(" where %s = %s" % (lr, lsrc))
        if rsrc is not None and rsrc != rr:
            lines.append(" %s %s = %s" % ("and" if len(lines) > 1 else "where",
                                         rr, rsrc))
        if op == "==":
            lines.extend(_first_difference(left, right))
    else:
        vr = saferepr(left)
        lines.append("assert %s%s" % ("not " if kind == "not" else "", vr))
        if lsrc is not None and lsrc != vr:
            lines.append(" where %s = %s" % (vr, lsrc))
    text = "\n".join(lines)
    if has_msg:
        try:
            m = msg if type(msg) is str else saferepr(msg, 1000)
        except BaseException:
            m = "<message>"
        text = m + "\n" + text
    if asrc and not text.startswith(asrc + "\n") and text != asrc:
        text = "%s\n%s" % (asrc if len(asrc) <= 400 else asrc[:400] + "...", text)
    return text




def _user_frames(tb):
    """(file, line, function) of the frames of tb that are the user's: not
    the harness's own files, not unittest's internals."""
    frames = []
    while tb is not None:
        f = tb.tb_frame
        fn = f.f_code.co_filename
        if not fn.startswith(HERE + "/") and "__unittest" not in f.f_globals:
            frames.append((fn, tb.tb_lineno, f.f_code.co_name))
        tb = tb.tb_next
    if len(frames) > TB_FRAMES:
        frames = frames[:10] + frames[-(TB_FRAMES - 10):]
    return frames


def frame_lines(tb, sources):
    """The user frames of tb as traceback text lines (no header, no
    exception line); sources maps pseudo file names to their text."""
    try:
        linecache = _load("linecache")
        for name, text in sources.items():
            linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        out = []
        for fn, ln, name in _user_frames(tb):
            out.append('  File "%s", line %d, in %s\n' % (fn, ln, name))
            src = linecache.getline(fn, ln).strip()
            if src:
                out.append("    %s\n" % src)
        return "".join(out)
    except BaseException:
        return ""


def format_tb(tb, exc, sources):
    """A traceback of the user's frames, capped. An exception that crossed
    the process boundary carries the solution side's frames (text made by
    the solution server: informative only, it decides nothing) in its
    __llsr_tb__ attribute; they follow the judge's frames."""
    try:
        out = ["Traceback (most recent call last):\n", frame_lines(tb, sources)]
        remote = None
        if exc is not None:
            try:
                remote = exc.__dict__.get("__llsr_tb__")
            except BaseException:
                remote = None
        if type(remote) is str and remote:
            out.append(remote)
        if exc is not None:
            out.extend(_load("traceback").format_exception_only(type(exc), exc))
        return cap("".join(out), TB_CAP)
    except BaseException:
        return None


def exc_text(e):
    """'Type: message' of an exception, capped; never raises."""
    try:
        name = type(e).__name__
        s = str(e)
        return cap("%s: %s" % (name, s) if s else name, MSG_CAP)
    except BaseException:
        return "<exception>"


def last_line(tb, filename):
    """The last line of tb that is in filename, or None."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def load_error(e, filename, label, sources):
    """(type, message, line, traceback, out of memory) of an exception that
    stopped the solution or the tests' setup from loading."""
    if isinstance(e, MemoryError):
        return ("MemoryError", "out of memory while loading " + label, None, None, True)
    try:
        tname = type(e).__name__
    except BaseException:
        tname = "Exception"
    if isinstance(e, SystemExit):
        msg = "sys.exit(%s) called while loading %s" % (saferepr(e.code, 60), label)
    else:
        try:
            msg = cap(str(e), MSG_CAP)
        except BaseException:
            msg = "<exception>"
    line = getattr(e, "lineno", None) if isinstance(e, SyntaxError) else None
    if line is None:
        line = last_line(e.__traceback__, filename)
    return (tname, msg, line, format_tb(e.__traceback__, e, sources), False)
