# Network: the container must have no interface but loopback, no routes,
# no ARP neighbours.
import socket


def interfaces():
    return sorted(name for _, name in socket.if_nameindex())


def proc_net_dev():
    with open("/proc/net/dev") as f:
        return sorted(l.split(":")[0].strip() for l in f.read().splitlines()[2:] if ":" in l)


def routes():
    out = []
    for path in ("/proc/net/route", "/proc/net/ipv6_route"):
        try:
            with open(path) as f:
                rows = f.read().splitlines()
        except OSError:
            continue
        if path.endswith("ipv6_route"):
            out += [r for r in rows if r.strip() and not r.rstrip().endswith("lo")]
        else:
            out += [r for r in rows[1:] if r.strip()]
    return out


def arp():
    with open("/proc/net/arp") as f:
        return f.read().splitlines()[1:]
