# Hostile: invalid UTF-8 on stdout and stderr (lone continuation bytes,
# overlongs, surrogates encoded in UTF-8, truncated sequences).
import os
import sys

BAD = (b"\xff\xfe\x80 \xc0\xaf \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xe2\x82"
       b" valid:\xc3\xa9 end\n")


def solve():
    os.write(1, BAD)
    os.write(2, BAD)
    sys.stdout.buffer.write(BAD)
    sys.stdout.flush()
    print("\udcff\ud800 lone surrogates", errors="surrogateescape") if False else None
    sys.stdout.write("after\n")
    return 1
