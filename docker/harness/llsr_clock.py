"""The user's time: what a submission's time limits count.

A limit counts only the user's code, never the harness's own work: the
clock of a pair (judge + solution server) starts with the judge's first
phase record, which it sends just before the first line of user code, and
stops when the pair ends; interpreter start-ups, the job hand-off and the
restarts after a crash are never charged. While it runs, two things are
counted, each against its own limit:
  - CPU time (user + system) of the judge and the solution server and of
    the children they collected (/proc/<pid>/stat: utime, stime, cutime,
    cstime), against `timeout_ms` (and `test_timeout_ms` per test). It is
    the same on an idle and on a loaded machine, so a verdict does not
    depend on what else the machine runs.
  - Charged wall-clock time, against `wall_ms` (and `test_wall_ms`): what
    stops code that sleeps or blocks. The service sends both; a frame
    without them gets 2 x the CPU limit + 500 ms.
"""

import os

_TICK = float(os.sysconf("SC_CLK_TCK"))
WALL_FACTOR = 2
WALL_EXTRA_MS = 500
OVERHEAD_MS = 5000


def wall_ms(cpu_ms):
    """The wall-clock limit that goes with a CPU time limit by default."""
    return cpu_ms * WALL_FACTOR + WALL_EXTRA_MS


def cpu_seconds(pids):
    """CPU seconds used so far by the processes pids (threads included) and
    the children they waited for; a process already gone counts 0."""
    ticks = 0
    for pid in pids:
        try:
            fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
            try:
                data = os.read(fd, 4096)
            finally:
                os.close(fd)
            fields = data.rpartition(b")")[2].split()
            ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            pass
    return ticks / _TICK


class Clock:
    """A submission's time: limits in seconds (CPU and wall, for the run and
    for each test), what earlier pairs used, and the running pair's start."""

    MIN_WAIT_S = 0.005

    def __init__(self, cpu_s, wall_s, test_cpu_s, test_wall_s):
        self.cpu_s, self.wall_s = cpu_s, wall_s
        self.test_cpu_s, self.test_wall_s = test_cpu_s, test_wall_s
        self.cpu_used = self.wall_used = 0.0   # by pairs that ended
        self.pids = None                        # the running pair, once charged
        self.cpu0 = self.wall0 = 0.0
        self.test_cpu0 = self.test_wall0 = None
        self.why = None                         # "cpu" | "wall": what ran out

    @property
    def charging(self):
        return self.pids is not None

    def start(self, pids, now):
        self.pids = pids
        self.cpu0, self.wall0 = cpu_seconds(pids), now

    def begin_test(self, now):
        if self.pids is not None:
            self.test_cpu0, self.test_wall0 = cpu_seconds(self.pids), now

    def end_test(self):
        self.test_cpu0 = self.test_wall0 = None

    def stop(self, now):
        """The pair ends (call before it is killed and collected)."""
        if self.pids is not None:
            self.cpu_used += max(cpu_seconds(self.pids) - self.cpu0, 0.0)
            self.wall_used += now - self.wall0
            self.pids = None
        self.end_test()

    def exhausted(self):
        return self.cpu_used >= self.cpu_s or self.wall_used >= self.wall_s

    def check(self, now):
        """(None, seconds until the next check) while time is left, else
        ("run" or "test", 0) with self.why saying which clock ran out."""
        if self.pids is None:
            return None, None
        cpu = cpu_seconds(self.pids)
        run_cpu = self.cpu_used + cpu - self.cpu0
        run_wall = self.wall_used + now - self.wall0
        left = [(self.cpu_s - run_cpu, "run", "cpu"), (self.wall_s - run_wall, "run", "wall")]
        if self.test_wall0 is not None:
            left.append((self.test_cpu_s - (cpu - self.test_cpu0), "test", "cpu"))
            left.append((self.test_wall_s - (now - self.test_wall0), "test", "wall"))
        wait = None
        for rest, which, why in left:
            if rest <= 0:
                self.why = why
                return which, 0.0
            # CPU time runs at most as fast as the wall clock times the
            # threads that spin; look again at half the CPU time left.
            w = rest if why == "wall" else rest / 2
            wait = w if wait is None else min(wait, w)
        return None, max(wait, self.MIN_WAIT_S)
