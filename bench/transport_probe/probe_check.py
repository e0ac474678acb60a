#!/usr/bin/env python3
"""The transport probes answer what they answer byte for byte as redis-server 7.0 does.

redis-benchmark does not look at replies, so bench/asio_probe_compare.py and ctest
(TransportProbeRepliesTest) run these cases first: each case's bytes go to a fresh redis-server
and to the probe on one connection each (sent whole, or one byte at a time), and the replies
must be the same bytes. Also redis-cli's output for PING, SET and GET.

Usage: probe_check.py PROBE_BINARY...   (exit 0 when every probe matches)
As a module: check(port, reference_port) -> list of mismatches.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time


def resp(*args):
    out = f"*{len(args)}\r\n".encode()
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += f"${len(a)}\r\n".encode() + a + b"\r\n"
    return out


def _bench_pipeline():
    # What redis-benchmark -t set,get -P 16 -r 100000 sends: 16 SETs, then 16 GETs.
    keys = [f"key:{k:012d}" for k in (1, 99999, 42, 1, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 1)]
    return (b"".join(resp("SET", k, "xxx") for k in keys), 16,
            b"".join(resp("GET", k) for k in keys + ["key:000000000002"]), 17)


SETS, NSETS, GETS, NGETS = _bench_pipeline()
BIG = b"v" * 100000
# (name, bytes sent, replies expected, send one byte at a time)
CASES = [
    ("inline PING", b"PING\r\n", 1, False),
    ("inline PING, bare newline, blank line", b"PING\n\r\nPING   \r\n", 2, False),
    ("multi-bulk PING", resp("PING"), 1, False),
    ("PING message", resp("PING", "hello"), 1, False),
    ("SET, GET, GET missing", resp("SET", "probe:k", "v1") + resp("GET", "probe:k") +
     resp("GET", "probe:missing"), 3, False),
    ("SET over a value, lower case", resp("set", "probe:k", "v2") + resp("get", "probe:k"), 2,
     False),
    ("redis-benchmark's SET pipeline", SETS, NSETS, False),
    ("redis-benchmark's GET pipeline", GETS, NGETS, False),
    ("byte by byte", resp("SET", "probe:split", "abc") + b"GET probe:split\r\n" +
     resp("PING"), 3, True),
    ("empty multi-bulk", b"*0\r\n" + resp("PING"), 1, False),
    ("100 KB value", resp("SET", "probe:big", BIG) + resp("GET", "probe:big"), 2, False),
    ("empty value", resp("SET", "probe:e", "") + resp("GET", "probe:e"), 2, False),
    ("binary key and value", resp("SET", b"k\r\n\0", b"\r\n\xff") + resp("GET", b"k\r\n\0"), 2,
     False),
    ("unknown command", resp("FOO", "a", "b") + resp("NOPE"), 2, False),
    ("arity", resp("GET") + resp("SET", "x") + resp("PING", "a", "b"), 3, False),
    ("redis-benchmark's CONFIG GETs", resp("CONFIG", "GET", "save") +
     resp("CONFIG", "GET", "appendonly"), 2, False),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reply_end(buf, pos):
    """The end of the complete reply at buf[pos:], or -1 when it is not complete."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return -1
    kind, head = buf[pos:pos + 1], buf[pos + 1:nl]
    if kind in (b"+", b"-", b":"):
        return nl + 2
    if kind == b"$":
        n = int(head)
        end = nl + 2 + (n + 2 if n >= 0 else 0)
        return end if len(buf) >= end else -1
    if kind == b"*":
        at = nl + 2
        for _ in range(max(0, int(head))):
            at = reply_end(buf, at)
            if at < 0:
                return -1
        return at
    raise ValueError(f"not RESP: {buf[pos:pos + 40]!r}")


def exchange(port, data, replies, byte_by_byte):
    """Sends `data` on a new connection and returns the bytes of `replies` replies, then what
    follows once the client half-closes (nothing but the EOF, for a well-behaved server)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        if byte_by_byte:
            for i in range(len(data)):
                s.sendall(data[i:i + 1])
                time.sleep(0.001)
        else:
            s.sendall(data)
        buf, pos = b"", 0
        for _ in range(replies):
            while True:
                end = reply_end(buf, pos) if buf[pos:] else -1
                if end >= 0:
                    pos = end
                    break
                chunk = s.recv(1 << 20)
                if not chunk:
                    return buf + b"<EOF>"
                buf += chunk
        s.shutdown(socket.SHUT_WR)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                return buf + b"<EOF>"
            buf += chunk


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          timeout=10).stdout


def check(port, reference_port):
    """Every case on `port` against `reference_port` (a redis-server with the same history)."""
    bad = []
    for name, data, replies, byte_by_byte in CASES:
        got = exchange(port, data, replies, byte_by_byte)
        want = exchange(reference_port, data, replies, byte_by_byte)
        if got != want:
            bad.append(f"{name}: got {got[:200]!r}, redis-server {want[:200]!r}")
    for args in (("PING",), ("SET", "probe:cli", "hello world"), ("GET", "probe:cli"),
                 ("GET", "probe:none")):
        got, want = cli(port, *args), cli(reference_port, *args)
        if got != want:
            bad.append(f"redis-cli {' '.join(args)}: got {got!r}, redis-server {want!r}")
    # A peer's EOF right behind its commands: the replies still come.
    for port_ in (port, reference_port):
        with socket.create_connection(("127.0.0.1", port_), timeout=5) as s:
            s.sendall(resp("PING") * 3)
            s.shutdown(socket.SHUT_WR)
            buf = b""
            while chunk := s.recv(65536):
                buf += chunk
        if buf != b"+PONG\r\n" * 3:
            bad.append(f"PING x3 then EOF on port {port_}: {buf!r}")
    # Bytes that are not RESP close the connection (redis-server answers a protocol error
    # first; the probes just close) and leave the server answering others.
    for garbage in (b"*abc\r\n", b"*1\r\n%4\r\nPING\r\n", b"*1\r\n$-5\r\n",
                    b"*" + b"9" * 30 + b"\r\n", bytes(range(256)) * 64):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(garbage)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
        except OSError:
            pass
        if exchange(port, resp("PING"), 1, False) != b"+PONG\r\n<EOF>":
            bad.append(f"no PONG after garbage {garbage[:20]!r}")
    return bad


def wait_ping(port, proc, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(resp("PING"))
                if s.recv(16).startswith(b"+PONG"):
                    return True
        except OSError:
            time.sleep(0.02)
    return False


def start(argv):
    port = free_port()
    proc = subprocess.Popen([*argv, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not wait_ping(port, proc):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{argv[0]} did not start")
    return proc, port


def main(binaries):
    failures = 0
    workdir = tempfile.mkdtemp(prefix="probe-check-")
    for binary in binaries:
        redis, redis_port = start(["redis-server", "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", workdir])
        probe, probe_port = start([binary])
        try:
            bad = check(probe_port, redis_port)
        finally:
            for p in (probe, redis):
                p.terminate()
                p.wait()
        name = os.path.basename(binary)
        total = len(CASES) + 5 + 5  # the cases, redis-cli, EOF, garbage
        print(f"{name}: {total - len(bad)}/{total} checks passed")
        for line in bad:
            print(f"  {line}")
        failures += len(bad)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
