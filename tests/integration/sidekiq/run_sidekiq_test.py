#!/usr/bin/env python3
"""Sidekiq (Debian's ruby-sidekiq over ruby-redis) against a server, end to end.

Usage: run_sidekiq_test.py <server-binary> api|load|faults [--jobs N]

The server binary is rill-server or redis-server (the oracle: every mode passes against
redis-server 7.0.15 too). It starts on a free loopback port in a scratch directory, a Sidekiq
process (`sidekiq -r jobs.rb -c 8`) is pointed at it with REDIS_URL, and:

  api     sidekiq_client.rb api: pushes, scheduled jobs, retry and dead sets, the Stats / Queue /
          ProcessSet API, push_bulk exactly once (see that file).
  load    N CountJobs (default 2000) pushed one by one, run by the 8 threads; every id must
          show in the side-effect file exactly once.
  faults  the server runs with --appendonly yes --appendfsync always; while N jobs are pushed
          and run it is killed with SIGKILL (twice) and restarted on the same port and
          directory. Every job whose push returned must run (at least once: a push that raised
          is retried and may land twice); the Sidekiq process must reconnect by itself.

Exits 0 on success, 1 on failure, 77 (skipped) when Sidekiq is not installed. Stops what it
started by pid and removes its scratch directory.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
from fw_support import (Server, check, check_exactly_once, command,  # noqa: E402
                        kill_under_load, read_lines, stop_process, wait_until, SKIP)



def sidekiq_installed():
    if shutil.which("sidekiq") is None or shutil.which("ruby") is None:
        return False
    return subprocess.run(["ruby", "-e", "require 'sidekiq'; require 'sidekiq/api'"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def count_runs(effects):
    """{id: times run} of the CountJob lines in the side-effect file."""
    runs = {}
    for line in read_lines(effects):
        if line.startswith("count "):
            job_id = line.split(" ")[1]
            runs[job_id] = runs.get(job_id, 0) + 1
    return runs


class Run:
    """A server, a Sidekiq process and their files in the server's scratch directory."""

    def __init__(self, binary, extra=()):
        self.server = Server(binary, extra).start()
        self.dir = self.server.dir
        self.effects = os.path.join(self.dir, "effects.txt")
        self.env = dict(os.environ, REDIS_URL=self.server.url, RILL_EFFECTS=self.effects)
        self.sidekiq_log = os.path.join(self.dir, "sidekiq.log")
        self.sidekiq = None
        self.clients = []

    def start_sidekiq(self):
        """Starts the Sidekiq process and waits for its first heartbeat (its entry in the
        `processes` set): a server killed while Sidekiq boots would stop it for good."""
        with open(self.sidekiq_log, "ab") as log:
            self.sidekiq = subprocess.Popen(
                ["sidekiq", "-r", os.path.join(HERE, "jobs.rb"), "-c", "8", "-q", "default",
                 "-q", "load", "-t", "3"], cwd=HERE, env=self.env, stdout=log,
                stderr=subprocess.STDOUT)
        if not wait_until(lambda: self.sidekiq.poll() is not None or
                          command(self.server.port, "SCARD", "processes") == 1, 30):
            raise RuntimeError("Sidekiq did not register within 30 s")
        if self.sidekiq.poll() is not None:
            raise RuntimeError("Sidekiq exited at start-up with %d" % self.sidekiq.returncode)

    def client(self, *args, timeout=150):
        return subprocess.run(["ruby", os.path.join(HERE, "sidekiq_client.rb")] + list(args),
                        cwd=HERE, env=self.env, timeout=timeout).returncode

    def client_async(self, *args):
        with open(os.path.join(self.dir, "client.log"), "ab") as log:
            proc = subprocess.Popen(["ruby", os.path.join(HERE, "sidekiq_client.rb")] +
                              list(args), cwd=HERE, env=self.env, stdout=log,
                              stderr=subprocess.STDOUT)
        self.clients.append(proc)
        return proc

    def dump_logs(self):
        for name in ("sidekiq.log", "client.log", "server.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text = f.read()[-3000:]
                print("---- last lines of %s ----\n%s" % (name, text))

    def close(self, keep_dir=False):
        for proc in self.clients:
            stop_process(proc)
        stop_process(self.sidekiq)
        self.server.cleanup(keep_dir)


def run_load(run, jobs):
    acked = os.path.join(run.dir, "acked.txt")
    run.start_sidekiq()
    start = time.time()
    rc = run.client("push", "0", str(jobs), acked, timeout=240)
    pushed = time.time()
    ok = check(rc == 0, "pushed %d jobs one by one in %.1f s" % (jobs, pushed - start))
    wait_until(lambda: len(count_runs(run.effects)) >= jobs, 240)
    done = time.time()
    time.sleep(1.0)  # a job run twice would show by now
    ok &= check_exactly_once(count_runs(run.effects), jobs)
    print("load: %d jobs, concurrency 8: all run %.1f s after the first push (%.0f jobs/s)" %
          (jobs, done - start, jobs / max(done - start, 1e-9)))
    return ok


def run_faults(run, jobs):
    """Sidekiq's open-source fetch is BRPOP: a job the server popped just before SIGKILL, whose
    reply never reached the Sidekiq thread, is gone (Sidekiq documents this for its own crashes;
    Sidekiq Pro's super_fetch is the remedy). So each kill may lose up to one job per fetching
    thread (8) among those pushed before it. The same happens against redis-server."""
    acked_path = os.path.join(run.dir, "acked.txt")
    run.start_sidekiq()
    pusher = run.client_async("push", "0", str(jobs), acked_path)
    return kill_under_load(run.server, pusher, acked_path, lambda: count_runs(run.effects), jobs,
                           [run.sidekiq], kills=2, allowed_loss=2 * 8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("mode", choices=["api", "load", "faults"])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    if not sidekiq_installed():
        print("SKIPPED: sidekiq is not installed (scripts/setup.sh installs ruby-sidekiq)")
        return SKIP
    extra = ["--appendonly", "yes", "--appendfsync", "always"] if args.mode == "faults" else []
    run = Run(args.binary, extra)
    ok = False
    try:
        if args.mode == "api":
            run.start_sidekiq()
            ok = run.client("api") == 0
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
