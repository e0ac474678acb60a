#!/usr/bin/env python3
"""HSET latency while one hash grows to 10,000,000 fields (issue 18: no stall when a big hash's
table doubles).

A loader connection fills `bighash` with pipelined HSETs of 100 fields each (16-byte fields and
values) as fast as the server takes them; a probe connection meanwhile sends one
`HSET bighash probe:<n> v` at a time, about every millisecond, and records each round trip.
A table that rehashed all at once would show as a probe taking as long as the copy (Redis's
dict doubles incrementally; Rill splits one bounded segment at a time). Prints the probe's
p50/p99/p99.9/max for each server given.

Usage: bench/hash_growth_latency.py [--fields N] [--rill PATH] [--redis PATH]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import multiprocessing
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def resp(*args):
    return (f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)).encode()


def read_replies(sock, n):
    """Reads n simple replies (integers or status lines) from sock."""
    buf = b""
    got = 0
    while got < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
        lines = buf.split(b"\r\n")
        buf = lines.pop()
        for line in lines:
            if line.startswith(b"-"):
                raise RuntimeError(line.decode())
            got += 1


def probe_loop(port, done, results):
    probe = socket.create_connection(("127.0.0.1", port))
    latencies = []
    n = 0
    while not done.is_set():
        t = time.perf_counter()
        probe.sendall(resp("HSET", "bighash", f"probe:{n:010d}", "v"))
        read_replies(probe, 1)
        latencies.append(time.perf_counter() - t)
        n += 1
        time.sleep(0.001)
    results.put(latencies)


def measure(binary, fields, batch=100, window=64):
    port = free_port()
    work = tempfile.mkdtemp()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", work],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                loader = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        done = multiprocessing.Event()
        results = multiprocessing.Queue()
        # The probe is a process of its own: in a thread it would wait for the loader's GIL.
        prober = multiprocessing.Process(target=probe_loop, args=(port, done, results))
        prober.start()
        start = time.time()
        commands = fields // batch
        in_flight = 0
        for c in range(commands):
            args = ["HSET", "bighash"]
            for i in range(c * batch, (c + 1) * batch):
                args += [f"field:{i:010d}", f"value:{i:010d}"]
            loader.sendall(resp(*args))
            in_flight += 1
            if in_flight == window:
                read_replies(loader, in_flight)
                in_flight = 0
        read_replies(loader, in_flight)
        elapsed = time.time() - start
        done.set()
        latencies = results.get()
        prober.join()
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        return {"fields": fields, "load_s": elapsed, "probes": len(latencies), "p50_ms": pick(0.5),
                "p99_ms": pick(0.99), "p999_ms": pick(0.999), "max_ms": latencies[-1] * 1000}
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fields", type=int, default=10_000_000)
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--only", choices=["rill", "redis"], default=None)
    a = ap.parse_args()
    for name, binary in (("rill", a.rill), ("redis", a.redis)):
        if a.only and a.only != name:
            continue
        r = measure(binary, a.fields)
        print(f"{name}: {r['fields']:,} fields loaded in {r['load_s']:.1f} s; HSET probe "
              f"({r['probes']} samples) p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms, "
              f"p99.9 {r['p999_ms']:.3f} ms, max {r['max_ms']:.3f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
