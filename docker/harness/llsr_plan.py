"""Test plan: parse the tests (never run them) and compile what a child runs.

build() turns the solution and the test source into
  - the list of test cases (index, name, line) known before anything runs,
    and
  - the judge's job: compiled code objects and steps (see llsr_judge).

Test styles, in execution order:
  (a) top-level statements of the tests: a statement containing an `assert`
      (outside nested functions/classes), or calling a function of the
      tests that asserts, is one case; every other statement is setup and
      runs in order, like plain python3;
  (b) HumanEval (entry_point set): each top-level statement of `check`'s
      body that is a case by the rule of (a) (a helper defined inside
      check counts) is one case, run by calling check(<entry_point>);
  (c) pytest and unittest tests: collected by the judge at run time from
      the tests' globals once their top level ran (test functions, Test*
      classes, TestCase subclasses: under `if`/`try`, made by factories,
      through aliases), numbered after (a) and (b); see llsr_judge.collect.

Every assert in the tests is rewritten so a failure explains itself; the
rewrite keeps Python's semantics (each operand evaluated once, every truth
test done once with the real `not`), and the pass path never calls into the
runner, so tampering with the runner's helper can only make a test fail.
"""

import ast

CMP_OPS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
    ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is",
    ast.IsNot: "is not",
}
NAME_CAP = 500


class PlanError(Exception):
    """The solution or the tests could not be compiled."""

    def __init__(self, etype, message, line, traceback):
        Exception.__init__(self, message)
        self.etype, self.message, self.line = etype, message, line
        self.traceback = traceback


def _loc(node, ref):
    node.lineno = ref.lineno
    node.col_offset = ref.col_offset
    node.end_lineno = getattr(ref, "end_lineno", ref.lineno) or ref.lineno
    node.end_col_offset = getattr(ref, "end_col_offset", ref.col_offset) or 0
    return node


def _name(id_, ctx=None):
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def _const(v):
    return ast.Constant(value=v)


def _is_literal(node):
    try:
        ast.literal_eval(node)
        return True
    except Exception:
        return False


# The fields of a node that may hold statements (directly, or through
# except handlers and match cases).
_STMT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


