#!/usr/bin/env python3
"""Program cases through the real service (TAP): `"cases"` in /run_code.

    test_cases.py --url http://127.0.0.1:18080

Every comparison mode (exact, lines, tokens, float) accepting and
rejecting; every verdict (passed, wrong_answer with the first difference,
runtime_error by exit code and by signal, timeout by CPU and by wall clock,
memory_limit, output_limit, not_run under stop_on_first_failure); the
order of results; the figures (a program holding 100 MiB reports
memory_kb within 10 % of it, a 0.5 s CPU busy loop reports time_ms in
450-600); the 400s of the request; and programs that hunt for the expected
output (/proc/1/mem, every process's environ, cmdline and descriptors,
files) and must not pass; a client's checker (compare "checker"):
accepting, rejecting with its message, crashing and running out of time
(checker_error), and hostile programs whose daemons rewrite files and
descriptors or kill processes while the checker would run. Needs the default caps of conf/
(max_cases 1000, max_case_bytes 1 MiB, memory_mb 256); case_timeout_ms
is --case-timeout-cap (default 2000).
"""

import argparse
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llsr_client import Service, b64  # noqa: E402
from llsr_stack import Tap  # noqa: E402

ECHO = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"


def case(stdin, expected, name=None):
    c = {"stdin": b64(stdin), "expected_stdout": b64(expected)}
    if name is not None:
        c["name"] = name
    return c


def statuses(body):
    return [c.get("status") for c in body.get("cases", [])] \
        if isinstance(body, dict) else body


class Suite:
    def __init__(self, url, cap, runtime):
        self.cap = cap
        # gVisor's ru_maxrss counts ~15 MiB of the interpreter where runc
        # counts ~8 (measured: 117828 kB against 110844 kB for 100 MiB).
        self.mem_hi, self.mem_why = (1.2, "-10 %/+20 % (gVisor: its ru_maxrss counts "
                                     "~15 MiB of interpreter)") if runtime == "runsc" \
            else (1.1, "10 %")
        self.svc = Service(url)
        self.tap = Tap()

    def post(self, obj):
        r = self.svc.post_json(obj, timeout=120)
        return r.status, r.json

    def run(self, what, obj, want_status, want_cases, check=None, retry_if=None):
        """POST obj; the run's status and the cases' verdicts must be as
        given, and check(body) (optional) must return "" (else why).
        retry_if(body) true: the answer says nothing of what is checked
        (e.g. the machine's load starved the case of CPU): sent again, up
        to 5 times in all."""
        for _ in range(5):
            st, body = self.post(obj)
            if not (st == 200 and retry_if and retry_if(body)):
                break
            print("# %s: starved by the machine's load, sent again (%s)" % (
                what, (body.get("cases") or [{}])[0].get("message")))
        got = statuses(body)
        why = ""
        if st != 200:
            why = "HTTP %s: %s" % (st, body)
        elif body.get("status") != want_status or got != want_cases:
            why = "status %s, cases %s; wanted %s, %s" % (
                body.get("status"), got, want_status, want_cases)
        elif check is not None:
            why = check(body)
        self.tap(not why, what, why + "\n" + repr(body)[:1500] if why else "")
        return body

    def refused(self, what, obj, code, contains=""):
        st, body = self.post(obj)
        err = body.get("error", {}) if isinstance(body, dict) else {}
        ok = st == 400 and err.get("code") == code and contains in err.get("message", "")
        self.tap(ok, what, "HTTP %s %s" % (st, body))


def diff_is(i, line, column, expected, actual):
    def check(body):
        d = body["cases"][i].get("difference")
        want = {"line": line, "column": column, "expected": expected, "actual": actual}
        return "" if d == want else "difference %s, wanted %s" % (d, want)
    return check


