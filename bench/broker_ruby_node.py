#!/usr/bin/env python3
"""Rill as the broker of Sidekiq and BullMQ, side by side with redis-server, in one run.

For each framework and each server: a fresh server (no persistence) on a free loopback port,
the framework's workers started and ready (Sidekiq: one process, -c W; BullMQ: one node process,
concurrency W), then N jobs pushed one by one by the framework's own client (Sidekiq perform_async,
BullMQ Queue.add) while the workers run them. Jobs do no work (Sidekiq's CountJob writing to
/dev/null, BullMQ's processor returning at once). Measured from the first push to the last job
done (Sidekiq: the pusher exited and the queue is empty; BullMQ: N jobs in the completed set):

  jobs/s                       N / wall time (the frameworks' Ruby and Node code dominate it)
  server CPU s per 1,000 jobs  the server's utime+stime (/proc/<pid>/stat) over the same span

and the Rill/Redis ratio of each. Uses the test drivers in tests/integration/sidekiq and
tests/integration/bullmq (needs ruby-sidekiq and node_modules/bullmq, see scripts/setup.sh).

Usage: bench/broker_ruby_node.py [--rill build/rill-server] [--redis /usr/bin/redis-server]
                                 [--jobs 10000] [--workers 8] [--repeat 1]
                                 [--frameworks sidekiq,bullmq]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTEGRATION = os.path.join(ROOT, "tests", "integration")
sys.path.insert(0, os.path.join(INTEGRATION, "python"))
from fw_support import Server, command, stop_process, wait_until  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench"))
import server_counters  # noqa: E402

# --counters: per-job system calls, context switches and commands of the measured span.
COUNTERS = False

SIDEKIQ_DIR = os.path.join(INTEGRATION, "sidekiq")
BULLMQ_DIR = os.path.join(INTEGRATION, "bullmq")


def run_sidekiq(server, jobs, workers, scratch):
    env = dict(os.environ, REDIS_URL=server.url, RILL_EFFECTS=os.devnull)
    # The processes write to the log; this process closes its copy when the function returns.
    log = open(os.path.join(scratch, "sidekiq.log"), "ab")
    sidekiq = subprocess.Popen(["sidekiq", "-r", os.path.join(SIDEKIQ_DIR, "jobs.rb"), "-c",
                                str(workers), "-q", "load", "-t", "3"], cwd=SIDEKIQ_DIR,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_until(lambda: command(server.port, "SCARD", "processes") == 1, 30):
            raise RuntimeError("Sidekiq did not start")
        counters = server_counters.ServerCounters(server.pid, server.port) if COUNTERS else None
        cpu0, t0 = server.cpu_times(), time.time()
        pusher = subprocess.Popen(["ruby", os.path.join(SIDEKIQ_DIR, "sidekiq_client.rb"), "push",
                                   "0", str(jobs), os.devnull], cwd=SIDEKIQ_DIR, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: pusher.poll() is not None and
                   command(server.port, "LLEN", "queue:load") == 0, 600, 0.02)
        t1, cpu1 = time.time(), server.cpu_times()
        if counters is not None:
            print(server_counters.describe("  " + server.binary.split("/")[-1],
                                           counters.stop(jobs)), flush=True)
        if pusher.returncode != 0:
            raise RuntimeError("the Sidekiq pusher failed (%s)" % pusher.returncode)
        return t1 - t0, (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    finally:
        stop_process(sidekiq)
        log.close()


def run_bullmq(server, jobs, workers, scratch):
    log = open(os.path.join(scratch, "node.log"), "ab")  # closed when the function returns
    script = os.path.join(BULLMQ_DIR, "bullmq_worker.js")
    worker = subprocess.Popen(["node", script, str(server.port), "work", "bench", "-",
                               str(workers)], cwd=BULLMQ_DIR, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        # Ready when its blocking connection waits on the queue's marker (a BZPOPMIN client).
        time.sleep(1.0)
        counters = server_counters.ServerCounters(server.pid, server.port) if COUNTERS else None
        cpu0, t0 = server.cpu_times(), time.time()
        pusher = subprocess.Popen(["node", script, str(server.port), "push", "bench", "0",
                                   str(jobs), os.devnull], cwd=BULLMQ_DIR, stdout=log,
                                  stderr=subprocess.STDOUT)
        def done():
            # A node process that died (no node_modules, a crash) fails the run at once
            # instead of leaving it polling for ten minutes.
            if worker.poll() is not None or pusher.poll() not in (None, 0):
                raise RuntimeError("a BullMQ node process exited early (worker %s, pusher %s; "
                                   "see %s)" % (worker.returncode, pusher.returncode, log.name))
            return command(server.port, "ZCARD", "bull:bench:completed") >= jobs

        wait_until(done, 600, 0.02)
        t1, cpu1 = time.time(), server.cpu_times()
        if counters is not None:
            print(server_counters.describe("  " + server.binary.split("/")[-1],
                                           counters.stop(jobs)), flush=True)
        if pusher.wait(timeout=60) != 0:
            raise RuntimeError("the BullMQ pusher failed (%s)" % pusher.returncode)
        return t1 - t0, (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    finally:
        stop_process(worker)
        log.close()


FRAMEWORKS = {"sidekiq": run_sidekiq, "bullmq": run_bullmq}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rill", default=os.path.join(ROOT, "build", "rill-server"))
    parser.add_argument("--redis", default="/usr/bin/redis-server")
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the median counts")
    parser.add_argument("--frameworks", default="sidekiq,bullmq")
    parser.add_argument("--rill-args", default="",
                        help="more rill-server options, e.g. '--io-uring yes'")
    parser.add_argument("--counters", action="store_true",
                        help="also count the server's system calls, context switches (perf) and "
                        "commands (INFO commandstats) per job; perf costs the server some CPU")
    args = parser.parse_args()
    global COUNTERS
    COUNTERS = args.counters

    rows = []
    for name in args.frameworks.split(","):
        servers = [("rill", args.rill, args.rill_args.split()), ("redis", args.redis, [])]
        runs = {"rill": [], "redis": []}  # (wall, (user, system)) per run
        for rnd in range(args.repeat):
            # Alternating which server goes first, so that a drift of the machine's load does
            # not always favour the same one.
            for label, binary, extra in (servers if rnd % 2 == 0 else servers[::-1]):
                server = Server(binary, extra).start()
                try:
                    runs[label].append(FRAMEWORKS[name](server, args.jobs, args.workers,
                                                        server.dir))
                finally:
                    server.cleanup()
        cells = {}
        for label, _, _ in servers:
            walls = [w for w, _ in runs[label]]
            cpus = [sum(c) for _, c in runs[label]]
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            cells[label] = (args.jobs / wall, cpu / args.jobs * 1000)
            print("%-8s %-6s %8.0f jobs/s  %7.4f server CPU s per 1,000 jobs  (runs: %s)" %
                  (name, label, cells[label][0], cells[label][1],
                   ", ".join("%.2f s/%.2f cpu (%.2f user)" % (w, sum(c), c[0])
                             for w, c in runs[label])), flush=True)
        rows.append((name, cells))

    with open("/proc/loadavg") as f:
        print("\nload average at the end: %s" % " ".join(f.read().split()[:3]))
    print("\n| framework | jobs, workers | Rill jobs/s | Redis jobs/s | ratio | Rill CPU s/1k jobs "
          "| Redis CPU s/1k jobs | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, c in rows:
        print("| %s | %d, %d | %.0f | %.0f | %.2f | %.4f | %.4f | %.2f |" %
              (name, args.jobs, args.workers, c["rill"][0], c["redis"][0],
               c["rill"][0] / c["redis"][0], c["rill"][1], c["redis"][1],
               c["rill"][1] / c["redis"][1] if c["redis"][1] else float("nan")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
