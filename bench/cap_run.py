#!/usr/bin/env python3
"""Long-run memory cap: random-key writes against maxmemory with allkeys-lru.

Starts rill-server (and, with --redis-too, redis-server the same way) with --maxmemory and
--maxmemory-policy allkeys-lru, drives redis-benchmark SET with random keys (key:%012d out of
--keyspace) for --duration seconds, and samples the server's resident memory (VmRSS) and INFO
used_memory once a second. Reports the maximum RSS over the cap, the largest used_memory seen,
evicted keys, and whether the server is still alive and answering.

The issue's run is 10 minutes at 100mb: bench/cap_run.py --duration 600. The default is a
short run that CI-sized machines can afford.

Usage: bench/cap_run.py [--rill build/rill-server] [--maxmemory 100mb] [--duration 60]
                        [--value-bytes 100] [--keyspace 10000000] [--pipeline 16]
                        [--redis-too]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ServerProc, pin  # noqa: E402
from hit_rate import memory_bytes  # noqa: E402


def info_field(srv, section, field):
    for line in srv.cli("INFO", section).splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    return -1


def run(name, binary, a, workdir):
    cap = memory_bytes(a.maxmemory)
    srv = ServerProc(name, binary, workdir)
    try:
        srv.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        srv.cli("CONFIG", "SET", "maxmemory", a.maxmemory)
        rss_start = srv.rss()
        load = subprocess.Popen(
            pin(1) + ["redis-benchmark", "-p", str(srv.port), "-t", "set", "-r", str(a.keyspace),
                      "-d", str(a.value_bytes), "-P", str(a.pipeline), "-c", "50", "-n",
                      "2000000000", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        max_rss = max_used = 0
        samples = []
        start = time.time()
        try:
            while time.time() - start < a.duration:
                time.sleep(1)
                if srv.proc.poll() is not None:
                    break
                rss = srv.rss()
                used = info_field(srv, "memory", "used_memory")
                max_rss, max_used = max(max_rss, rss), max(max_used, used)
                samples.append((time.time() - start, rss, used))
                if a.verbose:
                    print(f"  {name} t={samples[-1][0]:5.0f}s rss={rss / 2**20:7.1f}M "
                          f"used={used / 2**20:7.1f}M", flush=True)
        finally:
            load.terminate()
            load.wait()
        alive = srv.proc.poll() is None
        evicted = info_field(srv, "stats", "evicted_keys") if alive else -1
        keys = srv.cli("DBSIZE").strip() if alive else "?"
        return {"server": name, "duration_s": round(samples[-1][0]) if samples else 0,
                "max_rss": max_rss, "max_rss_over_cap": max_rss / cap,
                "max_used_memory": max_used, "max_used_over_cap": max_used / cap,
                "rss_at_start": rss_start, "evicted_keys": evicted, "keys": keys, "alive": alive}
    finally:
        srv.stop()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--redis-too", action="store_true")
    ap.add_argument("--maxmemory", default="100mb")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--value-bytes", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=10000000)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="rill-cap-")
    try:
        servers = [("rill", a.rill)] + ([("redis", a.redis)] if a.redis_too else [])
        print("| server | duration | max RSS | max RSS / cap | max used_memory / cap | evicted "
              "keys | keys held | alive |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for name, binary in servers:
            r = run(name, binary, a, workdir)
            print(f"| {r['server']} | {r['duration_s']} s | {r['max_rss'] / 2**20:.1f} MiB | "
                  f"{r['max_rss_over_cap']:.3f} | {r['max_used_over_cap']:.4f} | "
                  f"{r['evicted_keys']} | {r['keys']} | {'yes' if r['alive'] else 'NO'} |",
                  flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
