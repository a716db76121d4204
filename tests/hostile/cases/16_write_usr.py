# Hostile: writes under /usr (and the other read-only system directories).
import os

TARGETS = [
    "/usr/LLSRHOSTILE_x",
    "/usr/bin/LLSRHOSTILE_x",
    "/usr/local/bin/LLSRHOSTILE_x",
    "/usr/lib/python3/dist-packages/LLSRHOSTILE_x.py",
    "/usr/lib/python3.11/LLSRHOSTILE_sitecustomize.py",
    "/opt/llsr/LLSRHOSTILE_x",
    "/bin/LLSRHOSTILE_x",
    "/var/tmp/LLSRHOSTILE_x",
    "/var/LLSRHOSTILE_x",
    "/LLSRHOSTILE_x",
]
EXISTING = ["/usr/bin/python3", "/opt/llsr/harness.py", "/opt/llsr/llsr_parent.py"]


def writable_paths():
    ok = []
    for p in TARGETS:
        try:
            with open(p, "w") as f:
                f.write("x")
            ok.append(p)
        except OSError:
            pass
    for p in EXISTING:
        try:
            with open(p, "ab") as f:
                f.write(b"")
            ok.append(p)
        except OSError:
            pass
        try:
            os.chmod(p, 0o777)
            ok.append("chmod " + p)
        except OSError:
            pass
    try:
        os.mkdir("/usr/LLSRHOSTILE_dir")
        ok.append("mkdir /usr/LLSRHOSTILE_dir")
    except OSError:
        pass
    return ok
