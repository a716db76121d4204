# Hostile: a memory bomb in the test process, touching every page so the
# memory really is used (the cgroup limit, not overcommit, must stop it).
def solve():
    hog = []
    while True:
        b = bytearray(16 << 20)
        for i in range(0, len(b), 4096):
            b[i] = 1
        hog.append(b)
