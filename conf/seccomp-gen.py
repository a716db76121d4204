#!/usr/bin/env python3
"""Generates conf/seccomp.json, the sandbox's seccomp profile, from Docker's
default profile.

conf/seccomp.json is a derivative of Docker's default seccomp profile
(moby, profiles/seccomp/default.json, as Debian's
golang-github-docker-docker-dev ships it), Copyright Docker, Inc. and the
moby contributors, licensed under the Apache License, Version 2.0
(/usr/share/common-licenses/Apache-2.0 on Debian); the changes are the
ones this script makes.

    conf/seccomp-gen.py [DEFAULT.json] > conf/seccomp.json
    conf/seccomp-gen.py --check [DEFAULT.json]   # exit 1 if conf/seccomp.json
                                                 # differs from the output

DEFAULT.json is Docker's own default profile, by default the one Debian's
golang-github-docker-docker-dev ships, built from the same source package
as the engine (docker.io 20.10):
/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json

What changes, and why (docs/security.md has the table):
- every rule that only applies when the container holds a capability is
  dropped: the sandbox has none (CapDrop ALL), and the profile should not
  open mount, bpf, ptrace, setns, ... should a capability ever come back;
  the rules that apply only *without* a capability (clone without namespace
  flags, clone3 -> ENOSYS) lose that condition and always apply;
- the 32-bit entry points are gone (x86 and x32 on x86_64, arm on aarch64):
  a second ABI for every argument filter to get right, and socketcall(2)
  and ipc(2) take their arguments through a pointer no filter can read;
  nothing in the image is 32-bit;
- DENY: calls a Python test run never makes, with a history of kernel
  bugs or of sandbox escapes, fail with EPERM (an explicit rule, so that
  the answer is EPERM on every runtime, not ENOSYS by accident);
- memfd_create: on kernels that know MFD_NOEXEC_SEAL (6.3 and later), only
  with MFD_NOEXEC_SEAL and without MFD_EXEC, so that no memfd is ever
  executable (the harness asks for MFD_NOEXEC_SEAL); on older kernels as
  before (every memfd there is executable: docs/security.md says so);
- execveat: never with AT_EMPTY_PATH (fexecve of a descriptor: the way to
  run an in-memory binary without a path);
- personality: only the query (0xffffffff), no execution domain changes;
- socket: only AF_UNIX, AF_INET, AF_INET6 (the container's network is
  loopback only) and AF_NETLINK with NETLINK_ROUTE (getifaddrs,
  if_nameindex); socketpair: only AF_UNIX. Every other family and netlink
  protocol (netfilter, xfrm, audit, AF_ALG, vsock, packet, RDS, TIPC, ...)
  is kernel code a test never needs.

Python 3 stdlib only. The output is deterministic (sorted names, fixed
indentation), so that --check can compare it byte for byte.
"""

import json
import os
import sys

DEFAULT = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seccomp.json")

EPERM = 1

# Removed from the allow list and refused with EPERM by an explicit rule.
DENY = {
    # io_uring: a second system call interface, the source of many local
    # privilege escalations; Docker's own later profiles dropped it too.
    "io_uring_setup": "io_uring",
    "io_uring_enter": "io_uring",
    "io_uring_register": "io_uring",
    # Legacy AIO: Python never uses it.
    "io_setup": "aio", "io_submit": "aio", "io_cancel": "aio",
    "io_destroy": "aio", "io_getevents": "aio", "io_pgetevents": "aio",
    "io_pgetevents_time64": "aio",
    # Page-fault handling from user space: the classic tool to win kernel
    # races (most exploits of use-after-free bugs).
    "userfaultfd": "race window tool",
    # The kernel keyring: not namespaced by container.
    "keyctl": "keyring", "add_key": "keyring", "request_key": "keyring",
    "bpf": "bpf", "perf_event_open": "perf",
    # Debugging other processes and reading their memory.
    "ptrace": "ptrace", "process_vm_readv": "ptrace",
    "process_vm_writev": "ptrace", "kcmp": "ptrace", "pidfd_getfd": "ptrace",
    "process_madvise": "ptrace",
    # Mounts and namespaces.
    "mount": "mount", "umount": "mount", "umount2": "mount",
    "mount_setattr": "mount", "move_mount": "mount", "open_tree": "mount",
    "fsopen": "mount", "fsconfig": "mount", "fsmount": "mount",
    "fspick": "mount", "pivot_root": "mount", "chroot": "mount",
    "unshare": "namespaces", "setns": "namespaces",
    # Whole-machine operations.
    "kexec_load": "machine", "kexec_file_load": "machine",
    "reboot": "machine", "init_module": "machine",
    "finit_module": "machine", "delete_module": "machine",
    "acct": "machine", "swapon": "machine", "swapoff": "machine",
    "syslog": "machine", "quotactl": "machine", "quotactl_fd": "machine",
    "lookup_dcookie": "machine", "name_to_handle_at": "machine",
    "open_by_handle_at": "machine", "fanotify_init": "machine",
    "sethostname": "machine", "setdomainname": "machine",
    "settimeofday": "machine", "clock_settime": "machine",
    "stime": "machine", "iopl": "machine", "ioperm": "machine",
    "vhangup": "machine",
    # x86 segment descriptors (several past kernel bugs; 16-bit code).
    "modify_ldt": "x86",
    # Memory no one else can see, and page-splicing of user memory.
    "memfd_secret": "memory", "vmsplice": "memory",
    # NUMA placement: nothing to place on a 1-2 CPU sandbox.
    "mbind": "memory", "set_mempolicy": "memory", "get_mempolicy": "memory",
    "migrate_pages": "memory", "move_pages": "memory",
    # The 32-bit multiplexers: their arguments are behind a pointer.
    "socketcall": "32-bit", "ipc": "32-bit",
}

