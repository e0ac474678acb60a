#!/usr/bin/python3
"""Celery (Debian's python3-celery over python3-kombu) with the server under test as broker and
result backend, end to end: real workers in their own processes, started and stopped here.

Usage: celery_test.py SERVER_BINARY basic|load|fault [--jobs N]

basic  a worker runs tasks sent with delay() and their results come back (pub/sub of the
       result backend); countdown and eta tasks run no earlier than asked; a task retrying
       three times succeeds; a group and a chord collect; a failing task's error comes back;
       `celery inspect ping` and the control API (ping, stats, active_queues, add_consumer,
       cancel_consumer, rate_limit) answer; an acks_late task whose worker is killed with
       SIGKILL mid-task is redelivered to another worker after the visibility timeout
       (kombu's unacked hash and index, restored under its lock); a worker ends on SIGTERM.
load   one worker with a prefork pool of 8 runs N jobs (default 2,000; the issue's run is
       10,000) sent while it runs; each job appends its id to a side-effect file, and every id
       must appear exactly once (Celery acknowledges before running: at most once, and with
       no failure, exactly once).
fault  the server runs with appendonly yes, appendfsync always; while a producer sends N jobs
       and a worker (prefork, 8) runs them, the server is killed with SIGKILL and restarted on
       the same port and directory. Every job whose apply_async() returned must run (at least
       once: messages prefetched but unacknowledged come back after the visibility timeout),
       and the worker must reconnect by itself and answer ping.

Exits 77 when python3-celery is not installed. Prints one line per check and
"N passed, N failed".
"""
import argparse
import datetime
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fw_support  # noqa: E402

HOST = socket.gethostname()


class Workers:
    """Celery worker processes of this test, each in its own process group (its pool children
    are stopped or killed with it), logging to files in the work directory."""

    def __init__(self, work, url, side):
        self.work, self.url, self.side = work, url, side
        self.procs = {}

    def start(self, name, queues, concurrency, extra_env=None, extra_args=()):
        env = dict(os.environ)
        env.update({"PYTHONPATH": HERE, "RILL_FW_URL": self.url, "RILL_FW_SIDE_DIR": self.side,
                    "PYTHONUNBUFFERED": "1"})
        env.update(extra_env or {})
        log = open(os.path.join(self.work, name + ".log"), "ab")
        cmd = [sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "-n",
               "%s@%s" % (name, HOST), "-Q", queues, "-c", str(concurrency), "-P", "prefork",
               "-l", "INFO"] + list(extra_args)
        self.procs[name] = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.work,
                                            start_new_session=True)
        log.close()
        return self.procs[name]

    def log(self, name):
        with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
            return f.read()

    def wait_ready(self, app, name, timeout=60):
        """Waits until the worker answers a broadcast ping (kombu's fanout over pub/sub)."""
        dest = "%s@%s" % (name, HOST)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                raise AssertionError("worker %s exited: %s" % (name, self.log(name)[-3000:]))
            try:
                replies = app.control.ping(destination=[dest], timeout=0.5)
            except Exception:  # the broker may be restarting
                replies = []
            if any(dest in r for r in replies):
                return replies
            time.sleep(0.2)
        raise AssertionError("worker %s did not answer ping in %ds: %s"
                             % (name, timeout, self.log(name)[-3000:]))

    def stop_all(self):
        for p in self.procs.values():
            fw_support.stop_process(p)


