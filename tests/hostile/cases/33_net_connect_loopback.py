# Network: 127.0.0.1 inside the container is the container's own loopback,
# not the host's: the service's HTTP port, the engine's TCP ports, ssh,
# http... must all refuse.
import socket


def try_connect(host, port, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect((host, port))
        return "connected"
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()


def sweep(ports):
    res = {}
    for p in ports:
        res["127.0.0.1:%d" % p] = try_connect("127.0.0.1", p)
        res["[::1]:%d" % p] = try_connect("::1", p, socket.AF_INET6)
    return res
