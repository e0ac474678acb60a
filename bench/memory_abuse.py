#!/usr/bin/env python3
"""Argument and connection memory, Rill against Redis (issue 25, finding 4): bench/memory_abuse.py

Starts rill-server and redis-server with the same flags (loopback, free ports, stopped by PID;
see compare.ServerProc), a fresh pair for each measurement, and reads their resident memory
(VmRSS, and VmHWM for peaks, from /proc/<pid>/status):

  big SET      one SET of a 100 MB value: peak RSS while it is read and stored, RSS settled a
               second later (the value is held); then a GET of it (peak and settled), and RSS
               after DEL of the key
  pending args 50 connections each send 1 MB of a 64 MB argument and wait: RSS added
  per client   1,000 connections that sent one PING each: RSS added per connection
  churn        10,000 connections opened, one PING each, all closed: RSS two seconds later
               (the peak while they were open is shown too)

Prints one table: Rill, Redis and the ratio Rill/Redis (below 1: Rill uses less).

Usage: bench/memory_abuse.py [--rill build/rill-server] [--redis redis-server]
                             [--only big|pending|clients|churn ...] [--rounds N]
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ServerProc, resp  # noqa: E402

MB = 1024 * 1024
FLAGS = ["--maxclients", "10100"]


def status_field(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss(srv):
    return status_field(srv.proc.pid, "VmRSS")


def reset_peak(srv):
    """Makes VmHWM start again from the current RSS (clear_refs 5, Linux 4.0+)."""
    with open(f"/proc/{srv.proc.pid}/clear_refs", "w") as f:
        f.write("5")


def peak(srv):
    return status_field(srv.proc.pid, "VmHWM")


def settle(srv, seconds=1.5):
    time.sleep(seconds)
    return rss(srv)


def read_reply(sock):
    reply = b""
    while not reply.endswith(b"\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        reply += chunk
    return reply


def wait_until_read(srv, socks, timeout=20):
    """Waits until the clients' bytes left their send queues and the server's RSS stopped
    growing (it has read what they sent)."""
    import fcntl
    import struct
    import termios
    deadline = time.time() + timeout
    last, stable = -1, 0
    while time.time() < deadline:
        queued = sum(struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, b"\0" * 4))[0]
                     for s in socks)
        now = rss(srv)
        stable = stable + 1 if queued == 0 and abs(now - last) < 64 * 1024 else 0
        if stable >= 3:
            return now
        last = now
        time.sleep(0.1)
    return rss(srv)


def big_set(srv, size=100 * MB):
    """Peak and settled RSS around SET of a `size`-byte value, and RSS after its DEL."""
    value = b"v" * size
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        settle(srv, 0.5)
        reset_peak(srv)
        s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size + value + b"\r\n")
        del value
        assert read_reply(s) == b"+OK\r\n"
        top = peak(srv)
        held = settle(srv)
        reset_peak(srv)
        s.sendall(resp("GET", "big"))
        header = b"$%d\r\n" % size
        got = 0
        while got < len(header) + size + 2:
            chunk = s.recv(1 << 20)
            assert chunk, "connection closed during GET"
            got += len(chunk)
        get_top = peak(srv)
        after_get = settle(srv)
        s.sendall(resp("DEL", "big"))
        assert read_reply(s) == b":1\r\n"
        gone = settle(srv)
    return {"big SET peak RSS": top, "big SET settled RSS": held, "big GET peak RSS": get_top,
            "big GET settled RSS": after_get, "RSS after DEL": gone}


def pending_args(srv, clients=50, sent=1 * MB, announced=64 * MB):
    """RSS added by `clients` connections each holding `sent` bytes of an `announced`-byte
    argument."""
    before = settle(srv, 0.5)
    socks = []
    try:
        for i in range(clients):
            s = socket.create_connection(("127.0.0.1", srv.port))
            key = f"pending:{i}"
            s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key.encode(),
                                                                   announced) + b"p" * sent)
            socks.append(s)
        after = wait_until_read(srv, socks)
    finally:
        for s in socks:
            s.close()
    return {f"{clients} x {sent // MB} MB pending args, added": after - before}


def open_and_ping(port, n):
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection(("127.0.0.1", port)))
    for s in socks:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
    for s in socks:
        assert read_reply(s) == b"+PONG\r\n"
    return socks


def per_client(srv, n=1000):
    """RSS per connection right after each of `n` connections sent a PING."""
    before = settle(srv, 0.5)
    socks = open_and_ping(srv.port, n)
    # Right after the PINGs: both servers give idle clients' buffers back after 2 s.
    time.sleep(0.2)
    after = rss(srv)
    for s in socks:
        s.close()
    return {"per client after PING": (after - before) / n}


def churn(srv, n=10000):
    """RSS after `n` connections were opened, PINGed and closed."""
    before = settle(srv, 0.5)
    socks = open_and_ping(srv.port, n)
    time.sleep(0.2)
    open_rss = rss(srv)
    for s in socks:
        s.close()
    after = settle(srv, 2.5)
    return {f"{n} clients open, RSS": open_rss, f"{n} clients closed, RSS": after,
            "idle server RSS": before}


MEASURES = {"big": big_set, "pending": pending_args, "clients": per_client, "churn": churn}


def fmt(v, key):
    if "per client" in key:
        return f"{v / 1024:.1f} KB"
    return f"{v / MB:.1f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--only", action="append", choices=sorted(MEASURES))
    ap.add_argument("--rounds", type=int, default=1, help="medians over this many fresh pairs")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    workdir = tempfile.mkdtemp(prefix="memory-abuse-")
    rows = {}  # name -> {"rill": [...], "redis": [...]}
    try:
        for name in a.only or list(MEASURES):
            for r in range(a.rounds):
                order = [("rill", a.rill), ("redis", a.redis)]
                if r % 2:
                    order.reverse()
                for who, binary in order:
                    srv = ServerProc(who, binary, workdir, extra=FLAGS)
                    try:
                        for key, v in MEASURES[name](srv).items():
                            rows.setdefault(key, {"rill": [], "redis": []})[who].append(v)
                    finally:
                        srv.stop()
                print(f"{name}: round {r + 1} done", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'measure':<40} {'Rill':>12} {'Redis':>12} {'Rill/Redis':>11}")
    for key, v in rows.items():
        rill, redis = statistics.median(v["rill"]), statistics.median(v["redis"])
        ratio = rill / redis if redis > 0 else float("nan")
        print(f"{key:<40} {fmt(rill, key):>12} {fmt(redis, key):>12} {ratio:>11.2f}")


if __name__ == "__main__":
    main()
