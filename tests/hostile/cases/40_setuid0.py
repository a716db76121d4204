# Privilege: setuid(0), setgid(0), setgroups, setresuid, capabilities.
import os


def attempts():
    ok = []
    for name, fn in (("setuid", lambda: os.setuid(0)), ("setgid", lambda: os.setgid(0)),
                     ("seteuid", lambda: os.seteuid(0)), ("setegid", lambda: os.setegid(0)),
                     ("setresuid", lambda: os.setresuid(0, 0, 0)),
                     ("setgroups", lambda: os.setgroups([0])),
                     ("chown", lambda: os.chown("/tmp", 0, 0)),
                     ("chroot", lambda: os.chroot("/tmp")),
                     ("nice -5", lambda: os.nice(-5)),
                     ("sethostname", lambda: __import__("socket").sethostname("LLSRHOSTILE"))):
        try:
            fn()
            ok.append(name)
        except (OSError, AttributeError):
            pass
    return ok


def caps():
    with open("/proc/self/status") as f:
        st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
    # (gVisor's status has no CapAmb and no NoNewPrivs line: the flag is
    # asked of the kernel itself, PR_GET_NO_NEW_PRIVS.)
    got = {k: st.get(k, "absent").strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd",
                                                     "CapAmb", "Uid", "Gid")}
    libc = __import__("ctypes").CDLL(None, use_errno=True)
    got["NoNewPrivs"] = str(libc.prctl(39, 0, 0, 0, 0))
    return got
