#!/usr/bin/python3
"""Rill as the broker of Python job frameworks, side by side with Redis (issue 23).

For each framework (Celery 5.2 over kombu, RQ 1.13; Debian's packages) and each server
(rill-server, redis-server), in one run: a fresh server (no persistence), W workers started and
ready (Celery: one worker with a prefork pool of W, results ignored; RQ: W `rq worker`
processes with SimpleWorker), then N jobs pushed one at a time from this process (Celery's
apply_async, RQ's enqueue: one push per job, as an application does) while the workers run
them. A job does nothing but append its id to a side-effect file (not to the server), which is
how the driver knows all N ran (every id exactly once is checked too).

Reports, per framework and server: jobs per second from the first push to the last run, and the
server's CPU seconds per 1,000 jobs (utime + stime of /proc/<pid>/stat, all threads, over the
same span, idle polling of the waiting workers included), the server's commands per job (INFO
stats total_commands_processed), and the Rill/Redis ratios. Wall time is the frameworks' Python
on a shared machine; the server CPU per job is the figure to compare (issue 23's target: at
most 0.7 x Redis's; jobs per second at least Redis's).

Usage: bench/broker_python.py [--jobs 10000] [--workers 8] [--rounds 1]
                              [--frameworks celery,rq] [--rill build/rill-server]
                              [--redis redis-server]
About 25 s per framework and server at 10,000 jobs on an idle 2-core machine.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests", "integration", "python")
sys.path.insert(0, TESTS)
import fw_support  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench"))
import server_counters  # noqa: E402

# --counters: per-job system calls, context switches and commands of the measured span.
COUNTERS = False


def start_counters(server):
    return server_counters.ServerCounters(server.pid, server.port) if COUNTERS else None


def stop_counters(counters, jobs):
    return counters.stop(jobs) if counters is not None else None


def commands_processed(port):
    import redis
    return int(redis.Redis(port=port).info("stats")["total_commands_processed"])


def start_proc(cmd, env, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    return proc


def run_celery(server, work, side, jobs, workers):
    env = dict(os.environ, PYTHONPATH=TESTS, RILL_FW_URL=server.url, RILL_FW_SIDE_DIR=side)
    os.environ.update(RILL_FW_URL=server.url, RILL_FW_SIDE_DIR=side)
    # A fresh app per server: celery_tasks reads the URL when imported.
    sys.modules.pop("celery_tasks", None)
    import celery_tasks
    app = celery_tasks.app
    host = __import__("socket").gethostname()
    proc = start_proc([sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "-n",
                       "bench@" + host, "-Q", "bench", "-c", str(workers), "-P", "prefork",
                       "-l", "WARNING", "--without-mingle", "--without-gossip",
                       "--without-heartbeat"], env, os.path.join(work, "celery.log"))
    try:
        fw_support.wait_for(lambda: app.control.ping(destination=["bench@" + host],
                                                     timeout=0.5), 60, what="celery worker")
        time.sleep(0.5)
        counters = start_counters(server)
        cpu0, cmd0, t0 = server.cpu_times(), commands_processed(server.port), time.time()
        for i in range(jobs):
            celery_tasks.mark.apply_async(("j%d" % i,), queue="bench")
        pushed = time.time()
        fw_support.wait_for(lambda: fw_support.total_runs(side) >= jobs, 600, interval=0.05,
                            what="celery jobs")
        t1, cpu1, cmd1 = time.time(), server.cpu_times(), commands_processed(server.port)
        counted = stop_counters(counters, jobs)
    finally:
        fw_support.stop_process(proc)
        app.close()
    return t0, pushed, t1, (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]), cmd1 - cmd0, counted


def run_rq(server, work, side, jobs, workers):
    import redis
    from rq import Queue, Worker
    env = dict(os.environ, PYTHONPATH=TESTS, RILL_FW_SIDE_DIR=side)
    r = redis.Redis(port=server.port)
    procs = [start_proc([sys.executable, "-c",
                         "import sys; from rq.cli import main; sys.exit(main())", "worker",
                         "--url", server.url, "-w", "rq.worker.SimpleWorker", "--name",
                         "bench%d" % i, "-q", "bench"], env,
                        os.path.join(work, "rq%d.log" % i)) for i in range(workers)]
    try:
        fw_support.wait_for(lambda: len(Worker.all(connection=r)) == workers, 60,
                            what="rq workers")
        time.sleep(0.5)
        q = Queue("bench", connection=r)
        counters = start_counters(server)
        cpu0, cmd0, t0 = server.cpu_times(), commands_processed(server.port), time.time()
        for i in range(jobs):
            q.enqueue("rq_jobs.mark", "j%d" % i, job_id="j%d" % i)
        pushed = time.time()
        fw_support.wait_for(lambda: fw_support.total_runs(side) >= jobs, 600, interval=0.05,
                            what="rq jobs")
        t1, cpu1, cmd1 = time.time(), server.cpu_times(), commands_processed(server.port)
        counted = stop_counters(counters, jobs)
    finally:
        for p in procs:
            fw_support.stop_process(p)
    return t0, pushed, t1, (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]), cmd1 - cmd0, counted


def measure(framework, binary, jobs, workers, extra_args=()):
    server = fw_support.Server(binary, extra_args)
    work = tempfile.mkdtemp(prefix="rill-broker-bench-")
    side = os.path.join(work, "side")
    os.mkdir(side)
    try:
        server.start()
        run = run_celery if framework == "celery" else run_rq
        t0, pushed, t1, cpu, commands, counted = run(server, work, side, jobs, workers)
        runs = fw_support.count_runs(side)
        if len(runs) != jobs or any(v != 1 for v in runs.values()):
            raise AssertionError("%s on %s: %d distinct jobs ran, %d more than once" % (
                framework, binary, len(runs), sum(1 for v in runs.values() if v != 1)))
        return {"jobs_per_s": jobs / (t1 - t0), "push_s": pushed - t0,
                "cpu_per_1000": sum(cpu) / jobs * 1000, "user_per_1000": cpu[0] / jobs * 1000,
                "commands_per_job": commands / jobs, "counted": counted}
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--frameworks", default="celery,rq")
    parser.add_argument("--rill", default=os.path.join(ROOT, "build", "rill-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    parser.add_argument("--rill-args", default="",
                        help="more rill-server options, e.g. '--io-uring yes'")
    parser.add_argument("--counters", action="store_true",
                        help="also count the server's system calls, context switches (perf) and "
                        "commands (INFO commandstats) per job; perf costs the server some CPU")
    args = parser.parse_args()
    global COUNTERS
    COUNTERS = args.counters
    frameworks = args.frameworks.split(",")
    fw_support.require("redis", *("celery" if f == "celery" else "rq" for f in frameworks))
    servers = [("rill", args.rill, args.rill_args.split()), ("redis", args.redis, [])]
    results = {}
    for rnd in range(args.rounds):
        for framework in frameworks:
            # Alternate which server goes first, so that a drift of the machine's load does
            # not always favour the same one.
            order = servers if rnd % 2 == 0 else servers[::-1]
            for name, binary, extra in order:
                m = measure(framework, binary, args.jobs, args.workers, extra)
                results.setdefault((framework, name), []).append(m)
                print("round %d %-6s %-5s %7.0f jobs/s  push %5.1f s  %.4f CPU s/1,000 jobs "
                      "(user %.4f)  %.1f commands/job" % (
                          rnd + 1, framework, name, m["jobs_per_s"], m["push_s"],
                          m["cpu_per_1000"], m["user_per_1000"], m["commands_per_job"]),
                      flush=True)
                if m["counted"] is not None:
                    print(server_counters.describe("  " + name, m["counted"]), flush=True)
    with open("/proc/loadavg") as f:
        print("\nload average at the end: %s" % " ".join(f.read().split()[:3]))
    print("\n%d jobs, %d workers, %d round(s) (medians)\n" % (args.jobs, args.workers,
                                                              args.rounds))
    print("| framework | jobs/s Rill | jobs/s Redis | ratio | server CPU s / 1,000 jobs Rill | "
          "Redis | ratio | of which user Rill / Redis | commands/job Rill / Redis |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for framework in frameworks:
        rill = {k: median([m[k] for m in results[(framework, "rill")]])
                for k in results[(framework, "rill")][0] if k != "counted"}
        red = {k: median([m[k] for m in results[(framework, "redis")]])
               for k in results[(framework, "redis")][0] if k != "counted"}
        print("| %s | %.0f | %.0f | %.2f | %.4f | %.4f | %.2f | %.4f / %.4f | %.1f / %.1f |" % (
            framework, rill["jobs_per_s"], red["jobs_per_s"],
            rill["jobs_per_s"] / red["jobs_per_s"], rill["cpu_per_1000"], red["cpu_per_1000"],
            rill["cpu_per_1000"] / red["cpu_per_1000"], rill["user_per_1000"],
            red["user_per_1000"], rill["commands_per_job"], red["commands_per_job"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
