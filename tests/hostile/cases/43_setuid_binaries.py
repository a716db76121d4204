# Privilege: setuid-root binaries in the image (su, mount, passwd, newgrp,
# chsh...) must not yield root: no-new-privileges ignores the setuid bit.
import os
import subprocess

CANDIDATES = ["/usr/bin/su", "/bin/su", "/usr/bin/mount", "/bin/mount", "/usr/bin/umount",
              "/usr/bin/passwd", "/usr/bin/newgrp", "/usr/bin/chsh", "/usr/bin/chfn",
              "/usr/bin/gpasswd", "/usr/sbin/unix_chkpwd"]


def run(argv, stdin=b""):
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=1.5)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        # su waits for a password that never comes: no root either way.
        return None, (e.output or b"").decode("utf-8", "replace") + " [timed out]"
    except OSError as e:
        return None, repr(e)


def present():
    return [p for p in CANDIDATES if os.path.exists(p)]


def got_root():
    wins = []
    checks = [
        (["/usr/bin/su", "root", "-c", "id -u > /tmp/LLSRHOSTILE_su"], b"\n\n"),
        (["/usr/bin/su", "-c", "id -u"], b"root\n"),
        (["/bin/mount", "-t", "tmpfs", "none", "/tmp"], b""),
        (["/usr/bin/newgrp", "root"], b"id -u\n"),
        (["/usr/bin/passwd", "-d", "root"], b""),
        (["/usr/bin/chsh", "-s", "/bin/sh", "root"], b""),
    ]
    for argv, stdin in checks:
        if not os.path.exists(argv[0]):
            continue
        rc, out = run(argv, stdin)
        print(argv, rc, out.strip()[:200])
        if rc == 0 and argv[0].endswith(("mount", "passwd", "chsh")):
            wins.append(argv[0])
        if out.strip().splitlines()[-1:] == ["0"]:
            wins.append(argv[0])
    if os.path.exists("/tmp/LLSRHOSTILE_su"):
        wins.append("su wrote a file")
    return wins
