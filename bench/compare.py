#!/usr/bin/env python3
"""Side-by-side comparison of rill-server and redis-server on this machine.

Both servers start with identical flags on free loopback ports. For each workload the
redis-benchmark runs alternate Rill/Redis/Rill/Redis... (--rounds times each), the median
requests/sec of each side is reported with the ratio Rill/Redis. The server is pinned to one
core and the load generator to the other when taskset and 2+ cores exist.

Memory: 1,000,000 keys ("key:%012d", 16 bytes) with 16-byte values are loaded through
`redis-cli --pipe`; resident memory growth (VmRSS) divided by the key count is reported.

Streams: XADD and XRANGE ... COUNT 10 through redis-benchmark's arbitrary-command mode, an
XREADGROUP + XACK cycle driven by build/bench/rill_micro_bench (BM_ServerReadAckCycle: 50
connections, each reading one entry and acknowledging it), and resident bytes per entry for
1,000,000 `XADD s * f v` entries in one stream.

AOF: SET at pipeline 16 with appendonly yes / appendfsync everysec on both, next to Rill
without AOF in the same alternating rounds (the cost of the AOF itself).

Usage: bench/compare.py [--rill build/rill-server] [--requests 200000] [--rounds 3]
                        [--csv out.csv] [--skip-memory] [--only kv|streams|lists|pubsub|aof]
"""
import argparse
import csv
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

WORKLOADS = [("SET", "set"), ("GET", "get"), ("INCR", "incr"), ("MSET", "mset")]
PIPELINES = [1, 16]
# Stream workloads run through redis-benchmark's arbitrary-command mode. XRANGE reads the
# stream the XADD rows filled.
STREAM_WORKLOADS = [("XADD", ["XADD", "bench:s", "*", "f", "v"]),
                    ("XRANGE COUNT 10", ["XRANGE", "bench:s", "-", "+", "COUNT", "10"])]
CLIENTS = 50


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(core):
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() >= 2:
        return ["taskset", "-c", str(core)]
    return []


AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "everysec"]


class ServerProc:
    def __init__(self, name, binary, workdir, extra=()):
        self.name, self.binary = name, binary
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-", dir=workdir)
        args = pin(0) + [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning",
                         *extra]
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.cli("PING").strip() == "PONG":
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not start; see {self.dir}/server.log")

    def cli(self, *args, stdin=None):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], input=stdin,
                              capture_output=True, text=stdin is None or isinstance(stdin, str),
                              timeout=600, check=True).stdout

    def rss(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def bench_rps(server, test, pipeline, requests):
    cmd = pin(1) + ["redis-benchmark", "-p", str(server.port), "-t", test, "-n", str(requests),
                    "-c", str(CLIENTS), "-P", str(pipeline), "-r", "100000", "--csv", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True).stdout
    rows = list(csv.reader(out.strip().splitlines()))
    for row in rows[1:]:
        if row and row[0].upper().startswith(test.upper()):
            return float(row[1])
    raise RuntimeError(f"no result for {test} in: {out}")


def bench_command_rps(server, argv, pipeline, requests):
    """redis-benchmark running an arbitrary command (e.g. XADD s * f v)."""
    cmd = pin(1) + ["redis-benchmark", "-p", str(server.port), "-n", str(requests),
                    "-c", str(CLIENTS), "-P", str(pipeline), "--csv", "-q", *argv]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True).stdout
    rows = list(csv.reader(out.strip().splitlines()))
    for row in rows[1:]:
        if row and len(row) > 1:
            return float(row[1])
    raise RuntimeError(f"no result for {argv} in: {out}")


# (label, redis-benchmark -t tests, result row prefix): RPOP pops what its LPUSH pushed, and
# redis-benchmark fills the list for LRANGE_100 itself.
LIST_WORKLOADS = [("LPUSH", "lpush", "LPUSH"), ("RPOP", "lpush,rpop", "RPOP"),
                  ("LRANGE_100", "lrange_100", "LRANGE_100")]


def bench_tests_rps(server, tests, row_prefix, pipeline, requests):
    cmd = pin(1) + ["redis-benchmark", "-p", str(server.port), "-t", tests, "-n", str(requests),
                    "-c", str(CLIENTS), "-P", str(pipeline), "--csv", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True).stdout
    for row in list(csv.reader(out.strip().splitlines()))[1:]:
        if row and row[0].upper().startswith(row_prefix):
            return float(row[1])
    raise RuntimeError(f"no result for {row_prefix} in: {out}")


def list_memory_per_element(server, elements, lists=1000):
    """1,000,000 short elements ("e" + 9 digits) pushed one per RPUSH across 1,000 lists."""
    server.cli("FLUSHALL")
    time.sleep(0.5)
    before = server.rss()
    payload = "".join(f"*3\r\n$5\r\nRPUSH\r\n$9\r\nlist:{i % lists:04d}\r\n$10\r\ne{i:09d}\r\n"
                      for i in range(elements)).encode()
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                   capture_output=True, timeout=600, check=True)
    length = int(server.cli("LLEN", "list:0000").strip())
    if length != elements // lists:
        raise RuntimeError(f"{server.name}: list:0000 has {length} elements")
    return (server.rss() - before) / elements


