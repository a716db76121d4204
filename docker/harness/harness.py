# The sandbox harness: python3 -I -S /opt/llsr/harness.py
# Reads one LLSR1 frame on stdin, runs the tests, writes one report line.
# See docs/protocol.md and docs/harness.md. This file stays tiny because a
# script is never byte-compiled; the work is in llsr_parent (cached .pyc).
import os
import sys

sys.dont_write_bytecode = True  # the image ships .pyc; never write any
sys.path.insert(0, __file__.rpartition("/")[0] or ".")
import llsr_parent  # noqa: E402

del sys.path[0]
rc = llsr_parent.main()
# The report is out (written with os.write); skip interpreter finalization,
# which would only delay our exit by a few ms.
sys.stdout.flush()
sys.stderr.flush()
os._exit(rc)
