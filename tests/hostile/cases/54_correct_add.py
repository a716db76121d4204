# Not hostile: the correct solution sent alongside 54_park_inflight_fds.
def add(a, b):
    return a + b
