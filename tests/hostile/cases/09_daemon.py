# Hostile: a double-forked, setsid'd daemon that ignores SIGTERM/SIGHUP and
# tries to outlive the run. It re-execs python3 with a marker in its argv
# (LLSRHOSTILE_DAEMON) so that the host side can look for it in /proc.
import os
import sys

MARK = "LLSRHOSTILE_DAEMON"
BODY = ("import signal, time\n"
        "for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
        "open('/tmp/LLSRHOSTILE_daemon_alive', 'w').write('alive')\n"
        "while True: time.sleep(0.05)\n")


def start_daemon():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() > 0:
            os._exit(0)
        fd = os.open(os.devnull, os.O_RDWR)
        for i in (0, 1, 2):
            os.dup2(fd, i)
        os.execv(sys.executable, [sys.executable, "-c", BODY, MARK])
    os.waitpid(pid, 0)
    import time
    for _ in range(100):
        if os.path.exists("/tmp/LLSRHOSTILE_daemon_alive"):
            return True
        time.sleep(0.02)
    return False
