# Network: connecting out must fail at once with "network unreachable":
# there is no route at all. Only documentation / private / on-host
# addresses are used (TEST-NET-1, the default docker bridge gateway), and
# nothing can leave a --network none container anyway.
import errno
import socket
import time

TARGETS = [("192.0.2.1", 80), ("192.0.2.1", 443), ("172.17.0.1", 80),
           ("10.255.255.1", 22)]


def attempt(host, port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(2.0)
    t0 = time.monotonic()
    try:
        if kind == socket.SOCK_STREAM:
            s.connect((host, port))
        else:
            s.sendto(b"x", (host, port))
        return "ok", time.monotonic() - t0
    except OSError as e:
        return e.errno, time.monotonic() - t0
    finally:
        s.close()


def all_unreachable():
    out = []
    for h, p in TARGETS:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            out.append((h, p, kind, ) + attempt(h, p, kind))
    return out


def v6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError as e:
        return e.errno
    s.settimeout(2.0)
    try:
        s.connect(("2001:db8::1", 80))
        return "ok"
    except OSError as e:
        return e.errno
    finally:
        s.close()


UNREACH = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL)
