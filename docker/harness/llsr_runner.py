"""One submission's run: a Runner drives Units until every test has an
answer or a limit stops it.

A Unit is one judge + solution pair (llsr_procs.Pair) with one job, from
its hand-off to its end. The harness reads the judge's records (see
llsr_judge) and its output pipes, enforces the time and output limits,
and on a crash or a per-test timeout starts a fresh unit that skips the
tests already done.
"""

import ast
import marshal
import os
import select
import signal
import socket
import subprocess
import time

from _operator import _compare_digest

import llsr_clock
import llsr_procs
import llsr_report
import llsr_setup
from llsr_wire import EOF_REASON

MAX_RECORD = 1 << 20
DRAIN_GRACE_S = 0.2
SOLUTION_EXIT_S = 0.2
STARTUP_S = 10.0   # how long a pair may take to reach the user's code


class Unit:
    """A judge and its solution server running one job. Its fields say
    where the run is: the test in hand, the phase, and how it ended."""

    def __init__(self, runner, pair, secret, discard_output):
        self.r = runner
        self.pair = pair
        self.secret = secret.encode("ascii")
        self.discard_output = discard_output   # a re-run of load and setup
        self.in_hand = None       # index of the test that began and did not end
        self.t_begin = 0.0
        self.phase = None         # load | setup | check | collect
        self.t_start = time.monotonic()
        self.done = False         # D: the judge finished the plan
        self.killed = None        # "run" | "test": a deadline passed
        self.violation = None     # why a record was refused
        self.load = None          # L: (type, message, line, traceback, memory)
        self.lost = None          # X: (test index or None, reason)
        self.output_over = False  # O: the solution's output went over the cap
        self.exited = False       # the judge exited on its own
        self.spawn_error = None
        self.handoff_error = None  # OSError: the job could not be handed over
        self.rc = self.s_rc = None
        self.we_killed = False
        self.oom = False
        self.chanbuf = bytearray()

    # -- records -------------------------------------------------------------
    def on_record(self, line):
        r = self.r
        parts = line.split(b" ", 3)
        if len(parts) != 4 or not _compare_digest(parts[0], self.secret):
            return self.refuse("a record without the judge's secret")
        kind, idx = parts[1], parts[2]
        if not idx.isdigit() or len(idx) > 9:
            return self.refuse("a bad record index")
        k = int(idx)
        try:
            payload = None if parts[3] == b"None" else \
                ast.literal_eval(parts[3].decode("ascii"))
        except Exception:
            return self.refuse("an unreadable record")
        self.drain_output()
        if r.stop is not None:
            return  # the output limit hit while this test ran: it failed
        now = time.monotonic()
        if kind == b"B":
            if self.in_hand is not None or k != r.next_idx or k >= r.n:
                return self.refuse("test %d began out of order" % k)
            self.in_hand, self.t_begin = k, now
            r.clock.begin_test(now)
        elif kind == b"E":
            if self.in_hand != k or not isinstance(payload, tuple) or \
                    len(payload) != 4 or payload[0] not in llsr_report.STATUSES:
                return self.refuse("test %d ended out of order" % k)
            status, msg, tb, dur = payload
            if not (msg is None or isinstance(msg, str)) or \
                    not (tb is None or isinstance(tb, str)) or \
                    type(dur) not in (int, float) or not 0 <= dur < 1e12:
                return self.refuse("a malformed result for test %d" % k)
            self.in_hand = None
            r.clock.end_test()
            r.set_result(k, status, msg, tb, dur)
        elif kind == b"P":
            if not r.clock.charging:
                # The first phase record comes just before the first line
                # of user code: the user's time starts here, never before
                # (interpreter start-up, the hand-off are the harness's).
                r.clock.start((self.pair.judge.pid, self.pair.solution.pid), now)
            self.phase = payload
        elif kind == b"N":
            if not r.add_collected(k, payload):
                return self.refuse("a different set of collected tests")
        elif kind == b"L":
            if not (isinstance(payload, tuple) and len(payload) == 5):
                return self.refuse("a malformed load error")
            self.load = payload
        elif kind == b"X":
            if not (isinstance(payload, tuple) and len(payload) == 2):
                return self.refuse("a malformed record")
            self.lost = (self.in_hand, str(payload[1]))
        elif kind == b"O":
            self.output_over = True
            if r.stop is None:
                r.stop = "output_limit"
        elif kind == b"D":
            if self.in_hand is not None:
                return self.refuse("done while a test was running")
            self.done = True
        else:
            return self.refuse("an unknown record")
        try:
            os.write(self.pair.chan.fileno(), b"\x06")
        except OSError:
            pass

    def refuse(self, why):
        if self.violation is None:
            self.violation = why

    # -- output ---------------------------------------------------------------
    def read_fd(self, fd):
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        if not data:
            self.poller.unregister(fd)
            del self.open_fds[fd]
        return data

    def drain_output(self):
        for fd in (self.pair.out_r, self.pair.err_r):
            while fd in self.open_fds:
                data = self.read_fd(fd)
                if not data:
                    break
                self.r.output(0 if fd == self.pair.out_r else 1, data,
                              self.in_hand, self.discard_output)

    # -- the loop ----------------------------------------------------------------
    def run(self):
        """Until the judge is done, dies, breaks the protocol, or a limit
        stops it."""
        r, pair = self.r, self.pair
        chan = pair.chan.fileno()
        for fd in (pair.out_r, pair.err_r, chan):
            os.set_blocking(fd, False)
        self.pidfd = None
        try:
            self.pidfd = os.pidfd_open(pair.judge.pid)
        except (AttributeError, OSError):
            pass
        self.poller = select.poll()
        self.open_fds = {pair.out_r: 0, pair.err_r: 1, chan: 2}
        for fd in self.open_fds:
            self.poller.register(fd, select.POLLIN)
        if self.pidfd is not None:
            self.poller.register(self.pidfd, select.POLLIN)
        while True:
            # (a program run ends when the program's process does: its exit
            # status is the verdict)
            if r.stop is not None or self.violation or self.load or self.lost \
                    or (self.done and not r.program):
                break
            now = time.monotonic()
            which, wait_s = r.clock.check(now)
            if which is None and wait_s is None:   # not charged yet
                wait_s = self.t_start + STARTUP_S - now
                if wait_s <= 0:
                    which = "startup"
            if which is None and now >= r.hard_deadline:
                which, r.clock.why = "run", "overhead"
            elif which is None:
                wait_s = min(wait_s, r.hard_deadline - now)
            if which is not None:
                self.killed = which
                break
            wait = int(wait_s * 1000) + 1
            if self.pidfd is None:
                wait = min(wait, 10)
            for fd, _ in self.poller.poll(wait):
                if fd == self.pidfd:
                    self.exited = True
                elif fd == chan:
                    self.on_channel()
                elif fd in self.open_fds:
                    data = self.read_fd(fd)
                    if data:
                        r.output(0 if fd == pair.out_r else 1, data,
                                 self.in_hand, self.discard_output)
            if self.pidfd is None and pair.judge.poll() is not None:
                self.exited = True
            if self.exited:
                break

    def on_channel(self):
        data = self.read_fd(self.pair.chan.fileno())
        if not data:
            return
        self.chanbuf += data
        while not self.violation:
            i = self.chanbuf.find(b"\n")
            if i < 0:
                break
            line = bytes(self.chanbuf[:i])
            del self.chanbuf[: i + 1]
            self.on_record(line)
        if len(self.chanbuf) > MAX_RECORD:
            self.refuse("an oversized record")

    def finish(self, oom_before):
        """Stop the pair and everything it started, collect what is left."""
        r, pair = self.r, self.pair
        sol = pair.solution
        if self.lost is not None:
            # The judge saw the solution's socket end: give it a moment to
            # be gone by itself, so its own exit status names the cause.
            try:
                sol.wait(timeout=SOLUTION_EXIT_S)
            except subprocess.TimeoutExpired:
                pass
        s_exited = sol.poll() is not None
        r.clock.stop(time.monotonic())
        self.we_killed = not self.exited or self.killed is not None
        pair.kill(sweep=r.sweep, batch=r.batch)
        chan = pair.chan.fileno()
        for fd in (chan, self.pidfd):
            if fd is not None and (fd in self.open_fds or fd == self.pidfd):
                self.poller.unregister(fd)
        grace = time.monotonic() + DRAIN_GRACE_S
        while pair.out_r in self.open_fds or pair.err_r in self.open_fds:
            left = grace - time.monotonic()
            if left <= 0:
                break
            if self.poller.poll(int(left * 1000) + 1):
                self.drain_output()
        wait_s = max(0.05, grace - time.monotonic() + 1.0)
        for p in (pair.judge, sol):
            try:
                p.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                pass
        llsr_procs.reap_orphans()
        pair.close()
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.rc, self.s_rc = pair.judge.returncode, sol.returncode
        self.s_we_killed = not s_exited
        for p in (pair.judge, sol):
            if llsr_procs.OWN is not None and p.returncode is not None:
                llsr_procs.OWN.discard(p.pid)
        self.oom = oom_before is not None and llsr_procs.oom_counters() != oom_before

    def death_reason(self, solution=False):
        """(why the judge, or the solution, ended, out of memory?)"""
        rc = self.s_rc if solution else self.rc
        who = "the solution process" if solution else "the test process"
        p = self.pair.solution if solution else self.pair.judge
        if rc is None:
            if getattr(p, "lost", False):  # (batch: its zygote died, see ZProc)
                return ("%s ended, its exit status unknown (the batch's fork "
                        "server was killed)" % who), False
            return "%s did not exit" % who, False
        killed_by_us = self.s_we_killed if solution else self.we_killed
        if rc < 0:
            sig = -rc
            if sig == signal.SIGKILL and not killed_by_us:
                if self.oom:
                    return "memory limit exceeded (killed by the kernel's OOM killer)", True
                return "%s was killed by SIGKILL (memory limit exceeded?)" % who, True
            extra = {signal.SIGSEGV: " (segmentation fault)",
                     signal.SIGABRT: " (abort)",
                     signal.SIGBUS: " (bus error)",
                     signal.SIGFPE: " (arithmetic fault)"}.get(sig, "")
            return "%s was killed by %s%s" % (who, llsr_procs.signal_name(sig), extra), False
        return "%s exited with code %d (os._exit()?)" % (who, rc), False

    def lost_reason(self):
        """(why the solution process was lost (an X record), out of
        memory?, a protocol violation?)"""
        if self.lost[1] == EOF_REASON and self.s_rc is not None and not self.s_we_killed:
            return self.death_reason(solution=True) + (False,)
        return self.lost[1], False, self.lost[1] != EOF_REASON


