#!/usr/bin/python3
"""RQ (Debian's python3-rq 1.13) against the server under test, end to end: `rq worker`
processes started and stopped here, jobs enqueued from this process.

Usage: rq_test.py SERVER_BINARY basic|load|fault [--jobs N]

basic  enqueue and a burst worker (RQ's forking Worker): results (job.return_value(), kept in
       a stream by RQ 1.12+), the finished registry; a failing job lands in the failed-job
       registry with its traceback and, requeued, runs again and succeeds; depends_on defers a
       job until its parent finished and keeps it deferred when the parent fails; job meta set
       at enqueue and by the job; result_ttl, ttl (an expired queued job never runs),
       failure_ttl; a job over its job_timeout fails; a long-running worker with the scheduler
       (`rq worker --with-scheduler`) is listed by Worker.all(), runs jobs scheduled with
       enqueue_in/enqueue_at no earlier than asked, and leaves Worker.all() on SIGTERM.
       (tests/integration/rq_scheduler_test.py drives one scheduler pass by hand; this runs
       the scheduler inside a worker.)
load   N jobs (default 2,000; the issue's run is 10,000) enqueued with enqueue_many, then 8
       burst workers (SimpleWorker: no fork per job) run them; each job appends its id to a
       side-effect file and every id must appear exactly once.
fault  the server runs with appendonly yes, appendfsync always; 8 workers wait on the queue
       while a producer enqueues N jobs one by one; the server is killed with SIGKILL and
       restarted on the same port and directory. Every job whose enqueue returned must run,
       and the workers must reconnect by themselves.

Exits 77 when python3-rq is not installed. Prints one line per check and
"N passed, N failed".
"""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fw_support  # noqa: E402


class Workers:
    """`rq worker` processes of this test, each in its own process group."""

    def __init__(self, work, url, side):
        self.work, self.url, self.side = work, url, side
        self.procs = {}

    def start(self, name, queues, *options):
        env = dict(os.environ, PYTHONPATH=HERE, RILL_FW_SIDE_DIR=self.side, PYTHONUNBUFFERED="1")
        log = open(os.path.join(self.work, name + ".log"), "ab")
        cmd = [sys.executable, "-c", "import sys; from rq.cli import main; sys.exit(main())",
               "worker", "--url", self.url, "--name", name] + list(options) + list(queues)
        self.procs[name] = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.work,
                                            start_new_session=True)
        log.close()
        return self.procs[name]

    def log(self, name):
        with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
            return f.read()

    def burst(self, name, queues, *options, timeout=60):
        code = self.start(name, queues, "--burst", *options).wait(timeout=timeout)
        if code != 0:
            raise AssertionError("burst worker %s exited %d: %s" % (name, code,
                                                                   self.log(name)[-3000:]))
        return code

    def stop_all(self):
        for p in self.procs.values():
            fw_support.stop_process(p)


