#!/usr/bin/env python3
"""io_uring refused, epoll used: the default transport's fallback (issue 24).

io_uring is the default event-loop transport, and container runtimes commonly refuse it (Docker's
default seccomp profile makes io_uring_setup fail with EPERM). This starts rill-server under the
same kind of filter, installed in the child with prctl(PR_SET_SECCOMP) before exec, and checks
that the server says why in its log, reports `multiplexing_api:epoll`, and serves clients; and,
without the filter, that it reports `io_uring`.

    uring_fallback_test.py path/to/rill-server
"""

import ctypes
import os
import socket
import subprocess
import sys
import tempfile
import time

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(port, *args):
    request = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode())
                                                 for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while not data.endswith(b"\r\n") or (data.startswith(b"$") and data.count(b"\r\n") < 2):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def start(binary, workdir, preexec):
    port = free_port()
    log = os.path.join(workdir, "server.log")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", workdir, "--logfile", log, "--loglevel", "verbose"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=preexec)
    for _ in range(100):
        try:
            if command(port, "PING") == b"+PONG\r\n":
                return proc, port, log
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("FAIL: the server did not start (exit %s)" % proc.poll())


def info_field(port, field):
    for line in command(port, "INFO", "server").decode().split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return None


def main():
    binary = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory(prefix="rill-uring-fallback-") as workdir:
        # Under the filter: epoll, with the reason logged.
        proc, port, log = start(binary, workdir, refuse_io_uring)
        try:
            api = info_field(port, "multiplexing_api")
            if api != "epoll":
                failures.append("refused io_uring: multiplexing_api %r, want 'epoll'" % api)
            with open(log) as f:
                text = f.read()
            want = "io-uring yes: io_uring_queue_init failed: Operation not permitted; " \
                   "the event loop uses epoll"
            if want not in text:
                failures.append("refused io_uring: no log line %r in:\n%s" % (want, text))
            if command(port, "SET", "k", "v") != b"+OK\r\n" or \
                    command(port, "GET", "k") != b"$1\r\nv\r\n":
                failures.append("refused io_uring: SET/GET did not answer as expected")
        finally:
            proc.terminate()
            proc.wait()
        # Without it: io_uring (the default), where the kernel has it.
        os.unlink(log)
        proc, port, log = start(binary, workdir, None)
        try:
            api = info_field(port, "multiplexing_api")
            with open(log) as f:
                refused = "the event loop uses epoll" in f.read()
            if refused:
                print("note: this kernel refuses io_uring; only the fallback was checked")
            elif api != "io_uring":
                failures.append("default: multiplexing_api %r, want 'io_uring'" % api)
        finally:
            proc.terminate()
            proc.wait()
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print("ok: refused io_uring falls back to epoll; the default runs on io_uring")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
