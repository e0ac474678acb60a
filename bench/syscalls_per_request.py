#!/usr/bin/env python3
"""System calls and server CPU per request of redis-benchmark rows, per server (issue 24).

Counts the server's system calls with perf's tracepoints (`perf stat -e raw_syscalls:sys_enter`
and the calls the transports use) while redis-benchmark runs one row, and its CPU (utime +
stime from /proc/<pid>/stat) over the same span. Counts are exact whatever the machine's load,
unlike timings; CPU per request still moves with the load.

    bench/syscalls_per_request.py [--requests N] [--tests ping_mbulk,set,get,incr]
        [--pipelines 1,16] [--clients 50] [--rill build/rill-server] [--redis redis-server]

Servers: Rill on epoll, Rill on io_uring (`--io-uring yes`), redis-server, each fresh, pinned to
core 0 (taskset) with redis-benchmark on core 1 when the machine has two cores. Needs perf with
access to tracepoints (root, or perf_event_paranoid <= -1).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SYSCALLS = ["io_uring_enter", "epoll_wait", "recvfrom", "sendto", "read", "write",
            "epoll_ctl", "accept4"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """(user, system) CPU seconds of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def pinned(core, argv):
    return ["taskset", "-c", str(core), *argv] if (os.cpu_count() or 1) >= 2 else argv


def start(binary, extra, workdir):
    port = free_port()
    proc = subprocess.Popen(pinned(0, [binary, "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no", "--dir", workdir,
                                       "--loglevel", "warning", *extra]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"{binary} did not start")


def measure(pid, port, test, pipeline, clients, requests, names=SYSCALLS):
    """Server (user, system) CPU seconds and system calls of one redis-benchmark row:
    {"total": all calls, name: calls} for each of `names`."""
    events = ",".join(["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{n}" for n in names])
    perf = subprocess.Popen(["perf", "stat", "-x", ",", "-e", events, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)  # perf attached
    cpu0 = cpu_seconds(pid)
    subprocess.run(pinned(1, ["redis-benchmark", "-p", str(port), "-t", test, "-r", "100000",
                              "-n", str(requests), "-c", str(clients), "-P", str(pipeline),
                              "-q"]), stdout=subprocess.DEVNULL, check=True)
    cpu1 = cpu_seconds(pid)
    cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    perf.send_signal(2)
    _, err = perf.communicate()
    counts = {}
    for line in err.splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0].strip().isdigit():
            event = parts[2]
            name = "total" if event.startswith("raw_syscalls") else \
                event.split(":")[-1].replace("sys_enter_", "")
            counts[name] = int(parts[0])
    return cpu, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--tests", default="ping_mbulk,set,get,incr")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--clients", type=int, default=50)
    a = ap.parse_args()
    servers = [("rill epoll", a.rill, ["--io-uring", "no"]),
               ("rill io_uring", a.rill, ["--io-uring", "yes"]),
               ("redis", a.redis, [])]
    with open("/proc/loadavg") as f:
        print(f"# load average {f.read().split()[0]}, {a.requests} requests per row, "
              f"c{a.clients}")
    # The user/system split shows how much of a request's CPU is the kernel's (its TCP work
    # is the same for every server): the floor no user-space change can go below.
    print("| row | server | syscalls/req | of which | CPU us/req | of which system |")
    print("|---|---|---:|---|---:|---:|")
    workdir = tempfile.mkdtemp(prefix="rill-syscalls-")
    try:
        for test in a.tests.split(","):
            for pipeline in (int(p) for p in a.pipelines.split(",")):
                for name, binary, extra in servers:
                    proc, port = start(binary, extra, workdir)
                    try:
                        cpu, counts = measure(proc.pid, port, test, pipeline, a.clients,
                                              a.requests)
                    finally:
                        proc.terminate()
                        proc.wait()
                    total = counts.pop("total", 0)
                    parts = ", ".join(f"{n} {c / a.requests:.3f}"
                                      for n, c in sorted(counts.items(), key=lambda kv: -kv[1])
                                      if c / a.requests >= 0.001)
                    print(f"| {test} P{pipeline} | {name} | {total / a.requests:.3f} | {parts} | "
                          f"{sum(cpu) / a.requests * 1e6:.2f} | "
                          f"{cpu[1] / a.requests * 1e6:.2f} |", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
