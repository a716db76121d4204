#!/usr/bin/env python3
"""Compares the verdicts of two TAP streams of the same suite, test by test,
e.g. run.py through lighttpd and through Apache. TAP on stdout: a plan and
one test line, ok when both streams have a plan, the same test names and,
for each name, the same verdict (ok, not ok, or skip); the differences
follow as diagnostics. Exit status 0 when ok, 1 otherwise.

usage: compare_verdicts.py A.tap B.tap
"""
import re
import sys

LINE = re.compile(r"^(not ok|ok)\b(?:\s+\d+)?(?:\s*-\s*)?(.*)$")
SKIP = re.compile(r"\s#\s*skip\b.*$", re.IGNORECASE)
TODO = re.compile(r"\s#\s*todo\b.*$", re.IGNORECASE)


def verdicts(path):
    """Returns ({name: verdict}, has_plan, [duplicate names]). A repeated
    name gets " [2]", " [3]"... so that order still pairs them up."""
    out, dups, seen = {}, [], {}
    has_plan = False
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if re.match(r"^1\.\.\d+", line):
                has_plan = True
                continue
            m = LINE.match(line)
            if not m:
                continue
            status, name = m.group(1), m.group(2).strip()
            if SKIP.search(name):
                status, name = "skip", SKIP.sub("", name).strip()
            elif TODO.search(name):
                status, name = status + " (todo)", TODO.sub("", name).strip()
            n = seen.get(name, 0) + 1
            seen[name] = n
            if n > 1:
                dups.append(name)
                name = "%s [%d]" % (name, n)
            out[name] = status
    return out, has_plan, dups


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    a_path, b_path = argv[1], argv[2]
    try:
        a, a_plan, _ = verdicts(a_path)
        b, b_plan, _ = verdicts(b_path)
    except OSError as e:
        print("1..1")
        print("not ok 1 - identical verdicts: %s" % e)
        return 1
    problems = []
    for path, plan in ((a_path, a_plan), (b_path, b_plan)):
        if not plan:
            problems.append("%s: no TAP plan (the suite did not finish)" % path)
    if not a or not b:
        problems.append("no test line in %s" % (a_path if not a else b_path))
    for name in a:
        if name not in b:
            problems.append("only in %s: %s %s" % (a_path, a[name], name))
        elif a[name] != b[name]:
            problems.append("%s in %s, %s in %s: %s"
                            % (a[name], a_path, b[name], b_path, name))
    for name in b:
        if name not in a:
            problems.append("only in %s: %s %s" % (b_path, b[name], name))
    print("1..1")
    if problems:
        print("not ok 1 - identical verdicts in %s and %s (%d difference%s)"
              % (a_path, b_path, len(problems), "" if len(problems) == 1 else "s"))
        for p in problems[:50]:
            print("# " + p)
        return 1
    print("ok 1 - identical verdicts in %s and %s (%d tests)" % (a_path, b_path, len(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
