# Entry point of a solution server: python3 -I -S solution.py <sock>
# (see llsr_solution). A script is never byte-compiled: the work is in the
# module (cached .pyc).
import sys

sys.dont_write_bytecode = True  # the image ships .pyc; never write any
sys.path.insert(0, __file__.rpartition("/")[0] or ".")
import llsr_solution  # noqa: E402

del sys.path[0]
llsr_solution.main(sys.argv)
