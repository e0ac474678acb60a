#!/usr/bin/env python3
"""Server instructions per request under callgrind, for one redis-benchmark workload.

Starts the server (rill-server or redis-server) under valgrind --tool=callgrind with
instrumentation on, runs an optional prefill, zeroes the counters after a warm-up run of the
same workload, runs redis-benchmark, dumps the counters and prints the instructions (Ir) per
request. The count is the same from run to run, unlike timings on a shared machine, which is
why bench/README.md compares servers' user-space work with it.

  bench/callgrind_per_request.py --server build/server/rill-server --pipelines 1,16 \\
      --prefill zset:1000000 --run "ZRANK bench:z member:__rand_int__" --run "ZPOPMIN bench:z"

Each --run is measured at each pipeline depth, in order, on the same server (one prefill).

--replica BINARY attaches one replica (that binary, not under valgrind) to the server before
the runs, and waits for it to be in sync: the count then includes feeding it the stream (the
master's side of replication). --server-arg passes an argument to the server (repeatable).

--prefill zset:N fills bench:z as bench/compare.py's sorted set rows do (members
"member:%012d", redis-benchmark's __rand_int__ form, scores over [0, 1e6)); -r N is passed to
redis-benchmark with it.
"""
import argparse
import glob
import os
import socket
import subprocess
import sys
import tempfile
import time


def resp(*args):
    return (f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(resp("PING"))
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def pipe(port, payload):
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload, check=True,
                   capture_output=True, timeout=1800)


def prefill_zset(port, n):
    batch = 1000
    payload = b"".join(
        resp("ZADD", "bench:z", *[x for j in range(i, min(i + batch, n))
                                  for x in (str((j * 7919) % 1000000), f"member:{j:012d}")])
        for i in range(0, n, batch))
    pipe(port, payload)


def total_ir(outfile):
    for line in open(outfile):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {outfile}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--pipelines", default="16", help="comma-separated pipeline depths")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--prefill", default=None, help="zset:N")
    ap.add_argument("--run", action="append", required=True, help="a command (one string)")
    ap.add_argument("--replica", default=None, help="a server binary to attach as a replica")
    ap.add_argument("--server-arg", action="append", default=[])
    a = ap.parse_args()

    port = free_port()
    work = tempfile.mkdtemp(prefix="cg-")
    out = os.path.join(work, "callgrind.out.%p")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", a.server,
         "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", work, *a.server_arg],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    replica = None
    try:
        wait_up(port)
        if a.replica:
            replica_port = free_port()
            replica_dir = tempfile.mkdtemp(prefix="cg-replica-")
            replica = subprocess.Popen(
                [a.replica, "--port", str(replica_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", replica_dir, "--replicaof", "127.0.0.1",
                 str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_up(replica_port)
            end = time.time() + 300
            while b"master_link_status:up" not in subprocess.run(
                    ["redis-cli", "-p", str(replica_port), "INFO", "replication"],
                    capture_output=True).stdout:
                if time.time() > end:
                    raise RuntimeError("the replica did not sync")
                time.sleep(0.5)
        bench_extra = []
        if a.prefill:
            kind, n = a.prefill.split(":")
            assert kind == "zset"
            prefill_zset(port, int(n))
            bench_extra = ["-r", n]
        for command in a.run:
            for pipeline in [int(p) for p in a.pipelines.split(",")]:
                bench = ["redis-benchmark", "-p", str(port), "-c", str(a.clients), "-P",
                         str(pipeline), "-q", *bench_extra]
                argv = command.split()
                subprocess.run(bench + ["-n", str(a.requests // 4), *argv], check=True,
                               capture_output=True, timeout=1800)  # warm-up
                subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True,
                               capture_output=True)
                subprocess.run(bench + ["-n", str(a.requests), *argv], check=True,
                               capture_output=True, timeout=1800)
                before = set(glob.glob(os.path.join(work, "callgrind.out.*")))
                subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True,
                               capture_output=True)
                time.sleep(1)
                dumps = set(glob.glob(os.path.join(work, "callgrind.out.*"))) - before
                print(f"{total_ir(dumps.pop()) / a.requests:.0f} instructions per request "
                      f"({os.path.basename(a.server)}, P{pipeline}, {command})", flush=True)
    finally:
        if replica:
            replica.terminate()
            replica.wait(timeout=60)
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
