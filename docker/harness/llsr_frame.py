"""The frame: what the service sends on the harness's stdin (protocol.md).

read_frame() reads one `LLSR1 <length>\\n<json>` frame and never waits past
its end; parse_job() validates its JSON into the settings of one job (or
of a batch of jobs).
"""

import base64
import json
import os

import llsr_clock

MAX_FRAME = 64 << 20
ISOLATIONS = ("process", "in_process")


class FrameError(Exception):
    pass


def read_frame(fd=0):
    """Read one `LLSR1 <length>\\n<json>` frame; never waits past its end."""
    buf = bytearray()
    while b"\n" not in buf:
        if len(buf) > 64:
            raise FrameError("bad frame header")
        b = os.read(fd, 4096)
        if not b:
            raise FrameError("end of input before the frame header")
        buf += b
    head, _, rest = bytes(buf).partition(b"\n")
    parts = head.split(b" ")
    if len(parts) != 2 or parts[0] != b"LLSR1" or not parts[1].isdigit() \
            or len(parts[1]) > 12:
        raise FrameError("bad frame header")
    n = int(parts[1])
    if n > MAX_FRAME:
        raise FrameError("frame too large")
    body = bytearray(rest[:n])
    while len(body) < n:
        b = os.read(fd, min(1 << 20, n - len(body)))
        if not b:
            raise FrameError("end of input inside the frame")
        body += b
    return bytes(body)


def parse_job(raw):
    """Validate the frame JSON. Returns (nonce, cfg) or raises FrameError
    (with .nonce set when the nonce itself was usable). A batch frame (key
    "batch") gives cfg = {"batch": [job cfg, ...], "parallel": int,
    "report_limit": int}."""
    try:
        j = json.loads(raw)
    except ValueError:
        raise FrameError("frame is not JSON")
    if not isinstance(j, dict):
        raise FrameError("frame is not a JSON object")
    nonce = j.get("nonce")
    if not (isinstance(nonce, str) and len(nonce) == 32
            and all(c in "0123456789abcdef" for c in nonce)):
        raise FrameError("bad nonce")
    err = FrameError("bad frame")
    err.nonce = nonce
    if j.get("v") != 1:
        err.args = ("unsupported protocol version",)
        raise err
    if "batch" in j:
        return nonce, parse_batch(j, err)
    return nonce, job_cfg(j, j, err)


def _integer(j, key, lo, hi, err, where=""):
    v = j.get(key)
    if type(v) is not int or not lo <= v <= hi:
        err.args = ("%s%s must be an integer in [%d, %d]" % (where, key, lo, hi),)
        raise err
    return v


def job_cfg(j, top, err, where=""):
    """One job's settings from the dict j (report_limit from top)."""
    def b64(key):
        v = j.get(key, "")
        if v is None:
            v = ""
        if not isinstance(v, str):
            err.args = ("%s%s is not a string" % (where, key),)
            raise err
        try:
            return base64.b64decode(v, validate=True)
        except ValueError:
            err.args = ("%s%s is not base64" % (where, key),)
            raise err

    ep = j.get("entry_point")
    if ep is not None and not (isinstance(ep, str) and ep.isidentifier()):
        err.args = ("%sentry_point must be an identifier or null" % where,)
        raise err
    sofff = j.get("stop_on_first_failure", False)
    if type(sofff) is not bool:
        err.args = ("%sstop_on_first_failure must be a boolean" % where,)
        raise err
    iso = j.get("isolation", "process")
    if iso not in ISOLATIONS:
        err.args = ("%sisolation must be one of %s" % (where, ", ".join(ISOLATIONS)),)
        raise err
    program = j.get("program")
    if program is not None and type(program) is not bool:
        err.args = ("%sprogram must be a boolean" % where,)
        raise err
    rlimit = top.get("memory_rlimit", "data")
    if rlimit not in ("data", "as"):
        err.args = ("memory_rlimit must be \"data\" or \"as\"",)
        raise err
    cfg = {
        "isolation": iso,
        "program": program,
        "code": b64("code"),
        "tests": b64("tests"),
        "stdin": b64("stdin"),
        "entry_point": ep,
        "timeout_ms": _integer(j, "timeout_ms", 1, 86400000, err, where),
        "test_timeout_ms": _integer(j, "test_timeout_ms", 1, 86400000, err, where),
        "wall_ms": None, "test_wall_ms": None,
        "overhead_ms": llsr_clock.OVERHEAD_MS if j.get("overhead_ms") is None
        else _integer(j, "overhead_ms", 0, 86400000, err, where),
        "output_limit": _integer(j, "output_limit", 0, 1 << 30, err, where),
        "report_limit": _integer(top, "report_limit", 256, 1 << 30, err),
        "stop": sofff,
        # A single job's own memory limit (a batch's jobs: parse_batch),
        # and how it is applied (llsr_setup.set_limits).
        "memory_mb": None if j.get("memory_mb") is None
        else _integer(j, "memory_mb", 16, 1 << 20, err, where),
        "memory_rlimit": rlimit,
    }
    cfg["cases"] = None
    if j.get("cases") is not None:
        cases_cfg(j, cfg, err, where, b64)
    # The wall-clock limits that go with the CPU time limits (llsr_clock).
    for key, cpu in (("wall_ms", "timeout_ms"), ("test_wall_ms", "test_timeout_ms")):
        if j.get(key) is None:
            cfg[key] = llsr_clock.wall_ms(cfg[cpu])
        else:
            cfg[key] = _integer(j, key, cfg[cpu], 2 * 86400000, err, where)
    return cfg