def modes(s):
    code = b64(ECHO)
    s.run("exact: identical bytes pass; a trailing space is a wrong answer at line 1, column 4",
          {"code": code, "compare": "exact",
           "cases": [case("a b\n", "a b\n"), case("a b  \n", "a b\n"),
                     case("a b", "a b\n")]},
          "failed", ["passed", "wrong_answer", "wrong_answer"],
          diff_is(1, 1, 4, "a b", "a b  "))
    s.run("lines (the default): trailing white space and blank lines ignored; "
          "a changed line is found at its line and column",
          {"code": code,
           "cases": [case("1 2  \r\n3\t\n\n\n", "1 2\n3\n"), case("1 2\n4\n", "1 2\n3\n"),
                     case("1  2\n3\n", "1 2\n3\n"), case("1 2\n", "1 2\n3\n")]},
          "failed", ["passed", "wrong_answer", "wrong_answer", "wrong_answer"],
          lambda b: diff_is(1, 2, 1, "3", "4")(b) or diff_is(2, 1, 3, "1 2", "1  2")(b)
          or ("" if "end of output" in (b["cases"][3].get("message") or "")
              else "case 3's message: %r" % b["cases"][3].get("message")))
    s.run("tokens: any white space between tokens; a different token is a wrong answer",
          {"code": code, "compare": "tokens",
           "cases": [case("1  2\n\n 3 ", "1 2 3\n"), case("1 2\n4", "1 2\n3\n"),
                     case("1 2", "1 2 3")]},
          "failed", ["passed", "wrong_answer", "wrong_answer"],
          diff_is(1, 2, 1, "3", "4"))
    s.run("float: numbers equal within abs_tol/rel_tol (default 1e-6); words exactly",
          {"code": code, "compare": "float",
           "cases": [case("0.3333333 2e3 yes\n", "0.33333333333 2000 yes\n"),
                     case("0.34\n", "0.33\n"), case("0.33 Yes\n", "0.33 yes\n"),
                     case("1000001\n", "1000000\n")]},
          "failed", ["passed", "wrong_answer", "wrong_answer", "passed"])
    s.run("float: abs_tol 0.05 accepts 0.34 for 0.33, rel_tol 0 and abs_tol 0 do not "
          "accept 1000001 for 1000000",
          {"code": code, "compare": "float", "abs_tol": 0.05, "rel_tol": 0,
           "cases": [case("0.34\n", "0.33\n"), case("1000001\n", "1000000\n")]},
          "failed", ["passed", "wrong_answer"])


