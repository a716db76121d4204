"""The harness process: reads the frame, supervises judges, reports.

This process (P) never runs user code and never runs the tests. It parses
and compiles them (AST only, see llsr_plan), starts judges and solution
servers (llsr_procs), drives each submission's run (llsr_runner), and
writes the one report line described in docs/protocol.md (llsr_report).
See docs/harness.md for the guarantees.
"""

import ast
import json
import marshal
import os
import signal
import sys
import threading
import time

import llsr_cases
import llsr_checker
import llsr_frame
import llsr_plan
import llsr_procs
import llsr_report
from llsr_runner import Runner


# Signals whose default action would end or stop us. As PID 1 under runc
# the kernel delivers us none sent from inside the container; gVisor does
# deliver them (docs/security.md, "gVisor").
_SHRUGGED = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2",
             "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGTSTP", "SIGTTIN", "SIGTTOU",
             "SIGIO", "SIGPWR", "SIGSTKFLT")


def _shrug(signum, frame):
    pass


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # A handler that does nothing, not SIG_IGN: exec resets a handler to
    # the default, so judges and solution servers keep the default actions.
    # SIGKILL and SIGSTOP cannot be handled.
    for name in _SHRUGGED:
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, _shrug)
    # Before the frame (which holds the nonce) is read: become non-dumpable,
    # pre-start the first judge and solution server (fresh execs, so they
    # hold none of our memory; stdin /dev/null, never our stdin) and warm
    # up our own code.
    llsr_procs.make_nondumpable()
    pre = prestart()
    warm_up()
    try:
        raw = llsr_frame.read_frame(0)
    except (llsr_frame.FrameError, OSError) as e:
        llsr_procs.discard(pre)
        sys.stderr.write("llsr harness: %s\n" % e)
        return 2
    t0 = time.monotonic()  # every time limit counts from here
    try:
        return run_frame(raw, t0, pre)
    except BaseException:
        llsr_report.unseal()  # our traceback goes to the real stderr
        raise
    finally:
        if pre is not None and not pre.handed:
            llsr_procs.discard(pre)  # (already done unless run_frame raised)


def prestart():
    """Start the first pair before the frame arrives (one attempt)."""
    try:
        return llsr_procs.start_pair(0.0)
    except OSError:
        return None


def warm_up():
    """Run the frame-to-job path once on a dummy job before the frame
    arrives, so first-call costs (lazy imports, caches) are paid now."""
    try:
        body = json.dumps({"v": 1, "nonce": "0" * 32, "code": "eA==", "tests": "",
                           "stdin": "", "entry_point": None, "timeout_ms": 1,
                           "test_timeout_ms": 1, "output_limit": 0,
                           "report_limit": 256, "stop_on_first_failure": False})
        llsr_frame.parse_job(body.encode())
        _, job = llsr_plan.build(b"def f(a):\n    return a\n",
                                 b"x = 1\nassert f(x) == 1\nassert [x] != [f(2)]\n", None)
        marshal.dumps(job)
        ast.literal_eval("('passed', None, None, 0.0)")
        llsr_procs.oom_counters()
    except Exception:
        pass


def plan(cfg):
    """(cases, job, error dict or None) of one job's settings."""
    try:
        cases, job = llsr_plan.build(cfg["code"], cfg["tests"], cfg["entry_point"],
                                     cfg["program"], cfg["isolation"])
    except llsr_plan.PlanError as e:
        return getattr(e, "cases", []), {"program": False}, llsr_report.error(
            e.etype, e.message, e.line, e.traceback)
    return cases, job, None


def run_guarded(r):
    try:
        r.run()
    except Exception as e:  # a harness bug: still answer
        import traceback

        r.error = llsr_report.error("HarnessError", "internal error: %r" % (e,),
                                    None, traceback.format_exc())