MAX_CASES = 100000
COMPARE_MODES = ("lines", "exact", "tokens", "float", "checker")


def cases_cfg(j, cfg, err, where, b64):
    """The program cases of a job (docs/protocol.md, "Program cases")."""
    cases = j.get("cases")
    if not isinstance(cases, list) or not 1 <= len(cases) <= MAX_CASES:
        err.args = ("%scases must be a list of 1 to %d cases" % (where, MAX_CASES),)
        raise err
    out = []
    for i, c in enumerate(cases):
        at = "%scases[%d]." % (where, i)
        if not isinstance(c, dict):
            err.args = ("%scases[%d] is not a JSON object" % (where, i),)
            raise err
        name = c.get("name")
        if name is not None and not isinstance(name, str):
            err.args = ("%sname must be a string or null" % at,)
            raise err
        out.append({"name": name,
                    "stdin": job_b64(c, "stdin", err, at),
                    "expected_stdout": job_b64(c, "expected_stdout", err, at)})
    cmp = j.get("compare", "lines")
    if cmp not in COMPARE_MODES:
        err.args = ("%scompare must be one of %s" % (where, ", ".join(COMPARE_MODES)),)
        raise err
    tols = {}
    for key in ("abs_tol", "rel_tol"):
        v = j.get(key, 1e-6)
        if type(v) not in (int, float) or not 0 <= v <= 1e300:
            err.args = ("%s%s must be a number in [0, 1e300]" % (where, key),)
            raise err
        tols[key] = float(v)
    cfg.update(tols)
    cfg["cases"] = out
    cfg["compare"] = cmp
    cfg["case_timeout_ms"] = _integer(j, "case_timeout_ms", 1, 86400000, err, where)
    cfg["case_wall_ms"] = llsr_clock.wall_ms(cfg["case_timeout_ms"]) \
        if j.get("case_wall_ms") is None else \
        _integer(j, "case_wall_ms", cfg["case_timeout_ms"], 2 * 86400000, err, where)
    cfg["case_output_limit"] = _integer(j, "case_output_limit", 0, 1 << 30, err, where)
    cfg["parallel"] = min(_integer(j, "parallel", 1, 1 << 20, err, where), MAX_PARALLEL)
    cfg["checker"] = None
    if cmp == "checker":
        # The client's checker (llsr_checker) and its limits.
        if not isinstance(j.get("checker"), str) or not j["checker"]:
            err.args = ("%scompare checker needs a checker" % where,)
            raise err
        cfg["checker"] = job_b64(j, "checker", err, where)
        cfg["checker_timeout_ms"] = _integer(j, "checker_timeout_ms", 1, 86400000, err, where)
        cfg["checker_wall_ms"] = llsr_clock.wall_ms(cfg["checker_timeout_ms"]) \
            if j.get("checker_wall_ms") is None else \
            _integer(j, "checker_wall_ms", cfg["checker_timeout_ms"], 2 * 86400000, err, where)
        cfg["checker_memory_mb"] = _integer(j, "checker_memory_mb", 16, 1 << 20, err, where)
        cfg["checker_output_limit"] = _integer(j, "checker_output_limit", 1, 1 << 30,
                                               err, where)
    elif j.get("checker") is not None:
        err.args = ("%schecker needs compare checker" % where,)
        raise err


def job_b64(j, key, err, where):
    v = j.get(key, "")
    if v is None:
        v = ""
    if not isinstance(v, str):
        err.args = ("%s%s is not a string" % (where, key),)
        raise err
    try:
        return base64.b64decode(v, validate=True)
    except ValueError:
        err.args = ("%s%s is not base64" % (where, key),)
        raise err


MAX_BATCH = 10000
MAX_PARALLEL = 256
BATCH_REPORT_MIN = 512   # report_limit must allow this many bytes per job


def parse_batch(j, err):
    jobs = j.get("batch")
    if not isinstance(jobs, list) or not 1 <= len(jobs) <= MAX_BATCH:
        err.args = ("batch must be a list of 1 to %d jobs" % MAX_BATCH,)
        raise err
    parallel = _integer(j, "parallel", 1, 1 << 20, err)
    limit = _integer(j, "report_limit", 256, 1 << 30, err)
    if limit < BATCH_REPORT_MIN * len(jobs):
        err.args = ("report_limit must be at least %d bytes per batch job"
                    % BATCH_REPORT_MIN,)
        raise err
    cfgs = []
    for i, job in enumerate(jobs):
        where = "batch[%d]." % i
        if not isinstance(job, dict):
            err.args = ("batch[%d] is not a JSON object" % i,)
            raise err
        cfg = job_cfg(job, j, err, where)
        if cfg["cases"] is not None:
            err.args = ("%scases: not supported in a batch" % where,)
            raise err
        mem = job.get("memory_mb")
        if mem is not None:
            mem = _integer(job, "memory_mb", 16, 1 << 20, err, where)
        cfg["memory_mb"] = mem
        cfgs.append(cfg)
    return {"batch": cfgs, "parallel": min(parallel, MAX_PARALLEL, len(cfgs)),
            "report_limit": limit}
