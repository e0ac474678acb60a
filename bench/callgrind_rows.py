#!/usr/bin/env python3
"""Server instructions per request, counted with callgrind, for compare.py's rows (by default
the hashes and sets groups), Rill against redis-server.

Each server runs under `valgrind --tool=callgrind`; per row and pipeline the row's prefill runs,
then a warm-up of the same load, then the counters are zeroed (callgrind_control -z), the
measured requests sent with the row's own load generator (redis-benchmark, 50 clients), and the
counters dumped (callgrind_control -d): the dump's total instructions / requests. The count is
the same run after run (unlike timings on a shared VM), and is user space only: the kernel's
TCP work, about the same for both servers, is not in it.

Usage: bench/callgrind_rows.py [--only GROUP ...] [--requests N] [--rill PATH] [--redis PATH]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the rows and their prefills)


class CallgrindServer:
    """A server under callgrind, with the parts of compare.ServerProc the rows use."""

    def __init__(self, name, binary):
        self.name = name
        self.port = compare.free_port()
        self.dir = tempfile.mkdtemp(prefix=f"cg-{name}-")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            compare.pin(0) + ["valgrind", "--tool=callgrind", "--dump-instr=no",
                              f"--callgrind-out-file={self.dir}/callgrind.out.%p", binary,
                              "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline and not compare.ping(self.port):
            time.sleep(0.1)
        if not compare.ping(self.port):
            raise RuntimeError(f"{name} did not start under valgrind; see {self.dir}")

    cli = compare.ServerProc.cli
    pipe = compare.ServerProc.pipe

    def control(self, flag):
        subprocess.run(["callgrind_control", flag, str(self.proc.pid)], capture_output=True,
                       check=True, timeout=300)

    def dumped_instructions(self):
        """Zeroes, or reads the instructions counted since the last zeroing (from a dump)."""
        before = set(glob.glob(f"{self.dir}/callgrind.out.*"))
        self.control("-d")
        for _ in range(600):
            new = set(glob.glob(f"{self.dir}/callgrind.out.*")) - before
            if new:
                time.sleep(0.5)
                total = 0
                for path in new:
                    with open(path) as f:
                        for line in f:
                            if line.startswith("totals:") or line.startswith("summary:"):
                                total = max(total, int(line.split()[1]))
                return total
            time.sleep(0.1)
        raise RuntimeError("no callgrind dump appeared")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=None)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--keys", type=int, default=1000000, help="elements the prefills make (as compare.py)")
    ap.add_argument("--rill", default=os.path.join(here, "..", "build", "rill-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    a = ap.parse_args()
    groups = a.only or ["hashes", "sets"]
    rows = [r for r in compare.THROUGHPUT if r[0] in groups and r[3] == compare.CLIENTS]
    counts = {}
    for name, binary in (("rill", a.rill), ("redis", a.redis)):
        srv = CallgrindServer(name, binary)
        try:
            for group, label, pipelines, clients, setup, run in rows:
                for p in pipelines:
                    # Prefills sized for warm-up and measurement (SPOP must not run dry).
                    args = argparse.Namespace(requests=2 * a.requests, keys=a.keys,
                                              micro_bench=os.path.join(here, "..", "build", "bench",
                                                                       "rill_micro_bench"))
                    if setup:
                        setup(srv, args, p)
                    args.requests = max(1000, a.requests // 10)
                    run(srv, args, p, clients)  # warm-up
                    srv.control("-z")
                    args.requests = a.requests
                    run(srv, args, p, clients)
                    per = srv.dumped_instructions() / a.requests
                    counts[(label, p, name)] = per
                    print(f"{name:5} {label} P{p}: {per:,.0f} instructions per request",
                          flush=True)
        finally:
            srv.stop()
    print("\n| row | Rill | Redis | Rill/Redis |\n|---|---:|---:|---:|")
    for group, label, pipelines, clients, setup, run in rows:
        for p in pipelines:
            r, d = counts[(label, p, "rill")], counts[(label, p, "redis")]
            print(f"| {label} P{p} | {r:,.0f} | {d:,.0f} | {r / d:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
