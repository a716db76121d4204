# Hostile: who else runs here? The sandbox lists the cgroup tree and reads
# the cgroup of every process it can see, looking for the ids of other
# containers (other tenants' runs, the warm pool: there are always some
# while this runs). It must find no container id but its own: the cgroup
# filesystems it sees are its own cgroup, nothing above or beside it.
import os
import re
import socket

ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def _names(root, depth):
    found = set()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return found
    for e in entries:
        found.update(ID.findall(e.name))
        if depth > 1 and e.is_dir(follow_symlinks=False):
            found |= _names(e.path, depth - 1)
    return found


def _cgroup_lines():
    found = set()
    for pid in ["self"] + [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open("/proc/%s/cgroup" % pid) as f:
                found.update(ID.findall(f.read()))
        except OSError:
            pass
    return found


def other_containers():
    ids = _names("/sys/fs/cgroup", 4) | _cgroup_lines()
    mine = socket.gethostname()
    return sorted(i[:12] for i in ids if not i.startswith(mine))


def own_cgroup_only():
    # The cgroup directories visible hold no child named like a container.
    return sorted(i[:12] for i in _names("/sys/fs/cgroup", 4))