def run_basic(check, app, tasks, server, workers, work):
    from celery import chord, group
    import redis

    workers.start("w1", "celery", 2)
    replies = workers.wait_ready(app, "w1")
    check(replies == [{"w1@%s" % HOST: {"ok": "pong"}}], "the worker answers control ping")

    results = [tasks.add.delay(i, 100) for i in range(20)]
    check([r.get(timeout=20) for r in results] == [i + 100 for i in range(20)],
          "20 delay() tasks ran and their results came back")
    check(all(r.state == "SUCCESS" for r in results), "their state is SUCCESS")

    sent = time.time()
    by_countdown = tasks.now.apply_async(countdown=2)
    eta = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1.5)
    by_eta = tasks.now.apply_async(eta=eta)
    immediate = tasks.now.delay()
    ran_countdown = by_countdown.get(timeout=20)
    ran_eta = by_eta.get(timeout=20)
    check(immediate.get(timeout=20) < sent + 1.5, "a plain task ran at once")
    check(ran_countdown >= sent + 2 - 0.05, "the countdown=2 task ran %.2f s after it was sent"
          % (ran_countdown - sent))
    check(ran_eta >= eta.timestamp() - 0.05, "the eta task ran %.2f s after its eta"
          % (ran_eta - eta.timestamp()))

    check(tasks.flaky.delay(3).get(timeout=30) == 3, "a task failing 3 times succeeded on retry 3")

    failing = tasks.add.delay("a", 1)
    try:
        failing.get(timeout=20)
        check(False, "a failing task raises on get()")
    except TypeError as e:
        check(failing.state == "FAILURE" and "concatenate" in str(e),
              "a failing task's TypeError came back: %s" % e)

    g = group(tasks.add.s(i, i) for i in range(10))()
    check(g.get(timeout=30) == [2 * i for i in range(10)], "a group of 10 collected in order")
    c = chord(tasks.add.s(i, i) for i in range(10))(tasks.tsum.s())
    check(c.get(timeout=30) == 90, "a chord of 10 called its body with every result (90)")

    # The command line a user types, and the control API.
    env = dict(os.environ, PYTHONPATH=HERE)
    cli = subprocess.run([sys.executable, "-m", "celery", "-A", "celery_tasks", "inspect", "ping",
                          "-d", "w1@" + HOST, "-t", "5"], env=env, capture_output=True,
                         text=True, timeout=60, cwd=work)
    check(cli.returncode == 0 and "pong" in cli.stdout,
          "`celery inspect ping` answers: %r" % (cli.stdout + cli.stderr)[-300:])
    inspect = app.control.inspect(destination=["w1@" + HOST], timeout=2)
    stats = inspect.stats() or {}
    check(stats.get("w1@" + HOST, {}).get("pool", {}).get("max-concurrency") == 2,
          "inspect stats reports the pool of 2")
    queues = inspect.active_queues() or {}
    check([q["name"] for q in queues.get("w1@" + HOST, [])] == ["celery"],
          "inspect active_queues lists the queue consumed")
    reply = app.control.add_consumer("extra", destination=["w1@" + HOST], reply=True, timeout=2)
    check(reply and "ok" in reply[0]["w1@" + HOST], "control add_consumer answers: %r" % reply)
    check(tasks.add.apply_async((20, 22), queue="extra").get(timeout=20) == 42,
          "a task sent to the added queue ran")
    reply = app.control.cancel_consumer("extra", destination=["w1@" + HOST], reply=True,
                                        timeout=2)
    check(reply and "ok" in reply[0]["w1@" + HOST], "control cancel_consumer answers")
    reply = app.control.rate_limit("celery_tasks.add", "1000/s", destination=["w1@" + HOST],
                                   reply=True, timeout=2)
    check(reply and "ok" in reply[0]["w1@" + HOST], "control rate_limit answers")

    # acks_late: the task's message stays in kombu's unacked hash until the task returns; its
    # worker is killed mid-task and another worker gets it after the visibility timeout.
    r = redis.Redis(port=server.port)
    workers.start("doomed", "late", 1, {"RILL_FW_HOLD": "60", "RILL_FW_VT": "2"},
                  ["--without-mingle", "--without-gossip"])
    workers.wait_ready(app, "doomed")
    held = tasks.hold.apply_async(("k1",), queue="late")
    fw_support.wait_for(lambda: fw_support.count_runs(workers.side).get("start:k1"), 30,
                        what="the acks_late task to start")
    check(r.hlen("unacked") == 1, "the started acks_late task is unacknowledged (HLEN unacked)")
    fw_support.stop_process(workers.procs["doomed"], sig=9)
    # kombu 5.2 restores unacknowledged messages older than the visibility timeout when a
    # worker starts polling, then only every 100 s (every tenth 10 s tick): the heir starts
    # once the timeout has passed, as a restarted worker would.
    time.sleep(3)
    workers.start("heir", "late", 1, {"RILL_FW_HOLD": "0", "RILL_FW_VT": "2"},
                  ["--without-mingle", "--without-gossip"])
    check(held.get(timeout=60) == "k1", "the killed worker's task ran again on another worker")
    runs = fw_support.count_runs(workers.side)
    check(runs.get("start:k1") == 2 and runs.get("done:k1") == 1,
          "started twice, finished once: %r" % {k: v for k, v in runs.items() if "k1" in k})
    fw_support.wait_for(lambda: r.hlen("unacked") == 0, 10, what="the unacked hash to empty")
    check(r.hlen("unacked") == 0, "nothing is left unacknowledged")

    code = fw_support.stop_process(workers.procs["w1"])
    check(code == 0, "the worker ended on SIGTERM (warm shutdown) with status 0: %r" % code)


def run_load(check, app, tasks, server, workers, jobs):
    workers.start("load", "load", 8, {}, ["--without-mingle", "--without-gossip"])
    workers.wait_ready(app, "load")
    start = time.time()
    for i in range(jobs):
        tasks.mark.apply_async(("j%d" % i,), queue="load")
    sent = time.time()
    fw_support.wait_for(lambda: fw_support.total_runs(workers.side) >= jobs, 120, interval=0.2,
                        what="%d jobs to run" % jobs)
    done = time.time()
    time.sleep(1)  # any duplicate would show up now
    runs = fw_support.count_runs(workers.side)
    print("load: %d jobs sent in %.1f s, all run after %.1f s (%.0f jobs/s)"
          % (jobs, sent - start, done - start, jobs / (done - start)), flush=True)
    check(set(runs) == {"j%d" % i for i in range(jobs)}, "every one of %d jobs ran" % jobs)
    dup = {k: v for k, v in runs.items() if v != 1}
    check(not dup, "each ran exactly once (%d ran more often)" % len(dup))
    import redis
    r = redis.Redis(port=server.port)
    check(r.llen("load") == 0 and r.hlen("unacked") == 0, "queue and unacked hash are empty")
    code = fw_support.stop_process(workers.procs["load"])
    check(code == 0, "the worker of 8 ended on SIGTERM with status 0: %r" % code)


