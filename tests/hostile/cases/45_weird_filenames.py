# Hostile: file names and arguments with `../`, newlines, carriage returns,
# control bytes, shell metacharacters, invalid UTF-8 and (attempted) NUL;
# prints them, and passes them as argv to a child process.
import os
import subprocess
import sys

NAMES = ["..%2f..%2fetc%2fpasswd", "LLSRHOSTILE\nnewline", "LLSRHOSTILE\r\nHTTP-1.1 200 OK",
         "LLSRHOSTILE$(touch LLSRHOSTILE_shell)", "LLSRHOSTILE;id;`id`", "-rf",
         "LLSRHOSTILE\x01\x1b[31m", "LLSRHOSTILE " + "x" * 200, "\u202eLLSRHOSTILE_rtl",
         "LLSRHOSTILE_\U0001F4A9", "..."]


def make_files():
    made = []
    for n in NAMES:
        p = os.path.join("/tmp", n)
        with open(p, "w") as f:
            f.write(n)
        made.append(p)
    # ../ that resolves inside /tmp's parent (the read-only root): must fail.
    for rel in ("../LLSRHOSTILE_up", "../../etc/LLSRHOSTILE_up", "sub/../../LLSRHOSTILE_up2"):
        try:
            os.makedirs("/tmp/sub", exist_ok=True)
            with open(os.path.join("/tmp", rel), "w") as f:
                f.write("x")
            made.append("ESCAPED " + rel)
        except OSError:
            pass
    bad = os.fsencode("/tmp/LLSRHOSTILE_\xff\xfe")
    with open(b"/tmp/LLSRHOSTILE_" + b"\xff\xfe\x80", "w") as f:
        f.write("x")
    made.append(bad.decode("utf-8", "surrogateescape"))
    try:
        open("/tmp/LLSRHOSTILE\0nul", "w")
        made.append("NUL accepted")
    except ValueError:
        pass
    for n in os.listdir("/tmp"):
        print(repr(n), n)
    sys.stdout.flush()
    return made


def argv_roundtrip():
    args = NAMES + ["../../../../etc/shadow", "\n", "--help", "a\tb"]
    p = subprocess.run([sys.executable, "-I", "-S", "-c",
                        "import sys; sys.stdout.write(repr(sys.argv[1:]))"] + args,
                       stdout=subprocess.PIPE, timeout=5)
    return eval(p.stdout.decode()) == args


def nul_in_argv():
    try:
        subprocess.run(["echo", "a\0b"], timeout=5)
        return "accepted"
    except ValueError:
        return "refused"
