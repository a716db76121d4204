"""Processes in the sandbox: starting judges and solution servers (with
exec, or forked by a batch's fork server), killing and collecting them,
sweeping what user code left, and the OOM counters.

Who runs what:
  - the harness (P, this process): PID 1, non-dumpable, never runs user code;
  - a judge (llsr_judge): exec'd from XPYTHON, an execute-only copy of the
    interpreter, which makes the kernel start it non-dumpable (a process
    whose executable its user cannot read is never dumpable), so no code
    of the sandbox's uid can ptrace it or open its /proc/<pid>/mem, not
    even in the instant after exec; in a batch, forked by the fork server,
    whose non-dumpable state it inherits. It also prctl()s itself
    non-dumpable as its first act: under gVisor (runsc), which refuses to
    exec a file its user cannot read, XPYTHON falls back to the ordinary
    interpreter (see _spawn), and in the instant before that prctl only an
    ancestor could attach, for gVisor enforces Yama ptrace_scope 1;
  - a solution server (llsr_solution): exec'd from the ordinary interpreter
    in a single run (nothing of the run lives in it; it may read its own
    /proc and sets its own oom_score_adj); in a batch forked by the fork
    server (or exec'd from XPYTHON once the fork server is gone), so that
    no neighbour can ever read or write it.
Each is started in a session of its own, stdin /dev/null, close_fds.
"""

import ctypes
import errno
import os
import select
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JUDGE = os.path.join(HERE, "judge.py")
SOLUTION = os.path.join(HERE, "solution.py")
ZYGOTE = os.path.join(HERE, "zygote.py")
_X = os.path.join(HERE, "bin", "python3")
# The execute-only interpreter (installed by the image); on a host (the
# harness's own tests) the ordinary one, which then prctl()s itself.
XPYTHON = _X if os.access(_X, os.X_OK) else sys.executable
XONLY_REFUSED = False  # the kernel refused to exec XPYTHON (gVisor): see _spawn
SPAWN_RETRY_S = 2.0
ENV_KEYS = ("PATH", "LANG", "HOME")

# Batch mode: the pids of the processes we started (their Popen/ZProc
# objects collect them); the orphan reaper must not steal their statuses.
OWN = None
SPAWNED = []   # batch mode: "exec" / "fork" per process started (debug counter)


def child_env():
    return {k: os.environ[k] for k in ENV_KEYS if k in os.environ}


