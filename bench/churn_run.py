#!/usr/bin/env python3
"""Allocator churn: a cache's day of writes of varying sizes at maxmemory, compressed into a run.

Starts each server (cap_run.py's way: compare.ServerProc, pinned to core 0) with --maxmemory and
allkeys-lru, then sends --writes SETs from one pipelined connection (this script, pinned to core
1): random keys out of --keyspace, values of log-uniform random size between --min-bytes and
--max-bytes (16 B - 16 KB by default), a --ttl-share of them with EX between --ttl-min and
--ttl-max seconds, so that keys are overwritten with other sizes, expire and are evicted all
through the run. At the end it reports, per server:

  used_memory, RSS and mem_fragmentation_ratio (INFO memory, as the server computes them);
  keys held and bytes per key (used_memory / keys, RSS / keys);
  server CPU per request: utime + stime of the server over the run (/proc/<pid>/stat) / writes;
  RSS again after --idle seconds without requests (jemalloc's decay) and after MEMORY PURGE.

Memory figures are robust on a shared machine; CPU figures are not: --repeat runs each server
several times and the table gives ranges, with the load average (uptime) before and after.
--callgrind instead runs each server under callgrind (callgrind_rows.py's CallgrindServer): the
first half of the writes warm up (fill to maxmemory), the counters are zeroed, and the second
half's instructions / requests is printed, a figure the machine's load does not move.
--memory-rows instead measures compare.py's memory rows (RSS growth per item, --items items,
each row on a fresh server) for each server: the fixed-size side of the allocator choice.

Usage: bench/churn_run.py [--server NAME=PATH ...] [--redis-too] [--writes 4000000]
                          [--maxmemory 100mb] [--keyspace 400000] [--repeat 1] [--seed 1]
e.g.   bench/churn_run.py --server glibc=build/rill-server-glibc \\
           --server jemalloc=build/rill-server-jemalloc --redis-too --repeat 3
"""
import argparse
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ServerProc, pin  # noqa: E402
from hit_rate import memory_bytes  # noqa: E402

BATCH = 256  # commands per pipelined write; the next batch is sent before reading replies


def info(srv, section="memory"):
    out = {}
    for line in srv.cli("INFO", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def batches(a, rng):
    """Yields RESP payloads of BATCH SETs each, until --writes commands were made."""
    pool = os.urandom(a.max_bytes * 2)  # value bytes: random slices of one random buffer
    lo, hi = math.log(a.min_bytes), math.log(a.max_bytes)
    ttl_threshold = a.ttl_share
    made = 0
    while made < a.writes:
        n = min(BATCH, a.writes - made)
        parts = []
        for _ in range(n):
            key = b"churn:%d" % rng.randrange(a.keyspace)
            size = int(math.exp(rng.uniform(lo, hi)))
            off = rng.randrange(a.max_bytes)
            if rng.random() < ttl_threshold:
                ttl = b"%d" % rng.randint(a.ttl_min, a.ttl_max)
                parts.append(b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, size))
                parts.append(pool[off:off + size])
                parts.append(b"\r\n$2\r\nEX\r\n$%d\r\n%s\r\n" % (len(ttl), ttl))
            else:
                parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, size))
                parts.append(pool[off:off + size])
                parts.append(b"\r\n")
        made += n
        yield n, b"".join(parts)


def read_replies(sock, buf, n):
    """Reads n simple replies (+OK or -ERR lines); returns the rest of the buffer, errors."""
    errors = 0
    while n > 0:
        end = buf.find(b"\r\n")
        while end < 0:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("server closed the connection")
            buf += chunk
            end = buf.find(b"\r\n")
        if buf[:1] == b"-":
            errors += 1
        buf = buf[end + 2:]
        n -= 1
    return buf, errors


def drive(srv, a, seed):
    rng = random.Random(seed)
    errors = 0
    with socket.create_connection(("127.0.0.1", srv.port)) as sock:
        buf = b""
        pending = 0
        for n, payload in batches(a, rng):
            sock.sendall(payload)
            if pending:
                buf, e = read_replies(sock, buf, pending)
                errors += e
            pending = n
        buf, e = read_replies(sock, buf, pending)
        errors += e
    return errors


def run(name, binary, a, workdir, seed):
    srv = ServerProc(name, binary, workdir)
    try:
        srv.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        srv.cli("CONFIG", "SET", "maxmemory", a.maxmemory)
        cpu0, t0 = srv.cpu_seconds(), time.time()
        errors = drive(srv, a, seed)
        cpu, wall = srv.cpu_seconds() - cpu0, time.time() - t0
        m = info(srv)
        stats = info(srv, "stats")
        keys = int(srv.cli("DBSIZE").strip())
        rss = srv.rss()
        time.sleep(a.idle)
        rss_idle = srv.rss()
        srv.cli("MEMORY", "PURGE")
        time.sleep(0.5)
        rss_purged = srv.rss()
        used = int(m["used_memory"])
        return {"server": name, "allocator": m.get("mem_allocator", "?"), "used": used,
                "rss": rss, "frag": float(m["mem_fragmentation_ratio"]),
                "allocator_frag": float(m.get("allocator_frag_ratio", 0)), "keys": keys,
                "used_per_key": used / max(keys, 1), "rss_per_key": rss / max(keys, 1),
                "cpu_us": cpu / a.writes * 1e6, "wall_s": wall, "rss_idle": rss_idle,
                "rss_purged": rss_purged, "evicted": int(stats.get("evicted_keys", -1)),
                "expired": int(stats.get("expired_keys", -1)), "errors": errors}
    finally:
        srv.stop()


