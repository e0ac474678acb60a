#!/usr/bin/env python3
"""io_uring refused, epoll used: the default transport's fallback (issue 24).

io_uring is the default event-loop transport, and container runtimes commonly refuse it (Docker's
default seccomp profile makes io_uring_setup fail with EPERM). This starts rill-server under the
same kind of filter, installed in the child with prctl(PR_SET_SECCOMP) before exec, and checks
that the server says why in its log, reports `multiplexing_api:epoll`, and serves clients; and,
without the filter, that it reports `io_uring`.

    tests/integration/python/uring_fallback_test.py path/to/rill-server
"""

import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fw_support  # noqa: E402

IO_URING_SETUP = 425  # the same number on every architecture (the unified syscall table)
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def refuse_io_uring():
    """preexec_fn: io_uring_setup fails with EPERM in this process and what it execs."""
    program = (SockFilter * 4)(
        SockFilter(0x20, 0, 0, 0),  # A = seccomp_data.nr
        SockFilter(0x15, 0, 1, IO_URING_SETUP),  # if A == io_uring_setup
        SockFilter(0x06, 0, 0, SECCOMP_RET_ERRNO | EPERM),  # fail it with EPERM
        SockFilter(0x06, 0, 0, SECCOMP_RET_ALLOW))  # else allow
    prog = SockFprog(len(program), program)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        os._exit(90)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        os._exit(91)


def multiplexing_api(port):
    for line in fw_support.command(port, "INFO", "server").decode().split("\r\n"):
        if line.startswith("multiplexing_api:"):
            return line.split(":", 1)[1]
    return None


def main():
    binary = sys.argv[1]
    failures = []
    # Under the filter: epoll, with the reason logged.
    with fw_support.Server(binary, ["--loglevel", "verbose"], preexec_fn=refuse_io_uring) as server:
        api = multiplexing_api(server.port)
        if api != "epoll":
            failures.append("refused io_uring: multiplexing_api %r, want 'epoll'" % api)
        want = "io-uring yes: io_uring_queue_init failed: Operation not permitted; " \
               "the event loop uses epoll"
        if want not in server.read_log():
            failures.append("refused io_uring: no log line %r in:\n%s" % (want, server.read_log()))
        if fw_support.command(server.port, "SET", "k", "v") != b"OK" or \
                fw_support.command(server.port, "GET", "k") != b"v":
            failures.append("refused io_uring: SET/GET did not answer as expected")
    # Without it: io_uring (the default), where the kernel has it.
    with fw_support.Server(binary, ["--loglevel", "verbose"]) as server:
        api = multiplexing_api(server.port)
        if "the event loop uses epoll" in server.read_log():
            print("note: this kernel refuses io_uring; only the fallback was checked")
        elif api != "io_uring":
            failures.append("default: multiplexing_api %r, want 'io_uring'" % api)
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print("ok: refused io_uring falls back to epoll; the default runs on io_uring")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