def run_frame(raw, t0, pre):
    try:
        nonce, cfg = llsr_frame.parse_job(raw)
    except llsr_frame.FrameError as e:
        nonce = getattr(e, "nonce", None)
        sys.stderr.write("llsr harness: %s\n" % e)
        llsr_procs.discard(pre)
        if nonce is None:
            return 2
        rep = llsr_report.error_report("error", "HarnessError", "bad frame: %s" % e)
        llsr_report.write_out(llsr_report.encode_report(
            nonce, lambda caps, keep=None: rep, 1 << 30))
        return 0
    del raw
    llsr_report.seal()
    if "batch" in cfg:
        return run_batch(nonce, cfg, pre)
    if cfg["cases"] is not None:
        # The program runs afresh per case; no judge, no solution server.
        llsr_procs.discard(pre)
        report = llsr_cases.run(cfg, t0, llsr_checker.check)
        llsr_procs.final_sweep()
        llsr_report.write_out(llsr_report.encode_report(
            nonce, report, cfg["report_limit"]))
        return 0
    cases, job, err = plan(cfg)
    if err is not None:
        llsr_procs.discard(pre)
        r = Runner(cfg, cases, job, t0)
        r.error = err
    else:
        if cfg["memory_mb"] is not None:
            job = dict(job, memory_mb=cfg["memory_mb"], memory_rlimit=cfg["memory_rlimit"])
        r = Runner(cfg, cases, job, t0, pre)
        run_guarded(r)
        llsr_procs.discard(r.pre)  # never used (cannot happen: run() starts one)
    llsr_procs.final_sweep()
    llsr_report.write_out(llsr_report.encode_report(nonce, r.report, cfg["report_limit"]))
    return 0


# -- batch frames --------------------------------------------------------------

def run_one(cfg, index, pre, zygote=None):
    """Run submission index of a batch exactly as a single run would, in its
    own processes, working directory and memory limit; its time budget
    starts now. Returns the Runner (its report() builds the result)."""
    t0 = time.monotonic()
    cases, job, err = plan(cfg)
    if err is not None:
        llsr_procs.discard(pre)
        r = Runner(cfg, cases, job, t0, batch=True)
        r.error = err
        return r
    workdir = llsr_procs.make_workdir(index)
    job = dict(job, cwd=workdir, memory_mb=cfg["memory_mb"],
               memory_rlimit=cfg["memory_rlimit"])
    r = Runner(cfg, cases, job, t0, pre, batch=True, zygote=zygote)
    try:
        run_guarded(r)
    finally:
        llsr_procs.discard(r.pre)
        try:
            llsr_procs.remove_workdir(workdir)
        except Exception:
            pass
    return r


def run_batch(nonce, cfg, pre):
    """Run the batch's submissions, at most cfg["parallel"] at a time (one
    worker thread each; every Runner waits in its own poll()), then write
    one report line with every result in input order. The pre-started
    pair serves submission 0; every other process is forked by the
    batch's zygote (exec'd if there is none, or once it is gone)."""
    llsr_procs.OWN = set()
    if pre is not None:
        llsr_procs.OWN.update((pre.judge.pid, pre.solution.pid))
    jobs = cfg["batch"]
    zygote = None
    if len(jobs) > 1 and os.environ.get("LLSR_HARNESS_ZYGOTE") != "0":
        try:
            zygote = llsr_procs.Zygote.start()
        except Exception:  # (e.g. EMFILE): run without, as before
            zygote = None
    runners = [None] * len(jobs)
    lock = threading.Lock()
    queue = list(range(len(jobs) - 1, -1, -1))  # pop() gives 0, 1, 2, ...

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop()
            try:
                runners[i] = run_one(jobs[i], i, pre if i == 0 else None, zygote)
            except BaseException as e:  # never lose a worker silently
                runners[i] = e

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(cfg["parallel"] - 1)]
    for t in threads:
        t.start()
    worker()  # the main thread is a worker too
    for t in threads:
        t.join()
    if pre is not None and not pre.handed:
        llsr_procs.discard(pre)
    if zygote is not None:
        try:
            zygote.close()
        except Exception:
            pass
    if os.environ.get("LLSR_HARNESS_DEBUG") == "1":
        llsr_report.unseal()
        sys.stderr.write("llsr harness: batch: zygote %s, %d test children "
                         "forked, %d exec'd\n" % (
                             "none" if zygote is None else "lost" if zygote.lost
                             else "ok", llsr_procs.SPAWNED.count("fork"),
                             llsr_procs.SPAWNED.count("exec")))
        sys.stderr.flush()
    builds = []
    for r in runners:
        if isinstance(r, Runner):
            builds.append(r.report)
        else:
            rep = llsr_report.error_report("error", "HarnessError",
                                           "internal error: %r" % (r,))
            builds.append(lambda caps, keep=None, rep=rep: rep)
    llsr_procs.final_sweep()
    llsr_report.write_out(llsr_report.encode_batch_report(
        nonce, builds, cfg["report_limit"]))
    return 0
