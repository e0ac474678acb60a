#!/usr/bin/env python3
"""BullMQ (npm, locked by package-lock.json) against a server, end to end.

Usage: run_bullmq_suite.py <server-binary> features|load|faults [--jobs N] [--keep]

The server binary is rill-server or redis-server (the oracle: every mode passes against
redis-server 7.0.15 too). It starts on a free loopback port in a scratch directory, and:

  features  bullmq_features.js: Worker add and process, return values, delayed jobs, retries
            with backoff, priorities, FlowProducer flows, QueueEvents, job schedulers and
            repeatable jobs, a stalled job recovered after its worker process is SIGKILLed.
  load      a worker process (bullmq_worker.js work, concurrency 8) runs N jobs (default 2000)
            added one by one; every id must show in the side-effect file exactly once.
  faults    the server runs with --appendonly yes --appendfsync always; while N jobs are added
            and run it is killed with SIGKILL (twice) and restarted on the same port and
            directory. Every job whose add resolved must run (BullMQ promises at least once),
            and the worker process must reconnect by itself.

Exits 0 on success, 1 on failure, 77 (skipped) when node or BullMQ is not installed (and npm
cannot fetch it). Stops what it started by pid and removes its scratch directory.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
from fw_support import (Server, check, check_exactly_once, kill_under_load,  # noqa: E402
                        read_lines, stop_process, wait_until, SKIP)

WORKER = os.path.join(HERE, "bullmq_worker.js")


def bullmq_installed():
    """node is there and so is node_modules/bullmq (scripts/setup.sh runs npm ci; if it did not,
    try once here)."""
    if shutil.which("node") is None:
        return False
    if os.path.isdir(os.path.join(HERE, "node_modules", "bullmq")):
        return True
    npm = shutil.which("npm")
    return npm is not None and subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
        timeout=300).returncode == 0


def count_runs(effects):
    """{id: times run} from the worker's side-effect file (one id per line)."""
    runs = {}
    for line in read_lines(effects):
        runs[line] = runs.get(line, 0) + 1
    return runs


class Run:
    def __init__(self, binary, extra=()):
        self.server = Server(binary, extra).start()
        self.dir = self.server.dir
        self.effects = os.path.join(self.dir, "effects.txt")
        self.procs = []

    def node(self, *args):
        with open(os.path.join(self.dir, "node.log"), "ab") as log:
            proc = subprocess.Popen(["node", WORKER, str(self.server.port)] + list(args),
                              cwd=HERE, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def dump_logs(self):
        for name in ("node.log", "server.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print("---- last lines of %s ----\n%s" % (name, f.read()[-3000:]))

    def close(self, keep_dir=False):
        for proc in self.procs:
            stop_process(proc)
        self.server.cleanup(keep_dir)


def run_load(run, jobs):
    acked = os.path.join(run.dir, "acked.txt")
    worker = run.node("work", "load", run.effects, "8")
    start = time.time()
    pusher = run.node("push", "load", "0", str(jobs), acked)
    ok = check(pusher.wait(timeout=240) == 0,
               "added %d jobs one by one in %.1f s" % (jobs, time.time() - start))
    wait_until(lambda: len(count_runs(run.effects)) >= jobs, 240)
    done = time.time()
    time.sleep(1.0)  # a job run twice would show by now
    ok &= check_exactly_once(count_runs(run.effects), jobs)
    ok &= check(worker.poll() is None, "the worker process is still running")
    print("load: %d jobs, concurrency 8: all run %.1f s after the first add (%.0f jobs/s)" %
          (jobs, done - start, jobs / max(done - start, 1e-9)))
    return ok


def run_faults(run, jobs):
    """A job the worker fetched just as the server died (the fetch ran and is in the AOF, its
    reply was lost) stays active under its lock until the worker's stalled check takes it back:
    locks of 4 s, checked every 2 s, bound that wait (BullMQ's defaults, 30 s, would too, more
    slowly)."""
    acked = os.path.join(run.dir, "acked.txt")
    worker = run.node("work", "load", run.effects, "8", "4000")
    pusher = run.node("push", "load", "0", str(jobs), acked)
    ok = kill_under_load(run.server, pusher, acked, lambda: count_runs(run.effects), jobs,
                         [worker], kills=2)
    stalled = [l for l in read_lines(os.path.join(run.dir, "node.log"))
               if l.startswith("stalled ")]
    print("faults: %d jobs taken back by the stalled check after a kill" % len(stalled))
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("mode", choices=["features", "load", "faults"])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    if not bullmq_installed():
        print("SKIPPED: node or BullMQ is not installed and npm could not fetch it "
              "(scripts/setup.sh installs them)")
        return SKIP
    extra = ["--appendonly", "yes", "--appendfsync", "always"] if args.mode == "faults" else []
    run = Run(args.binary, extra)
    ok = False
    try:
        if args.mode == "features":
            ok = subprocess.run(["node", os.path.join(HERE, "bullmq_features.js"),
                           str(run.server.port)], cwd=HERE, timeout=120).returncode == 0
        elif args.mode == "load":
            ok = run_load(run, args.jobs)
        else:
            ok = run_faults(run, args.jobs)
        if not ok:
            run.dump_logs()
    finally:
        run.close(args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
