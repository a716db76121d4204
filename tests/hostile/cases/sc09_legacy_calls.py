# Seccomp: legacy AIO, vmsplice, personality changes, modify_ldt and the
# 32-bit entry point (int 0x80) are refused; name_to_handle_at too.
import ctypes
import os

# include: _syscalls.py
import mmap


def aio_vmsplice():
    ctx = ctypes.c_ulong(0)
    iov = (ctypes.c_char * 8)()
    return not_refused([("io_setup(1)", 206, (1, ctypes.byref(ctx))),
                        ("io_submit(0)", 209, (0, 0, None)),
                        ("vmsplice(-1)", 278, (-1, ctypes.byref(iov), 0, 0))])


def personality():
    # ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC; the query (0xffffffff) stays allowed.
    return in_child(lambda: not_refused([("personality(ADDR_NO_RANDOMIZE)", 135, (0x0040000,)),
                                         ("personality(READ_IMPLIES_EXEC)", 135, (0x0400000,))]))


def modify_ldt():
    buf = ctypes.create_string_buffer(16)
    return not_refused([("modify_ldt(read)", 154, (0, buf, 16))])


def handles():
    fh = ctypes.create_string_buffer(136)
    ctypes.memmove(fh, (ctypes.c_uint * 1)(128), 4)
    mnt = ctypes.c_int(0)
    return not_refused([("name_to_handle_at(/tmp)", 303, (-100, b"/tmp", fh, ctypes.byref(mnt), 0))])


def int80():
    # getpid through the 32-bit entry point, from machine code in anonymous
    # executable memory: mov eax, 20; int 0x80; ret
    if os.uname().machine != "x86_64":
        return []

    def go():
        code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
        m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        r = ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
        # getpid's answer is a pid; a refusal (-EPERM, -ENOSYS, or what a
        # kernel without the 32-bit ABI says) is negative.
        return [] if r < 0 else ["int 0x80 getpid -> %d" % r]
    # A filter without the 32-bit architecture kills the caller (SIGSYS).
    return [g for g in in_child(go) if g != "child killed by signal 31"]
