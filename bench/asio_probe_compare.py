#!/usr/bin/env python3
"""Boost.Asio's io_uring backend as a transport candidate (issue 24), in one command.

    bench/asio_probe_compare.py [--rounds 5] [--requests 200000] [--p16-factor 5]
        [--tests ping_mbulk,set,get] [--pipelines 1,16] [--clients 50]
        [--syscall-requests 100000] [--build build]

Servers, each started fresh per round with compare.py's flags, pinned to core 0 with
redis-benchmark on core 1 (compare.ServerProc, compare.redis_benchmark):
  redis            redis-server 7.0
  rill epoll       rill-server --io-uring no  (the default transport)
  rill io_uring    rill-server --io-uring yes (liburing called directly)
  asio epoll       build/bench/asio_resp_probe_epoll  (Boost.Asio 1.81, its epoll reactor)
  asio io_uring    build/bench/asio_resp_probe_uring  (Boost.Asio 1.81, BOOST_ASIO_HAS_IO_URING)
  direct io_uring  build/bench/uring_resp_probe  (Rill's io_uring transport shape, nothing else)
  direct epoll     build/bench/epoll_resp_probe  (Rill's epoll transport shape, nothing else)
The four probes share one command implementation (bench/transport_probe/resp_probe.h), so
probe against probe differs in the transport alone; the rill rows add Rill's server around
its transports.

First every server's replies are checked against redis-server's (transport_probe/
probe_check.py; redis-benchmark does not read them). Then --rounds rounds, the server order
rotated each round; per round each server runs every test at every pipeline (SET before GET,
so GETs hit), each row measured for requests per second and server CPU (utime + stime from
/proc/<pid>/stat) per request, without perf attached. Then one pass per server and row under
`perf stat` counting the server's system calls (syscalls_per_request.measure); counts are
exact whatever the load, CPU under perf is not used. Medians are reported, with ratios.
"""
import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "transport_probe"))
import compare  # noqa: E402  (ServerProc, redis_benchmark, pin)
import probe_check  # noqa: E402
import syscalls_per_request  # noqa: E402

SYSCALL_NAMES = ["io_uring_enter", "epoll_wait", "recvfrom", "sendto", "recvmsg", "sendmsg",
                 "epoll_ctl", "read", "write"]
SHORT = {"io_uring_enter": "enter", "epoll_wait": "wait", "recvfrom": "recv", "sendto": "send",
         "recvmsg": "recvmsg", "sendmsg": "sendmsg", "epoll_ctl": "ctl", "read": "read",
         "write": "write"}