class AssertRewriter(ast.NodeTransformer):
    """Rewrite `assert` statements into explain-on-failure code."""

    def __init__(self, src):
        self.src = src
        # Split once (ast.get_source_segment splits the whole source again
        # at every call: quadratic in the number of asserts).
        split = getattr(ast, "_splitlines_no_ff", None)
        self.lines = split(src) if split else src.splitlines(True)
        self.encoded = {}

    def generic_visit(self, node):
        """Walk only what can hold an assert. An assert is a statement, and
        statements sit only in statement lists (bodies, else and finally
        blocks, except handlers, match cases); an expression never holds
        one. So expressions, such as a test's large literal inputs, are
        not walked: NodeTransformer's own walk visits every node, the bulk
        of the plan's time on HumanEval tests."""
        for field in _STMT_FIELDS:
            old = getattr(node, field, None)
            if type(old) is not list:
                continue
            new = []
            for v in old:
                if isinstance(v, ast.AST):
                    v = self.visit(v)
                    if v is None:
                        continue
                    if not isinstance(v, ast.AST):
                        new.extend(v)
                        continue
                new.append(v)
            old[:] = new
        return node

    def _line(self, i):
        b = self.encoded.get(i)
        if b is None:
            b = self.encoded[i] = self.lines[i].encode()
        return b

    def _source(self, node):
        """What ast.get_source_segment(src, node) gives, or None."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            col, end = node.col_offset, node.end_col_offset
        except AttributeError:
            return None
        if None in (first, last, col, end) or not 0 <= first <= last < len(self.lines):
            return None
        if first == last:
            return self._line(first)[col:end].decode()
        parts = [self._line(first)[col:].decode()]
        parts.extend(self.lines[first + 1:last])
        parts.append(self._line(last)[:end].decode())
        return "".join(parts)

    def segment(self, node):
        try:
            s = self._source(node)
        except UnicodeDecodeError:
            s = None
        if s is None:
            try:
                s = ast.unparse(node)
            except Exception:
                s = "?"
        return " ".join(s.split()) if "\n" in s else s

    def _src_or_none(self, node):
        return None if _is_literal(node) else self.segment(node)

    def visit_Assert(self, node):
        self.generic_visit(node)
        test = node.test
        out = []

        def assign(name, value):
            out.append(ast.Assign(targets=[_name(name, ast.Store())], value=value))

        def fail_call(kind, op, lsrc, rsrc, left, right):
            has_msg = node.msg is not None
            return ast.Raise(exc=ast.Call(
                func=ast.Attribute(value=_name("@llsr"), attr="fail", ctx=ast.Load()),
                args=[_const(kind), _const(op), _const(lsrc), _const(rsrc),
                      left, right, _const(has_msg),
                      node.msg if has_msg else _const(None),
                      _const(self.segment(node))],
                keywords=[]), cause=None)

        if isinstance(test, ast.Compare):
            n = len(test.ops)
            names = ["@t%d" % i for i in range(n + 1)]
            srcs = [self._src_or_none(e) for e in [test.left] + test.comparators]
            # @f = not (t0 op0 t1); if not @f: @f = not (t1 op1 t2) ...
            # @i tracks which pair failed.
            assign(names[0], test.left)
            body = out
            for i, (op, comp) in enumerate(zip(test.ops, test.comparators)):
                step = []
                step.append(ast.Assign(targets=[_name(names[i + 1], ast.Store())],
                                       value=comp))
                step.append(ast.Assign(targets=[_name("@i", ast.Store())],
                                       value=_const(i)))
                step.append(ast.Assign(
                    targets=[_name("@f", ast.Store())],
                    value=ast.UnaryOp(op=ast.Not(), operand=ast.Compare(
                        left=_name(names[i]), ops=[op],
                        comparators=[_name(names[i + 1])]))))
                if i == 0:
                    body.extend(step)
                else:
                    guard = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=_name("@f")),
                                   body=step, orelse=[])
                    body.append(guard)
                    body = guard.body
            # On failure, pick the failing pair's values and sources.
            fails = []
            for i, op in enumerate(test.ops):
                call = fail_call("cmp", CMP_OPS.get(type(op), "?"), srcs[i],
                                 srcs[i + 1], _name(names[i]), _name(names[i + 1]))
                if n == 1:
                    fails = [call]
                    break
                fails.append(ast.If(
                    test=ast.Compare(left=_name("@i"), ops=[ast.Eq()],
                                     comparators=[_const(i)]),
                    body=[call], orelse=[]))
            out.append(ast.If(test=_name("@f"), body=fails, orelse=[]))
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            assign("@t0", test.operand)
            out.append(ast.If(test=_name("@t0"), body=[fail_call(
                "not", None, self._src_or_none(test.operand), None,
                _name("@t0"), _const(None))], orelse=[]))
        else:
            assign("@t0", test)
            out.append(ast.If(
                test=ast.UnaryOp(op=ast.Not(), operand=_name("@t0")),
                body=[fail_call("bare", None, self._src_or_none(test), None,
                                _name("@t0"), _const(None))], orelse=[]))
        for s in out:
            _fix_missing(s, node)
        return out


def _fix_missing(node, ref):
    """Give generated nodes the assert's location, keep user nodes' own.
    A node that already has a whole location (parsed, or fixed before) is
    not walked into: all below it has one too, and it may be large."""
    todo = [node]
    while todo:
        n = todo.pop()
        if "lineno" in n._attributes:
            if not hasattr(n, "lineno"):
                _loc(n, ref)
            elif getattr(n, "end_lineno", None) is None:
                n.end_lineno = n.lineno
                n.end_col_offset = n.col_offset
            else:
                continue
        if n._fields:  # (not Load, Store, an operator: they hold nothing)
            todo.extend(ast.iter_child_nodes(n))


def _contains_assert(node):
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Assert):
            return n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef, ast.Lambda)):
                todo.append(c)
    return None


def _asserting_helpers(body):
    """Names of the functions defined in body whose code asserts."""
    return {s.name for s in body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _contains_assert(s) is not None}


def _case_node(stmt, helpers):
    """The node that names stmt as a test case (its first assert, or its
    call of an asserting helper), or None if stmt is setup."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return None
    a = _contains_assert(stmt)
    if a is not None:
        return stmt if isinstance(stmt, ast.Assert) else _first_assert(stmt)
    if helpers:
        todo = [stmt]
        while todo:
            n = todo.pop()
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                    n.func.id in helpers:
                return stmt
            for c in ast.iter_child_nodes(n):
                if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef,
                                      ast.ClassDef, ast.Lambda)):
                    todo.append(c)
    return None