def run_basic(check, r, workers):
    from rq import Queue, Worker
    from rq.job import Job, JobStatus
    from rq.registry import (DeferredJobRegistry, FailedJobRegistry, FinishedJobRegistry,
                             ScheduledJobRegistry)

    q = Queue("default", connection=r)
    jobs = [q.enqueue("rq_jobs.add", i, 100) for i in range(10)]
    check(q.count == 10, "10 jobs queued")
    workers.burst("b1", ["default"])
    check([j.return_value(refresh=True) for j in jobs] == [i + 100 for i in range(10)],
          "a burst worker ran them and every result came back")
    check(all(j.get_status(refresh=True) == JobStatus.FINISHED for j in jobs),
          "every job is finished")
    check(len(FinishedJobRegistry(queue=q)) == 10 and q.count == 0,
          "the finished registry holds 10, the queue none")

    # The failed-job registry and requeue.
    failing = q.enqueue("rq_jobs.fail_once", "rq-test:fail-count", failure_ttl=50)
    workers.burst("b2", ["default"])
    failed = FailedJobRegistry(queue=q)
    check(failing.get_status(refresh=True) == JobStatus.FAILED and failing.id in failed,
          "a failing job is in the failed-job registry")
    check("ValueError: first run" in (failing.exc_info or ""), "with its traceback")
    ttl = r.ttl(failing.key)
    check(0 < ttl <= 50, "failure_ttl=50 set the failed job's TTL (%d)" % ttl)
    failed.requeue(failing.id)
    check(failing.get_status(refresh=True) == JobStatus.QUEUED and failing.id not in failed,
          "requeued, it left the failed registry")
    workers.burst("b3", ["default"])
    check(failing.return_value(refresh=True) == 2, "requeued, it ran again and succeeded")

    # depends_on
    parent = q.enqueue("rq_jobs.append", "rq-test:order", "parent")
    child = q.enqueue("rq_jobs.append", "rq-test:order", "child", depends_on=parent)
    check(child.get_status() == JobStatus.DEFERRED and child.id in DeferredJobRegistry(queue=q),
          "the dependent job is deferred")
    bad_parent = q.enqueue("rq_jobs.fail_once", "rq-test:bad-parent")
    orphan = q.enqueue("rq_jobs.append", "rq-test:order", "orphan", depends_on=bad_parent)
    workers.burst("b4", ["default"])
    check(r.lrange("rq-test:order", 0, -1) == [b"parent", b"child"],
          "the child ran after its parent")
    check(child.get_status(refresh=True) == JobStatus.FINISHED, "and finished")
    check(orphan.get_status(refresh=True) == JobStatus.DEFERRED,
          "a job whose parent failed stays deferred")

    # Meta and TTLs.
    meta_job = q.enqueue("rq_jobs.progress", meta={"owner": "rill"})
    kept = q.enqueue("rq_jobs.add", 1, 1, result_ttl=100)
    dropped = q.enqueue("rq_jobs.add", 2, 2, result_ttl=0)
    expiring = q.enqueue("rq_jobs.append", "rq-test:expired", "ran", ttl=1)
    slow = q.enqueue("rq_jobs.sleep", 10, job_timeout=1)
    time.sleep(1.5)  # `expiring` waited longer than its ttl
    workers.burst("b5", ["default"])
    meta_job.refresh()
    check(meta_job.meta == {"owner": "rill", "progress": 100},
          "job meta set at enqueue and by the job read back: %r" % meta_job.meta)
    check(meta_job.return_value() == ["owner", "progress"], "the job saw the enqueuer's meta")
    ttl = r.ttl(kept.key)
    check(kept.return_value(refresh=True) == 2 and 0 < ttl <= 100,
          "result_ttl=100: result kept with TTL %d" % ttl)
    check(not r.exists(dropped.key), "result_ttl=0: the job is deleted once it finished")
    check(not r.exists(expiring.key) and not r.exists("rq-test:expired"),
          "ttl=1: the job expired in the queue and never ran")
    check(slow.get_status(refresh=True) == JobStatus.FAILED and
          "JobTimeoutException" in (slow.exc_info or ""),
          "a job over its job_timeout=1 failed with JobTimeoutException")

    # A long-running worker with the scheduler; Worker.all().
    sched = workers.start("sched", ["default"], "--with-scheduler")
    fw_support.wait_for(lambda: "sched" in [w.name for w in Worker.all(connection=r)], 20,
                        what="the worker to register")
    names = [w.name for w in Worker.all(connection=r)]
    check(names == ["sched"], "Worker.all() lists the running worker: %r" % names)
    sent = time.time()
    later = q.enqueue_in(datetime.timedelta(seconds=2), "rq_jobs.now")
    past = q.enqueue_at(datetime.datetime.now(datetime.timezone.utc) -
                        datetime.timedelta(minutes=1), "rq_jobs.now")
    check(later.id in ScheduledJobRegistry(queue=q), "enqueue_in put the job in the scheduled "
          "registry")
    fw_support.wait_for(lambda: later.get_status(refresh=True) == JobStatus.FINISHED, 30,
                        interval=0.2, what="the scheduled job to run")
    ran = later.return_value(refresh=True)
    # RQ scores scheduled jobs in whole seconds (ScheduledJobRegistry): up to 1 s early.
    check(ran >= sent + 1, "the job scheduled in 2 s ran after %.2f s" % (ran - sent))
    fw_support.wait_for(lambda: past.get_status(refresh=True) == JobStatus.FINISHED, 10,
                        what="the job scheduled in the past to run")
    check(past.return_value() < ran, "the job scheduled in the past ran first")
    code = fw_support.stop_process(sched)
    check(code == 0, "the worker ended on SIGTERM with status 0: %r" % code)
    check(Worker.all(connection=r) == [], "Worker.all() is empty again")


