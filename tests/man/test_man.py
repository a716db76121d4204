#!/usr/bin/env python3
"""The man pages as built (run from the build directory by `make check`):
every path in them is this build's, never a literal make variable such as
$(sysconfdir) or an unsubstituted @sysconfdir@, and they render with man(1)
when it is installed. TAP on stdout."""
import os
import shutil
import subprocess
import sys

PAGES = ["man/ll-solution-runner.8", "man/ll-solution-runner.conf.5"]
n = 0
failed = 0


def tap(ok, name, detail=""):
    global n, failed
    n += 1
    failed += 0 if ok else 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    for line in str(detail).splitlines()[:10] if not ok else []:
        print("# " + line)


sysconfdir = os.environ.get("LLSR_SYSCONFDIR", "")
for page in PAGES:
    try:
        with open(page) as f:
            text = f.read()
    except OSError as e:
        tap(False, "%s is built" % page, e)
        continue
    bad = [l for l in text.splitlines() if "$(" in l or "@sysconfdir@" in l or "@datadir@" in l]
    tap(not bad, "%s: no make variable left in it" % page, "\n".join(bad))
    want = sysconfdir + "/ll-solution-runner.conf"
    tap(bool(sysconfdir) and (want in text or sysconfdir in text),
        "%s names this build's sysconfdir (%s)" % (page, sysconfdir or "unset"))
    if shutil.which("man"):
        p = subprocess.run(["man", "-l", "-P", "cat", page], capture_output=True,
                           text=True, env=dict(os.environ, MANWIDTH="200"))
        tap(p.returncode == 0 and "$(" not in p.stdout and sysconfdir in p.stdout,
            "man -l %s shows %s" % (page, sysconfdir), p.stderr[:500])
    else:
        print("ok %d - man -l %s # SKIP man not installed" % (n + 1, page))
        n += 1
print("1..%d" % n)
sys.exit(1 if failed else 0)