def publish_rps(server, pipeline, requests, subscribers=10):
    """PUBLISH to a channel with `subscribers` redis-cli subscribers reading it."""
    subs = [subprocess.Popen(pin(1) + ["redis-cli", "-p", str(server.port), "subscribe", "bench"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(subscribers)]
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            if server.cli("PUBSUB", "NUMSUB", "bench").split()[-1] == str(subscribers):
                break
            time.sleep(0.05)
        return bench_command_rps(server, ["PUBLISH", "bench", "hello"], pipeline, requests)
    finally:
        for proc in subs:
            proc.terminate()
            proc.wait()


def multi_incr_exec_rps(server, micro_bench):
    """MULTI + INCR + EXEC per round trip over 50 connections (BM_ServerMultiIncrExec)."""
    env = dict(os.environ, RILL_BENCH_PORT=str(server.port))
    out = subprocess.run(pin(1) + [micro_bench, "--benchmark_filter=BM_ServerMultiIncrExec",
                                   "--benchmark_format=csv"], env=env, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    lines = out.strip().splitlines()
    header = next(csv.reader([l for l in lines if l.startswith("name,")]))
    for row in csv.reader(lines):
        if row and row[0].startswith("BM_ServerMultiIncrExec"):
            return float(row[header.index("items_per_second")])
    raise RuntimeError(f"no MULTI/INCR/EXEC result in: {out}")


def resp(*args):
    return (f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)).encode()


def bench_read_ack_cycle(server, micro_bench, cycles):
    """XREADGROUP COUNT 1 + XACK per entry over 50 connections (BM_ServerReadAckCycle)."""
    server.cli("DEL", "cyc")
    # BM_ServerReadAckCycle runs 4000 rounds of 50 cycles: keep more entries than that.
    payload = resp("XADD", "cyc", "*", "f", "v") * (max(cycles, 200000) + 10000)
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                   capture_output=True, timeout=600, check=True)
    server.cli("XGROUP", "CREATE", "cyc", "g", "0")
    env = dict(os.environ, RILL_BENCH_PORT=str(server.port))
    out = subprocess.run(pin(1) + [micro_bench, "--benchmark_filter=BM_ServerReadAckCycle",
                                   "--benchmark_format=csv"], env=env, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    for row in csv.reader(out.strip().splitlines()):
        if row and row[0].startswith("BM_ServerReadAckCycle"):
            header = next(csv.reader([l for l in out.splitlines() if l.startswith("name,")]))
            return float(row[header.index("items_per_second")])
    raise RuntimeError(f"no cycle result in: {out}")


def stream_memory_per_entry(server, entries):
    server.cli("FLUSHALL")
    time.sleep(0.5)
    before = server.rss()
    payload = resp("XADD", "mem", "*", "f", "v") * entries
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                   capture_output=True, timeout=600, check=True)
    length = int(server.cli("XLEN", "mem").strip())
    if length != entries:
        raise RuntimeError(f"{server.name}: stream has {length} entries, expected {entries}")
    return (server.rss() - before) / entries


def memory_per_key(server, keys, payload):
    server.cli("FLUSHALL")
    time.sleep(0.5)
    before = server.rss()
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                   capture_output=True, timeout=600, check=True)
    dbsize = int(server.cli("DBSIZE").strip())
    if dbsize != keys:
        raise RuntimeError(f"{server.name}: loaded {dbsize} keys, expected {keys}")
    after = server.rss()
    return (after - before) / keys


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--csv", default=None)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--only", choices=["kv", "streams", "lists", "pubsub", "aof"], default=None)
    ap.add_argument("--micro-bench",
                    default=os.path.join(here, "..", "build", "bench", "rill_micro_bench"))
    a = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="rill-bench-")
    rill = ServerProc("rill", a.rill, workdir)
    redis = ServerProc("redis", a.redis, workdir)
    rows = []

    def on_fresh_servers(measure):
        # Memory is measured on servers that ran nothing else: memory freed by earlier
        # workloads stays resident in a malloc arena and would hide the real growth.
        results = []
        for name, binary in (("rill", a.rill), ("redis", a.redis)):
            srv = ServerProc(name, binary, workdir)
            try:
                results.append(measure(srv))
            finally:
                srv.stop()
        return results

    def side_by_side(name, unit, measure):
        results = {"rill": [], "redis": []}
        for _ in range(a.rounds):
            for srv in (rill, redis):
                results[srv.name].append(measure(srv))
        r, d = statistics.median(results["rill"]), statistics.median(results["redis"])
        rows.append((name, unit, r, d, r / d))
        print(f"{name:<28} rill {r:>12.0f}  redis {d:>12.0f}  ratio {r / d:5.2f}", flush=True)

    def aof_rows():
        # Three servers in the same alternating rounds: Rill with the AOF, Rill without it,
        # Redis with the AOF.
        servers = [ServerProc("rill-aof", a.rill, workdir, AOF_ARGS),
                   ServerProc("rill-noaof", a.rill, workdir),
                   ServerProc("redis-aof", a.redis, workdir, AOF_ARGS)]
        results = {srv.name: [] for srv in servers}
        try:
            for _ in range(a.rounds):
                for srv in servers:
                    results[srv.name].append(bench_rps(srv, "set", 16, a.requests))
        finally:
            for srv in servers:
                srv.stop()
        r, n, d = (statistics.median(results[k]) for k in ("rill-aof", "rill-noaof", "redis-aof"))
        for name, other in ((f"SET P16 c{CLIENTS} AOF everysec vs Rill no AOF", n),
                            (f"SET P16 c{CLIENTS} AOF everysec", d)):
            rows.append((name, "req/s", r, other, r / other))
            print(f"{name:<40} rill {r:>12.0f}  other {other:>12.0f}  ratio {r / other:5.2f}",
                  flush=True)

    try:
        if a.only in (None, "aof"):
            aof_rows()
        for pipeline in PIPELINES if a.only in (None, "pubsub") else []:
            side_by_side(f"PUBLISH (10 subscribers) P{pipeline} c{CLIENTS}", "req/s",
                         lambda srv: publish_rps(srv, pipeline, a.requests))
        if a.only in (None, "pubsub"):
            side_by_side(f"MULTI/INCR/EXEC c{CLIENTS}", "tx/s",
                         lambda srv: multi_incr_exec_rps(srv, a.micro_bench))
        for pipeline in PIPELINES if a.only in (None, "lists") else []:
            for label, tests, prefix in LIST_WORKLOADS:
                side_by_side(f"{label} P{pipeline} c{CLIENTS}", "req/s",
                             lambda srv: bench_tests_rps(srv, tests, prefix, pipeline,
                                                         a.requests))
        if a.only in (None, "lists") and not a.skip_memory:
            r, d = on_fresh_servers(lambda srv: list_memory_per_element(srv, a.keys))
            rows.append((f"memory/list element {a.keys} elements", "bytes", r, d, r / d))
            print(f"{rows[-1][0]:<28} rill {r:>12.1f}  redis {d:>12.1f}  ratio {r / d:5.2f}")
        for pipeline in PIPELINES if a.only in (None, "streams") else []:
            for label, argv in STREAM_WORKLOADS:
                side_by_side(f"{label} P{pipeline} c{CLIENTS}", "req/s",
                             lambda srv: bench_command_rps(srv, argv, pipeline, a.requests))
        if a.only in (None, "streams"):
            side_by_side(f"XREADGROUP+XACK cycle c{CLIENTS}", "cycles/s",
                         lambda srv: bench_read_ack_cycle(srv, a.micro_bench, a.requests))
            if not a.skip_memory:
                r, d = on_fresh_servers(lambda srv: stream_memory_per_entry(srv, a.keys))
                rows.append((f"memory/entry {a.keys} entries", "bytes", r, d, r / d))
                print(f"{rows[-1][0]:<28} rill {r:>12.1f}  redis {d:>12.1f}  ratio {r / d:5.2f}")
        for pipeline in PIPELINES if a.only in (None, "kv") else []:
            for label, test in WORKLOADS:
                results = {"rill": [], "redis": []}
                for _ in range(a.rounds):
                    for srv in (rill, redis):
                        results[srv.name].append(bench_rps(srv, test, pipeline, a.requests))
                r, d = statistics.median(results["rill"]), statistics.median(results["redis"])
                rows.append((f"{label} P{pipeline} c{CLIENTS}", "req/s", r, d, r / d))
                print(f"{rows[-1][0]:<22} rill {r:>12.0f}  redis {d:>12.0f}  ratio {r / d:5.2f}",
                      flush=True)
        if not a.skip_memory and a.only in (None, "kv"):
            value = "v" * 16
            payload = "".join(f"*3\r\n$3\r\nSET\r\n$16\r\nkey:{i:012d}\r\n$16\r\n{value}\r\n"
                              for i in range(a.keys)).encode()
            r, d = on_fresh_servers(lambda srv: memory_per_key(srv, a.keys, payload))
            rows.append((f"memory/key {a.keys} keys", "bytes", r, d, r / d))
            print(f"{rows[-1][0]:<22} rill {r:>12.1f}  redis {d:>12.1f}  ratio {r / d:5.2f}")
    finally:
        rill.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("| workload | unit | Rill | Redis | Rill/Redis |")
    print("|---|---|---:|---:|---:|")
    for name, unit, r, d, ratio in rows:
        print(f"| {name} | {unit} | {r:.0f} | {d:.0f} | {ratio:.2f} |")
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["workload", "unit", "rill", "redis", "ratio"])
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