def _first_assert(node):
    """The first assert in source order inside node (or None)."""
    found = [n for n in ast.walk(node) if isinstance(n, ast.Assert)]
    if not found:
        return None
    return min(found, key=lambda n: (n.lineno, n.col_offset))


def _is_main_guard(stmt):
    if not isinstance(stmt, ast.If):
        return False
    t = stmt.test
    return (isinstance(t, ast.Compare) and len(t.ops) == 1
            and isinstance(t.ops[0], ast.Eq)
            and isinstance(t.left, ast.Name) and t.left.id == "__name__"
            and isinstance(t.comparators[0], ast.Constant)
            and t.comparators[0].value == "__main__")


def _is_runner_call(stmt, entry_point):
    """unittest.main(), pytest.main(), check(...) at top level: we run those."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    f = stmt.value.func
    if isinstance(f, ast.Attribute) and f.attr == "main" and \
            isinstance(f.value, ast.Name) and f.value.id in ("unittest", "pytest"):
        return True
    if entry_point and isinstance(f, ast.Name) and f.id == "check":
        return True
    return False


def _flatten(body, entry_point):
    for stmt in body:
        if _is_main_guard(stmt):
            yield from _flatten(stmt.body, entry_point)
        elif _is_runner_call(stmt, entry_point):
            continue
        else:
            yield stmt


def _base_names(cls):
    out = []
    for b in cls.bases:
        if isinstance(b, ast.Name):
            out.append(b.id)
        elif isinstance(b, ast.Attribute):
            out.append(b.attr)
    return out


def _predict_items(body):
    """The pytest and unittest tests a module body plainly defines, in
    definition order: [(kind, line, name, (args...))]. Only a forecast:
    the judge collects the real list at run time (see llsr_judge); this
    one names the tests a run stopped before collecting (as not run)."""
    items = []
    seen_funcs = set()
    testcase = {"TestCase", "IsolatedAsyncioTestCase"}
    classes = {}
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name.startswith("test"):
            if stmt.name not in seen_funcs:
                seen_funcs.add(stmt.name)
                items.append(("func", stmt.lineno, stmt.name, (stmt.name,)))
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = stmt
            bases = _base_names(stmt)
            methods = [s for s in stmt.body
                       if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
            if any(b in testcase for b in bases):
                testcase.add(stmt.name)
                names, seen = [], set()
                # methods inherited from TestCase classes defined in the file
                for b in bases:
                    base = classes.get(b)
                    if base is not None and b in testcase:
                        for s in base.body:
                            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                                    and s.name.startswith("test") and s.name not in seen:
                                seen.add(s.name)
                                names.append((s.name, s.lineno))
                for s in methods:
                    if s.name.startswith("test") and s.name not in seen:
                        seen.add(s.name)
                        names.append((s.name, s.lineno))
                for i, (m, line) in enumerate(names):
                    items.append(("unittest", line, "%s::%s" % (stmt.name, m),
                                  (stmt.name, m, i == len(names) - 1)))
            elif stmt.name.startswith("Test") and \
                    not any(s.name == "__init__" for s in methods):
                for s in methods:
                    if isinstance(s, ast.FunctionDef) and s.name.startswith("test"):
                        items.append(("method", s.lineno, "%s::%s" % (stmt.name, s.name),
                                      (stmt.name, s.name)))
    return items


def _cap_name(s):
    return s if len(s) <= NAME_CAP else s[: NAME_CAP - 3] + "..."


def _syntax_error(e, label):
    import traceback

    tb = "".join(traceback.format_exception_only(type(e), e))
    if isinstance(e, RecursionError):
        msg = "the %s are nested too deeply to compile" % label
        return PlanError("SyntaxError", msg, None, None)
    msg = "%s (in the %s)" % (getattr(e, "msg", None) or str(e), label)
    return PlanError(type(e).__name__, msg, getattr(e, "lineno", None), tb)


def _parse(src, filename, label):
    try:
        return ast.parse(src, filename)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as e:
        raise _syntax_error(e, label)


def _compile(tree, filename, label):
    try:
        return compile(tree, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as e:
        raise _syntax_error(e, label)


def _rewrite(rw, stmt):
    """stmt with its asserts rewritten (a list); stmt as it is when it is
    too deeply nested for the rewriter (it then fails with Python's own
    message)."""
    try:
        new = rw.visit(stmt)
    except RecursionError:
        return [stmt]
    return new if isinstance(new, list) else [new]


def build(code, tests, entry_point, program=None, isolation="process"):
    """code, tests: bytes. Returns (cases, job) or raises PlanError.

    cases: list of (name, line) known before anything runs (the judge adds
    the tests it collects at run time); job: dict for llsr_judge (without
    secret, skip; with "solution": the compiled solution when it runs in
    its own process). program: a program run (no tests asked for), None
    to infer it (no tests and no entry point)."""
    try:
        tests_src = tests.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PlanError("SyntaxError", "the tests are not valid UTF-8: %s" % e, None, None)
    try:
        code_src = code.decode("utf-8-sig")
    except UnicodeDecodeError:
        code_src = None  # compile() may still accept a coding cookie
    if "\0" in tests_src:
        raise PlanError("SyntaxError", "the tests contain a NUL byte", None, None)
    has_tests = bool(tests_src.strip())
    if program is None:
        program = not has_tests and not entry_point
    sources = {"<solution>": code_src or "", "<tests>": tests_src}

    def job(name, steps, **kw):
        j = {"name": name, "steps": steps, "sources": sources, "program": False,
             "isolation": isolation, "self_tested": False, "entry_point": entry_point,
             "predicted": []}
        j.update(kw)
        if j["isolation"] == "process":
            j["solution"] = steps[0][1]
            j["steps"] = [("load", None)] + steps[1:]
            j["sources"] = {"<tests>": tests_src}
            j["sources_solution"] = code_src or ""
        return j

    if not has_tests and not entry_point:
        sol_tree = _parse(code, "<solution>", "solution")
        sol_code = _compile(sol_tree, "<solution>", "solution")
        predicted = [(_cap_name(name), line)
                     for _, line, name, _ in _predict_items(sol_tree.body)]
        if predicted:
            # The solution carries its own tests: they run with it, in one
            # process (its verdicts are its own word anyway).
            return [], job("solution", [("load", sol_code), ("collect", 0)],
                           isolation="in_process", self_tested=True,
                           predicted=predicted)
        if program:
            return [], job("__main__", [("load", sol_code)], program=True,
                           isolation="in_process")
        # Tests were asked for and there are none: the solution still loads
        # (its errors are reported), then no test runs: no_tests.
        return [], job("solution", [("load", sol_code)])

    steps = [("load", None)]
    cases = []
    tree = _parse(tests_src, "<tests>", "tests")
    rw = AssertRewriter(tests_src)
    body = list(_flatten(tree.body, entry_point))
    helpers = _asserting_helpers(body)

    check_def = None
    missing_check = False
    if entry_point:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "check":
                check_def = stmt
        missing_check = check_def is None and not any(
                isinstance(t, ast.Name) and t.id == "check"
                for stmt in body if isinstance(stmt, (ast.Assign, ast.Import, ast.ImportFrom))
                for t in (getattr(stmt, "targets", None) or
                          [ast.Name(id=a.asname or a.name) for a in getattr(stmt, "names", [])]))
    n_top = sum(1 for stmt in body if _case_node(stmt, helpers) is not None)
    check_cases = []
    if check_def is not None:
        # Rewritten in place before its setup step is compiled below.
        check_cases = _rewrite_check(check_def, rw, n_top)

    pending = []

    def flush_setup():
        if pending:
            new = []
            for st in pending:
                new.extend(_rewrite(rw, st))
            steps.append(("setup", pending[0].lineno,
                          _compile(ast.Module(body=new, type_ignores=[]),
                                   "<tests>", "tests")))
            del pending[:]

    for stmt in body:
        first = _case_node(stmt, helpers)
        if first is None:
            pending.append(stmt)
            continue
        flush_setup()
        k = len(cases)
        cases.append((_cap_name(rw.segment(first)), first.lineno))
        steps.append(("case", k, _compile(ast.Module(body=_rewrite(rw, stmt),
                                                     type_ignores=[]),
                                          "<tests>", "tests")))
    flush_setup()

    if entry_point:
        for name, line in check_cases:
            cases.append((_cap_name(name), line))
        steps.append(("check", entry_point))
    steps.append(("collect", len(cases)))
    predicted = [(_cap_name(name), line) for _, line, name, _ in _predict_items(body)]
    if missing_check:
        # Known before anything runs: no test may be counted; the tests
        # found are listed as not run.
        e = PlanError("NameError", "the tests define no check() function "
                      "(entry_point %r was given)" % entry_point, None, None)
        e.cases = cases + predicted
        raise e

    try:
        steps[0] = ("load", _compile(_parse(code, "<solution>", "solution"),
                                     "<solution>", "solution"))
    except PlanError as e:
        e.cases = cases + predicted
        raise
    return cases, job("solution", steps, predicted=predicted)


def _rewrite_check(fn, rw, base):
    """Wrap each assert-bearing statement of check's body as one case.

    Cases are numbered from base. Returns [(name, line)].
    """
    cases = []
    body = []
    helpers = _asserting_helpers(fn.body)
    for stmt in fn.body:
        first = _case_node(stmt, helpers)
        if first is None:
            body.extend(_rewrite(rw, stmt))
            continue
        cases.append((rw.segment(first), first.lineno))
        new = _rewrite(rw, stmt)
        k = base + len(cases) - 1
        wrapped = ast.If(
            test=ast.Call(func=ast.Attribute(value=_name("@llsr"), attr="begin",
                                             ctx=ast.Load()),
                          args=[_const(k)], keywords=[]),
            body=[ast.Try(
                body=new,
                handlers=[ast.ExceptHandler(
                    type=_name("BaseException"), name="@e",
                    body=[ast.Expr(value=ast.Call(
                        func=ast.Attribute(value=_name("@llsr"), attr="exc",
                                           ctx=ast.Load()),
                        args=[_const(k), _name("@e")], keywords=[]))])],
                orelse=[ast.Expr(value=ast.Call(
                    func=ast.Attribute(value=_name("@llsr"), attr="ok", ctx=ast.Load()),
                    args=[_const(k)], keywords=[]))],
                finalbody=[])],
            orelse=[])
        _fix_missing(wrapped, stmt)
        body.append(wrapped)
    fn.body = body or [ast.Pass()]
    return cases
