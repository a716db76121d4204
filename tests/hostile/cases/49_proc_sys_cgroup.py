# Hostile: writes to kernel knobs and cgroup files that would matter on
# the host: /proc/sys/*, /proc/sysrq-trigger, core_pattern, the container's
# own cgroup limits, /sys.
import glob


def writable():
    ok = []
    paths = ["/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/proc/sys/vm/drop_caches",
             "/proc/sys/kernel/hostname", "/proc/sys/net/ipv4/ip_forward",
             "/proc/self/oom_score_adj", "/proc/1/oom_score_adj", "/sys/kernel/uevent_helper",
             "/sys/fs/cgroup/memory/memory.limit_in_bytes",
             "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/memory.max",
             "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/cgroup.procs",
             "/sys/fs/cgroup/memory/cgroup.procs"] + glob.glob("/sys/fs/cgroup/*/release_agent")
    for p in paths:
        try:
            with open(p, "w") as f:
                f.write("-1000\n" if "oom_score_adj" in p else "0\n")
            if p == "/proc/self/oom_score_adj":
                # Raising is allowed without privilege; lowering is not.
                continue
            ok.append(p)
        except OSError:
            pass
    return ok
