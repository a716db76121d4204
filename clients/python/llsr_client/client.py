"""HTTP client of ll-solution-runner: POST /run_code, single runs and
batches, typed results, retries on 429 and 503 after Retry-After.

Standard library only (urllib.request)."""

import base64
import dataclasses
import json
import os
import re
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

# 503 codes that say "try again later"; any other 503 (image_missing,
# sandbox_refused, engine_error) will not get better by waiting.
RETRYABLE_503 = {"overloaded", "engine_unavailable", "uid_exhausted",
                 "workers_unavailable"}
_CAP_RE = re.compile(r"limit of (\d+) ms")


def b64(data):
    """Standard base64 of str (UTF-8) or bytes, as str."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


@dataclasses.dataclass
class TestResult:
    """One test case of a run, as the service reports it."""
    index: int
    name: str
    status: str                     # passed failed error timeout not_run
    line: Optional[int] = None
    duration_ms: Optional[float] = None
    message: Optional[str] = None
    traceback: Optional[str] = None
    stdout: str = ""
    stderr: str = ""

    @classmethod
    def from_json(cls, d):
        return cls(index=d.get("index", 0), name=d.get("name", ""),
                   status=d.get("status", ""), line=d.get("line"),
                   duration_ms=d.get("duration_ms"), message=d.get("message"),
                   traceback=d.get("traceback"), stdout=d.get("stdout") or "",
                   stderr=d.get("stderr") or "")


@dataclasses.dataclass
class Difference:
    """Where a wrong answer first differs: 1-based line and column in the
    actual output, and an excerpt of each side there (capped by the
    service)."""
    line: int
    column: int
    expected: str
    actual: str

    @classmethod
    def from_json(cls, d):
        if not isinstance(d, dict):
            return None
        return cls(line=d.get("line", 0), column=d.get("column", 0),
                   expected=d.get("expected") or "", actual=d.get("actual") or "")


@dataclasses.dataclass
class CaseResult:
    """One program case of a run, as the service reports it."""
    index: int
    name: Optional[str]
    # passed wrong_answer runtime_error timeout memory_limit output_limit not_run
    status: str
    time_ms: Optional[float] = None     # CPU, user + system
    wall_ms: Optional[float] = None
    memory_kb: Optional[int] = None     # peak resident set
    exit_code: Optional[int] = None
    signal: Optional[str] = None        # e.g. "SIGSEGV"
    message: Optional[str] = None
    stderr: str = ""
    difference: Optional[Difference] = None     # for a wrong_answer

    @property
    def passed(self):
        return self.status == "passed"

    @classmethod
    def from_json(cls, d):
        return cls(index=d.get("index", 0), name=d.get("name"),
                   status=d.get("status", ""), time_ms=d.get("time_ms"),
                   wall_ms=d.get("wall_ms"), memory_kb=d.get("memory_kb"),
                   exit_code=d.get("exit_code"), signal=d.get("signal"),
                   message=d.get("message"), stderr=d.get("stderr") or "",
                   difference=Difference.from_json(d.get("difference")))


@dataclasses.dataclass
class RunResult:
    """The service's 200 answer to one submission."""
    status: str     # passed failed error no_tests timeout memory_limit output_limit
    tests: List[TestResult]
    summary: Dict[str, int]
    stdout: str = ""
    stderr: str = ""
    duration_ms: Optional[float] = None
    exit_code: Optional[int] = None
    oom_killed: bool = False
    isolation: Optional[str] = None
    error: Optional[Dict[str, Any]] = None      # {type, message, line, traceback}
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    raw: Dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    cases: List[CaseResult] = dataclasses.field(default_factory=list)

    @property
    def passed(self):
        """The run passed (with program cases: every case too)."""
        return self.status == "passed" and all(c.passed for c in self.cases)

    @classmethod
    def from_json(cls, d):
        return cls(status=d.get("status", ""),
                   tests=[TestResult.from_json(t) for t in d.get("tests") or []],
                   summary=d.get("summary") or {}, stdout=d.get("stdout") or "",
                   stderr=d.get("stderr") or "", duration_ms=d.get("duration_ms"),
                   exit_code=d.get("exit_code"), oom_killed=bool(d.get("oom_killed")),
                   isolation=d.get("isolation"), error=d.get("error"),
                   stdout_truncated=bool(d.get("stdout_truncated")),
                   stderr_truncated=bool(d.get("stderr_truncated")), raw=d,
                   cases=[CaseResult.from_json(c) for c in d.get("cases") or []])


