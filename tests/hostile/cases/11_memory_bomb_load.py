# Hostile: a memory bomb at import time (the solution cannot even load).
hog = []
while True:
    hog.append(bytearray(8 << 20))
    for i in range(0, len(hog[-1]), 4096):
        hog[-1][i] = 1


def solve():
    return 1
