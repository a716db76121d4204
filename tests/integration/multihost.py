"""Several hosts on one machine, for test_multihost.py and
bench/multihost.py: network namespaces (prefix llsr-mh-, addresses in
10.213.0.0/16), one Docker engine per back end (its own data root, exec
root, socket and pid file; no bridge, no iptables), the back ends' worker
pools on TCP (stack.sh start-backend) and a front web server
(stack.sh start-front) in a namespace of its own.

    root namespace 10.213.0.1 --veth-- 10.213.0.2 front (llsr-mh-fe)
    front 10.213.N.1 --veth-- 10.213.N.2 back end N (llsr-mh-bN)

The front also holds 10.213.N.99, an address that is not in the back
ends' FCGI_WEB_SERVER_ADDRS (the refused-connection case). Everything is
removed by Cluster.cleanup(), called from try/finally, atexit and
SIGTERM, and by sweep_leftovers() at the start of a run."""
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STACK = os.path.join(HERE, "stack.sh")
FCGI_CLIENT = os.path.join(HERE, "fcgi_client.py")
PREFIX = "llsr-mh-"
IMAGE = os.environ.get("LLSR_IMAGE", "llsr-sandbox:latest")


def sh(*cmd, check=True, timeout=300, **kw):
    return subprocess.run(list(cmd), check=check, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def _mounts_under(path):
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            mp = line.split()[1].replace("\\040", " ")
            if mp == path or mp.startswith(path + "/"):
                out.append(mp)
    return sorted(out, key=len, reverse=True)


def _kill_pidfile(path, grace=20.0):
    try:
        pid = int(open(path).read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + grace
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def sweep_leftovers():
    """Removes what an earlier run with our prefix left: the processes in
    our namespaces (ours by name), the namespaces, our links, our engines'
    directories under /tmp."""
    for d in sorted(os.listdir("/tmp")):
        p = os.path.join("/tmp", d)
        if not d.startswith(PREFIX) or not os.path.isdir(p):
            continue
        for sub in sorted(os.listdir(p)):
            q = os.path.join(p, sub)
            if os.path.exists(os.path.join(q, "spawn.pid")):
                sh(STACK, "stop", q, check=False)
        for sub in sorted(os.listdir(p)):
            q = os.path.join(p, sub)
            if os.path.exists(os.path.join(q, "docker.pid")):
                _kill_pidfile(os.path.join(q, "docker.pid"))
        for mp in _mounts_under(p):
            sh("umount", "-l", mp, check=False)
        shutil.rmtree(p, ignore_errors=True)
    out = sh("ip", "netns", "list", check=False).stdout
    for line in out.splitlines():
        ns = line.split()[0] if line.split() else ""
        if not ns.startswith(PREFIX):
            continue
        pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh("ip", "netns", "del", ns, check=False)
    out = sh("ip", "-o", "link", "show", check=False).stdout
    for line in out.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if name.startswith(PREFIX):
            sh("ip", "link", "del", name, check=False)


class Engine:
    """A dockerd of its own inside namespace ns."""

    def __init__(self, ns, d):
        self.ns, self.d = ns, d
        self.sock = os.path.join(d, "docker.sock")
        self.pidfile = os.path.join(d, "docker.pid")
        self.proc = None

    def url(self):
        return "unix://" + self.sock

    def start(self):
        os.makedirs(os.path.join(self.d, "data"), exist_ok=True)
        os.makedirs(os.path.join(self.d, "exec"), exist_ok=True)
        conf = os.path.join(self.d, "daemon.json")
        with open(conf, "w") as f:
            f.write("{}\n")  # not /etc/docker/daemon.json
        log = open(os.path.join(self.d, "dockerd.log"), "ab")
        self.proc = subprocess.Popen(
            # nsenter, not ip netns exec: that one remounts /sys in a
            # mount namespace of its own, hiding the cgroup mounts.
            ["nsenter", "--net=/var/run/netns/" + self.ns, "dockerd",
             "--config-file", conf,
             "--data-root", os.path.join(self.d, "data"),
             "--exec-root", os.path.join(self.d, "exec"),
             "-H", "unix://" + self.sock, "--pidfile", self.pidfile,
             "--bridge=none", "--iptables=false", "--ip-masq=false",
             "--log-level=warn"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def up(self):
        r = sh("curl", "-fsS", "--max-time", "3", "--unix-socket",
               self.sock, "http://localhost/_ping", check=False)
        return r.returncode == 0 and r.stdout.strip() == "OK"

    def wait_up(self, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.up():
                return True
            if self.proc and self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def kill(self):
        """SIGKILL, as a crash would (its containerd follows it)."""
        pid = int(open(self.pidfile).read().strip())
        os.kill(pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait(timeout=30)

    def containers(self):
        """Ids of every container this engine holds, or None when it
        cannot be asked."""
        r = sh("curl", "-fsS", "--max-time", "10", "--unix-socket",
               self.sock, "http://localhost/containers/json?all=1",
               check=False)
        if r.returncode != 0:
            return None
        return [c["Id"][:12] for c in json.loads(r.stdout)]

    def stop(self):
        if self.up():
            for cid in self.containers() or []:
                sh("curl", "-fsS", "-X", "DELETE", "--max-time", "30",
                   "--unix-socket", self.sock,
                   "http://localhost/containers/%s?force=1&v=1" % cid,
                   check=False)
        _kill_pidfile(self.pidfile)
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Cluster:
    def __init__(self, nbackends=2, base_port=20800, binary=None,
                 conf=None, workers=2, extra_conf=""):
        self.n = nbackends
        self.base_port = base_port
        self.binary = binary
        self.conf_src = conf
        self.workers = workers
        self.extra_conf = extra_conf
        self.root = None
        self.engines = []
        self.fronts = []
        self._done = False

    # names and addresses
    @staticmethod
    def ns_back(i):
        return "%sb%d" % (PREFIX, i)

    NS_FRONT = PREFIX + "fe"

    @staticmethod
    def back_addr(i):
        return "10.213.%d.2" % i

    @staticmethod
    def front_addr_to(i):
        return "10.213.%d.1" % i

    @staticmethod
    def rogue_addr(i):
        return "10.213.%d.99" % i

    FRONT_ADDR = "10.213.0.2"

    def back_port(self, i):
        return self.base_port + 10 + i

    def backend_dir(self, i):
        return os.path.join(self.root, "w%d" % i)

    def setup_network(self):
        ip = lambda *a: sh("ip", *a)  # noqa: E731
        ipn = lambda ns, *a: sh("ip", "netns", "exec", ns, "ip", *a)  # noqa: E731
        fe = self.NS_FRONT
        ip("netns", "add", fe)
        ipn(fe, "link", "set", "lo", "up")
        ip("link", "add", PREFIX + "r0", "type", "veth", "peer", "name", PREFIX + "f0")
        ip("link", "set", PREFIX + "f0", "netns", fe)
        ip("addr", "add", "10.213.0.1/24", "dev", PREFIX + "r0")
        ip("link", "set", PREFIX + "r0", "up")
        ipn(fe, "addr", "add", self.FRONT_ADDR + "/24", "dev", PREFIX + "f0")
        ipn(fe, "link", "set", PREFIX + "f0", "up")
        for i in range(1, self.n + 1):
            ns = self.ns_back(i)
            ip("netns", "add", ns)
            ipn(ns, "link", "set", "lo", "up")
            a, b = "%sf%d" % (PREFIX, i), "%sb%de" % (PREFIX, i)
            ip("link", "add", a, "type", "veth", "peer", "name", b)
            ip("link", "set", a, "netns", fe)
            ip("link", "set", b, "netns", ns)
            ipn(fe, "addr", "add", self.front_addr_to(i) + "/24", "dev", a)
            ipn(fe, "addr", "add", self.rogue_addr(i) + "/24", "dev", a)
            ipn(fe, "link", "set", a, "up")
            ipn(ns, "addr", "add", self.back_addr(i) + "/24", "dev", b)
            ipn(ns, "link", "set", b, "up")

    def start(self):
        sweep_leftovers()
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, lambda *a: (self.cleanup(), os._exit(1)))
        self.root = tempfile.mkdtemp(prefix=PREFIX, dir="/tmp")
        os.chmod(self.root, 0o755)
        self.setup_network()
        for i in range(1, self.n + 1):
            d = os.path.join(self.root, "e%d" % i)
            os.makedirs(d)
            os.chmod(d, 0o755)
            e = Engine(self.ns_back(i), d)
            e.start()
            self.engines.append(e)
        for e in self.engines:
            if not e.wait_up():
                raise RuntimeError("dockerd in %s did not come up: %s" % (
                    e.ns, open(os.path.join(e.d, "dockerd.log")).read()[-2000:]))
        # The sandbox image, from the main engine (in parallel).
        loads = []
        for e in self.engines:
            p = subprocess.Popen(
                "docker save %s | docker -H %s load" % (IMAGE, e.url()),
                shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            loads.append(p)
        for p in loads:
            out = p.communicate(timeout=600)[0]
            if p.returncode != 0:
                raise RuntimeError("image load failed: %s" % out[-1000:])
        for i in range(1, self.n + 1):
            self.start_backend(i)

    def start_backend(self, i):
        e = self.engines[i - 1]
        conf = os.path.join(self.root, "b%d.conf" % i)
        with open(self.conf_src) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text + '\nengine_url = "%s"\n%s\n' % (e.url(), self.extra_conf))
        d = self.backend_dir(i)
        os.makedirs(d, exist_ok=True)
        fronts = ",".join(self.front_addr_to(j) for j in range(1, self.n + 1))
        env = dict(os.environ, LLSR_FRONTENDS=fronts)
        r = sh("ip", "netns", "exec", self.ns_back(i), STACK, "start-backend",
               self.binary, conf, d, self.back_addr(i), str(self.back_port(i)),
               str(self.workers), env=env, check=False)
        if r.returncode != 0:
            raise RuntimeError("start-backend %d: %s" % (i, r.stderr))

    def stop_backend(self, i):
        sh(STACK, "stop", self.backend_dir(i), check=False)

    def start_front(self, web, port, members=None, retry=5):
        """A front (lighttpd or apache) on FRONT_ADDR:port balancing the
        back ends given (1-based; all by default). Returns its URL."""
        members = members or list(range(1, self.n + 1))
        d = os.path.join(self.root, "front-%s-%d" % (web, port))
        os.makedirs(d, exist_ok=True)
        env = dict(os.environ, LLSR_WEB=web, LLSR_RETRY=str(retry))
        backs = ["%s:%d" % (self.back_addr(i), self.back_port(i)) for i in members]
        r = sh("ip", "netns", "exec", self.NS_FRONT, STACK, "start-front", d,
               self.FRONT_ADDR, str(port), *backs, env=env, check=False)
        if r.returncode != 0:
            raise RuntimeError("start-front %s: %s" % (web, r.stderr))
        self.fronts.append(d)
        return "http://%s:%d" % (self.FRONT_ADDR, port), d

    def stop_front(self, d):
        sh(STACK, "stop", d, check=False)
        if d in self.fronts:
            self.fronts.remove(d)

    def fcgi(self, i, uri="/health", source=None, data=None):
        """A FastCGI request to back end i from the front's namespace
        (from its address toward i, or source; POST data when given):
        (returncode, output)."""
        cmd = ["ip", "netns", "exec", self.NS_FRONT, "python3", FCGI_CLIENT,
               self.back_addr(i), str(self.back_port(i)), uri]
        if source:
            cmd += ["--source", source]
        if data is not None:
            cmd += ["--data", data]
        r = sh(*cmd, check=False, timeout=60)
        return r.returncode, r.stdout

    def served_by(self):
        """X-Request-Id -> back end number, from the workers' logs."""
        out = {}
        for i in range(1, self.n + 1):
            try:
                text = open(os.path.join(self.backend_dir(i), "log",
                                         "workers.log"), errors="replace").read()
            except OSError:
                continue
            for m in re.finditer(r"\] \w+: \[([0-9a-f]+-[0-9]+)\]", text):
                out[m.group(1)] = i
        return out

    def cleanup(self):
        if self._done:
            return
        self._done = True
        for d in list(self.fronts):
            self.stop_front(d)
        if self.root:
            for i in range(1, self.n + 1):
                if os.path.exists(os.path.join(self.backend_dir(i), "spawn.pid")):
                    self.stop_backend(i)
        for e in self.engines:
            e.stop()
        if self.root:
            for mp in _mounts_under(self.root):
                sh("umount", "-l", mp, check=False)
            shutil.rmtree(self.root, ignore_errors=True)
        sweep_leftovers()


class Load:
    """Requests in threads at a fixed concurrency until stop(); each
    result is (t_start, t_end, status, code, request_id)."""

    def __init__(self, url, body, concurrency):
        self.url, self.body, self.c = url, body, concurrency
        self.results = []
        self.mu = threading.Lock()
        self.halt = threading.Event()
        self.threads = []

    def one(self):
        import http.client
        import urllib.parse
        u = urllib.parse.urlsplit(self.url)
        t0 = time.monotonic()
        status, code, rid = 0, "connection_failed", ""
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            c.request("POST", "/run_code", self.body,
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            status, rid = r.status, r.getheader("X-Request-Id") or ""
            try:
                j = json.loads(data)
                code = j.get("status") if status == 200 else \
                    j.get("error", {}).get("code", "?")
            except ValueError:
                code = "not_json"
            c.close()
        except OSError as e:
            code = "connection_failed: %s" % e
        return (t0, time.monotonic(), status, code, rid)

    def _run(self):
        while not self.halt.is_set():
            res = self.one()
            with self.mu:
                self.results.append(res)

    def start(self):
        for _ in range(self.c):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self.threads.append(t)

    def count(self, pred=lambda r: True):
        with self.mu:
            return sum(1 for r in self.results if pred(r))

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join(timeout=180)
        return list(self.results)
