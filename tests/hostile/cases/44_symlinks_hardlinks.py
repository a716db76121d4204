# Hostile: plants symlinks and hardlinks at every path the service (or the
# engine, or a careless cleanup) might touch, pointing at host-sensitive
# targets: /etc/shadow, /etc/passwd, /proc/1/root, the Docker socket, the
# service's run directory. The service never touches the container's
# filesystem (everything goes over the attach stream), so nothing on the
# host may change; the host side checks those files afterwards.
# Hardlinks to files on another filesystem (the root fs) must fail (EXDEV).
import os

TARGETS = ["/etc/shadow", "/etc/passwd", "/proc/1/root", "/proc/1/root/etc/shadow",
           "/var/run/docker.sock", "/run/docker.sock", "/proc/self/fd/1", "/proc/1/fd/1",
           "/tmp/llsr-hostile-canary/canary.txt", "/etc/hostname", "/", "../../../../etc/shadow"]
NAMES = ["report", "report.json", "frame", "job", "harness.py", "llsr", "fcgi.sock",
         "docker.sock", "ll-solution-runner.conf", "workers.log", "lighttpd.pid",
         "llsr-hostile-canary", "hostname", "hosts", "resolv.conf", "stdout", "stderr",
         ".X11-unix", "..LLSRHOSTILE", "core", "__pycache__", "solution.py", "tests.py"]


def plant():
    made = 0
    for base in ("/tmp", "/dev/shm", "/tmp/llsr-hostile-canary"):
        try:
            os.makedirs(base, exist_ok=True)
        except OSError:
            continue
        for i, name in enumerate(NAMES):
            for j, target in enumerate(TARGETS):
                link = os.path.join(base, "%s.%d" % (name, j) if j else name)
                try:
                    os.symlink(target, link)
                    made += 1
                except OSError:
                    pass
    # A symlink loop and a directory of links, and a link named like the
    # canary file the host keeps.
    try:
        os.symlink("/tmp/LLSRHOSTILE_loop_b", "/tmp/LLSRHOSTILE_loop_a")
        os.symlink("/tmp/LLSRHOSTILE_loop_a", "/tmp/LLSRHOSTILE_loop_b")
        made += 2
    except OSError:
        pass
    return made


def write_through_links():
    wrote = []
    for p in ("/tmp/report", "/tmp/hostname", "/tmp/llsr-hostile-canary/canary.txt.10",
              "/tmp/llsr-hostile-canary/llsr-hostile-canary.8", "/dev/shm/report.1"):
        try:
            with open(p, "a") as f:
                f.write("LLSRHOSTILE through a symlink\n")
            wrote.append(p)
        except OSError:
            pass
    return wrote


def hardlinks():
    made = []
    for src in ("/etc/shadow", "/etc/passwd", "/usr/bin/su", "/opt/llsr/harness.py",
                "/etc/hostname", "/etc/hosts"):
        try:
            os.link(src, "/tmp/LLSRHOSTILE_hl_" + os.path.basename(src))
            made.append(src)
        except OSError:
            pass
    return made


def replace_tmp():
    try:
        os.rename("/tmp", "/LLSRHOSTILE_tmp")
        return True
    except OSError:
        return False