def servers(a):
    b = os.path.join(a.build, "bench")
    return [("redis", a.redis, []),
            ("rill epoll", a.rill, ["--io-uring", "no"]),
            ("rill io_uring", a.rill, ["--io-uring", "yes"]),
            ("asio epoll", os.path.join(b, "asio_resp_probe_epoll"), []),
            ("asio io_uring", os.path.join(b, "asio_resp_probe_uring"), []),
            ("direct epoll", os.path.join(b, "epoll_resp_probe"), []),
            ("direct io_uring", os.path.join(b, "uring_resp_probe"), [])]


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def user_system(pid):
    """utime and stime of `pid` in seconds (compare.ServerProc.cpu_seconds is their sum)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / compare.CLK_TCK, int(fields[12]) / compare.CLK_TCK


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def check_replies(all_servers, redis, workdir):
    """Each server against a fresh redis-server: the same bytes for every case."""
    ok = True
    for name, binary, extra in all_servers:
        if name == "redis":
            continue
        ref = compare.ServerProc("ref", redis, workdir)
        srv = compare.ServerProc(name.replace(" ", "-"), binary, workdir, extra=extra)
        try:
            bad = probe_check.check(srv.port, ref.port)
        finally:
            srv.stop()
            ref.stop()
        print(f"# replies of {name}: {'as redis-server' if not bad else 'DIFFER'}", flush=True)
        for line in bad:
            print(f"#   {line}")
        ok = ok and not bad
    return ok


def rows(a):
    return [(t, p) for t in a.tests.split(",") for p in (int(x) for x in a.pipelines.split(","))]


def run_rounds(a, all_servers, workdir):
    """{(test, P): {server: [(rps, cpu_us, loadgen_busy, p99, user_us)]}}"""
    results = {row: {name: [] for name, _, _ in all_servers} for row in rows(a)}
    for r in range(a.rounds):
        k = r % len(all_servers)
        order = all_servers[k:] + all_servers[:k]
        print(f"# round {r + 1}/{a.rounds}, load average {load_average()}", flush=True)
        for name, binary, extra in order:
            srv = compare.ServerProc(name.replace(" ", "-"), binary, workdir, extra=extra)
            try:
                for test, p in rows(a):
                    n = a.requests * (a.p16_factor if p > 1 else 1)
                    (u0, s0), lg0 = user_system(srv.proc.pid), children_cpu()
                    t0 = time.perf_counter()
                    s = compare.redis_benchmark(srv, ["-t", test, "-r", "100000"], p, n,
                                                a.clients, test.upper())
                    wall = time.perf_counter() - t0
                    u1, s1 = user_system(srv.proc.pid)
                    cpu_us = (u1 - u0 + s1 - s0) / n * 1e6
                    results[(test, p)][name].append((s.rate, cpu_us, (children_cpu() - lg0) / wall,
                                                     s.p99, (u1 - u0) / n * 1e6))
            finally:
                srv.stop()
    return results


def run_syscalls(a, all_servers, workdir):
    """{(test, P): {server: {"total": calls per request, name: calls per request}}}"""
    out = {row: {} for row in rows(a)}
    for name, binary, extra in all_servers:
        srv = compare.ServerProc(name.replace(" ", "-"), binary, workdir, extra=extra)
        try:
            for test, p in rows(a):
                n = a.syscall_requests
                _, counts = syscalls_per_request.measure(srv.proc.pid, srv.port, test, p,
                                                         a.clients, n, SYSCALL_NAMES)
                out[(test, p)][name] = {k: v / n for k, v in counts.items()}
        finally:
            srv.stop()
    return out


def fmt_calls(calls):
    if not calls:
        return "n/a"
    parts = ", ".join(f"{SHORT.get(k, k)} {v:.2f}" for k, v in
                      sorted(calls.items(), key=lambda kv: -kv[1])
                      if k != "total" and v >= 0.005)
    return f"{calls.get('total', 0):.2f} ({parts})" if parts else f"{calls.get('total', 0):.2f}"


def report(a, all_servers, results, calls):
    names = [n for n, _, _ in all_servers]
    med = {row: {n: tuple(statistics.median(s[i] for s in samples) for i in range(5))
                 for n, samples in by.items() if samples}
           for row, by in results.items()}
    print("\n| row | server | req/s | CPU us/req | of which user | syscalls/req | req/s / Redis "
          "| CPU / Redis | CPU / direct probe, same API | redis-benchmark busy |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for (test, p), by in med.items():
        redis = by["redis"]
        for n in names:
            rps, cpu, busy, _, user = by[n]
            twin = {"asio epoll": "direct epoll", "asio io_uring": "direct io_uring",
                    "rill epoll": "direct epoll", "rill io_uring": "direct io_uring"}.get(n)
            twin_ratio = f"{cpu / by[twin][1]:.2f}" if twin else ""
            print(f"| {test} P{p} | {n} | {rps:,.0f} | {cpu:.2f} | {user:.2f} | "
                  f"{fmt_calls(calls.get((test, p), {}).get(n))} | {rps / redis[0]:.2f} | "
                  f"{cpu / redis[1]:.2f} | {twin_ratio} | {busy:.0%} |")
    print("\nCPU us per request (median), one column per server:\n")
    print("| row | " + " | ".join(names) + " | asio io_uring / asio epoll | "
          "asio io_uring / direct io_uring |")
    print("|---|" + "---:|" * (len(names) + 2))
    for (test, p), by in med.items():
        cells = " | ".join(f"{by[n][1]:.2f}" for n in names)
        print(f"| {test} P{p} | {cells} | {by['asio io_uring'][1] / by['asio epoll'][1]:.2f} | "
              f"{by['asio io_uring'][1] / by['direct io_uring'][1]:.2f} |")
    print("\nUser-space CPU us per request (median; the rest is the kernel's):\n")
    print("| row | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for (test, p), by in med.items():
        print(f"| {test} P{p} | " + " | ".join(f"{by[n][4]:.2f}" for n in names) + " |")
    print("\nSystem calls per request (one perf pass), one column per server:\n")
    print("| row | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for (test, p) in med:
        cells = " | ".join(f"{calls.get((test, p), {}).get(n, {}).get('total', float('nan')):.2f}"
                           for n in names)
        print(f"| {test} P{p} | {cells} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--rill", default=None, help="rill-server (default BUILD/rill-server)")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200000, help="per pipeline-1 row")
    ap.add_argument("--p16-factor", type=int, default=5,
                    help="pipelined rows send this many times --requests")
    ap.add_argument("--syscall-requests", type=int, default=100000,
                    help="per row in the perf pass (0 skips it)")
    ap.add_argument("--tests", default="ping_mbulk,set,get")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--clients", type=int, default=50)
    a = ap.parse_args()
    a.rill = a.rill or os.path.join(a.build, "rill-server")
    all_servers = servers(a)
    for _, binary, _ in all_servers:
        if not shutil.which(binary) and not os.access(binary, os.X_OK):
            sys.exit(f"not found: {binary} (build with bench targets: ninja -C build "
                     "asio_resp_probe_epoll asio_resp_probe_uring uring_resp_probe "
                     "epoll_resp_probe rill-server)")
    workdir = tempfile.mkdtemp(prefix="asio-probe-")
    start_load = load_average()
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S')} load average {start_load}, "
          f"{a.rounds} rounds, {a.requests} requests per P1 row, "
          f"{a.requests * a.p16_factor} per pipelined row, c{a.clients}, "
          f"pinning {'on' if compare.pin(0) else 'off'}", flush=True)
    try:
        if not check_replies(all_servers, a.redis, workdir):
            print("replies differ from redis-server's: not measuring", file=sys.stderr)
            return 1
        results = run_rounds(a, all_servers, workdir)
        calls = run_syscalls(a, all_servers, workdir) if a.syscall_requests > 0 else {}
        print(f"# load average {start_load} at the start, {load_average()} at the end")
        report(a, all_servers, results, calls)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
