# /etc/shadow (and gshadow) must be unreadable to the sandbox user.
def readable(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False
