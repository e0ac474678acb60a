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

Pub/sub and transactions: PUBLISH to 10 subscribers (BM_ServerPublishFanout, whose subscribers
only count bytes so that the client core does not bound the row) and MULTI/INCR/EXEC
(BM_ServerMultiIncrExec), both socket-level drivers in rill_micro_bench.

Persistence: the same 1,000,000 keys saved with SAVE (time of the command), the RDB file's
size, the start-up time of a server loading that file (process start to first PONG), and GET
p99 latency at pipeline 1 idle and while BGSAVEs of those keys run back to back.

AOF: SET at pipeline 16 with appendonly yes / appendfsync everysec on both, next to Rill
without AOF in the same alternating rounds (the cost of the AOF itself).

Usage: bench/compare.py [--rill build/rill-server] [--requests 200000] [--rounds 3]
                        [--csv out.csv] [--skip-memory]
                        [--only kv|streams|lists|pubsub|persistence|aof]
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
import threading
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


def ping(port):
    """One PING over a raw socket (no redis-cli start-up cost in start-up timings)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def timed_command(port, *args):
    """Seconds from sending one command to its complete (short) reply, and the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        request = resp(*args)
        start = time.perf_counter()
        s.sendall(request)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        return time.perf_counter() - start, reply


def pin(core):
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() >= 2:
        return ["taskset", "-c", str(core)]
    return []


AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "everysec"]


class ServerProc:
    def __init__(self, name, binary, workdir, data_dir=None, timeout=10, extra=()):
        """Starts `binary`; with `data_dir` it runs there (and loads its dump.rdb)."""
        self.name, self.binary = name, binary
        self.port = free_port()
        self.dir = data_dir or tempfile.mkdtemp(prefix=f"bench-{name}-", dir=workdir)
        args = pin(0) + [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning",
                         *extra]
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        start = time.perf_counter()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ping(self.port):
                self.startup_seconds = time.perf_counter() - start
                return
            time.sleep(0.002)
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
        if self.proc.poll() is not None and self.log.closed:
            return
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


def micro_bench_rate(server, micro_bench, name):
    """items/s of one socket-level driver in rill_micro_bench (`name` is its full benchmark
    name, e.g. BM_ServerPublishFanout/16) run against `server`."""
    env = dict(os.environ, RILL_BENCH_PORT=str(server.port))
    out = subprocess.run(pin(1) + [micro_bench, f"--benchmark_filter=^{name}(/|$)",
                                   "--benchmark_format=csv"], env=env, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    lines = out.strip().splitlines()
    header = next(csv.reader([l for l in lines if l.startswith("name,")]))
    for row in csv.reader(lines):
        if row and row[0].startswith(name) and row[header.index("items_per_second")]:
            return float(row[header.index("items_per_second")])
    raise RuntimeError(f"no {name} result in: {out}")


def publish_rps(server, micro_bench, pipeline):
    """PUBLISH from 50 connections to 10 subscribers (BM_ServerPublishFanout): the subscribers
    only count bytes, so the row measures the server's fan-out, not redis-cli's printing."""
    return micro_bench_rate(server, micro_bench, f"BM_ServerPublishFanout/{pipeline}")


def multi_incr_exec_rps(server, micro_bench):
    """MULTI + INCR + EXEC per round trip over 50 connections (BM_ServerMultiIncrExec)."""
    return micro_bench_rate(server, micro_bench, "BM_ServerMultiIncrExec")


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
    return micro_bench_rate(server, micro_bench, "BM_ServerReadAckCycle")


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


def key_payload(keys):
    value = "v" * 16
    return "".join(f"*3\r\n$3\r\nSET\r\n$16\r\nkey:{i:012d}\r\n$16\r\n{value}\r\n"
                   for i in range(keys)).encode()


def load_keys(server, keys, payload):
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                   capture_output=True, timeout=600, check=True)
    dbsize = int(server.cli("DBSIZE").strip())
    if dbsize != keys:
        raise RuntimeError(f"{server.name}: loaded {dbsize} keys, expected {keys}")


def get_p99_ms(server, requests):
    """GET at pipeline 1, 50 clients, over the loaded keys: redis-benchmark's p99 (ms)."""
    cmd = pin(1) + ["redis-benchmark", "-p", str(server.port), "-t", "get", "-n", str(requests),
                    "-c", str(CLIENTS), "-P", "1", "-r", "1000000", "--csv", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True).stdout
    rows = list(csv.reader(out.strip().splitlines()))
    header = rows[0]
    for row in rows[1:]:
        if row and row[0].upper().startswith("GET"):
            return float(row[header.index("p99_latency_ms")])
    raise RuntimeError(f"no GET result in: {out}")


def get_p99_during_bgsave_ms(server, requests):
    """GET p99 while BGSAVEs run back to back for the whole benchmark (forks included)."""
    done = threading.Event()
    saves = [0]

    def keep_saving():
        while not done.is_set():
            if "rdb_bgsave_in_progress:0" in server.cli("INFO", "persistence"):
                if server.cli("BGSAVE").strip() == "Background saving started":
                    saves[0] += 1
            time.sleep(0.005)

    saver = threading.Thread(target=keep_saving)
    saver.start()
    try:
        # Let the first child start before measuring.
        while saves[0] == 0:
            time.sleep(0.001)
        return get_p99_ms(server, requests), saves[0]
    finally:
        done.set()
        saver.join()
        while "rdb_bgsave_in_progress:0" not in server.cli("INFO", "persistence"):
            time.sleep(0.01)


