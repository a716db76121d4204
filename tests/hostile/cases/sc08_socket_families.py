# Seccomp: only unix and IP sockets, and rtnetlink. Every other netlink
# protocol (netfilter, xfrm, audit, ...), AF_ALG, vsock, packet, key, RDS,
# TIPC, bluetooth sockets are refused (EPERM before the family's code runs);
# the unix and IP families and rtnetlink still work (the control).
import ctypes
import os

# include: _syscalls.py


FAMILIES = {"AF_NETLINK/NETFILTER": (16, 3, 12), "AF_NETLINK/XFRM": (16, 3, 6),
            "AF_NETLINK/AUDIT": (16, 3, 9), "AF_NETLINK/GENERIC": (16, 3, 16),
            "AF_ALG": (38, 5, 0), "AF_VSOCK": (40, 1, 0),
            "AF_PACKET": (17, 3, 0), "AF_KEY": (15, 3, 2), "AF_RDS": (21, 5, 0),
            "AF_TIPC": (30, 5, 0), "AF_BLUETOOTH": (31, 3, 1), "AF_XDP": (44, 3, 0)}


def other_families():
    calls = [("socket(%s)" % n, 41, a) for n, a in sorted(FAMILIES.items())]
    pair = (ctypes.c_int * 2)()
    calls.append(("socketpair(AF_TIPC)", 53, (30, 5, 0, pair)))
    calls.append(("socketpair(AF_NETLINK)", 53, (16, 3, 0, pair)))
    return not_refused(calls)


def control():
    import socket
    ok = []
    for fam in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
        s = socket.socket(fam, socket.SOCK_STREAM)
        ok.append(s.family)
        s.close()
    a, b = socket.socketpair()
    a.close()
    b.close()
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
    ok.append(s.family)
    s.close()
    return len(ok)
