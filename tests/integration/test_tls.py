#!/usr/bin/env python3
"""The engine client over TCP + TLS, as for a remote engine: the real dockerd
behind a TLS terminator on 127.0.0.1 that demands a client certificate
(socat OPENSSL-LISTEN, verify=1; a test CA made here with openssl). Runs
submissions through a stack whose engine_url is https://localhost:PORT, with
the warm pool (attach stream held over TLS) and without it, and checks that a
server certificate from the wrong CA or a missing client certificate is a
clean 503 engine_unavailable. TAP on stdout.

usage: test_tls.py --bin PATH/ll-solution-runner [--port 18440]
"""
import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llsr_client import labelled_containers, owner_pid  # noqa: E402
from llsr_stack import Stack, Tap, wait_for  # noqa: E402

DOCKER_SOCK = "/var/run/docker.sock"
WORKER_USER = "ll-solution-runner"
PASSING = ("def add(a, b):\n    return a + b\n",
           "assert add(1, 2) == 3\nassert add(0, 0) == 0\nassert add(-1, 1) == 0\n")

tap = Tap()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


def make_ca(d, name):
    key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=" + name)
    return key, pem


def make_cert(d, name, ca, ext):
    key, csr, pem = (os.path.join(d, name + s) for s in (".key", ".csr", ".pem"))
    extfile = os.path.join(d, name + ".ext")
    with open(extfile, "w") as f:
        f.write(ext + "\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
            "-out", pem, "-days", "2", "-extfile", extfile)
    return key, pem


class Terminator:
    """socat: TLS on 127.0.0.1:port with a required client certificate,
    each connection spliced to the engine's unix socket."""

    def __init__(self, port, cert, key, cafile, logpath):
        self.port = port
        self.logpath = logpath
        self.log = open(logpath, "w")
        self.proc = subprocess.Popen(
            ["socat", "-d", "-d",
             "OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,cafile=%s,verify=1"
             % (port, cert, key, cafile),
             "UNIX-CONNECT:" + DOCKER_SOCK],
            stdout=subprocess.DEVNULL, stderr=self.log)
        if not wait_for(self._listening, 10):
            self.stop()
            raise RuntimeError("socat did not listen on 127.0.0.1:%d" % port)

    def _listening(self):
        with open(self.logpath, errors="replace") as f:
            return "listening on" in f.read()

    def accepted(self):
        """TLS sessions that passed the handshake (client certificate
        verified) and were spliced to the engine."""
        with open(self.logpath, errors="replace") as f:
            return f.read().count("starting data transfer loop")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def worker_pids(st, n=4):
    """The pids of the workers that answer /health (one worker here)."""
    pids = set()
    for _ in range(n):
        code, _, doc = st.request("GET", "/health")
        if code == 200 and doc.get("pid"):
            pids.add(doc["pid"])
    return pids


def left_behind(pids):
    """Containers still owned by the stopped workers pids, after the
    workers' own removal has had its chance (polled, not slept)."""
    def gone():
        return not [c for c in labelled_containers() if owner_pid(c["owner"]) in pids]
    wait_for(gone, 20, 0.2)
    return [c["id"] for c in labelled_containers() if owner_pid(c["owner"]) in pids]


def stack(binary, port, tls_port, files, extra=()):
    conf = ["engine_url = https://localhost:%d" % tls_port,
            "engine_tls_ca = " + files["ca"],
            "engine_timeout_ms = 5000"] + list(extra)
    if files.get("cert"):
        conf += ["engine_tls_cert = " + files["cert"], "engine_tls_key = " + files["key"]]
    return Stack(binary, port, conf)


def good_path(binary, port, tls_port, files, term, pool):
    what = "pool_size %d" % pool
    before = term.accepted()
    st = stack(binary, port, tls_port, files, ["pool_size = %d" % pool])
    pids = set()
    try:
        code, _, doc = st.request("GET", "/health")
        tap(code == 200 and doc.get("status") == "ok",
            "TLS engine, %s: /health is 200 ok" % what, (code, doc))
        pids = worker_pids(st)
        for i in range(3):
            code, _, doc = st.run_code(*PASSING)
            tap(code == 200 and doc.get("status") == "passed"
                and [t.get("status") for t in doc.get("tests", [])] == ["passed"] * 3,
                "TLS engine, %s: passing submission %d is passed, 3 tests" % (what, i + 1),
                (code, doc))
        code, _, doc = st.run_code(PASSING[0], "assert add(2, 2) == 5\n")
        t = (doc.get("tests") or [{}])[0]
        tap(code == 200 and doc.get("status") == "failed" and t.get("status") == "failed",
            "TLS engine, %s: failing submission is failed" % what, (code, doc))
        code, _, doc = st.run_code("while True:\n    pass\n", "", timeout_ms=500)
        tap(code == 200 and doc.get("status") == "timeout",
            "TLS engine, %s: endless loop is timeout" % what, (code, doc))
        code, _, doc = st.run_code("print('x' * 60000)\n", "assert True\n")
        tap(code == 200 and doc.get("status") == "passed"
            and doc.get("stdout") == "x" * 60000 + "\n",
            "TLS engine, %s: 60 kB of output comes back whole" % what,
            (code, {k: v for k, v in doc.items() if k != "stdout"}))
        tap(term.accepted() > before,
            "TLS engine, %s: the engine was reached through the TLS terminator "
            "(client certificate verified)" % what, (before, term.accepted()))
    finally:
        st.stop()
    tap(pids and not left_behind(pids),
        "TLS engine, %s: no container left behind" % what, (pids, left_behind(pids)))


def refused(binary, port, tls_port, files, name):
    st = stack(binary, port, tls_port, files)
    try:
        code, hdr, doc = st.run_code(*PASSING)
        err = doc.get("error", {})
        tap(code == 503 and err.get("code") == "engine_unavailable",
            "TLS engine, %s: 503 engine_unavailable" % name, (code, doc))
        code, _, doc = st.request("GET", "/health")
        tap(code == 503, "TLS engine, %s: /health is 503" % name, (code, doc))
    finally:
        st.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18440)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not shutil.which("socat") or not shutil.which("openssl"):
        tap(False, "socat and openssl are installed (quickstart.sh installs them)")
        return tap.finish()
    d = tempfile.mkdtemp(prefix="llsr-tls.")
    os.chmod(d, 0o755)
    term = None
    try:
        ca = make_ca(d, "llsr-test-ca")
        other_ca = make_ca(d, "llsr-other-ca")
        server = make_cert(d, "localhost", ca,
                           "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                           "extendedKeyUsage=serverAuth")
        client = make_cert(d, "llsr-worker", ca, "extendedKeyUsage=clientAuth")
        # The worker's key is its own, as it would be in a deployment.
        uid = pwd.getpwnam(WORKER_USER).pw_uid
        os.chown(client[0], uid, -1)
        os.chmod(client[0], 0o600)
        tls_port = a.port + 9
        term = Terminator(tls_port, server[1], server[0], ca[1], os.path.join(d, "socat.log"))
        files = {"ca": ca[1], "cert": client[1], "key": client[0]}
        good_path(binary, a.port, tls_port, files, term, 1)
        good_path(binary, a.port + 1, tls_port, files, term, 0)
        refused(binary, a.port + 2, tls_port, dict(files, ca=other_ca[1]),
                "server certificate from another CA")
        refused(binary, a.port + 3, tls_port, {"ca": ca[1]}, "no client certificate")
    except Exception as e:  # a crashed case is a failed case
        tap(False, "test_tls raised", repr(e))
    finally:
        if term:
            term.stop()
        shutil.rmtree(d, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
