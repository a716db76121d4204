"""A private service stack for integration tests (stack.sh: spawn-fcgi,
multiwatch, and lighttpd or Apache on 127.0.0.1), TAP output and polling
helpers. Used by test_auth.py, test_pool.py and test_lifecycle.py."""
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STACK = os.path.join(HERE, "stack.sh")
APACHE = "/usr/sbin/apache2"


class Tap:
    def __init__(self):
        self.results = []

    def __call__(self, ok, name, detail=""):
        self.results.append(bool(ok))
        print("%s %d - %s" % ("ok" if ok else "not ok", len(self.results), name))
        if not ok and detail:
            for line in str(detail).splitlines()[:20]:
                print("# " + line)
        sys.stdout.flush()

    def skip(self, name, why):
        self.results.append(True)
        print("ok %d - %s # SKIP %s" % (len(self.results), name, why))
        sys.stdout.flush()

    def finish(self):
        print("1..%d" % len(self.results))
        return 0 if all(self.results) else 1


def b64(s):
    return base64.b64encode(s.encode()).decode()


def wait_for(cond, timeout, step=0.05):
    """Polls cond() until it returns something true or timeout seconds
    pass; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


class Stack:
    """stack.sh start/stop around a temporary RUNDIR. web: lighttpd or
    apache. conf_lines: the service configuration."""

    def __init__(self, binary, port, conf_lines, workers=1, web="lighttpd"):
        self.run = tempfile.mkdtemp(prefix="llsr-st.")
        os.chmod(self.run, 0o755)
        self.port = port
        conf = os.path.join(self.run, "test.conf")
        with open(conf, "w") as f:
            f.write("\n".join(conf_lines) + "\n")
        env = dict(os.environ, LLSR_WEB=web)
        try:
            subprocess.run([STACK, "start", binary, conf, self.run, str(port), str(workers)],
                           check=True, stdout=subprocess.DEVNULL, env=env, timeout=120)
        except BaseException:
            shutil.rmtree(self.run, ignore_errors=True)
            raise

    def spawn_pid(self):
        """spawn-fcgi -n execs multiwatch: this is multiwatch's pid."""
        with open(os.path.join(self.run, "spawn.pid")) as f:
            return int(f.read())

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = {"_raw": data[:300]}
        return r.status, dict(r.getheaders()), doc

    def run_code(self, code, tests=None, headers=None, **fields):
        """fields: further request fields, e.g. timeout_ms=1000. Without
        tests the request is a program run (no tests key)."""
        req = {"code": b64(code)}
        if tests is not None:
            req["tests"] = b64(tests)
        body = json.dumps(dict(req, **fields))
        return self.request("POST", "/run_code", body, headers)

    def log(self):
        out = []
        d = os.path.join(self.run, "log")
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), errors="replace") as f:
                out.append("== %s\n%s" % (name, f.read()))
        return "\n".join(out)

    def stop(self):
        subprocess.run([STACK, "stop", self.run], check=False, timeout=120)
        shutil.rmtree(self.run, ignore_errors=True)


def children(pid):
    """Pids whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(d))
    return sorted(out)


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"