def enqueue_all(q, ids):
    from rq import Queue
    for start in range(0, len(ids), 1000):
        with q.connection.pipeline() as pipe:
            q.enqueue_many([Queue.prepare_data("rq_jobs.mark", (i,), job_id=i)
                            for i in ids[start:start + 1000]], pipeline=pipe)
            pipe.execute()


def run_load(check, r, workers, jobs):
    from rq import Queue
    from rq.registry import FailedJobRegistry
    q = Queue("load", connection=r)
    ids = ["j%d" % i for i in range(jobs)]
    start = time.time()
    enqueue_all(q, ids)
    check(q.count == jobs, "%d jobs queued" % jobs)
    queued = time.time()
    procs = [workers.start("load%d" % i, ["load"], "--burst", "-w", "rq.worker.SimpleWorker")
             for i in range(8)]
    codes = [p.wait(timeout=300) for p in procs]
    done = time.time()
    print("load: %d jobs enqueued in %.1f s, run by 8 burst workers in %.1f s (%.0f jobs/s)"
          % (jobs, queued - start, done - queued, jobs / (done - queued)), flush=True)
    check(codes == [0] * 8, "the 8 burst workers exited 0: %r" % codes)
    runs = fw_support.count_runs(workers.side)
    check(set(runs) == set(ids), "every one of %d jobs ran" % jobs)
    dup = {k: v for k, v in runs.items() if v != 1}
    check(not dup, "each ran exactly once (%d ran more often)" % len(dup))
    check(q.count == 0 and len(FailedJobRegistry(queue=q)) == 0,
          "the queue and the failed registry are empty")