def verdicts(s):
    prog = ("import os, sys, time\n"
            "n = sys.stdin.readline().strip()\n"
            "if n == 'exit3':\n    sys.exit(3)\n"
            "if n == 'raise':\n    raise ValueError('bad ' + n)\n"
            "if n == 'segv':\n    os.kill(os.getpid(), 11)\n"
            "if n == 'spin':\n    while True:\n        pass\n"
            "if n == 'sleep':\n    time.sleep(60)\n"
            "if n == 'eat':\n    b = bytearray(512 << 20)\n"
            "if n == 'flood':\n    print('x' * 100000)\n"
            "print(n)\n")
    body = s.run("every verdict but timeout, in the order given: passed, wrong_answer, "
                 "runtime_error (exit code, exception, signal), memory_limit, output_limit",
                 {"code": b64(prog), "case_timeout_ms": s.cap, "case_output_limit": 1000,
                  "memory_mb": 128,
                  "cases": [case("ok\n", "ok\n", "first"), case("ok\n", "ko\n"),
                            case("exit3\n", ""), case("raise\n", ""), case("segv\n", ""),
                            case("eat\n", ""), case("flood\n", "")]},
                 "failed", ["passed", "wrong_answer", "runtime_error", "runtime_error",
                            "runtime_error", "memory_limit", "output_limit"])
    cs = body.get("cases", []) if isinstance(body, dict) else []
    if len(cs) == 7:
        s.tap(cs[0].get("name") == "first" and cs[1].get("name") is None
              and [c["index"] for c in cs] == list(range(7)),
              "names and indexes come back as sent", cs[:2])
        s.tap(cs[2].get("exit_code") == 3 and "exited with code 3" in cs[2].get("message", ""),
              "runtime_error by exit code names it (3)", cs[2])
        s.tap(cs[3].get("exit_code") == 1 and "ValueError: bad raise" in (cs[3].get("stderr") or ""),
              "runtime_error by an exception: exit code 1, the traceback in stderr", cs[3])
        s.tap(cs[4].get("signal") == "SIGSEGV" and cs[4].get("exit_code") is None
              and "SIGSEGV" in cs[4].get("message", ""),
              "runtime_error by a signal names it (SIGSEGV)", cs[4])
        s.tap("MemoryError" in (cs[5].get("stderr") or "") or cs[5].get("signal") == "SIGKILL",
              "memory_limit: 512 MiB under memory_mb 128", cs[5])
        s.tap("1000" in (cs[6].get("message") or ""), "output_limit names the limit", cs[6])
        for c in cs:
            ok = all(isinstance(c.get(k), (int, float)) and c[k] >= 0
                     for k in ("time_ms", "wall_ms", "memory_kb"))
            if not ok:
                break
        s.tap(ok, "every case reports time_ms, wall_ms and memory_kb", cs)
    body = s.run("timeout: a busy loop and a sleep under case_timeout_ms 300",
                 {"code": b64(prog), "case_timeout_ms": 300,
                  "cases": [case("spin\n", ""), case("sleep\n", "")]},
                 "failed", ["timeout", "timeout"])
    cs = body.get("cases", []) if isinstance(body, dict) else []
    if len(cs) == 2:
        # On a loaded machine the wall clock (2 x 300 + 500 ms) may run out
        # before 300 ms of CPU time: then the message says so.
        m0 = cs[0].get("message", "")
        s.tap(("CPU" in m0 and 280 <= cs[0].get("time_ms", 0) <= 600)
              or ("wall-clock" in m0 and cs[0].get("wall_ms", 0) >= 1100),
              "timeout of a busy loop: time_ms %s near case_timeout_ms 300 (%s)"
              % (cs[0].get("time_ms"), m0), cs[0])
        s.tap(cs[1].get("time_ms", 1e9) < 300 and cs[1].get("wall_ms", 0) >= 1100
              and "wall-clock" in cs[1].get("message", ""),
              "timeout by wall clock (sleep): under 300 ms of CPU, wall_ms %s >= 2 x 300 + 500"
              % cs[1].get("wall_ms"), cs[1])
    s.run("stop_on_first_failure: the cases after the first failure are not_run",
          {"code": b64(ECHO), "stop_on_first_failure": True,
           "cases": [case("a", "a"), case("b", "x"), case("c", "c"), case("d", "d")]},
          "failed", ["passed", "wrong_answer", "not_run", "not_run"])
    s.run("without it every case runs",
          {"code": b64(ECHO),
           "cases": [case("a", "a"), case("b", "x"), case("c", "c"), case("d", "d")]},
          "failed", ["passed", "wrong_answer", "passed", "passed"],
          lambda b: "" if b.get("summary") == {"total": 4, "passed": 3, "failed": 1,
                                               "not_run": 0}
          else "summary %s" % b.get("summary"))
    s.run("every case passed: the run passed; a slow first case still comes first",
          {"code": b64("import sys, time\nn = int(input())\ntime.sleep(0.3 if n == 0 else 0)\n"
                       "print(n * n)\n"),
           "cases": [case("%d\n" % i, "%d\n" % (i * i)) for i in range(6)]},
          "passed", ["passed"] * 6)
    s.run("a program that does not compile is a runtime_error in every case",
          {"code": b64("print(\n"), "cases": [case("", ""), case("", "")]},
          "failed", ["runtime_error", "runtime_error"],
          lambda b: "" if "SyntaxError" in (b["cases"][0].get("stderr") or "")
          else "no SyntaxError in stderr")


def starved(body):
    """A case stopped by its wall clock before it had the CPU time it
    needs: on a loaded machine, not a wrong figure."""
    c = (body.get("cases") or [{}])[0]
    return c.get("status") == "timeout" and "wall-clock" in (c.get("message") or "") \
        and c.get("time_ms", 0) < 450


