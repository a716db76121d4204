"""A batch's fork server: python3 -I -S zygote.py <control fd>.

Started by the harness with exec (so it shares no memory with it), in its
own session, before any submission of the batch runs. It sets its
oom_score_adj to 1000 (its children inherit it), makes itself
non-dumpable (its children inherit that too, so a judge or a solution
server it forks is never readable or writable by a neighbour, not even in
its first instant), answers b"R" on its control socket (a SOCK_SEQPACKET
socketpair with the harness), imports everything a judge and a solution
server need, then serves two requests, one at a time:

  b"FJ" + SCM_RIGHTS [stdout w, stderr w, channel, socket, sol. stdout r,
      sol. stderr r]: fork a judge; b"FS" + [stdout w, stderr w, socket]:
      fork a solution server. Answer b"P<pid>" (or b"E<errno>").
  b"W<pid>": waitpid(pid, WNOHANG) for a child we forked; answer
      b"S<pid> <wait status>", b"N<pid>" (still running) or b"X<pid>".

It never reaps a child on its own: like an unwaited Popen child, the pid
stays reserved (a zombie) until the harness asks, so the harness can kill
by pid without racing pid reuse. It never receives anything user-derived:
jobs go from the harness to a judge, and from the judge to its solution
server, over their own sockets. It exits when the control socket closes.
"""

import os
import sys

import llsr_judge
import llsr_setup
import llsr_solution
from llsr_text import _load

ROLES = {b"FJ": (6, llsr_judge.main), b"FS": (3, llsr_solution.main)}


def main(argv):
    import _socket

    ctl_fd = int(argv[1])
    os.set_inheritable(ctl_fd, False)
    ctl = _socket.socket(fileno=ctl_fd)
    llsr_setup.oom_first()
    dumpable = llsr_setup.prctl_dumpable()
    if dumpable is None or not dumpable(0):
        ctl.send(b"r")  # could not become non-dumpable: do not use us
        os._exit(0)
    ctl.send(b"R")
    for name in ("reprlib", "linecache", "traceback", "resource", "inspect",
                 "unittest", "codecs", "importlib", "pickle"):
        _load(name)
    size = _socket.CMSG_SPACE(6 * 4)
    while True:
        try:
            data, anc, flags, _ = ctl.recvmsg(64, size, _socket.MSG_CMSG_CLOEXEC)
        except InterruptedError:
            continue
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # the harness closed the socket (or is gone)
        fds = []
        for level, kind, payload in anc:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds.extend(int.from_bytes(payload[i:i + 4], sys.byteorder, signed=True)
                           for i in range(0, len(payload) - len(payload) % 4, 4))
        role = ROLES.get(data)
        if role is not None and len(fds) == role[0] and not flags & _socket.MSG_CTRUNC:
            try:
                pid = os.fork()
            except OSError as e:
                reply = b"E%d" % (e.errno or 0)
            else:
                if pid == 0:
                    _forked(ctl, fds, role[1])  # never returns
                reply = b"P%d" % pid
        elif data[:1] == b"W" and data[1:].isdigit() and not fds:
            pid = int(data[1:])
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                reply = b"X%d" % pid
            else:
                reply = b"N%d" % pid if got == 0 else b"S%d %d" % (pid, status)
        else:
            reply = b"?"
        for fd in fds:
            os.close(fd)
        try:
            ctl.send(reply)
        except OSError:
            os._exit(0)


def _forked(ctl, fds, run):
    """In a process the zygote just forked: become what an exec'd judge or
    solution server is when it starts (own session, stdin /dev/null,
    stdout/stderr on the given pipes, the rest on fds 3, 4, ..., no other
    descriptor), still non-dumpable, then run its main path."""
    try:
        os.setsid()
        ctl.detach()  # its fd is closed below; the object must never close it
        import fcntl

        # Out of the way of 0..8 first, so that no dup2 below overwrites a
        # descriptor still to be moved.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]
        os.dup2(high[0], 1)
        os.dup2(high[1], 2)
        rest = []
        for i, fd in enumerate(high[2:]):
            os.dup2(fd, 3 + i)
            rest.append(str(3 + i))
        os.closerange(3 + len(rest), 1 << 20)  # the control socket and the rest
    except BaseException:
        os._exit(70)
    run(["forked"] + rest)  # ends with _exit()
    os._exit(70)  # (never reached: never fall back into the zygote's loop)

