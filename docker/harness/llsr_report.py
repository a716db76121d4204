"""The report: the one line the harness writes (protocol.md).

build() makes a run's report object from its Runner; encode_report() and
encode_batch_report() turn reports into the line, trimmed to fit the
report limit; write_out() writes it.
"""

import json
import os

STATUSES = ("passed", "failed", "error", "not_run")


def build(r, caps, keep=None):
    """Runner r's report dict; caps = (traceback/output cap, message cap,
    run output cap) in characters, None = uncapped; keep = tests kept."""
    tcap, mcap, ocap = caps

    def cut(s, n):
        if s is None or n is None or len(s) <= n:
            return s
        return s[:n] + " [truncated]"

    tests = []
    cases = r.cases
    if r.collected is None and r.predicted:
        # The run stopped before the judge collected its pytest/unittest
        # tests: those the plan saw are listed, not run.
        cases = cases + list(r.predicted)
    for i, (name, line) in enumerate(cases):
        t = (r.results[i] if i < r.n else None) or {
            "status": "not_run", "message": None, "traceback": None, "duration_ms": 0.0}
        so, se = (bytes(b).decode("utf-8", "replace")
                  for b in (r.tout[i] if i < r.n else (b"", b"")))
        tests.append({
            "index": i, "name": cut(name, mcap), "line": line, "status": t["status"],
            "duration_ms": t["duration_ms"],
            "message": cut(t["message"], mcap), "traceback": cut(t["traceback"], tcap),
            "stdout": cut(so, tcap) or "", "stderr": cut(se, tcap) or ""})
    err = r.error
    if err is not None:
        err = dict(err, message=cut(err["message"], mcap),
                   traceback=cut(err["traceback"], tcap))
    out, errs = (bytes(b).decode("utf-8", "replace") for b in r.out)
    tr = list(r.truncated)
    if ocap is not None:
        if len(out) > ocap:
            out, tr[0] = out[:ocap], True
        if len(errs) > ocap:
            errs, tr[1] = errs[:ocap], True
    if keep is not None:
        tests = tests[:keep]
    return {"status": r.status(), "tests": tests, "error": err,
            "oom_killed": r.oom_seen, "exit_code": r.exit_code(),
            "isolation": r.isolation,
            "stdout": out, "stdout_truncated": tr[0],
            "stderr": errs, "stderr_truncated": tr[1]}


def _dump(rep):
    try:
        return json.dumps(rep, ensure_ascii=True, separators=(",", ":"),
                          allow_nan=False)
    except ValueError:  # a non-finite number: never valid JSON
        return json.dumps(error_report("error", "HarnessError",
                                       "the report held a non-finite number"),
                          ensure_ascii=True, separators=(",", ":"))


TRIM_LEVELS = [(None, None, None), (8192, 8192, None), (2048, 2048, None),
               (512, 1024, 65536), (128, 256, 8192), (0, 120, 1024),
               (0, 60, 128), (0, 20, 0)]


def fit_report(make, limit):
    """A report's JSON text, trimmed until it is shorter than limit
    characters: per-test output/tracebacks, then messages and names, then
    run output, then tests from the end; as a last resort (even if that
    does not fit either) an error report "report too large"."""
    for caps in TRIM_LEVELS:
        text = _dump(make(caps))
        if len(text) < limit:
            return text
    # Still too big: too many tests. Keep as many as fit (binary search).
    last = TRIM_LEVELS[-1]
    lo, hi = 0, len(make(last)["tests"])
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_dump(make(last, mid))) < limit:
            lo = mid
        else:
            hi = mid - 1
    text = _dump(make(last, lo))
    if len(text) < limit:
        return text
    return _dump(error_report("error", "HarnessError", "report too large"))


def encode_report(nonce, make, limit):
    """The report line, trimmed until it fits under limit bytes."""
    text = fit_report(make, limit - len(nonce) - 2)
    return ("%s %s\n" % (nonce, text)).encode("ascii")


def encode_batch_report(nonce, builds, limit):
    """`<nonce> {"results":[...]}\n` under limit bytes. When the untrimmed
    results do not fit, every result longer than a common cap c is trimmed
    (fit_report, as for a single run) to at most c characters, with c the
    largest cap for which the total fits; shorter results stay whole."""
    head, tail = '%s {"results":[' % nonce, ']}\n'
    full = [_dump(b(TRIM_LEVELS[0])) for b in builds]
    budget = limit - 1 - len(head) - len(tail) - max(len(full) - 1, 0)

    def total(c):
        return sum(min(len(t), c) for t in full)

    if total(1 << 62) > budget:
        lo, hi = 0, max(len(t) for t in full)
        while lo < hi:  # the largest c with total(c) <= budget
            mid = (lo + hi + 1) // 2
            if total(mid) <= budget:
                lo = mid
            else:
                hi = mid - 1
        full = [t if len(t) <= lo else fit_report(b, lo + 1)
                for t, b in zip(full, builds)]
    return (head + ",".join(full) + tail).encode("ascii")


def error(etype, message, line=None, traceback=None):
    """The report's "error" object (the one constructor of it)."""
    return {"type": etype, "message": message, "line": line, "traceback": traceback}


def error_report(status, etype, message):
    return {"status": status, "tests": [], "error": error(etype, message),
            "oom_killed": False, "exit_code": None,
            "stdout": "", "stdout_truncated": False, "stderr": "", "stderr_truncated": False}


# The container's stdout and stderr (the attach stream the service reads the
# report from) while user code runs: parked in a socket of ours, see seal().
_vault = None


def seal():
    """Take our stdin, stdout and stderr out of reach of user code until
    unseal(). They are the container's attach stream. Under runc nothing of
    the same uid can open /proc/1/fd/N of this non-dumpable process, but
    gVisor does not check dumpability there: user code could reopen our
    stdout and write into the stream the report travels on, or flood it.
    So stdout and stderr travel, as descriptors in flight, into a socket
    only we hold (in flight they are no entry of /proc/1/fd), stdin (the
    frame is read) is dropped, and fds 0, 1 and 2 become that socket, which
    no one can open through /proc. Anything we write to 1 or 2 meanwhile
    is a datagram nobody reads. Best effort: if the kernel refuses (a
    uid's descriptors in flight used up), the streams stay where they are,
    as before."""
    global _vault
    import socket

    if _vault is not None:
        return
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        a.setblocking(False)
        socket.send_fds(a, [b"S"], [1, 2])
    except OSError:
        a.close()
        b.close()
        return
    for fd in (0, 1, 2):
        os.dup2(a.fileno(), fd)
    _vault = (a, b)


def unseal():
    """Put back what seal() parked (before the report is written)."""
    global _vault
    import socket

    if _vault is None:
        return
    a, b = _vault
    _vault = None
    try:
        _, fds, _, _ = socket.recv_fds(b, 1, 2)
    except OSError:
        fds = []
    for fd, std in zip(fds, (1, 2)):
        os.dup2(fd, std)
    for fd in fds:
        os.close(fd)
    a.close()
    b.close()


def write_out(data):
    unseal()
    # A leading newline ends any partial line someone else left on our stdout.
    data = b"\n" + data
    while data:
        try:
            n = os.write(1, data)
        except InterruptedError:
            continue
        except OSError:
            return
        data = data[n:]
