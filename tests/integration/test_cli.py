#!/usr/bin/env python3
"""The command line of ll-solution-runner: --check-config on good and bad
files (every problem with its line number, exit status), --dump-config
(never a token in clear), --version, --help, and usage errors (exit 2).
Needs no engine and no web server. TAP on stdout.

usage: test_cli.py --bin PATH/ll-solution-runner
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SHIPPED = os.path.join(TOP, "conf", "ll-solution-runner.conf")
# The page is made at build time from man/ll-solution-runner.conf.5.in
# (with this build's paths): next to the binary, in the build's man/.
MAN5 = "man/ll-solution-runner.conf.5"
TOKEN = "s3cr3t-T0ken-0123456789abcdef"

results = []


def tap(ok, name, detail=""):
    results.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print("# " + line)
    sys.stdout.flush()


def run(binary, *args):
    p = subprocess.run([binary] + list(args), capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def write(d, name, text, mode=0o600):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    d = tempfile.mkdtemp(prefix="llsr-cli.")
    try:
        checks(binary, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


def checks(binary, d):
    rc, out, err = run(binary, "--version")
    tap(rc == 0 and re.fullmatch(r"ll-solution-runner \d+\.\d+\.\d+\n", out) is not None,
        "--version: name and version on stdout, exit 0", (rc, out, err))
    rc, out, err = run(binary, "-V")
    tap(rc == 0 and out.startswith("ll-solution-runner "), "-V is --version", (rc, out, err))

    rc, out, err = run(binary, "--help")
    tap(rc == 0 and out.startswith("usage: ll-solution-runner") and "--check-config" in out
        and err == "", "--help: usage on stdout, exit 0", (rc, out, err))

    for args in (["--no-such-option"], ["-x"], ["extra-argument"], ["-c"]):
        rc, out, err = run(binary, *args)
        tap(rc == 2 and "usage:" in err and out == "",
            "usage error %s: usage on stderr, exit 2" % " ".join(args), (rc, out, err))

    rc, out, err = run(binary, "--check-config", SHIPPED)
    tap(rc == 0 and out.strip() == SHIPPED + ": OK" and err == "",
        "--check-config on the shipped file: OK, exit 0", (rc, out, err))

    good = write(d, "good.conf", "# a comment\n\nmemory_mb = 128\ntimeout_ms = 5000\n"
                 "auth_tokens = %s\n" % TOKEN)
    rc, out, err = run(binary, "--check-config", good)
    tap(rc == 0 and "OK" in out, "--check-config on a good file with a token: exit 0",
        (rc, out, err))

    bad = write(d, "bad.conf", "\n".join([
        "# line 1 is a comment",
        "memory_mb = 128",
        "no_such_key = 1",                  # 3: unknown key
        "timeout_ms = 10s",                 # 4: not an integer
        "",
        "cpus = 1000",                      # 6: out of range
        "this line has no equals sign",     # 7: syntax
        "memory_mb = 64",                   # 8: duplicate
        "log_level = loud",                 # 9: not one of
        "auth_tokens = short",              # 10: bad token
    ]) + "\n")
    rc, out, err = run(binary, "--check-config", bad)
    want = {3: "unknown key 'no_such_key'", 4: "timeout_ms: '10s' is not an integer",
            6: "cpus: 1000 is out of range", 7: "no '='",
            8: "duplicate key 'memory_mb' (first set on line 2)",
            9: "log_level: 'loud' is not one of", 10: "auth_tokens: token 1"}
    lines = [l for l in err.splitlines() if l.startswith(bad + ":")]
    got = {}
    for l in lines:
        m = re.match(re.escape(bad) + r":(\d+): (.*)", l)
        if m:
            got[int(m.group(1))] = m.group(2)
    tap(rc == 1, "--check-config on a bad file: exit 1", (rc, out, err))
    tap(sorted(got) == sorted(want) and all(want[n] in got[n] for n in want),
        "--check-config reports every problem at its line number", err)
    tap(err.rstrip().endswith("%s: %d problems" % (bad, len(want))) and out == "",
        "--check-config ends with the problem count, nothing on stdout", (out, err))

    # A cross-key problem is reported once, at line 0.
    cross = write(d, "cross.conf", "engine_tls_cert = /etc/cert.pem\n"
                  "engine_url = https://docker.example:2376\n")
    rc, out, err = run(binary, "--check-config", cross)
    tap(rc == 1 and err.count("must be set together") == 1 and
        (cross + ":0: ") in err and err.rstrip().endswith(": 1 problem"),
        "--check-config: a cross-key problem once, at line 0", (rc, err))

    rc, out, err = run(binary, "--check-config", os.path.join(d, "missing.conf"))
    tap(rc == 1 and "cannot open" in err, "--check-config on a missing file: exit 1",
        (rc, out, err))

    # Token file problems: at their own line, never quoting the token.
    tok = write(d, "tokens", "# tokens\n%s\nbad token!\n" % TOKEN, 0o640)
    conf = write(d, "tok.conf", "\nauth_token_file = %s\n" % tok)
    rc, out, err = run(binary, "--check-config", conf)
    tap(rc == 1 and (tok + ":3: ") in err and TOKEN not in err,
        "--check-config: a bad line of auth_token_file at its line", (rc, err))
    os.chmod(tok, 0o644)
    rc, out, err = run(binary, "--check-config", conf)
    tap(rc == 1 and (conf + ":2: auth_token_file: ") in err and "open to others" in err,
        "--check-config: a token file readable by others is refused", (rc, err))

    rc, out, err = run(binary, "-c", good, "--dump-config")
    tap(rc == 0 and "# auth_tokens = <1 token>" in out and TOKEN not in out
        and "memory_mb = 128" in out,
        "--dump-config prints the token count, never the token", (rc, out, err))

    rc, out, err = run(binary, "-c", bad)
    tap(rc == 1 and "not starting" in err and (bad + ":3:") in err,
        "-c with a bad file: the worker refuses to start, exit 1", (rc, err[-500:]))

    man_in_sync(binary)


def man_paragraphs(binary):
    """{key: text} of the .TP paragraphs of ll-solution-runner.conf(5) as
    the build of binary made it, roff requests and escapes stripped."""
    with open(os.path.join(os.path.dirname(os.path.abspath(binary)), MAN5)) as f:
        lines = f.read().split("\n")
    paras, key = {}, None
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            key = lines[i + 1][3:].strip()
            paras[key] = []
            continue
        if line.startswith(".SH") or line.startswith(".TP"):
            key = None
        elif key:
            text = re.sub(r"^\.[A-Z]+ ?", "", line).replace("\\-", "-").replace("\\(mu", "x")
            paras[key].append(text.replace('"', ""))
    return {k: " ".join(v) for k, v in paras.items()}


def shipped_ranges():
    """{key: "Range: lo to hi"} from the shipped conf's comments."""
    out, key = {}, None
    with open(SHIPPED) as f:
        for line in f:
            m = re.match(r"^# ([a-z_]+): ", line)
            if m:
                key = m.group(1)
            m = re.search(r"Range: \S+ to \S+?(?=\.|$)", line.strip())
            if key and m:
                out[key] = m.group(0)
    return out


