# Entry point of a test child: python3 -I -S child.py <channel fd>
# Started by the harness with exec, so it shares no memory with it. It loads
# the runner from its own directory, then drops that directory from sys.path
# and the module from sys.modules so user code cannot import it by name.
import sys

sys.dont_write_bytecode = True  # the image ships .pyc; never write any
_d = __file__.rpartition("/")[0] or "."
sys.path.insert(0, _d)
import llsr_child  # noqa: E402

del sys.path[0]
sys.modules.pop("llsr_child", None)
llsr_child.main(sys.argv)
