#!/usr/bin/env python3
"""Replication benchmarks, Rill vs Redis (issue 22): bench/repl_bench.py

Two groups (--only):

  stream    SET P16 c50 (redis-benchmark -t set -r 100000) on a master alone, then with one
            replica of the same server attached: the throughput with a replica as a fraction of
            without, for each server, and the ratio of those fractions (Rill / Redis). While the
            run goes, INFO replication of the master is polled every 100 ms for the replica's
            lag in bytes (master_repl_offset minus the replica's acknowledged offset; the
            replica acknowledges once a second, so up to a second of writes shows as lag even
            when it keeps up); after the run, the time until the replica has every byte.
  fullsync  a full sync of --keys keys (DEBUG POPULATE, 16-byte values): time from REPLICAOF
            to the replica in sync, the master's peak resident size during it (VmHWM, reset
            just before), and the replica's peak and final resident size (VmHWM and VmRSS of a
            fresh replica), with repl-diskless-sync yes (Redis 7.0's default; delay 0) and
            no. --replica-load sets the replica's repl-diskless-load: `disabled` (the default)
            goes through a file, `swapdb` or `on-empty-db` parse the socket.

Masters are pinned to core 0, replicas and the load generator to core 1 (a 2-core machine has
no third core; the replica shares the client's). Every row runs --rounds times per server,
alternating the order; medians are reported. Numbers move with the machine's load: run it when
both cores are quiet (uptime below 0.5) and quote the load with the numbers.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the servers, pinning and redis-benchmark driver are shared)


def info(server, section="replication"):
    fields = {}
    for line in server.cli("INFO", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    return fields


def acked_offset(fields):
    slave = fields.get("slave0", "")
    for part in slave.split(","):
        if part.startswith("offset="):
            return int(part[len("offset="):])
    return None


def wait_in_sync(master, replica, timeout=600):
    """Seconds until the replica's link is up and it applied the master's whole stream."""
    start = time.perf_counter()
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = info(replica)
        if r.get("master_link_status") == "up" and \
                r.get("slave_repl_offset") == info(master).get("master_repl_offset"):
            return time.perf_counter() - start
        time.sleep(0.01)
    raise RuntimeError("replica never caught up")


def start(name, binary, workdir, core, extra=()):
    srv = compare.ServerProc(name, binary, workdir, extra=extra)
    if core != 0:  # ServerProc pins to core 0; move replicas next to the load generator
        subprocess.run(["taskset", "-pc", str(core), str(srv.proc.pid)], capture_output=True)
    return srv


def peak_rss(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def set_p16(master, requests):
    """SET P16 c50 on master: (requests per second, the load generator's CPU / wall time)."""
    cpu0, start = compare.children_cpu_seconds(), time.perf_counter()
    rate = compare.redis_benchmark(master, ["-t", "set", "-r", "100000"], 16, requests,
                                   compare.CLIENTS, "SET").rate
    return rate, (compare.children_cpu_seconds() - cpu0) / (time.perf_counter() - start)


def stream_round(name, binary, workdir, requests):
    master = start(name, binary, workdir, 0, ["--repl-diskless-sync-delay", "0"])
    replica = None
    try:
        alone, busy_alone = set_p16(master, requests)
        replica = start(name + "-replica", binary, workdir, 1,
                        ["--replicaof", "127.0.0.1", str(master.port)])
        wait_in_sync(master, replica)
        lags, stop = [], threading.Event()

        def poll():
            while not stop.is_set():
                f = info(master)
                acked = acked_offset(f)
                if acked is not None:
                    lags.append(int(f["master_repl_offset"]) - acked)
                time.sleep(0.1)

        poller = threading.Thread(target=poll)
        poller.start()
        cpu0 = master.cpu_seconds()
        with_replica, busy_with = set_p16(master, requests)
        cpu = master.cpu_seconds() - cpu0
        stop.set()
        poller.join()
        catch_up = wait_in_sync(master, replica)
        return {"alone": alone, "with": with_replica, "fraction": with_replica / alone,
                "max_lag": max(lags) if lags else 0, "catch_up": catch_up,
                "cpu_per_million": cpu / requests * 1e6,
                "busy_alone": busy_alone, "busy_with": busy_with}
    finally:
        if replica:
            replica.stop()
        master.stop()


def fullsync_round(name, binary, workdir, keys, diskless, replica_load):
    master = start(name, binary, workdir, 0,
                   ["--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0",
                    "--enable-debug-command", "yes"])
    replica = start(name + "-replica", binary, workdir, 1,
                    ["--repl-diskless-load", replica_load])
    try:
        master.cli("DEBUG", "POPULATE", str(keys), "key", "16")
        for pid in (master.proc.pid, replica.proc.pid):
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        before = peak_rss(master.proc.pid)
        replica.cli("REPLICAOF", "127.0.0.1", str(master.port))
        seconds = wait_in_sync(master, replica)
        return {"seconds": seconds, "peak_rss": peak_rss(master.proc.pid),
                "rss_before": before, "replica_peak": peak_rss(replica.proc.pid),
                "replica_rss": peak_rss(replica.proc.pid, "VmRSS")}
    finally:
        replica.stop()
        master.stop()


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rill", default="build/rill-server")
    p.add_argument("--redis", default="redis-server")
    p.add_argument("--requests", type=int, default=1000000)
    p.add_argument("--keys", type=int, default=1000000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", action="append", choices=["stream", "fullsync"])
    p.add_argument("--replica-load", choices=["disabled", "on-empty-db", "swapdb"],
                   default="disabled", help="the fullsync replica's repl-diskless-load")
    p.add_argument("--loadgen", choices=["redis-benchmark", "rill_load"],
                   default="redis-benchmark",
                   help="the stream group's load generator; rill_load (build/bench/rill_load) "
                        "leaves part of its core to the replica that shares it")
    p.add_argument("--rill-load", default="build/bench/rill_load")
    a = p.parse_args()
    if a.loadgen == "rill_load":
        compare.LOADGEN[:] = [a.rill_load]
    groups = a.only or ["stream", "fullsync"]
    workdir = tempfile.mkdtemp(prefix="repl-bench-")
    servers = [("rill", a.rill), ("redis", a.redis)]
    print(f"load: {os.getloadavg()}, load generator {compare.LOADGEN[0]}")
    if "stream" in groups:
        results = {n: [] for n, _ in servers}
        for i in range(a.rounds):
            for name, binary in (servers if i % 2 == 0 else servers[::-1]):
                results[name].append(stream_round(name, binary, workdir, a.requests))
        for name, _ in servers:
            rows = results[name]
            print(f"{name}: SET P16 alone {median(rows, 'alone'):,.0f}/s, with a replica "
                  f"{median(rows, 'with'):,.0f}/s = {median(rows, 'fraction'):.2f} of alone; "
                  f"master CPU {median(rows, 'cpu_per_million'):.2f} s per million SETs; "
                  f"replica lag max {median(rows, 'max_lag'):,.0f} bytes, caught up "
                  f"{median(rows, 'catch_up') * 1000:.0f} ms after the run; load generator "
                  f"busy {median(rows, 'busy_alone'):.0%} alone, "
                  f"{median(rows, 'busy_with'):.0%} with the replica")
        print(f"fraction Rill / Redis: "
              f"{median(results['rill'], 'fraction') / median(results['redis'], 'fraction'):.2f}")
    if "fullsync" in groups:
        for diskless in ("yes", "no"):
            results = {n: [] for n, _ in servers}
            for i in range(a.rounds):
                for name, binary in (servers if i % 2 == 0 else servers[::-1]):
                    results[name].append(fullsync_round(name, binary, workdir, a.keys, diskless,
                                                        a.replica_load))
            for name, _ in servers:
                rows = results[name]
                print(f"{name}: full sync of {a.keys:,} keys (repl-diskless-sync {diskless}, "
                      f"replica repl-diskless-load {a.replica_load}) "
                      f"{median(rows, 'seconds'):.2f} s, master peak RSS "
                      f"{median(rows, 'peak_rss') / 2**20:.0f} MB (before "
                      f"{median(rows, 'rss_before') / 2**20:.0f} MB), replica peak RSS "
                      f"{median(rows, 'replica_peak') / 2**20:.0f} MB (after "
                      f"{median(rows, 'replica_rss') / 2**20:.0f} MB)")

            def ratio(key):
                return median(results['rill'], key) / median(results['redis'], key)
            print(f"time Rill / Redis: {ratio('seconds'):.2f}, master peak RSS Rill / Redis: "
                  f"{ratio('peak_rss'):.2f}, replica peak RSS Rill / Redis: "
                  f"{ratio('replica_peak'):.2f}")


if __name__ == "__main__":
    main()
