"""The solution server: the one process that runs the submitted solution.

    python3 -I -S solution.py <socket fd>

Started (with exec, or forked by a batch's fork server) next to its judge
(llsr_judge), which is the only process it can talk to: one socket, on
which the judge first hands it its job (one byte with two descriptors, a
memfd holding the marshal'ed job and one holding the submission's stdin),
then sends requests (see llsr_wire). It loads the solution into a fresh
module, sends ("loaded", names, None) with the module's names (plain
values by value, everything else as references) or ("loaded", None,
load error), and then serves the judge's requests until the socket
closes. It never sees the tests: only the arguments it is called with.
Its stdout and stderr are pipes that the judge reads.
"""

import marshal
import os
import sys
import threading

import llsr_setup
import llsr_text
import llsr_wire


def main(argv):
    _exit = os._exit
    chan = int(argv[1])
    os.set_inheritable(chan, False)
    llsr_setup.oom_first()
    for name in ("reprlib", "linecache", "traceback", "codecs", "importlib"):
        llsr_text._load(name)

    # Ready: the judge hands us the job only now, so that none of our
    # start-up is counted as the user's time.
    try:
        os.write(chan, b"R")
    except OSError:
        _exit(0)
    job_fd, in_fd = llsr_setup.recv_job(chan)
    if in_fd != 0:
        os.dup2(in_fd, 0)
        os.close(in_fd)
    job = marshal.loads(llsr_setup.read_fd(job_fd))
    if job.get("nondumpable"):
        # A batch: neighbours run as our uid. Forked by the non-dumpable
        # fork server or exec'd from the execute-only interpreter we
        # already are; this makes sure before any user code runs.
        dumpable = llsr_setup.prctl_dumpable()
        if dumpable is None or not dumpable(0):
            _exit(70)
    llsr_setup.set_limits(job)

    sources = {"<solution>": job["source"]}
    peer = llsr_wire.Peer(chan, "s", on_lost=lambda why: _exit(0))
    peer.frames = lambda e: llsr_text.frame_lines(e.__traceback__, sources)
    peer.owner = threading.get_ident()

    mod = type(sys)(job["name"])
    ns = mod.__dict__
    ns["__builtins__"] = __builtins__
    ns["__file__"] = "<solution>"
    sys.modules[job["name"]] = mod
    sys.argv = ["<solution>"]
    try:
        exec(job["code"], ns)
    except BaseException as e:
        err = llsr_text.load_error(e, "<solution>", "the solution", sources)
        e = None
        peer.flush_streams()
        peer.send(("loaded", None, err))
        _exit(0)
    # The judge binds the solution's functions, classes and other objects
    # as stand-ins; plain values it asks for when the tests read them
    # ("global" requests), so it always sees their current value.
    peer.globals = ns
    names = {k: v for k, v in ns.items()
             if type(k) is str and not (k.startswith("__") and k.endswith("__"))
             and type(v) not in llsr_wire.PLAIN}
    peer.flush_streams()
    try:
        peer.encode(("loaded", names, None))
    except BaseException as e:
        peer.send(("loaded", None, ("HarnessError", "the solution's names cannot "
                                    "be handed to the tests: %s" % llsr_text.exc_text(e),
                                    None, None, False)))
        _exit(0)
    peer.send(("loaded", names, None))
    del names
    while True:
        peer.serve_one(peer.recv())
