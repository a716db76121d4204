# Seccomp: the kernel keyring (not namespaced per container) is refused:
# keyctl, add_key, request_key.
import ctypes
import os

# include: _syscalls.py


def keyring():
    KEY_SPEC_PROCESS_KEYRING, KEY_SPEC_SESSION_KEYRING = -2, -3
    return not_refused([
        ("keyctl(GET_KEYRING_ID, session)", 250, (0, KEY_SPEC_SESSION_KEYRING, 1)),
        ("add_key(user)", 248, (b"user", b"llsr", b"secret", 6, KEY_SPEC_PROCESS_KEYRING)),
        ("request_key(user)", 249, (b"user", b"llsr-none", None, 0))])