class Runner:
    def __init__(self, cfg, cases, job, t0, pre=None, batch=False, zygote=None):
        self.cfg = cfg
        self.batch = batch        # one submission of a batch frame
        self.zygote = zygote      # batch: the fork server, or None
        self.pre = pre            # the pre-started first pair, or None
        self.job = job
        self.cases = list(cases)
        self.n = len(self.cases)
        self.n_static = self.n    # known before anything ran
        self.collected = None     # (base, names) the judge collected
        self.predicted = job.get("predicted") or []   # what the plan foresaw
        self.results = [None] * self.n
        self.tout = [[bytearray(), bytearray()] for _ in range(self.n)]
        # The time limits are the user's time (see llsr_clock).
        self.clock = llsr_clock.Clock(cfg["timeout_ms"] / 1000.0, cfg["wall_ms"] / 1000.0,
                                      cfg["test_timeout_ms"] / 1000.0,
                                      cfg["test_wall_ms"] / 1000.0)
        # ... and what is not charged is bounded too.
        self.hard_deadline = t0 + (cfg["wall_ms"] + cfg["overhead_ms"]) / 1000.0
        self.limit = cfg["output_limit"]
        self.out = [bytearray(), bytearray()]
        self.total = [0, 0]
        self.truncated = [False, False]
        self.next_idx = 0
        self.stop = None          # "timeout" | "output_limit" | "failure"
        self.error = None         # load error dict
        self.memory = False       # load failed for lack of memory
        self.oom_seen = False     # the OOM killer acted in some unit
        self.units = 0
        # kill(-1) between units only in single mode: in a batch it would
        # kill the other submissions' processes.
        self.sweep = llsr_procs._in_container() and not batch
        self.program = job.get("program", False)
        self.isolation = job.get("isolation", cfg.get("isolation", "process"))
        self.program_rc = None    # a program run: how the program ended
        self.finished = False     # the judge reached the plan's end

    # -- bookkeeping -------------------------------------------------------------
    def set_result(self, k, status, message=None, tb=None, dur=0.0):
        self.results[k] = {"status": status, "message": message,
                           "traceback": tb, "duration_ms": round(float(dur), 3)}
        while self.next_idx < self.n and self.results[self.next_idx] is not None:
            self.next_idx += 1
        if self.cfg["stop"] and status != "passed" and self.stop is None:
            self.stop = "failure"

    def add_collected(self, base, names):
        """The tests the judge collected at run time (an N record): added
        once; a later unit (after a crash) must collect the same ones."""
        if not (isinstance(names, tuple) and all(
                isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str)
                and type(t[1]) is int for t in names)):
            return False
        if self.collected is not None:
            return self.collected == (base, names)
        if base != self.n_static:
            return False
        self.collected = (base, names)
        self.cases.extend(names)
        self.n = len(self.cases)
        self.results.extend([None] * len(names))
        self.tout.extend([bytearray(), bytearray()] for _ in names)
        while self.next_idx < self.n and self.results[self.next_idx] is not None:
            self.next_idx += 1
        return True

    def done(self):
        return frozenset(i for i, r in enumerate(self.results) if r is not None)

    def output(self, stream, data, in_hand, discard):
        if discard and in_hand is None:
            return
        self.total[stream] += len(data)
        buf = self.out[stream]
        room = self.limit - len(buf)
        if room > 0:
            buf += data[:room]
        if len(data) > max(room, 0):
            self.truncated[stream] = True
        if in_hand is not None:
            tb = self.tout[in_hand][stream]
            room = self.limit - len(tb)
            if room > 0:
                tb += data[:room]
        if self.total[stream] > self.limit and self.stop is None:
            self.stop = "output_limit"

    # -- one unit --------------------------------------------------------------
    def spawn(self):
        return llsr_procs.start_pair(time.monotonic() + llsr_procs.SPAWN_RETRY_S,
                                     self.zygote, self.batch)

    def handoff(self, pair, secret):
        """Give a started judge its job: the marshal'ed job (with its
        solution server's part) and the submission's stdin, each on a
        fresh memfd passed over the judge's channel. A judge gets exactly
        one job in its life."""
        if pair.handed:
            raise RuntimeError("a judge got a second job")
        pair.handed = True
        job = dict(self.job)
        job["secret"] = secret
        job["skip"] = self.done()
        job["output_cap"] = 2 * self.limit + 65536
        job["dumpable"] = not self.batch and job.get("isolation") == "in_process"
        sol = job.pop("solution", None)
        if sol is not None:
            job["solution_job"] = marshal.dumps({
                "code": sol, "source": self.job["sources_solution"],
                "name": job["name"], "cwd": job.get("cwd"),
                "memory_mb": job.get("memory_mb"),
                "memory_rlimit": job.get("memory_rlimit"), "nondumpable": self.batch})
        job.pop("sources_solution", None)
        jobfd = llsr_setup.memfd(marshal.dumps(job), "llsr-job")
        try:
            infd = llsr_setup.memfd(self.cfg["stdin"], "llsr-stdin")
            try:
                socket.send_fds(pair.chan, [b"J"], [jobfd, infd])
            finally:
                os.close(infd)
        finally:
            os.close(jobfd)

    def run_unit(self):
        """Run one unit to its end. The first is the pair pre-started
        before the frame arrived (if it is still alive)."""
        secret = os.urandom(16).hex()
        oom_before = llsr_procs.oom_counters()
        discard = self.units > 0
        self.units += 1
        pair, self.pre = self.pre, None
        if pair is not None and (pair.judge.poll() is not None or
                                 pair.solution.poll() is not None):
            pair.discard()   # died before it had a job: start another
            pair = None
        try:
            if pair is None:
                pair = self.spawn()
        except OSError as e:
            u = Unit(self, None, secret, discard)
            u.spawn_error = e
            return u
        try:
            self.handoff(pair, secret)
        except OSError as e:
            if e.errno not in llsr_setup.PEER_GONE:
                # Not a death: the kernel refused (e.g. ETOOMANYREFS when
                # our uid's in-flight descriptors are used up). The judge
                # would wait for its job until the deadline.
                pair.discard()
                u = Unit(self, None, secret, discard)
                u.handoff_error = e
                return u
            # it died meanwhile: handled below like any early death
        except BaseException:
            pair.discard()
            raise
        u = Unit(self, pair, secret, discard)
        u.run()
        u.finish(oom_before)
        return u

    # -- the whole run --------------------------------------------------------------
    def run(self):
        while self.stop is None and self.error is None:
            if self.next_idx >= self.n and self.units > 0 and self.collected is not None:
                break
            u = self.run_unit()
            if u.spawn_error is not None:
                self.error = llsr_report.error(
                    "HarnessError", "could not start the test processes: %s"
                    % os.strerror(u.spawn_error.errno or 0))
                break
            if u.handoff_error is not None:
                self.error = llsr_report.error(
                    "HarnessError", "could not hand the job to the test "
                    "process: %s" % llsr_setup.errno_text(u.handoff_error))
                break
            if u.oom and (not self.batch or (u.rc == -signal.SIGKILL and not u.we_killed)
                          or (u.s_rc == -signal.SIGKILL and not u.s_we_killed)):
                # (in a batch the container's OOM counter is shared: count it
                # only when our own process was SIGKILLed by someone else)
                self.oom_seen = True
            if not self.settle(u):
                break

    def settle(self, u):
        """Record how unit u ended; True to go on with a fresh unit."""
        now = time.monotonic()
        k = u.in_hand
        dur = (now - u.t_begin) * 1000
        if u.killed == "startup":
            self.error = llsr_report.error(
                "HarnessError", "the test processes did not start within %d s"
                % STARTUP_S)
            return False
        if u.killed == "run" or (self.stop is None and not u.done and not u.load and (
                self.clock.exhausted() or now >= self.hard_deadline)):
            self.stop = "timeout"
            if k is not None:
                self.set_result(k, "timeout", self.limit_message("", "timeout_ms", "wall_ms"),
                                None, dur)
            return False
        if self.stop == "output_limit":
            if k is not None:
                self.set_result(k, "error", "output limit of %d bytes exceeded"
                                % self.limit, None, dur)
            return False
        if u.killed == "test":
            self.set_result(k, "timeout", self.limit_message(
                "test ", "test_timeout_ms", "test_wall_ms"), None, dur)
            return True
        if u.load:
            t, msg, line, tb, mem = u.load
            self.error = llsr_report.error(
                str(t), str(msg), line if type(line) is int else None,
                tb if isinstance(tb, str) else None)
            self.memory = mem is True
            if self.program:
                self.program_rc = 1
            return False
        if u.violation:
            why = "the harness received %s (user code wrote to the result channel?)" \
                % u.violation
            if k is not None:
                self.set_result(k, "error", why, None, dur)
                return True
            self.error = llsr_report.error("HarnessError", why)
            return False
        if u.lost is not None:
            reason, mem, broke = u.lost_reason()
            if k is not None:
                self.set_result(k, "error", reason, None, dur)
                return True
            self.memory = mem and u.oom
            self.error = llsr_report.error(
                "MemoryError" if self.memory else "HarnessError" if broke
                else "ProcessDied", ("%s %s" % (reason, _where(u.phase))).strip())
            return False
        if self.program:
            return self.settle_program(u)
        if u.done:
            self.finished = True
            for i in range(self.next_idx, self.n):
                if self.results[i] is None:
                    self.set_result(i, "error", "the test did not run (the test "
                                    "code returned before reaching it)")
            return False
        if self.stop is not None:
            return False
        # The judge died on its own (or was killed by user code).
        reason, mem = u.death_reason()
        if k is not None:
            self.set_result(k, "error", reason, None, dur)
            return True
        self.memory = mem and u.oom
        self.error = llsr_report.error("MemoryError" if self.memory else "ProcessDied",
                                       "%s %s" % (reason, _where(u.phase)))
        return False

    def limit_message(self, what, cpu_key, wall_key):
        if self.clock.why == "overhead":
            return ("the run took %d ms of wall-clock time in all (its limit, %d ms, "
                    "plus %d ms for the harness's own work)"
                    % (self.cfg["wall_ms"] + self.cfg["overhead_ms"], self.cfg["wall_ms"],
                       self.cfg["overhead_ms"]))
        if self.clock.why == "wall":
            return ("%swall-clock limit of %d ms exceeded (the code waited: its "
                    "time limit is %d ms of CPU time)" % (what, self.cfg[wall_key],
                                                          self.cfg[cpu_key]))
        return "%stime limit of %d ms exceeded" % (what, self.cfg[cpu_key])

    def settle_program(self, u):
        """A program run ends as the program did: its exit status."""
        if u.done and u.rc == 0:
            self.finished = True
            self.program_rc = 0
            return False
        rc = u.rc
        if rc is not None and rc > 0:
            self.program_rc = rc
            self.error = llsr_report.error(
                "SystemExit", "the program exited with code %d" % rc)
            return False
        reason, mem = u.death_reason()
        self.memory = mem and u.oom
        self.error = llsr_report.error("MemoryError" if self.memory else "ProcessDied",
                                       reason.replace("the test process", "the program"))
        return False

    def status(self):
        if self.stop == "timeout":
            return "timeout"
        if self.stop == "output_limit":
            return "output_limit"
        if self.error is not None:
            return "memory_limit" if self.memory else "error"
        if self.n == 0 and not self.program:
            return "no_tests"
        if all(r is not None and r["status"] == "passed" for r in self.results):
            return "passed"
        return "failed"

    def exit_code(self):
        """A program run: the program's exit code (None when it was killed
        or is unknown). A test run: 0 when it ran to its end (whatever the
        verdict), None when a limit killed it."""
        if self.program:
            return self.program_rc
        if self.stop in ("timeout", "output_limit") or self.memory:
            return None
        return 0

    def report(self, caps, keep=None):
        return llsr_report.build(self, caps, keep)


def _where(phase):
    return {"load": "while loading the solution",
            "setup": "while running the tests' setup",
            "check": "while running check()",
            "collect": "while collecting the tests"}.get(phase, "")