class ServiceError(Exception):
    """An answer other than 200 (after retries), or a transport error
    (status 0, code "transport")."""

    def __init__(self, status, code, message, retry_after=None, body=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.body = body

    @property
    def cap_ms(self):
        """For batch_too_costly: the cap the server named, else None."""
        m = _CAP_RE.search(self.message or "")
        return int(m.group(1)) if m else None


def _case(c, i):
    """One case of cases= as the API's object (stdin and expected_stdout
    base64-coded)."""
    if isinstance(c, dict):
        unknown = set(c) - {"name", "stdin", "expected_stdout"}
        if unknown or "expected_stdout" not in c:
            raise ValueError("case %d: a dict with expected_stdout and "
                             "optionally name and stdin, not %r" % (i, sorted(c)))
        name, stdin, expected = c.get("name"), c.get("stdin"), c["expected_stdout"]
    elif isinstance(c, (tuple, list)) and len(c) in (2, 3):
        name, stdin, expected = (None,) + tuple(c) if len(c) == 2 else tuple(c)
    else:
        raise ValueError("case %d: a dict, (stdin, expected_stdout) or "
                         "(name, stdin, expected_stdout), not %r" % (i, type(c).__name__))
    d = {"stdin": b64(stdin if stdin is not None else ""),
         "expected_stdout": b64(expected)}
    if name is not None:
        d["name"] = name
    return d


def read_cases(directory):
    """The program cases of a directory as judges ship them: every NAME.in
    with its NAME.out, as (NAME, stdin bytes, expected bytes), ordered by
    name with numbers compared as numbers (2 before 10). An .in without its
    .out, or an .out without its .in, is a ValueError."""
    names = [n for n in os.listdir(directory)
             if (n.endswith(".in") and len(n) > 3) or (n.endswith(".out") and len(n) > 4)]
    have = set(names)
    for n in names:
        stem, ext = n.rsplit(".", 1)
        partner = stem + (".out" if ext == "in" else ".in")
        if partner not in have:
            raise ValueError("%s has no %s" % (os.path.join(directory, n), partner))
    key = lambda n: [(0, int(t), "") if t.isdigit() else (1, 0, t)   # noqa: E731
                     for t in re.split(r"(\d+)", n) if t]
    out = []
    for n in sorted((n for n in names if n.endswith(".in")), key=key):
        stem = n[:-3]
        with open(os.path.join(directory, n), "rb") as f:
            stdin = f.read()
        with open(os.path.join(directory, stem + ".out"), "rb") as f:
            expected = f.read()
        out.append((stem, stdin, expected))
    if not out:
        raise ValueError("%s: no NAME.in / NAME.out pair" % directory)
    return out


def submission(code, tests=None, entry_point=None, cases=None, **fields):
    """A request object: code and tests as text (base64-coded here), plus
    further fields (timeout_ms, memory_mb, test_timeout_ms, stdin as text,
    stop_on_first_failure, isolation, language).

    cases: program cases, each a dict {name?, stdin, expected_stdout}, a
    tuple (stdin, expected_stdout) or (name, stdin, expected_stdout), with
    text or bytes (base64-coded here); with them go compare ("exact",
    "lines", "tokens", "float"), abs_tol, rel_tol, case_timeout_ms and
    case_output_limit."""
    d = {"code": b64(code)}
    if tests is not None:
        d["tests"] = b64(tests)
    if cases is not None:
        d["cases"] = [_case(c, i) for i, c in enumerate(cases)]
    if entry_point is not None:
        d["entry_point"] = entry_point
    if fields.get("stdin") is not None:
        fields["stdin"] = b64(fields["stdin"])
    d.update({k: v for k, v in fields.items() if v is not None})
    return d


def _cost(sub, default_timeout_ms):
    return int(sub.get("timeout_ms") or default_timeout_ms)


class Client:
    """A client of one service.

    url: the service's root, e.g. http://127.0.0.1:8080 (/run_code is added).
    token: a bearer token, if the service wants one.
    http_timeout: seconds for one HTTP request (a batch may take minutes).
    retries: how many times a 429 or a retryable 503 is retried (after its
      Retry-After, else retry_delay seconds doubled each time up to 30 s).
    max_batch_cost_ms: the most declared time (the sum of timeout_ms) one
      batch request may carry; run_batch splits larger lists, and splits
      again when the server answers 400 batch_too_costly with a lower cap.
    default_timeout_ms: what the server charges for a submission without
      timeout_ms (its own timeout_ms, 10000 by default).
    """

    def __init__(self, url, token=None, http_timeout=330.0, retries=20,
                 retry_delay=0.5, max_batch_cost_ms=300000,
                 default_timeout_ms=10000, sleep=time.sleep):
        self.url = url.rstrip("/")
        self.token = token
        self.http_timeout = http_timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.max_batch_cost_ms = max_batch_cost_ms
        self.default_timeout_ms = default_timeout_ms
        self.sleep = sleep
        # Counters for reports and tests (approximate under threads).
        self.requests = 0       # HTTP requests sent
        self.retried = 0        # answers retried (429, 503)
        self.splits = 0         # batches split after 400 batch_too_costly

    # ---------------------------------------------------------------- HTTP

    def _post_once(self, obj):
        self.requests += 1
        body = json.dumps(obj).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(self.url + "/run_code", data=body,
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.http_timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except (OSError, urllib.error.URLError) as e:
            raise ServiceError(0, "transport", str(e)) from e

    def post(self, obj):
        """POSTs obj to /run_code; returns the decoded 200 answer. Retries a
        429 and a retryable 503; raises ServiceError for anything else."""
        delay = self.retry_delay
        attempt = 0
        while True:
            status, headers, data = self._post_once(obj)
            try:
                doc = json.loads(data.decode("utf-8"))
            except ValueError:
                doc = None
            if status == 200 and isinstance(doc, dict):
                return doc
            err = doc.get("error") if isinstance(doc, dict) else None
            code = err.get("code", "") if isinstance(err, dict) else ""
            message = err.get("message", "") if isinstance(err, dict) else \
                data[:200].decode("utf-8", "replace")
            ra = headers.get("Retry-After") if headers else None
            try:
                retry_after = float(ra) if ra is not None else None
            except ValueError:
                retry_after = None
            retryable = status == 429 or (status == 503 and code in RETRYABLE_503)
            if not retryable or attempt >= self.retries:
                raise ServiceError(status, code or "http_%d" % status, message,
                                   retry_after, doc)
            attempt += 1
            self.retried += 1
            if retry_after is not None:
                self.sleep(max(retry_after, 0.0))
            else:
                self.sleep(delay)
                delay = min(delay * 2, 30.0)

    # ------------------------------------------------------------- the API

    def run(self, code, tests=None, entry_point=None, cases=None, compare=None,
            **fields):
        """One submission (see submission() for the fields); a RunResult.
        With cases, code is a program judged by its output on each case
        (compare: "exact", "lines", "tokens" or "float"); the result's
        cases are CaseResults, in the order given."""
        if compare is not None:
            fields["compare"] = compare
        return RunResult.from_json(self.post(submission(code, tests, entry_point,
                                                        cases=cases, **fields)))

    def run_batch(self, submissions: Sequence[Dict[str, Any]]):
        """Submissions are request objects (see submission()). Sent as
        {"submissions": [...]} requests whose declared cost stays under
        max_batch_cost_ms; returns one RunResult per submission, in order."""
        subs = list(submissions)
        out: List[RunResult] = []
        cap = self.max_batch_cost_ms
        i = 0
        while i < len(subs):
            chunk, cost = [], 0
            while i + len(chunk) < len(subs):
                c = _cost(subs[i + len(chunk)], self.default_timeout_ms)
                if chunk and cost + c > cap:
                    break
                chunk.append(subs[i + len(chunk)])
                cost += c
            try:
                doc = self.post({"submissions": chunk})
            except ServiceError as e:
                if e.status != 400 or e.code != "batch_too_costly":
                    raise
                if len(chunk) == 1:
                    raise   # one submission over the cap: lower its timeout_ms
                # Take the cap the server named (for later batches too);
                # without one, or one the chunk already kept to, halve.
                self.splits += 1
                named = e.cap_ms
                cap = named if named and named < cost else max(1, cost // 2)
                self.max_batch_cost_ms = min(self.max_batch_cost_ms, cap)
                continue
            results = doc.get("results")
            if not isinstance(results, list) or len(results) != len(chunk):
                raise ServiceError(200, "bad_answer", "a batch answer without "
                                   "%d results" % len(chunk), body=doc)
            out.extend(RunResult.from_json(r) for r in results)
            i += len(chunk)
        return out
