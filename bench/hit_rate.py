#!/usr/bin/env python3
"""Cache hit rate of approximated LRU/LFU eviction: Rill and redis-server side by side.

Both servers start with the same maxmemory and policy. A cache-aside client reads keys drawn
from a Zipf-like distribution over about 10x more keys than fit (GET; on a miss, SET the value),
pipelined in batches; the same request sequence goes to both servers. After a warm-up that
fills the cache, the hit rate of the measured requests is reported per policy and server.

Usage: bench/hit_rate.py [--rill build/rill-server] [--maxmemory 20mb] [--value-bytes 100]
                         [--keys N] [--alpha 0.99] [--warmup 1000000] [--requests 1000000]
                         [--policies allkeys-lru,allkeys-lfu]
"""
import argparse
import bisect
import os
import random
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ServerProc  # noqa: E402


def memory_bytes(text):
    """"20mb" -> bytes, as redis.conf reads 1024-based units."""
    units = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}
    t = text.lower()
    return int(t[:-2]) * units[t[-2:]] if t[-2:] in units else int(t)


def zipf_cdf(n, alpha):
    weights = [1.0 / (rank ** alpha) for rank in range(1, n + 1)]
    total = sum(weights)
    cdf, acc = [], 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)
    return cdf


def requests(cdf, count, seed):
    """Key indexes; the rank -> key mapping is shuffled so hot keys are not neighbours."""
    rng = random.Random(seed)
    n = len(cdf)
    perm = list(range(n))
    rng.shuffle(perm)
    return [perm[min(bisect.bisect_left(cdf, rng.random()), n - 1)] for _ in range(count)]


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def reply(self):
        line = self.file.readline()
        if line[:1] == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            data = self.file.read(n + 2)
            return data[:-2]
        if line[:1] == b"-":
            raise RuntimeError(line.decode().strip())
        return line

    def run(self, keys, value, batch=100):
        """Cache-aside over `keys`; returns the number of hits."""
        hits = 0
        for start in range(0, len(keys), batch):
            chunk = keys[start:start + batch]
            names = [b"key:%012d" % k for k in chunk]
            self.sock.sendall(b"".join(resp(b"GET", name) for name in names))
            misses = [name for name in names if self.reply() is None]
            hits += len(names) - len(misses)
            if misses:
                self.sock.sendall(b"".join(resp(b"SET", name, value) for name in misses))
                for _ in misses:
                    self.reply()
        return hits

    def info(self, section):
        self.sock.sendall(resp(b"INFO", section.encode()))
        text = self.reply().decode()
        return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--maxmemory", default="20mb")
    ap.add_argument("--value-bytes", type=int, default=100)
    ap.add_argument("--keys", type=int, default=0,
                    help="distinct keys (default: 10x what fits in redis-server)")
    ap.add_argument("--alpha", type=float, default=0.99)
    ap.add_argument("--warmup", type=int, default=1000000)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    value = b"v" * a.value_bytes
    workdir = tempfile.mkdtemp(prefix="rill-hitrate-")
    try:
        keys = a.keys
        if keys == 0:
            # How many keys fit: fill an uncapped redis-server and divide.
            probe = ServerProc("redis", a.redis, workdir)
            try:
                c = Client(probe.port)
                base = int(c.info("memory")["used_memory"])
                c.run(list(range(100000)), value, batch=500)
                per_key = (int(c.info("memory")["used_memory"]) - base) / 100000
            finally:
                probe.stop()
            cap = memory_bytes(a.maxmemory)
            keys = int(10 * cap / per_key)
            print(f"redis-server: {per_key:.0f} bytes per key, {cap // int(per_key)} keys fit "
                  f"in {a.maxmemory}; using {keys} distinct keys", flush=True)
        cdf = zipf_cdf(keys, a.alpha)
        warm = requests(cdf, a.warmup, a.seed)
        measured = requests(cdf, a.requests, a.seed + 1)
        print("| policy | server | hit rate | keys held | evicted |")
        print("|---|---|---:|---:|---:|")
        for policy in a.policies.split(","):
            rates = {}
            for name, binary in (("rill", a.rill), ("redis", a.redis)):
                srv = ServerProc(name, binary, workdir)
                try:
                    c = Client(srv.port)
                    c.sock.sendall(resp(b"CONFIG", b"SET", b"maxmemory-policy", policy.encode()))
                    c.reply()
                    c.sock.sendall(resp(b"CONFIG", b"SET", b"maxmemory", a.maxmemory.encode()))
                    c.reply()
                    c.run(warm, value)
                    hits = c.run(measured, value)
                    rates[name] = hits / len(measured)
                    held = c.info("keyspace").get("db0", "keys=0").split(",")[0].split("=")[1]
                    evicted = c.info("stats")["evicted_keys"]
                    print(f"| {policy} | {name} | {100 * rates[name]:.2f}% | {held} | {evicted} |",
                          flush=True)
                finally:
                    srv.stop()
            print(f"| {policy} | rill - redis | {100 * (rates['rill'] - rates['redis']):+.2f} pp "
                  f"| | |", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
