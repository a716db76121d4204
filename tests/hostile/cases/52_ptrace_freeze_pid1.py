# Hostile: ptrace-attaches to PID 1 (docker-init, same uid as the user) and
# leaves it traced and stopped, so it can neither reap the harness nor
# forward signals. The tests themselves end normally (the second fails): a
# user should get that verdict, "failed", in normal time; at worst the run
# may end as a timeout, never as a pass. (Attaching should fail outright;
# see 42_ptrace.)
import ctypes

libc = ctypes.CDLL(None, use_errno=True)


def freeze_pid1():
    return libc.ptrace(16, 1, None, None)      # PTRACE_ATTACH; never detached
