# Hostile: floods stdout, line after line, forever.
import sys


def solve():
    line = "flood " * 20 + "\n"
    while True:
        sys.stdout.write(line)
