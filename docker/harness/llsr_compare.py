"""Comparing a program's output with a case's expected output.

Pure functions on bytes, run by the harness process (P) only: the expected
output never leaves P's memory. compare() returns None when the output is
accepted, else a Difference: where the two first differ (1-based line and
column of the actual output's text as shown) and a capped excerpt of each
side there. Modes (docs/protocol.md, "Program cases"):

- exact:  byte for byte.
- lines:  line by line, ignoring trailing white space on each line and
          trailing blank lines (what most judges do).
- tokens: the sequences of white-space-separated tokens.
- float:  tokens; two tokens that both read as finite numbers are equal
          when |a - b| <= max(abs_tol, rel_tol * max(|a|, |b|)).
"""

import math
import re

MODES = ("lines", "exact", "tokens", "float")
EXCERPT = 60          # characters shown each side of a difference
_TRAILING = b" \t\r\f\v"
_TOKEN = re.compile(rb"\S+")
_NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class Difference:
    __slots__ = ("line", "column", "expected", "actual", "ended")

    def __init__(self, line, column, expected, actual, ended=(False, False)):
        self.line, self.column = line, column
        self.expected, self.actual = expected, actual
        self.ended = ended  # (expected, actual) had no more output there

    def as_dict(self):
        return {"line": self.line, "column": self.column,
                "expected": self.expected, "actual": self.actual}

    def message(self):
        return "line %d, column %d: expected %s, got %s" % (
            self.line, self.column, _quote(self.expected, self.ended[0]),
            _quote(self.actual, self.ended[1]))


def _quote(s, ended):
    return "end of output" if ended else repr(s)


def _excerpt(line, col0):
    """Text of line (bytes) from a little before byte col0, capped."""
    start = max(0, col0 - EXCERPT // 3)
    piece = line[start:start + EXCERPT]
    text = piece.decode("utf-8", "replace")
    if start > 0:
        text = "..." + text
    if start + EXCERPT < len(line):
        text += "..."
    return text


def _first_diff(a, b):
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _lines_diff(exp_lines, act_lines):
    """First difference between two lists of lines (bytes), or None."""
    for i in range(max(len(exp_lines), len(act_lines))):
        e = exp_lines[i] if i < len(exp_lines) else None
        a = act_lines[i] if i < len(act_lines) else None
        if e == a:
            continue
        col0 = _first_diff(e or b"", a or b"")
        return Difference(i + 1, col0 + 1,
                          "" if e is None else _excerpt(e, col0),
                          "" if a is None else _excerpt(a, col0),
                          (e is None, a is None))
    return None


def _norm_lines(data):
    lines = [ln.rstrip(_TRAILING) for ln in data.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _tokens(data):
    """[(token, line, column0)] of data."""
    out = []
    for lineno, ln in enumerate(data.split(b"\n"), 1):
        for m in _TOKEN.finditer(ln):
            out.append((m.group(), lineno, m.start(), ln))
    return out


def _number(tok):
    if not _NUMBER.fullmatch(tok):
        return None
    v = float(tok)
    return v if math.isfinite(v) else None


def _tokens_diff(expected, actual, equal):
    exp, act = _tokens(expected), _tokens(actual)
    for i in range(max(len(exp), len(act))):
        e = exp[i] if i < len(exp) else None
        a = act[i] if i < len(act) else None
        if e is not None and a is not None and equal(e[0], a[0]):
            continue
        # Located in the actual output (or where it ended).
        if a is not None:
            line, col0 = a[1], a[2]
            actual_text = _excerpt(a[3], col0)
        else:
            lines = actual.split(b"\n")
            line, col0 = len(lines), len(lines[-1])
            actual_text = ""
        expected_text = "" if e is None else _excerpt(e[3], e[2])
        return Difference(line, col0 + 1, expected_text, actual_text,
                          (e is None, a is None))
    return None


def compare(expected, actual, mode="lines", abs_tol=1e-6, rel_tol=1e-6):
    """None when actual (bytes) is accepted as expected (bytes) under mode,
    else the first Difference."""
    if mode == "exact":
        if expected == actual:
            return None
        return _lines_diff(expected.split(b"\n"), actual.split(b"\n")) or \
            Difference(1, 1, "", "")  # (cannot happen: unequal bytes)
    if mode == "lines":
        return _lines_diff(_norm_lines(expected), _norm_lines(actual))
    if mode == "tokens":
        return _tokens_diff(expected, actual, lambda e, a: e == a)
    if mode == "float":
        def equal(e, a):
            if e == a:
                return True
            x, y = _number(e), _number(a)
            if x is None or y is None:
                return False
            return abs(x - y) <= max(abs_tol, rel_tol * max(abs(x), abs(y)))
        return _tokens_diff(expected, actual, equal)
    raise ValueError("unknown comparison mode %r" % (mode,))
