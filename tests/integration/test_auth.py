#!/usr/bin/env python3
"""Bearer-token authentication through a real stack, behind lighttpd and
behind Apache (skipped when apache2 is not installed): with tokens
configured (auth_tokens and auth_token_file), a request without a token or
with a wrong one is 401 unauthorized with WWW-Authenticate, a right one
runs, and /health stays open. TAP on stdout.

usage: test_auth.py --bin PATH/ll-solution-runner [--port 18410]
"""
import argparse
import grp
import os
import shutil
import sys
import tempfile

from llsr_stack import APACHE, Stack, Tap

TOKEN_A = "tokA-0123456789abcdefghij"          # in auth_tokens
TOKEN_B = "tokB+ZYXWVUTSRQPONMLK/0123=="       # in auth_token_file
REALM = 'Bearer realm="ll-solution-runner"'

tap = Tap()


def bearer(t):
    return {"Authorization": "Bearer " + t}


def check(binary, port, web, tokdir):
    tokfile = os.path.join(tokdir, "tokens")
    conf = ["auth_tokens = " + TOKEN_A, "auth_token_file = " + tokfile]
    st = Stack(binary, port, conf, workers=1, web=web)
    try:
        code, hdr, doc = st.request("GET", "/health")
        tap(code == 200 and doc.get("status") == "ok",
            "%s: GET /health needs no token" % web, (code, doc))

        code, hdr, doc = st.run_code("print(1)")
        tap(code == 401 and doc.get("error", {}).get("code") == "unauthorized"
            and hdr.get("WWW-Authenticate") == REALM and "X-Request-Id" in hdr,
            "%s: no token: 401 unauthorized with WWW-Authenticate" % web, (code, hdr, doc))

        code, hdr, doc = st.run_code("print(1)", headers=bearer(TOKEN_A[:-1] + "X"))
        tap(code == 401 and doc.get("error", {}).get("code") == "unauthorized"
            and hdr.get("WWW-Authenticate") == REALM,
            "%s: wrong token: 401" % web, (code, hdr, doc))

        code, hdr, doc = st.run_code("print(1)", headers={"Authorization": "Basic " + TOKEN_A})
        tap(code == 401, "%s: Basic scheme: 401" % web, (code, doc))

        code, hdr, doc = st.run_code("def f():\n    return 1\n", "assert f() == 1\n",
                                     headers=bearer(TOKEN_A))
        tap(code == 200 and doc.get("status") == "passed",
            "%s: token from auth_tokens: 200 and the run passes" % web, (code, doc))

        code, hdr, doc = st.run_code("print(1)", headers=bearer(TOKEN_B))
        tap(code == 200 and doc.get("status") == "passed",
            "%s: token from auth_token_file: 200" % web, (code, doc))

        code, hdr, doc = st.request("GET", "/elsewhere")
        tap(code == 401, "%s: any route but /health needs the token (GET /elsewhere)" % web,
            (code, doc))
        code, hdr, doc = st.request("GET", "/elsewhere", headers=bearer(TOKEN_B))
        tap(code == 404 and doc.get("error", {}).get("code") == "not_found",
            "%s: with the token an unknown path is 404 as usual" % web, (code, doc))

        log = st.log()
        tap(" 401 " in log and TOKEN_A not in log and TOKEN_B not in log,
            "%s: 401s are logged, the tokens never are" % web, log[-1500:])
    finally:
        st.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18410)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    # The token file: readable by the worker user's group only.
    tokdir = tempfile.mkdtemp(prefix="llsr-tok.")
    try:
        os.chmod(tokdir, 0o755)
        tokfile = os.path.join(tokdir, "tokens")
        with open(tokfile, "w") as f:
            f.write("# tokens for test_auth.py\n\n%s\n" % TOKEN_B)
        os.chown(tokfile, 0, grp.getgrnam("ll-solution-runner").gr_gid)
        os.chmod(tokfile, 0o640)
        for i, web in enumerate(("lighttpd", "apache")):
            if web == "apache" and not os.access(APACHE, os.X_OK):
                tap.skip("apache: bearer tokens through mod_proxy_fcgi",
                         "apache2 is not installed")
                continue
            try:
                check(binary, a.port + i, web, tokdir)
            except Exception as e:  # a stack that does not start is a failure
                tap(False, "%s: the stack runs" % web, repr(e))
    finally:
        shutil.rmtree(tokdir, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
