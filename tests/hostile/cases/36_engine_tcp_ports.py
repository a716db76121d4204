# Network: the engine's TCP ports 2375/2376 on the default gateway (if
# any), the docker0 bridge address and loopback must be unreachable: there
# is no default route in the container.
import socket
import struct


def default_gateway():
    with open("/proc/net/route") as f:
        for row in f.read().splitlines()[1:]:
            cols = row.split()
            if len(cols) > 2 and cols[1] == "00000000":
                return socket.inet_ntoa(struct.pack("<L", int(cols[2], 16)))
    return None


def try_ports(host):
    res = {}
    for port in (2375, 2376):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect((host, port))
            res[port] = "connected"
        except OSError as e:
            res[port] = type(e).__name__
        finally:
            s.close()
    return res
