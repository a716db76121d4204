# Hostile: floods stderr with raw bytes, bypassing sys.stderr.
import os


def solve():
    chunk = b"E" * 65536
    while True:
        os.write(2, chunk)