def figures(s):
    body = s.run("memory_kb of a program holding 100 MiB is within %s of 102400" % s.mem_why,
                 {"code": b64("import sys\nb = b'x' * (100 << 20)\nprint(len(b) >> 20)\n"),
                  "case_timeout_ms": s.cap, "cases": [case("", "100\n")]}, "passed", ["passed"],
                 lambda b: "" if 0.9 * 102400 <= b["cases"][0]["memory_kb"] <= s.mem_hi * 102400
                 else "memory_kb %s" % b["cases"][0]["memory_kb"])
    if isinstance(body, dict) and body.get("cases"):
        print("# memory_kb %s for 100 MiB" % body["cases"][0]["memory_kb"])
    body = s.run("time_ms of a 0.5 s CPU busy loop is within 450-600",
                 {"code": b64("import time\nwhile time.process_time() < 0.5:\n    pass\n"
                              "print('done')\n"),
                  "case_timeout_ms": s.cap, "cases": [case("", "done\n")]},
                 "passed", ["passed"],
                 lambda b: "" if 450 <= b["cases"][0]["time_ms"] <= 600
                 else "time_ms %s" % b["cases"][0]["time_ms"], retry_if=starved)
    if isinstance(body, dict) and body.get("cases"):
        print("# time_ms %s wall_ms %s for a 0.5 s busy loop" % (
            body["cases"][0]["time_ms"], body["cases"][0]["wall_ms"]))


# Each hunter prints every candidate it finds for the expected output (a
# line that starts with the marker), or "nothing". The expected output is a
# fresh secret: the case can only pass if the hunter found it.
HUNT_PRE = r"""
import os, re, sys
MARK = b"LLSR-SECRET-"
found = set()
def look(data):
    for m in re.finditer(re.escape(MARK) + rb"[0-9a-f]{32}", data or b""):
        found.add(m.group())
def slurp(path, n=1 << 22):
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except Exception as e:
        return b""
"""
HUNT_POST = r"""
sys.stdout.write("\n".join(sorted(x.decode() for x in found)) + "\n" if found else "nothing\n")
"""
HUNTERS = {
    "/proc/1/mem through /proc/1/maps": r"""
maps = slurp("/proc/1/maps").decode(errors="replace")
for line in maps.splitlines():
    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
    try:
        with open("/proc/1/mem", "rb") as f:
            f.seek(lo)
            look(f.read(min(hi - lo, 1 << 24)))
    except Exception:
        pass
""",
    "every process's environ, cmdline, mem and descriptors": r"""
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    for part in ("environ", "cmdline", "stat", "status", "maps"):
        look(slurp("/proc/%s/%s" % (pid, part)))
    try:
        fds = os.listdir("/proc/%s/fd" % pid)
    except Exception:
        fds = []
    for fd in fds:
        p = "/proc/%s/fd/%s" % (pid, fd)
        try:
            f = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
            try:
                os.lseek(f, 0, 0)
            except OSError:
                pass
            try:
                look(os.read(f, 1 << 22))
            except OSError:
                pass
            os.close(f)
        except Exception:
            pass
""",
    "its own descriptors, environment and arguments": r"""
for fd in range(0, 256):
    try:
        os.lseek(fd, 0, 0)
    except OSError:
        pass
    try:
        look(os.read(fd, 1 << 22))
    except OSError:
        pass
look(b" ".join(os.environb.values()) if hasattr(os, "environb") else b"")
look(" ".join(sys.argv).encode())
look(slurp("/proc/self/environ") + slurp("/proc/self/cmdline"))
""",
    "every readable file": r"""
import stat, time
end = time.monotonic() + 1.5  # (a walk is slow under gVisor: end in time)
for top in ("/tmp", "/dev/shm", "/run", "/var", "/opt", "/etc", "/home", "/root", "/proc/1"):
    for d, dirs, files in os.walk(top):
        if d.startswith("/proc/") and d.count("/") > 3:
            dirs[:] = []
        for f in files:
            p = os.path.join(d, f)
            try:  # regular files only, never waiting (a FIFO would block)
                if not stat.S_ISREG(os.lstat(p).st_mode):
                    continue
                fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    look(os.read(fd, 1 << 20))
                finally:
                    os.close(fd)
            except OSError:
                pass
            if time.monotonic() > end:
                break
        if time.monotonic() > end:
            break
""",
    "ptrace of PID 1": r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, 1, 0, 0)  # PTRACE_ATTACH