def make_nondumpable():
    """PR_SET_DUMPABLE 0: same-uid code cannot open /proc/<us>/{fd,mem}."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(4, 0, 0, 0, 0) == 0
    except Exception:
        return False



def _in_container():
    """True when we are the sandbox's main process (not a host test run):
    then every other process of our uid is user code and may be swept."""
    return os.getuid() != 0 and (os.getpid() == 1 or os.getppid() == 1)


def oom_counters():
    """Kernel OOM-kill counters of our memory cgroup (v2 or v1), or None."""
    out = []
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path, "rb") as f:
                for line in f.read().split(b"\n"):
                    k, _, v = line.partition(b" ")
                    if k in (b"oom_kill", b"oom") and v.isdigit():
                        out.append(int(v))
        except OSError:
            pass
    try:
        with open("/sys/fs/cgroup/memory/memory.failcnt", "rb") as f:
            out.append(int(f.read().strip() or 0))
    except (OSError, ValueError):
        pass
    return tuple(out) if out else None



def signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return "signal %d" % sig



def _stat(pid):
    """(state, ppid, session) of a process from /proc, or None."""
    try:
        # (os.open/os.read: a third of open()'s cost; batch sweeps scan
        # every process once or twice per test child)
        fd = os.open("/proc/%s/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 4096)  # one line of well under 1 KiB
        finally:
            os.close(fd)
        fields = data.rpartition(b")")[2].split()
        return fields[0], int(fields[1]), int(fields[3])
    except (OSError, ValueError, IndexError):
        return None


def reap_orphans():
    """As PID 1, collect zombies of processes re-parented to us."""
    if os.getpid() != 1:
        return
    if OWN is not None:
        # Batch: other threads wait for their own children; only collect
        # zombies that are not one of them.
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in OWN:
                st = _stat(pid)
                if st is not None and st[0] == b"Z" and st[1] == 1:
                    try:
                        os.waitpid(int(pid), os.WNOHANG)
                    except OSError:
                        pass
        return
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def kill_session(sid, limit_s=0.1):
    """Batch mode's sweep: SIGKILL every process of the session sid (a test
    child and everything it started that did not call setsid()), until
    none is left alive or limit_s passed."""
    me = os.getpid()
    end = time.monotonic() + limit_s
    while True:
        alive = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == me:
                continue
            st = _stat(pid)
            if st is None or st[2] != sid or st[0] in (b"Z", b"X"):
                continue
            alive = True
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        if not alive or time.monotonic() > end:
            return
        time.sleep(0.001)



# How long an answer may take. Past ZYGOTE_REPLY_S we give up on a
# stopped zygote (user code can SIGSTOP it), but wait for one that is only
# slow: on a loaded machine (a container's CPU share of a busy host) its
# start-up and imports take seconds and a fork can take more than 2 s,
# and a batch that gave up on it execs two interpreters per submission
# instead (20-30 times slower).
ZYGOTE_REPLY_S = 2.0
ZYGOTE_SLOW_S = 10.0


class ZygoteGone(Exception):
    pass


class Zygote:
    """P's end of a batch run's fork server (llsr_zygote, started with exec by
    start()). Its requests are answered one at a time, under
    a lock (worker threads share it). Any failure (no answer within
    ZYGOTE_REPLY_S, a closed socket, a bad answer) kills it for good and
    raises ZygoteGone: P then execs processes as in single runs."""

    def __init__(self, p, sock):
        import threading

        self.p, self.sock = p, sock
        self.lock = threading.Lock()
        self.dead = False
        self.lost = False   # died or was killed before the batch's end

    @classmethod
    def start(cls):
        """exec the zygote (own session, stdin/stdout/stderr /dev/null,
        the child's environment) and wait until it is non-dumpable; None
        if that fails. Called before any submission runs, so no user code
        exists while it is still dumpable."""
        psock, zsock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = child_env()
        try:
            p = subprocess.Popen(
                [sys.executable, "-I", "-S", ZYGOTE, str(zsock.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env, pass_fds=(zsock.fileno(),),
                close_fds=True, start_new_session=True)
        except OSError:
            psock.close()
            return None
        finally:
            zsock.close()
        if OWN is not None:
            OWN.add(p.pid)
        z = cls(p, psock)
        with z.lock:
            try:
                ok = z._recv() == b"R"
            except (OSError, ZygoteGone):
                ok = False
            if not ok:
                z._die()
                return None
        return z

    def _recv(self):
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        end = time.monotonic() + ZYGOTE_SLOW_S
        while not poller.poll(int(ZYGOTE_REPLY_S * 1000)):
            st = _stat(self.p.pid)
            if st is None or st[0] in (b"T", b"t", b"Z", b"X") or \
                    time.monotonic() + ZYGOTE_REPLY_S > end:
                raise ZygoteGone("no answer")
        data = self.sock.recv(64)
        if not data:
            raise ZygoteGone("closed")
        return data

    def _die(self):
        """(lock held) Kill and collect the zygote; its test children live
        on (re-parented: to P when P is PID 1) and are collected by ZProc."""
        self.dead = self.lost = True
        try:
            self.p.kill()
        except OSError:
            pass
        try:
            self.p.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
        else:
            if OWN is not None:
                OWN.discard(self.p.pid)
        self.sock.close()

    def call(self, msg, fds=()):
        with self.lock:
            if self.dead:
                raise ZygoteGone("dead")
            try:
                if fds:
                    socket.send_fds(self.sock, [msg], fds)
                else:
                    self.sock.send(msg)
                return self._recv()
            except (OSError, ZygoteGone):
                self._die()
                raise ZygoteGone("lost")

    def fork(self, role, fds):
        """A judge (role b"J", six descriptors) or solution server (b"S",
        three) forked by the zygote; its Popen-like ZProc. Raises OSError
        for fork's own errors, ZygoteGone when the zygote is unusable."""
        r = self.call(b"F" + role, fds)
        if r[:1] == b"E" and r[1:].isdigit():
            raise OSError(int(r[1:]), os.strerror(int(r[1:])))
        if not (r[:1] == b"P" and r[1:].isdigit()):
            self.bad_answer()
        p = ZProc(self, int(r[1:]))
        if OWN is not None:
            OWN.add(p.pid)
        SPAWNED.append("fork")
        return p

    def bad_answer(self):
        with self.lock:
            if not self.dead:
                self._die()
        raise ZygoteGone("bad answer")

    def close(self):
        """End of the batch: closing the socket makes it exit."""
        with self.lock:
            if self.dead:
                return
            self.dead = True
            self.sock.close()
        try:
            self.p.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.p.kill()
            try:
                self.p.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                return
        if OWN is not None:
            OWN.discard(self.p.pid)


class ZProc:
    """The Popen-like handle (pid, poll, wait, returncode) of a test child
    forked by the zygote. The zygote keeps it as a zombie until we ask for
    its wait status, so its pid cannot be reused while we may still signal
    it. If the zygote is gone, the child was re-parented: to P when P is
    PID 1 (then P collects it itself), else its status is lost (None)."""

    def __init__(self, zygote, pid):
        self.zygote, self.pid = zygote, pid
        self.returncode = None
        self.lost = False

    def poll(self):
        if self.returncode is None and not self.lost:
            try:
                r = self.zygote.call(b"W%d" % self.pid)
            except ZygoteGone:
                status = self._orphan()
            else:
                if r == b"N%d" % self.pid:
                    status = None
                elif r.startswith(b"S%d " % self.pid) and r[len(b"S%d " % self.pid):].isdigit():
                    status = int(r.split(b" ")[1])
                elif r == b"X%d" % self.pid:   # not its child (cannot happen)
                    self.lost, status = True, None
                else:
                    try:
                        self.zygote.bad_answer()
                    except ZygoteGone:
                        pass
                    status = self._orphan()
            if status is not None:
                try:
                    self.returncode = os.waitstatus_to_exitcode(status)
                except ValueError:
                    self.lost = True
        return self.returncode

    def _orphan(self):
        try:
            got, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.lost = True
            return None
        return status if got else None

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        pidfd = None
        try:
            while self.poll() is None and not self.lost:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired("test child", timeout)
                if pidfd is None:
                    try:
                        pidfd = os.pidfd_open(self.pid)
                    except (AttributeError, OSError):
                        pidfd = -1
                if pidfd >= 0:
                    # readable once it exited (a zombie counts)
                    select.select([pidfd], [], [], 0.05 if left is None else min(left, 0.05))
                else:
                    time.sleep(0.001 if left is None else min(left, 0.001))
        finally:
            if pidfd is not None and pidfd >= 0:
                os.close(pidfd)
        return self.returncode





class Pair:
    """A judge and its solution server, started together, waiting for the
    judge's job. P keeps the judge's stdout/stderr pipes and its end of
    the judge's channel; the judge has the socket to the solution and the
    read ends of the solution's stdout/stderr; P holds nothing of the
    solution's."""

    def __init__(self, judge, solution, out_r, err_r, chan):
        self.judge, self.solution = judge, solution
        self.out_r, self.err_r, self.chan = out_r, err_r, chan
        self.handed = False
        self.closed = False

    def close(self):
        if not self.closed:
            self.closed = True
            os.close(self.out_r)
            os.close(self.err_r)
            self.chan.close()

    def kill(self, sweep=False, batch=False):
        """SIGKILL both, their process groups and (sweep: single runs in
        the container) every process of our uid; in a batch, their
        sessions."""
        for p in (self.judge, self.solution):
            for f in (os.killpg, os.kill):
                try:
                    f(p.pid, signal.SIGKILL)
                except OSError:
                    pass
        if sweep:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        elif batch:
            kill_session(self.judge.pid)  # start_new_session: sid = pid
            kill_session(self.solution.pid)

    def discard(self):
        """Kill and collect a pair that never ran a job (idempotent)."""
        if self.closed:
            return
        self.kill()
        for p in (self.judge, self.solution):
            try:
                p.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            if OWN is not None and p.returncode is not None:
                OWN.discard(p.pid)
        self.close()


def discard(pair):
    if pair is not None:
        pair.discard()


def start_pair(give_up, zygote=None, batch=False):
    """Start a judge and a solution server joined by a socketpair (see
    Pair). Retries EAGAIN/ENOMEM from fork (the pids limit) until give_up
    (monotonic). Raises OSError. In a batch, both are forked by the
    zygote if it is alive, else exec'd (the solution from XPYTHON)."""
    j_out_r, j_out_w = os.pipe()
    j_err_r, j_err_w = os.pipe()
    s_out_r, s_out_w = os.pipe()
    s_err_r, s_err_w = os.pipe()
    pchan, jchan = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    jsock, ssock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    theirs = [j_out_w, j_err_w, s_out_r, s_err_r, s_out_w, s_err_w]
    judge = None
    try:
        judge = _spawn_retrying(give_up, lambda: _spawn(
            zygote, b"J", [j_out_w, j_err_w, jchan.fileno(), jsock.fileno(),
                           s_out_r, s_err_r], XPYTHON, JUDGE))
        solution = _spawn_retrying(give_up, lambda: _spawn(
            zygote, b"S", [s_out_w, s_err_w, ssock.fileno()],
            XPYTHON if batch else sys.executable, SOLUTION))
    except BaseException:
        if judge is not None:
            _kill_wait(judge)
        for fd in (j_out_r, j_err_r):
            os.close(fd)
        pchan.close()
        raise
    finally:
        for fd in theirs:
            os.close(fd)
        for s in (jchan, jsock, ssock):
            s.close()
    return Pair(judge, solution, j_out_r, j_err_r, pchan)


def _kill_wait(p):
    for f in (os.killpg, os.kill):
        try:
            f(p.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        p.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        pass


def _spawn(zygote, role, fds, python, script):
    """One process: fds[0], fds[1] become its stdout/stderr, the others
    are passed on (their numbers in its argv)."""
    if zygote is not None and not zygote.dead:
        try:
            return zygote.fork(role, fds)
        except ZygoteGone:
            pass
    global XPYTHON, XONLY_REFUSED
    rest = fds[2:]
    while True:
        try:
            p = subprocess.Popen(
                [python, "-I", "-S", script] + [str(fd) for fd in rest],
                stdin=subprocess.DEVNULL, stdout=fds[0], stderr=fds[1], env=child_env(),
                pass_fds=rest, close_fds=True, start_new_session=True)
            break
        except PermissionError:
            # gVisor's exec reads the file as its user: an execute-only
            # interpreter is EACCES there. Use the ordinary one from now on;
            # judges and solution servers prctl() themselves non-dumpable
            # before any user code runs (and gVisor's Yama scope 1 keeps
            # every non-ancestor from attaching to them before that).
            if python != _X or XPYTHON != _X:
                raise
            XPYTHON, XONLY_REFUSED = sys.executable, True
            python = XPYTHON
    if OWN is not None:
        OWN.add(p.pid)
        SPAWNED.append("exec")
    return p


def _spawn_retrying(give_up, spawn):
    """spawn() until it returns, retrying EAGAIN/ENOMEM (the pids limit:
    orphans are reaped between tries) until give_up (monotonic)."""
    delay = 0.005
    while True:
        try:
            return spawn()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ENOMEM) or \
                    time.monotonic() + delay > give_up:
                raise
            reap_orphans()
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def final_sweep():
    """In the sandbox, kill every other process of our uid before reporting,
    so nothing user-made can write to the stream after the report."""
    if not _in_container():
        return
    me = os.getpid()
    end = time.monotonic() + 0.3
    delay = 0.0005
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        if os.getpid() == 1:
            try:
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others or time.monotonic() > end:
            return
        time.sleep(delay)  # init reaps the killed ones: usually sub-ms
        delay = min(delay * 2, 0.01)



def make_workdir(i):
    """A fresh, empty directory for submission i: /tmp/s<i>-<random>, 0700
    (mkdir is atomic, so nobody can have put anything in it before)."""
    while True:
        d = "/tmp/s%d-%s" % (i, os.urandom(6).hex())
        try:
            os.mkdir(d, 0o700)
            return d
        except FileExistsError:
            continue


def remove_workdir(d):
    """Free the tmpfs space a finished submission used (best effort; never
    follows symlinks)."""
    import shutil

    def onerror(fn, path, exc):
        for q in (os.path.dirname(path), path):  # made unwritable/unreadable
            try:
                os.chmod(q, 0o700, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
    shutil.rmtree(d, onerror=onerror)
    shutil.rmtree(d, ignore_errors=True)


