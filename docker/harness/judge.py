# Entry point of a judge: python3 -I -S judge.py <chan> <sock> <out> <err>
# (see llsr_judge). A script is never byte-compiled: the work is in the
# module (cached .pyc).
import sys

sys.dont_write_bytecode = True  # the image ships .pyc; never write any
sys.path.insert(0, __file__.rpartition("/")[0] or ".")
import llsr_judge  # noqa: E402

del sys.path[0]
llsr_judge.main(sys.argv)