sys.stderr.write("ptrace attach: %d errno %d\n" % (r, ctypes.get_errno()))
if r == 0:
    word = ctypes.c_long
    libc.ptrace.restype = ctypes.c_long
    maps = slurp("/proc/1/maps").decode(errors="replace")
    for line in maps.splitlines():
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        buf = bytearray()
        for a in range(lo, min(hi, lo + (1 << 20)), 8):
            buf += libc.ptrace(2, 1, ctypes.c_void_p(a), 0).to_bytes(8, "little", signed=True)
        look(bytes(buf))
""",
}


def hunters(s):
    # The control: a secret the program can reach (its own stdin) is found,
    # so a hunter that finds nothing below has really looked.
    secret = "LLSR-SECRET-" + secrets.token_hex(16)
    code = HUNT_PRE + HUNTERS["its own descriptors, environment and arguments"] + HUNT_POST
    st, rep = s.post({"code": b64(code), "cases": [case("x" + secret + "y", secret + "\n")]})
    s.tap(st == 200 and statuses(rep) == ["passed"],
          "control: the hunter finds a secret put in its own stdin (the case passes)",
          repr(rep)[:1500])
    for what, body in HUNTERS.items():
        secret = "LLSR-SECRET-" + secrets.token_hex(16)
        code = HUNT_PRE + body + HUNT_POST
        # Several cases at once, each with its own secret: a hunter also
        # sees the other cases' processes while they run.
        others = ["LLSR-SECRET-" + secrets.token_hex(16) for _ in range(3)]
        st, rep = s.post({"code": b64(code), "case_timeout_ms": 2000,
                          "cases": [case("", secret + "\n")] +
                          [case("", o + "\n") for o in others]})
        got = statuses(rep)
        cs = rep.get("cases", []) if isinstance(rep, dict) else []
        # What the hunter printed shows in its difference's "actual"; its
        # stderr comes back too.
        seen = [(c.get("difference") or {}).get("actual", "") + (c.get("stderr") or "")
                for c in cs]
        leaked = [x for x in seen if "LLSR-SECRET-" in x]
        ok = st == 200 and len(got) == 4 and all(g == "wrong_answer" for g in got) \
            and not leaked
        text = repr(rep)
        s.tap(ok, "a program hunting the expected output (%s) finds nothing: %s"
              % (what, got), text[:2000])


def refusals(s):
    code = b64(ECHO)
    one = [case("a", "a")]
    s.refused("cases with tests is a 400 conflicting_fields",
              {"code": code, "tests": b64("assert True\n"), "cases": one},
              "conflicting_fields", "'cases' and 'tests'")
    s.refused("cases with tests: null too", {"code": code, "tests": None, "cases": one},
              "conflicting_fields")
    s.refused("cases with stdin is a 400 conflicting_fields",
              {"code": code, "stdin": b64("x"), "cases": one}, "conflicting_fields")
    s.refused("cases with entry_point is a 400 conflicting_fields",
              {"code": code, "entry_point": "f", "cases": one}, "conflicting_fields")
    s.refused("compare without cases is a 400", {"code": code, "compare": "exact"},
              "invalid_field", "needs 'cases'")
    s.refused("an unknown compare mode is a 400",
              {"code": code, "cases": one, "compare": "diff"}, "invalid_field", "compare")
    s.refused("compare checker without a checker is a 400 missing_field",
              {"code": code, "cases": one, "compare": "checker"}, "missing_field", "'checker'")
    s.refused("a checker without compare checker is a 400 conflicting_fields",
              {"code": code, "cases": one, "checker": b64("pass\n")}, "conflicting_fields",
              "compare \"checker\"")
    s.refused("checker_timeout_ms over the server's cap (5000) is a 400",
              {"code": code, "cases": one, "compare": "checker", "checker": b64("pass\n"),
               "checker_timeout_ms": 5001}, "invalid_field", "checker_timeout_ms")
    s.refused("case_timeout_ms over the server's cap (%d) is a 400" % s.cap,
              {"code": code, "cases": one, "case_timeout_ms": s.cap + 1}, "invalid_field",
              "case_timeout_ms")
    s.refused("case_output_limit over max_case_bytes is a 400",
              {"code": code, "cases": one, "case_output_limit": (1 << 20) + 1},
              "invalid_field", "case_output_limit")
    s.refused("more than max_cases (1000) cases is a 400",
              {"code": code, "cases": [case("", "")] * 1001}, "invalid_field", "1 to 1000")
    s.refused("an empty cases list is a 400", {"code": code, "cases": []}, "invalid_field")
    s.refused("expected_stdout over max_case_bytes (1 MiB) is a 400",
              {"code": code, "cases": [case("", "x" * ((1 << 20) + 1))]},
              "invalid_field", "cases[0].expected_stdout")
    s.refused("a case without expected_stdout is a 400",
              {"code": code, "cases": [{"stdin": b64("x")}]}, "missing_field",
              "cases[0].expected_stdout")
    s.refused("bad base64 in a case names it",
              {"code": code, "cases": [case("", ""), {"expected_stdout": "@@"}]},
              "invalid_base64", "cases[1].expected_stdout")
    s.refused("an unknown key in a case is a 400",
              {"code": code, "cases": [dict(case("", ""), expect="x")]}, "invalid_field",
              "unknown field")
    s.refused("a negative abs_tol is a 400",
              {"code": code, "cases": one, "compare": "float", "abs_tol": -1},
              "invalid_field", "abs_tol")
    s.refused("cases in a batch are refused (not supported yet)",
              {"submissions": [{"code": code, "cases": one}]}, "invalid_field", "batch")


# A special judge: any order of the expected numbers is right. Its message
# says how many other processes it saw (none but P, PID 1, and itself may
# be alive while a checker runs).
CHECKER = r"""
import os, sys, time
inp, exp, act = (open(p, "rb").read() for p in sys.argv[1:4])
if b"crash" in inp:
    raise ValueError("checker bug")
