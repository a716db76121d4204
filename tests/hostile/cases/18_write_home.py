# Hostile: writes under $HOME, ~, /root and /home: HOME must be the
# run's private tmpfs (/tmp), everything else read-only.
import os


def home_facts():
    home = os.environ.get("HOME")
    expanded = os.path.expanduser("~")
    p = os.path.join(expanded, "LLSRHOSTILE_home_file")
    with open(p, "w") as f:
        f.write("x" * 1000)
    st = os.statvfs(expanded)
    return home, expanded, st.f_blocks * st.f_frsize


def others_writable():
    ok = []
    for d in ("/root", "/home", "/home/sandbox", "/var/lib", "/run", "/var/run"):
        try:
            with open(os.path.join(d, "LLSRHOSTILE_x"), "w") as f:
                f.write("x")
            ok.append(d)
        except OSError:
            pass
    return ok
