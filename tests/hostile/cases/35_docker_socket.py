# Network: the Docker socket (and containerd's) must not exist in the
# container, at any usual path, nor be reachable through /proc.
import glob
import os
import socket

PATHS = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
         "/var/run/containerd/containerd.sock", "/run/docker/", "/var/lib/docker",
         "/proc/1/root/var/run/docker.sock", "/run/podman/podman.sock"]


def present():
    return [p for p in PATHS if os.path.exists(p) or os.path.islink(p)]


def unix_sockets():
    found = []
    for root in ("/run", "/var/run", "/var/lib", "/tmp", "/dev", "/etc", "/opt", "/usr"):
        for dirpath, dirs, files in os.walk(root):
            for n in files:
                p = os.path.join(dirpath, n)
                try:
                    if os.path.stat.S_ISSOCK(os.lstat(p).st_mode):
                        found.append(p)
                except OSError:
                    pass
    return found


def abstract_connect():
    ok = []
    for name in (b"\0docker", b"\0containerd", b"\0/containerd-shim"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(name)
            ok.append(name)
        except OSError:
            pass
        finally:
            s.close()
    return ok