if b"spin" in inp:
    while True:
        pass
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
verdict = sorted(exp.split()) == sorted(act.split())
print("%s; others: %d; actual %r" % ("a permutation" if verdict else "not a permutation",
                                      len(others), act.strip().decode(errors="replace")))
sys.exit(0 if verdict else 1)
"""

# What a hostile program leaves behind. It prints the wrong answer "41"
# (the right one, in the expected output, is "42") and forks a daemon of a
# session of its own that, for 20 s, rewrites every file it can reach in
# /tmp (MODE "files"), and also every descriptor of every other process
# (MODE "all") with "42", or SIGKILLs every other process (MODE "kill"),
# from the moment the case's own process ended: what a checker reads or is
# would change if it ran beside it. It also leaves files a careless interpreter would
# run (sitecustomize.py, usercustomize.py) that accept everything.
TAMPER = r"""
import os, signal, sys, time
MODE = %r
CASE = os.getpid()
ACCEPT = "import sys\nprint('accepted by a planted file')\nsys.exit(0)\n"
for name in ("sitecustomize.py", "usercustomize.py", "checker.py", "actual"):
    try:
        with open(os.path.join("/tmp", name), "w") as f:
            f.write(ACCEPT if name.endswith(".py") else "42\n")
    except OSError:
        pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        me = os.getpid()
        end = time.monotonic() + 5
        while os.path.exists("/proc/%%d" %% CASE) and time.monotonic() < end:
            time.sleep(0.005)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            for d, dirs, files in os.walk("/tmp"):
                for f in files:
                    try:
                        with open(os.path.join(d, f), "w") as h:
                            h.write("42\n")
                    except OSError:
                        pass
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or int(pid) in (1, me):
                    continue
                if MODE == "kill":
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
                    continue
                if MODE != "all":
                    continue
                try:
                    fds = os.listdir("/proc/%%s/fd" %% pid)
                except OSError:
                    fds = []
                for fd in fds:
                    try:
                        with open("/proc/%%s/fd/%%s" %% (pid, fd), "w") as h:
                            h.write("42\n")
                    except OSError:
                        pass
        os._exit(0)
    os._exit(0)
os.wait()
print("41")
"""

# The control (put before TAMPER): a case that runs once the daemon is out and watches a file
# of its own in /tmp; it prints what the file holds once the daemon
# rewrote it (within 5 s), else what it wrote.
PROBE = r"""
import os, sys, time
if sys.stdin.read().strip() == "probe":
    p = "/tmp/probe-%d" % os.getpid()
    with open(p, "w") as f:
        f.write("41\n")
    end = time.monotonic() + 5
    while time.monotonic() < end:
        with open(p) as f:
            got = f.read().strip()
        if got not in ("41", ""):  # (the daemon truncates, then writes)
            break
        time.sleep(0.01)
    print(got)
    sys.exit(0)