def run_fault(check, app, tasks, server, workers, jobs):
    # A short visibility timeout: messages prefetched when the connection broke come back when
    # the worker polls again after reconnecting (kombu restores those older than the timeout).
    workers.start("survivor", "load", 8, {"RILL_FW_VT": "1"},
                  ["--without-mingle", "--without-gossip"])
    workers.wait_ready(app, "survivor")
    acked, refused = [], []
    policy = {"max_retries": 60, "interval_start": 0.1, "interval_step": 0.1, "interval_max": 0.3}

    def produce():
        for i in range(jobs):
            job_id = "f%d" % i
            try:
                tasks.mark.apply_async((job_id,), queue="load", retry=True, retry_policy=policy)
                acked.append(job_id)
            except Exception as e:  # a push that did not return is not acknowledged
                refused.append((job_id, repr(e)))
            if i % 50 == 0:
                time.sleep(0.01)  # spread the pushes over the kill

    producer = threading.Thread(target=produce)
    producer.start()
    fw_support.wait_for(lambda: len(acked) >= jobs // 3, 60, what="a third of the jobs sent")
    ran_before = fw_support.total_runs(workers.side)
    server.kill9()
    killed_at = len(acked)
    time.sleep(0.5)
    server.start()
    print("fault: server killed after %d acknowledged pushes, %d runs; restarted"
          % (killed_at, ran_before), flush=True)
    producer.join(timeout=120)
    check(not producer.is_alive(), "the producer finished")
    check(not refused, "every push returned after retrying (%d refused: %r)"
          % (len(refused), refused[:3]))

    import redis
    r = redis.Redis(port=server.port)
    # Settled when every acknowledged job ran, or when nothing is left anywhere to run.
    runs = fw_support.wait_for_runs(
        lambda: fw_support.count_runs(workers.side), acked,
        drained=lambda: r.llen("load") == 0 and r.hlen("unacked") == 0)
    lost = [j for j in acked if j not in runs]
    # kombu's window, with redis-server as with Rill: the message in flight when the
    # connection breaks (popped by BRPOP, or acknowledged before it runs: Celery's default
    # early ack) is neither in the queue nor in the unacked hash. One consumer connection: at
    # most one such message.
    check(len(lost) <= 1, "every one of %d acknowledged jobs ran but at most the one in flight "
          "at the kill (%d lost: %r)" % (len(acked), len(lost), lost[:10]))
    dup = sum(1 for v in runs.values() if v > 1)
    print("fault: %d jobs ran more than once (at least once is Celery's promise here)" % dup,
          flush=True)
    check(workers.procs["survivor"].poll() is None, "the worker is still running")
    replies = workers.wait_ready(app, "survivor", timeout=30)
    check(bool(replies), "the worker reconnected by itself and answers ping")
    log = workers.log("survivor")
    print("fault: worker log mentions: %s" % sorted(
        {m for m in ("Connection to broker lost", "Cannot connect to", "Connected to redis")
         if m in log}), flush=True)
    fw_support.stop_process(workers.procs["survivor"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("mode", choices=["basic", "load", "fault"])
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    fw_support.require("celery", "kombu", "redis")

    binary = fw_support.server_binary(args.server)
    extra = ["--appendonly", "yes", "--appendfsync", "always"] if args.mode == "fault" else []
    server = fw_support.Server(binary, extra)
    work = tempfile.mkdtemp(prefix="rill-celery-")
    side = os.path.join(work, "side")
    os.mkdir(side)
    os.environ["RILL_FW_URL"] = server.url
    os.environ["RILL_FW_SIDE_DIR"] = side
    import celery_tasks as tasks
    app = tasks.app
    workers = Workers(work, server.url, side)
    check = fw_support.Checks()
    print("server: %s on port %d" % (binary, server.port), flush=True)
    try:
        server.start()
        if args.mode == "basic":
            run_basic(check, app, tasks, server, workers, work)
        elif args.mode == "load":
            run_load(check, app, tasks, server, workers, args.jobs)
        else:
            run_fault(check, app, tasks, server, workers, args.jobs)
    except Exception as e:
        import traceback
        traceback.print_exc()
        check(False, "the scenario ran to its end: %r" % e)
        for name in workers.procs:
            print("--- worker %s log (end):\n%s" % (name, workers.log(name)[-3000:]))
        print("--- server log (end):\n%s" % server.read_log()[-2000:])
    finally:
        workers.stop_all()
        app.close()
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return check.finish()


if __name__ == "__main__":
    status = main()
    # os._exit: pending AsyncResults' finalizers would otherwise talk to the stopped server.
    sys.stdout.flush()
    os._exit(status)