MFD_NOEXEC_SEAL = 0x8
MFD_EXEC = 0x10
AT_EMPTY_PATH = 0x1000
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
NETLINK_ROUTE = 0
# Replaced by the argument rules below.
FILTERED = {"memfd_create", "execveat", "personality", "socket", "socketpair"}


def arg(index, value, op="SCMP_CMP_EQ", value_two=0):
    return {"index": index, "value": value, "valueTwo": value_two, "op": op}


def rule(names, comment, args=(), action="SCMP_ACT_ALLOW", **extra):
    r = {"names": sorted(names), "action": action, "args": list(args),
         "comment": comment}
    r.update(extra)
    return r


def generate(default):
    out = {"defaultAction": default["defaultAction"],
           "archMap": [], "syscalls": []}
    for a in default.get("archMap", []):
        out["archMap"].append({"architecture": a["architecture"],
                               "subArchitectures": []})
    for r in default["syscalls"]:
        inc = dict(r.get("includes") or {})
        exc = dict(r.get("excludes") or {})
        if inc.get("caps"):
            continue  # needs a capability the sandbox never has
        exc.pop("caps", None)
        names = sorted(set(r["names"]) - set(DENY) - FILTERED)
        if not names:
            continue
        n = {"names": names, "action": r["action"], "args": r.get("args") or [],
             "comment": r.get("comment", "")}
        if r.get("errnoRet") is not None:
            n["errnoRet"] = r["errnoRet"]
        if inc:
            n["includes"] = inc
        if exc:
            n["excludes"] = exc
        out["syscalls"].append(n)

    allowed = {n for r in out["syscalls"] if r["action"] == "SCMP_ACT_ALLOW"
               for n in r["names"]}
    for needed in ("memfd_create", "execveat", "socket", "socketpair",
                   "personality"):
        if not any(needed in r["names"] for r in default["syscalls"]):
            sys.exit("seccomp-gen: %s is not in the default profile any more:"
                     " review this generator" % needed)
    assert not allowed & set(DENY)

    s = out["syscalls"]
    s.append(rule(["memfd_create"],
                  "llsr: no executable memfd: MFD_NOEXEC_SEAL set, MFD_EXEC not",
                  [arg(1, MFD_NOEXEC_SEAL | MFD_EXEC, "SCMP_CMP_MASKED_EQ",
                       MFD_NOEXEC_SEAL)],
                  includes={"minKernel": "6.3"}))
    s.append(rule(["memfd_create"],
                  "llsr: kernels before 6.3 know no MFD_NOEXEC_SEAL",
                  excludes={"minKernel": "6.3"}))
    s.append(rule(["execveat"], "llsr: no fexecve (AT_EMPTY_PATH)",
                  [arg(4, AT_EMPTY_PATH, "SCMP_CMP_MASKED_EQ", 0)]))
    s.append(rule(["personality"], "llsr: the query only",
                  [arg(0, 0xffffffff)]))
    for fam in (AF_UNIX, AF_INET, AF_INET6):
        s.append(rule(["socket"], "llsr: address family %d" % fam,
                      [arg(0, fam)]))
    # getifaddrs() and if_nameindex() ask the kernel by rtnetlink; no other
    # netlink protocol (netfilter, xfrm, audit, ...).
    s.append(rule(["socket"], "llsr: AF_NETLINK, NETLINK_ROUTE only",
                  [arg(0, AF_NETLINK), arg(2, NETLINK_ROUTE)]))
    s.append(rule(["socketpair"], "llsr: AF_UNIX only", [arg(0, AF_UNIX)]))
    s.append(rule(sorted(DENY), "llsr: refused, see conf/seccomp-gen.py",
                  action="SCMP_ACT_ERRNO", errnoRet=EPERM))
    return out


def render(profile):
    return json.dumps(profile, indent=1, sort_keys=True) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    src = args[0] if args else DEFAULT
    with open(src) as f:
        text = render(generate(json.load(f)))
    if not check:
        sys.stdout.write(text)
        return 0
    with open(OUT) as f:
        if f.read() != text:
            print("seccomp-gen: %s is not what %s generates from %s"
                  % (OUT, "conf/seccomp-gen.py", src),
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
