# Hostile: a memory bomb in a forked child process. The child must be
# stopped by the container's memory limit (OOM kill or MemoryError), never
# allowed to grow past it; the test checks it did not finish normally.
import os


def child_bomb():
    pid = os.fork()
    if pid == 0:
        try:
            hog = []
            while True:
                b = bytearray(16 << 20)
                for i in range(0, len(b), 4096):
                    b[i] = 1
                hog.append(b)
                if len(hog) * 16 > 4096:      # 4 GiB: the limit did not hold
                    os._exit(0)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    return status


def finished_normally(status):
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
