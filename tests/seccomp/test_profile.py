#!/usr/bin/env python3
"""conf/seccomp.json, checked without a container (TAP on stdout):
what it refuses, that it has no 32-bit entry points and no rule that a
capability would open, its argument rules, and (where Debian's
golang-github-docker-docker-dev ships Docker's default profile) that it is
exactly what conf/seccomp-gen.py makes of it. The containers' side is
tests/hostile/cases/sc*.py."""

import importlib.util
import json
import os
import sys

TOP = os.environ.get("SRCDIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
PROFILE = os.path.join(TOP, "conf", "seccomp.json")
GEN = os.path.join(TOP, "conf", "seccomp-gen.py")

spec = importlib.util.spec_from_file_location("seccomp_gen", GEN)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

with open(PROFILE) as f:
    prof = json.load(f)
rules = prof["syscalls"]
# Allowed whatever the arguments and the kernel.
allowed = {n for r in rules if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args")
           and not r.get("includes") and not r.get("excludes") for n in r["names"]}
n = 0
failed = 0


def check(ok, name, diag=""):
    global n, failed
    n += 1
    failed += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and diag:
        print("# " + str(diag))


def skip(name, why):
    global n
    n += 1
    print("ok %d - %s # SKIP %s" % (n, name, why))


print("1..9")
check(prof["defaultAction"] == "SCMP_ACT_ERRNO", "the default action refuses")
must = ["io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "keyctl",
        "add_key", "request_key", "bpf", "perf_event_open", "ptrace", "process_vm_readv",
        "process_vm_writev", "mount", "umount2", "unshare", "setns", "pivot_root",
        "open_tree", "fsopen", "move_mount", "kexec_load", "modify_ldt", "io_setup"]
check(not (set(must) & {n2 for r in rules if r["action"] == "SCMP_ACT_ALLOW"
                        for n2 in r["names"]}),
      "no rule allows io_uring, userfaultfd, the keyring, bpf, perf, ptrace, mounts, "
      "namespaces, kexec, modify_ldt, AIO", sorted(set(must) & allowed))
deny = [r for r in rules if r["action"] == "SCMP_ACT_ERRNO" and r.get("errnoRet") == 1]
check(deny and set(must) <= set(deny[0]["names"]),
      "an explicit EPERM rule names every one of them")
check(all(not a.get("subArchitectures") for a in prof["archMap"]),
      "no 32-bit entry points (no sub-architectures)")
check(not any((r.get("includes") or {}).get("caps") or (r.get("excludes") or {}).get("caps")
              for r in rules), "no rule depends on a capability")
check(not {"memfd_create", "execveat", "personality", "socket", "socketpair"} & allowed,
      "memfd_create, execveat, personality, socket, socketpair only with argument rules")
mfd = [r for r in rules if r["names"] == ["memfd_create"] and r.get("args")]
check(len(mfd) == 1 and mfd[0]["args"][0]["value"] == 0x18 and
      mfd[0]["args"][0]["valueTwo"] == 0x8 and mfd[0].get("includes") == {"minKernel": "6.3"},
      "memfd_create on 6.3+: MFD_NOEXEC_SEAL set, MFD_EXEC not", mfd)
fams = sorted(tuple((a["index"], a["value"]) for a in r["args"])
              for r in rules if r["names"] == ["socket"])
check(fams == [((0, 1),), ((0, 2),), ((0, 10),), ((0, 16), (2, 0))],
      "socket: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK with NETLINK_ROUTE only", fams)
if os.path.exists(gen.DEFAULT):
    with open(gen.DEFAULT) as f:
        made = gen.render(gen.generate(json.load(f)))
    with open(PROFILE) as f:
        check(f.read() == made, "conf/seccomp.json is what conf/seccomp-gen.py makes of "
              + gen.DEFAULT)
else:
    skip("conf/seccomp.json is what conf/seccomp-gen.py makes of Docker's default",
         "%s missing (Debian: golang-github-docker-docker-dev)" % gen.DEFAULT)
sys.exit(1 if failed else 0)
