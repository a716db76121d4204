# Entry point of a batch run's fork server: python3 -I -S zygote.py <ctl fd>
# Started by the harness with exec, so it shares no memory with it. Like
# child.py it loads the runner from its own directory, then drops that
# directory from sys.path and the module from sys.modules; every test child
# it forks runs llsr_child.main as an exec'd child.py would.
import sys

sys.dont_write_bytecode = True  # the image ships .pyc; never write any
_d = __file__.rpartition("/")[0] or "."
sys.path.insert(0, _d)
import llsr_child  # noqa: E402

del sys.path[0]
sys.modules.pop("llsr_child", None)
llsr_child.zygote(sys.argv)
