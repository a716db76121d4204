# Network: DNS must not work (no resolver reachable, no network at all).
# Inside a --network none container nothing can leave, so the lookups only
# prove the failure.
import socket
import time


def lookup(name):
    t0 = time.monotonic()
    try:
        socket.getaddrinfo(name, 80, proto=socket.IPPROTO_TCP)
        return "resolved", time.monotonic() - t0
    except (socket.gaierror, OSError) as e:
        return type(e).__name__, time.monotonic() - t0


def raw_dns_query():
    # A DNS query to the usual resolvers: sendto must fail at once (no route).
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
    fails = 0
    for server in ("127.0.0.11", "192.0.2.53", "172.17.0.1"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        try:
            s.sendto(q, (server, 53))
            s.recvfrom(512)
        except OSError:
            fails += 1
        finally:
            s.close()
    return fails


def nameservers():
    try:
        with open("/etc/resolv.conf") as f:
            return [l for l in f.read().splitlines() if l.startswith("nameserver")]
    except OSError:
        return []
