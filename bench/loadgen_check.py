#!/usr/bin/env python3
"""rill_load against redis-benchmark on the same rows: requests the server counted and CPU.

For each row (test, pipeline) both tools run with the same options (-n, -c 50, -r 100000) on
each server given; the server's INFO commandstats calls of the row's command must grow by the
same number under both tools (the requests each sent), and each tool's own CPU (user + sys of
the child, from getrusage) per request is printed side by side. Run it with both cores quiet
for CPU numbers that mean something; the counts are exact anyway.

Usage: bench/loadgen_check.py [--rill-load build/bench/rill_load] [-n 200000] PORT...
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys

ROWS = [("ping_mbulk", "ping"), ("set", "set"), ("get", "get"), ("incr", "incr"),
        ("lpush", "lpush"), ("rpop", "rpop"), ("sadd", "sadd"), ("hset", "hset"),
        ("spop", "spop"), ("zadd", "zadd"), ("zpopmin", "zpopmin"), ("mset", "mset")]


def pin(core):
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core)]
    return []


def calls(port, command):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
        data = b""
        while True:
            data += s.recv(65536)
            head, _, rest = data.partition(b"\r\n")
            if head.startswith(b"$") and len(rest) >= int(head[1:]):
                break
    for line in rest.decode().splitlines():
        if line.startswith(f"cmdstat_{command}:"):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def run(tool, port, test, pipeline, requests):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(pin(1) + [tool, "-p", str(port), "-n", str(requests), "-c", "50",
                             "-P", str(pipeline), "-r", "100000", "-t", test, "--csv"],
                   check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rill-load", default=os.path.join(here, "..", "build", "bench",
                                                        "rill_load"))
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--rows", default=",".join(t for t, _ in ROWS))
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("ports", nargs="+", type=int)
    a = ap.parse_args()
    wanted = a.rows.split(",")
    ok = True
    print("| port | row | calls redis-benchmark | calls rill_load | CPU us/req redis-benchmark"
          " | CPU us/req rill_load | rill_load/redis-benchmark |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for port in a.ports:
        for pipeline in map(int, a.pipelines.split(",")):
            for test, command in ROWS:
                if test not in wanted:
                    continue
                result = {}
                for tool in ("redis-benchmark", a.rill_load):
                    before = calls(port, command)
                    cpu = run(tool, port, test, pipeline, a.n)
                    result[tool] = (calls(port, command) - before, cpu)
                (rb_calls, rb_cpu), (rl_calls, rl_cpu) = result.values()
                ok = ok and rb_calls == rl_calls
                print(f"| {port} | {test.upper()} P{pipeline} | {rb_calls} | {rl_calls} | "
                      f"{rb_cpu / rb_calls * 1e6:.2f} | {rl_cpu / rl_calls * 1e6:.2f} | "
                      f"{rl_cpu / rb_cpu:.2f} |", flush=True)
    if not ok:
        print("the two tools sent different numbers of requests", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
