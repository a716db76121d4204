#!/usr/bin/env python3
"""Extra Python packages in the image, an operator's choice
(docker/build-image.sh LLSR_PACKAGES): an image built with python3-numpy
runs a numpy submission through the real service, with its verdict (a
wrong answer still fails); the default image does not have numpy; the
image says what it carries in its labels, a package list is part of its
content hash, and a name that is not a Debian package name is refused
before anything is fetched. TAP on stdout.

The image is built offline from the host's apt mirror, like the default
one (a minute or two the first time; build-image.sh skips an image that is
up to date).

usage: test_packages.py --bin PATH/ll-solution-runner [--port 18520]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from llsr_stack import Stack, Tap  # noqa: E402

BUILD = os.path.join(TOP, "docker", "build-image.sh")
IMAGE = "llsr-sandbox:packages-test"
PACKAGES = "python3-numpy"
LABEL = "org.ll-solution-runner.packages"

CODE = "import numpy\n\ndef total(n):\n    return int(numpy.arange(n).sum())\n"
GOOD = "import numpy\nassert numpy.isclose(total(4), 6.0)\n"
WRONG = "assert total(4) == 7\n"

tap = Tap()


def build(packages, image, check=True):
    env = dict(os.environ, LLSR_IMAGE=image, LLSR_PACKAGES=packages)
    return subprocess.run(["bash", BUILD], env=env, capture_output=True, text=True,
                          check=check, timeout=1800)


def labels(image):
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out) or {}


def verdict(st, tests):
    code, _, doc = st.run_code(CODE, tests, timeout_ms=10000)
    return code, doc


def error_type(doc):
    err = doc.get("error") or {}
    return err.get("type")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--port", type=int, default=18520)
    ap.add_argument("--default-image", default="llsr-sandbox:latest")
    a = ap.parse_args()

    r = build("python3-numpy,*;rm -rf /", "llsr-sandbox:never", check=False)
    tap(r.returncode != 0 and "not a Debian package name" in r.stderr,
        "a package name that is not one is refused", r.stderr)
    r = subprocess.run(["docker", "image", "inspect", "llsr-sandbox:never"],
                       capture_output=True)
    tap(r.returncode != 0, "and no image was built for it")

    build(PACKAGES, IMAGE)
    lab = labels(IMAGE)
    tap(lab.get(LABEL) == PACKAGES, "the image's labels name its packages", lab)
    default = labels(a.default_image)
    tap(default.get(LABEL, "") == "" and
        default.get("org.ll-solution-runner.harness-hash") !=
        lab.get("org.ll-solution-runner.harness-hash"),
        "the default image has none, and another content hash", default)

    st = Stack(a.bin, a.port, ['image = "%s"' % IMAGE])
    try:
        code, doc = verdict(st, GOOD)
        tap(code == 200 and doc.get("status") == "passed",
            "numpy in the packages image: a right answer passes", doc)
        code, doc = verdict(st, WRONG)
        tap(code == 200 and doc.get("status") == "failed",
            "and a wrong one fails", doc)
    finally:
        st.stop()

    st = Stack(a.bin, a.port + 1, ['image = "%s"' % a.default_image])
    try:
        code, doc = verdict(st, GOOD)
        tap(code == 200 and doc.get("status") == "error" and
            error_type(doc) == "ModuleNotFoundError",
            "the default image has no numpy: ModuleNotFoundError", doc)
    finally:
        st.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
