# Environment: /proc/1/environ (docker-init) and the test process's own
# environment hold only the sandbox's allow-list; the harness process is
# non-dumpable, so its environ, mem and fds are closed to user code.
import os

ALLOWED = {"PATH", "LANG", "HOME", "PYTHONDONTWRITEBYTECODE", "HOSTNAME"}


def env_keys(pid):
    # PID 1 is the non-dumpable harness by default: not even readable.
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            return {kv.split(b"=", 1)[0].decode() for kv in f.read().split(b"\0") if kv}
    except PermissionError:
        return set()


def harness_private():
    ppid = os.getppid()
    opened = []
    for what in ("environ", "mem", "fd/0", "fd/1", "maps", "cwd/"):
        try:
            if what.startswith("fd/"):
                os.close(os.open("/proc/%d/%s" % (ppid, what), os.O_RDONLY))
            elif what == "cwd/":
                os.listdir("/proc/%d/cwd" % ppid)
            else:
                with open("/proc/%d/%s" % (ppid, what), "rb") as f:
                    f.read(1)
            opened.append(what)
        except OSError:
            pass
    return opened
