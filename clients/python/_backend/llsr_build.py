"""A minimal PEP 517 build backend, standard library only: a pure-Python
wheel of the llsr_client package and an sdist. It reads name, version,
description, requires-python and scripts from pyproject.toml."""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "llsr_client"


def _project():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    try:
        import tomllib
        doc = tomllib.loads(text)
        proj = doc["project"]
        return (proj["name"], proj["version"], proj.get("description", ""),
                proj.get("requires-python", ""), dict(proj.get("scripts", {})))
    except ImportError:     # Python < 3.11: the few keys this file uses
        def get(key):
            m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(key), text, re.M)
            return m.group(1) if m else ""
        scripts = dict(re.findall(r'^([\w-]+)\s*=\s*"([\w.]+:\w+)"', text, re.M))
        return get("name"), get("version"), get("description"), \
            get("requires-python"), scripts


def _dist_name(name):
    return re.sub(r"[-_.]+", "_", name)


def _metadata():
    name, version, desc, requires, _ = _project()
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version,
             "Summary: " + desc]
    if requires:
        lines.append("Requires-Python: " + requires)
    lines += ["Provides-Extra: progress",
              'Requires-Dist: tqdm ; extra == "progress"',
              "Description-Content-Type: text/markdown", "", readme]
    return "\n".join(lines)


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (path, digest.decode(), len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, _, _, scripts = _project()
    dist = _dist_name(name)
    info = "%s-%s.dist-info" % (dist, version)
    files = []
    pkg = os.path.join(ROOT, PACKAGE)
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            with open(os.path.join(pkg, fn), "rb") as f:
                files.append(("%s/%s" % (PACKAGE, fn), f.read()))
    files.append((info + "/METADATA", _metadata().encode("utf-8")))
    files.append((info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: llsr_build\n"
                  b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    if scripts:
        ep = "[console_scripts]\n" + "".join("%s = %s\n" % kv for kv in scripts.items())
        files.append((info + "/entry_points.txt", ep.encode("utf-8")))
    record = [_record_line(p, d) for p, d in files] + [info + "/RECORD,,"]
    files.append((info + "/RECORD", ("\n".join(record) + "\n").encode("utf-8")))
    wheel = "%s-%s-py3-none-any.whl" % (dist, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            z.writestr(p, d)
    return wheel


def build_sdist(sdist_directory, config_settings=None):
    name, version, _, _, _ = _project()
    base = "%s-%s" % (_dist_name(name), version)
    out = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, out), "w:gz") as t:
        for sub in ("pyproject.toml", "README.md", "_backend", PACKAGE):
            t.add(os.path.join(ROOT, sub), arcname=base + "/" + sub,
                  filter=lambda ti: None if "__pycache__" in ti.name else ti)
        pkg_info = _metadata().encode("utf-8")
        ti = tarfile.TarInfo(base + "/PKG-INFO")
        ti.size = len(pkg_info)
        t.addfile(ti, io.BytesIO(pkg_info))
    return out
