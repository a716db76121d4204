# Hostile: one enormous line (64 MiB, no newline) in one write, then more.
import os


def solve():
    blob = b"L" * (64 << 20)
    while True:
        os.write(1, blob)