def man_in_sync(binary):
    """Every key of --dump-config (the key table) is in the .conf(5) page
    with its default, and with the range the shipped file documents."""
    rc, out, _ = run(binary, "--dump-config", "-c", SHIPPED)
    try:
        paras = man_paragraphs(binary)
    except OSError as e:
        tap(False, "ll-solution-runner.conf(5) lists every key", e)
        return
    missing, wrong = [], []
    ranges = shipped_ranges()
    keys = []
    for line in out.splitlines():
        m = re.match(r"^#? ?([a-z_]+) = (.*)$", line)
        if not m:
            continue
        key, val = m.group(1), m.group(2).strip('"')
        keys.append(key)
        text = paras.get(key)
        if text is None:
            missing.append(key)
            continue
        default = re.search(r"Default: ([^ ]*?)(?:\.? |\.?$)", text)
        shown = default.group(1).rstrip(".") if default else None
        if shown is None:
            wrong.append("%s: no Default" % key)
        elif val == "" and shown != "empty":
            wrong.append("%s: default is empty, the page says %s" % (key, shown))
        elif val != "" and shown != val and not (
                re.fullmatch(r"[0-9.]+", val) and re.fullmatch(r"[0-9.]+", shown)
                and float(val) == float(shown)):
            wrong.append("%s: default %r, the page says %r" % (key, val, shown))
        if key in ranges and ranges[key] not in text:
            wrong.append("%s: the shipped file says %r" % (key, ranges[key]))
    tap(rc == 0 and len(keys) >= 21 and not missing,
        "ll-solution-runner.conf(5) lists every key (%d)" % len(keys), missing or out)
    tap(not wrong and not missing, "ll-solution-runner.conf(5) gives each key's default "
        "and range as the binary and the shipped file do", "\n".join(wrong))


if __name__ == "__main__":
    sys.exit(main())