def callgrind(name, binary, a, seed):
    from callgrind_rows import CallgrindServer
    srv = CallgrindServer(name, binary)
    try:
        srv.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        srv.cli("CONFIG", "SET", "maxmemory", a.maxmemory)
        half = argparse.Namespace(**vars(a))
        half.writes = a.writes // 2
        drive(srv, half, seed)  # warm-up: the same stream's first half
        srv.control("-z")
        drive(srv, half, seed + 1)
        per = srv.dumped_instructions() / half.writes
        allocator = info(srv).get("mem_allocator", "?")
        print(f"| {name} | {allocator} | {per:,.0f} |", flush=True)
    finally:
        srv.stop()


def memory_rows(servers, a):
    import compare
    workdir = tempfile.mkdtemp(prefix="rill-memrows-")
    names = [name for name, _ in servers]
    print(f"\n| row ({a.items} items), RSS bytes per item | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    try:
        for group, label, item, measure in compare.MEMORY:
            per = []
            for name, binary in servers:
                srv = ServerProc(name, binary, workdir)
                try:
                    per.append(measure(srv, a.items))
                finally:
                    srv.stop()
            print(f"| {label} | " + " | ".join(f"{x:.1f}" for x in per) + " |", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else (fmt + "-" + fmt).format(lo, hi)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", action="append", default=[],
                    help="NAME=PATH of a server binary (repeatable); default build/rill-server")
    ap.add_argument("--redis-too", action="store_true")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--writes", type=int, default=4000000)
    ap.add_argument("--maxmemory", default="100mb")
    ap.add_argument("--keyspace", type=int, default=400000)
    ap.add_argument("--min-bytes", type=int, default=16)
    ap.add_argument("--max-bytes", type=int, default=16384)
    ap.add_argument("--ttl-share", type=float, default=0.5)
    ap.add_argument("--ttl-min", type=int, default=5)
    ap.add_argument("--ttl-max", type=int, default=120)
    ap.add_argument("--idle", type=float, default=12, help="seconds idle before the second RSS")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--callgrind", action="store_true",
                    help="instructions per request under callgrind instead (use ~200000 writes)")
    ap.add_argument("--memory-rows", action="store_true",
                    help="compare.py's memory rows per server instead of the churn")
    ap.add_argument("--items", type=int, default=1000000, help="items per --memory-rows row")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    servers = [tuple(s.split("=", 1)) for s in a.server] or [
        ("rill", os.path.join(here, "..", "build", "rill-server"))]
    if a.redis_too:
        servers.append(("redis", a.redis))
    os.sched_setaffinity(0, {1}) if pin(1) else None  # the client on the other core
    if a.memory_rows:
        memory_rows(servers, a)
        return 0
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"{a.writes} SETs, keyspace {a.keyspace}, {a.min_bytes}-{a.max_bytes} B log-uniform, "
          f"{a.ttl_share:.0%} with EX {a.ttl_min}-{a.ttl_max} s, maxmemory {a.maxmemory} "
          f"allkeys-lru", flush=True)
    if a.callgrind:
        print("\n| server | allocator | instructions per request |\n|---|---|---:|")
        for name, binary in servers:
            callgrind(name, binary, a, a.seed)
        return 0
    workdir = tempfile.mkdtemp(prefix="rill-churn-")
    results = {name: [] for name, _ in servers}
    try:
        for i in range(a.repeat):
            for name, binary in servers:
                r = run(name, binary, a, workdir, a.seed)
                results[name].append(r)
                print(f"  run {i + 1} {name} ({r['allocator']}): used {r['used'] / 2**20:.1f} MiB, "
                      f"RSS {r['rss'] / 2**20:.1f} MiB (idle {r['rss_idle'] / 2**20:.1f}, purged "
                      f"{r['rss_purged'] / 2**20:.1f}), frag {r['frag']:.2f}, keys {r['keys']}, "
                      f"CPU {r['cpu_us']:.2f} us/req, {r['wall_s']:.0f} s, evicted {r['evicted']}, "
                      f"expired {r['expired']}, errors {r['errors']}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    cap = memory_bytes(a.maxmemory)
    print(f"\n| server | allocator | used_memory | RSS | mem_fragmentation_ratio | RSS after "
          f"{a.idle:.0f} s idle | RSS after PURGE | keys held | used bytes/key | RSS bytes/key | "
          f"server CPU us/request |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in servers:
        rs = results[name]
        print(f"| {name} | {rs[0]['allocator']} | {span([r['used'] / 2**20 for r in rs], '{:.1f}')} MiB "
              f"| {span([r['rss'] / 2**20 for r in rs], '{:.1f}')} MiB "
              f"| {span([r['frag'] for r in rs], '{:.2f}')} "
              f"| {span([r['rss_idle'] / 2**20 for r in rs], '{:.1f}')} MiB "
              f"| {span([r['rss_purged'] / 2**20 for r in rs], '{:.1f}')} MiB "
              f"| {span([r['keys'] for r in rs], '{}')} "
              f"| {span([r['used_per_key'] for r in rs], '{:.0f}')} "
              f"| {span([r['rss_per_key'] for r in rs], '{:.0f}')} "
              f"| {span([r['cpu_us'] for r in rs], '{:.2f}')} |")
    print(f"(maxmemory {cap / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