def persistence_rows(a, workdir, rows):
    """SAVE time, file size, load time and GET p99 during BGSAVE for a.keys keys."""
    payload = key_payload(a.keys)
    results = {name: {"save": [], "load": [], "idle": [], "bgsave": []}
               for name in ("rill", "redis")}
    sizes, dirs, saves = {}, {}, {}
    binaries = {"rill": a.rill, "redis": a.redis}
    for name, binary in binaries.items():
        srv = ServerProc(name, binary, workdir)
        try:
            load_keys(srv, a.keys, payload)
            for _ in range(a.rounds):
                seconds, reply = timed_command(srv.port, "SAVE")
                if reply != b"+OK\r\n":
                    raise RuntimeError(f"{name}: SAVE replied {reply!r}")
                results[name]["save"].append(seconds * 1000)
            dirs[name] = srv.dir
        finally:
            srv.stop()
        sizes[name] = os.path.getsize(os.path.join(dirs[name], "dump.rdb"))
    # Loads alternate between the two, each server reading the file it wrote.
    for _ in range(a.rounds):
        for name, binary in binaries.items():
            srv = ServerProc(name, binary, workdir, data_dir=dirs[name], timeout=120)
            try:
                results[name]["load"].append(srv.startup_seconds * 1000)
                if int(srv.cli("DBSIZE").strip()) != a.keys:
                    raise RuntimeError(f"{name}: loaded the wrong number of keys")
            finally:
                srv.stop()
    servers = {name: ServerProc(name, binary, workdir, data_dir=dirs[name], timeout=120)
               for name, binary in binaries.items()}
    try:
        for _ in range(a.rounds):
            for name, srv in servers.items():
                results[name]["idle"].append(get_p99_ms(srv, a.requests))
                p99, count = get_p99_during_bgsave_ms(srv, a.requests)
                results[name]["bgsave"].append(p99)
                saves[name] = saves.get(name, 0) + count
    finally:
        for srv in servers.values():
            srv.stop()

    def add(label, unit, r, d, fmt="{:.1f}"):
        rows.append((label, unit, r, d, r / d if d else float("nan")))
        print(f"{label:<40} rill {fmt.format(r):>12}  redis {fmt.format(d):>12}  "
              f"ratio {rows[-1][4]:5.2f}", flush=True)

    med = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    add(f"SAVE {a.keys} keys", "ms", med["rill"]["save"], med["redis"]["save"])
    add(f"load at start {a.keys} keys", "ms", med["rill"]["load"], med["redis"]["load"])
    add(f"RDB file size {a.keys} keys", "bytes", sizes["rill"], sizes["redis"], "{:.0f}")
    add(f"GET p99 P1 c{CLIENTS} idle", "ms", med["rill"]["idle"], med["redis"]["idle"], "{:.3f}")
    add(f"GET p99 P1 c{CLIENTS} during BGSAVE", "ms", med["rill"]["bgsave"],
        med["redis"]["bgsave"], "{:.3f}")
    add("GET p99 during BGSAVE / idle", "x", med["rill"]["bgsave"] / med["rill"]["idle"],
        med["redis"]["bgsave"] / med["redis"]["idle"], "{:.2f}")
    print(f"  (BGSAVEs during the measurements: rill {saves['rill']}, redis {saves['redis']})")


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
    ap.add_argument("--only", choices=["kv", "streams", "lists", "pubsub", "persistence", "aof"],
                    default=None)
    ap.add_argument("--micro-bench",
                    default=os.path.join(here, "..", "build", "bench", "rill_micro_bench"))
    a = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="rill-bench-")
    rows = []
    if a.only == "persistence":
        try:
            persistence_rows(a, workdir, rows)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print_table(rows, a.csv)
        return 0
    rill = ServerProc("rill", a.rill, workdir)
    redis = ServerProc("redis", a.redis, workdir)

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
        servers = [ServerProc("rill-aof", a.rill, workdir, extra=AOF_ARGS),
                   ServerProc("rill-noaof", a.rill, workdir),
                   ServerProc("redis-aof", a.redis, workdir, extra=AOF_ARGS)]
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
                         lambda srv: publish_rps(srv, a.micro_bench, pipeline))
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
            payload = key_payload(a.keys)
            r, d = on_fresh_servers(lambda srv: memory_per_key(srv, a.keys, payload))
            rows.append((f"memory/key {a.keys} keys", "bytes", r, d, r / d))
            print(f"{rows[-1][0]:<22} rill {r:>12.1f}  redis {d:>12.1f}  ratio {r / d:5.2f}")
        rill.stop()
        redis.stop()
        if a.only is None:
            persistence_rows(a, workdir, rows)
    finally:
        rill.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows, a.csv)
    return 0


def print_table(rows, csv_path):
    print()
    print("| workload | unit | Rill | Redis | Rill/Redis |")
    print("|---|---|---:|---:|---:|")
    for name, unit, r, d, ratio in rows:
        shown = (lambda v: f"{v:.3f}") if unit in ("ms", "x") else (lambda v: f"{v:.0f}")
        print(f"| {name} | {unit} | {shown(r)} | {shown(d)} | {ratio:.2f} |")
    if csv_path:
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["workload", "unit", "rill", "redis", "ratio"])
            w.writerows(rows)


if __name__ == "__main__":
    sys.exit(main())