"""


def checkers(s):
    chk = b64(CHECKER)
    body = s.run("checker: accepts another right answer, rejects a wrong one with its "
                 "message; a crash and a timeout are checker_error, not the solution's",
                 {"code": b64(ECHO), "compare": "checker", "checker": chk,
                  "checker_timeout_ms": 1000,  # (its wall clock 2.5 s: loaded hosts)
                  "cases": [case("1 2 3\n", "3 2 1\n"), case("1 3\n", "1 2\n"),
                            case("1 crash\n", "1\n"), case("1 spin\n", "1\n")]},
                 "error", ["passed", "wrong_answer", "checker_error", "checker_error"])
    cs = body.get("cases", []) if isinstance(body, dict) else []
    if len(cs) == 4:
        s.tap((cs[0].get("message") or "").startswith("a permutation")
              and (cs[1].get("message") or "").startswith("not a permutation"),
              "checker: the first line of its output is the case's message", cs[:2])
        s.tap("ValueError: checker bug" in (cs[2].get("message") or "")
              and "time limit" in (cs[3].get("message") or ""),
              "checker_error says why (the checker's exception; its time limit)", cs[2:])
        err = body.get("error") or {}
        s.tap(err.get("type") == "CheckerError"
              and err.get("message", "").startswith("case 2: "),
              "a checker_error makes the run error, type CheckerError, naming the case",
              body.get("error"))
    s.run("checker: every case accepted, the run passed",
          {"code": b64(ECHO), "compare": "checker", "checker": chk,
           "cases": [case("1 2\n", "2 1\n"), case("5\n", "5\n")]},
          "passed", ["passed", "passed"],
          lambda b: "" if b.get("summary", {}).get("passed") == 2 else "summary")
    s.run("checker with stop_on_first_failure: the cases after a rejected one are not_run",
          {"code": b64(ECHO), "compare": "checker", "checker": chk,
           "stop_on_first_failure": True,
           "cases": [case("1\n", "1\n"), case("1\n", "2\n"), case("3\n", "3\n")]},
          "failed", ["passed", "wrong_answer", "not_run"])
    s.run("checker: a program that crashes is a runtime_error, its checker never runs",
          {"code": b64("raise SystemExit(3)\n"), "compare": "checker", "checker": chk,
           "cases": [case("1\n", "1\n")]},
          "failed", ["runtime_error"])
    # The control: the daemon outlives the case that forked it and rewrites
    # a file another case reads.
    s.run("control: a hostile program's daemon outlives its case and rewrites /tmp "
          "(another case's file reads 42)",
          {"code": b64(PROBE + TAMPER % "files"), "timeout_ms": 10000,
           "cases": [case("", "41\n"), case("probe\n", "42\n")]},
          "passed", ["passed", "passed"])
    for mode in ("all", "kill"):
        what = "SIGKILLs every other process" if mode == "kill" else \
            "rewrites /tmp and every process's descriptors with the right answer"
        s.run("checker: a wrong answer stays wrong when the program's daemon %s and "
              "planted sitecustomize.py; the checker saw no other process" % what,
              {"code": b64(TAMPER % mode), "compare": "checker", "checker": chk,
               "cases": [case("", "42\n")]},
              "failed", ["wrong_answer"],
              lambda b: "" if all("others: 0; actual '41'" in (c.get("message") or "")
                                  for c in b["cases"])
              else "messages %s" % [c.get("message") for c in b["cases"]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--case-timeout-cap", type=int, default=2000,
                    help="the service's case_timeout_ms (the figures use all of it: "
                    "on a loaded machine a 0.5 s busy loop needs seconds of wall clock)")
    ap.add_argument("--runtime", default="", help="runsc: the service runs under gVisor")
    a = ap.parse_args()
    s = Suite(a.url, a.case_timeout_cap, a.runtime)
    refusals(s)
    modes(s)
    verdicts(s)
    figures(s)
    hunters(s)
    checkers(s)
    return s.tap.finish()


if __name__ == "__main__":
    sys.exit(main())