def run_fault(check, server, r, workers, jobs):
    import redis
    from rq import Queue, Worker
    procs = [workers.start("f%d" % i, ["load"], "-w", "rq.worker.SimpleWorker")
             for i in range(8)]
    fw_support.wait_for(lambda: len(Worker.all(connection=r)) == 8, 30, what="8 workers")
    acked, retried = [], []

    def produce():
        # A producer of its own: the test's client must not share a connection pool with it.
        q = Queue("load", connection=redis.Redis(port=server.port))
        for i in range(jobs):
            job_id = "f%d" % i
            deadline = time.time() + 60
            while True:
                try:
                    q.enqueue("rq_jobs.mark", job_id, job_id=job_id)
                    acked.append(job_id)
                    break
                except redis.exceptions.ConnectionError:
                    # The push did not return: not acknowledged. Tried again with the same
                    # id, as a producer would; it may then run twice (the first may have
                    # landed).
                    retried.append(job_id)
                    if time.time() > deadline:
                        return
                    time.sleep(0.1)
            if i % 50 == 0:
                time.sleep(0.01)

    producer = threading.Thread(target=produce)
    producer.start()
    fw_support.wait_for(lambda: len(acked) >= jobs // 3, 60, what="a third of the jobs sent")
    ran_before = fw_support.total_runs(workers.side)
    server.kill9()
    killed_at = len(acked)
    time.sleep(0.5)
    server.start()
    print("fault: server killed after %d acknowledged enqueues, %d runs; restarted"
          % (killed_at, ran_before), flush=True)
    # RQ 1.13 retries only its wait for a job (dequeue) on a connection error: a worker that
    # meets the dead server anywhere else (the job's bookkeeping, its heartbeat) exits 1. A
    # deployment runs workers under a supervisor that starts them again; so does this test.
    restarted = 0
    while producer.is_alive():
        for i, p in enumerate(procs):
            if p.poll() is not None:
                print("fault: worker f%d exited %d: %s" % (i, p.returncode, last_error(
                    workers.log("f%d" % i))), flush=True)
                procs[i] = workers.start("f%d-%d" % (i, restarted), ["load"], "-w",
                                         "rq.worker.SimpleWorker")
                restarted += 1
        producer.join(timeout=0.5)
    check(len(acked) == jobs, "the producer enqueued all %d (%d pushes retried after a "
          "connection error)" % (jobs, len(retried)))
    print("fault: %d of 8 workers exited on the connection error and were started again; the "
          "others reconnected by themselves" % restarted, flush=True)

    def settle():
        return fw_support.wait_for_runs(lambda: fw_support.count_runs(workers.side), acked)

    runs = settle()
    lost = [j for j in acked if j not in runs]
    print("fault: %d acknowledged jobs had not run when the queue drained: %r"
          % (len(lost), lost[:10]), flush=True)
    # A job taken by a worker that then died stays in the started registry until its timeout
    # passes; RQ's maintenance (every 10 minutes) then moves it to the failed registry, from
    # which it is requeued. Done here at once, as that maintenance would later.
    from rq.registry import FailedJobRegistry, StartedJobRegistry
    q = Queue("load", connection=r)
    started = set(StartedJobRegistry(queue=q).get_job_ids())
    for j in lost[:10]:
        print("fault: %s: status %r, in the started registry: %s, queued: %s" % (
            j, r.hget("rq:job:" + j, "status"), j in started, j in q.job_ids), flush=True)
    StartedJobRegistry(queue=q).cleanup(timestamp=time.time() + 3600)
    failed = FailedJobRegistry(queue=q)
    recovered = failed.get_job_ids()
    for job_id in recovered:
        failed.requeue(job_id)
    if lost:
        runs = settle()
    lost = [j for j in acked if j not in runs]
    print("fault: %d jobs recovered from the started registry of dead workers and requeued"
          % len(recovered), flush=True)
    # What remains is RQ's window: a job popped by BLPOP whose worker died before it recorded
    # the job as started. The server kept the job (its hash); no worker holds it any more.
    kept = [j for j in lost if r.exists("rq:job:" + j)]
    check(len(lost) <= 8 and kept == lost,
          "every acknowledged job ran, or was in flight in one of the 8 workers at the kill with "
          "its hash kept by the server (%d of %d: %r)" % (len(lost), len(acked), lost[:10]))
    print("fault: %d jobs ran more than once" % sum(1 for v in runs.values() if v > 1),
          flush=True)
    alive = [p.poll() is None for p in procs]
    check(all(alive), "the 8 workers (restarted ones included) are running: %r" % alive)
    codes = [fw_support.stop_process(p) for p in procs]
    check(codes == [0] * 8, "they ended on SIGTERM with status 0: %r" % codes)


def last_error(log):
    lines = [line for line in log.splitlines() if "Error" in line]
    return lines[-1][:200] if lines else log[-200:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("mode", choices=["basic", "load", "fault"])
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    fw_support.require("rq", "redis")
    import redis

    binary = fw_support.server_binary(args.server)
    extra = ["--appendonly", "yes", "--appendfsync", "always"] if args.mode == "fault" else []
    server = fw_support.Server(binary, extra)
    work = tempfile.mkdtemp(prefix="rill-rq-")
    side = os.path.join(work, "side")
    os.mkdir(side)
    os.environ["RILL_FW_SIDE_DIR"] = side
    workers = Workers(work, server.url, side)
    check = fw_support.Checks()
    print("server: %s on port %d" % (binary, server.port), flush=True)
    try:
        server.start()
        r = redis.Redis(port=server.port)
        if args.mode == "basic":
            run_basic(check, r, workers)
        elif args.mode == "load":
            run_load(check, r, workers, args.jobs)
        else:
            run_fault(check, server, r, workers, args.jobs)
    except Exception as e:
        import traceback
        traceback.print_exc()
        check(False, "the scenario ran to its end: %r" % e)
        for name in workers.procs:
            print("--- worker %s log (end):\n%s" % (name, workers.log(name)[-2000:]))
        print("--- server log (end):\n%s" % server.read_log()[-2000:])
    finally:
        workers.stop_all()
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
