#!/usr/bin/env python3
"""A real scheduler's use of sorted sets against rill-server: python3-rq (Debian's package).

RQ keeps scheduled jobs in a sorted set scored by their run time (ScheduledJobRegistry: ZADD,
ZRANGEBYSCORE ... to now, ZREM) and job data in hashes; its scheduler moves due jobs to their
queue (a list) under a lock (SET NX EX). The test schedules one job in the past and one in the
future, runs one scheduler pass, and checks that exactly the due one reached its queue, with
its data intact, and that the future one is still scheduled at its time.

Usage: rq_scheduler_test.py RILL_SERVER_BINARY. Exits 77 (skipped) when python3-rq is missing.
"""
import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    try:
        from redis import Redis
        from rq import Queue
        from rq.registry import ScheduledJobRegistry
        from rq.scheduler import RQScheduler
    except ImportError as e:
        print(f"skipped: {e}")
        return SKIP
    binary = sys.argv[1]
    port = free_port()
    work = tempfile.mkdtemp(prefix="rq-")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--dir", work], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        r = Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except Exception:
                time.sleep(0.05)
        q = Queue("default", connection=r)
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        due = q.enqueue_at(past, "builtins.len", "abc")
        later = q.enqueue_at(future, "builtins.len", "abcd")
        registry = ScheduledJobRegistry(queue=q)
        assert due.id in registry and later.id in registry, registry.get_job_ids()
        assert q.job_ids == [], q.job_ids
        scheduler = RQScheduler([q], connection=r)
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        assert q.job_ids == [due.id], q.job_ids
        assert registry.get_job_ids() == [later.id], registry.get_job_ids()
        scheduled_at = registry.get_scheduled_time(later)
        if scheduled_at.tzinfo is None:  # RQ versions differ: naive UTC or aware
            scheduled_at = scheduled_at.replace(tzinfo=datetime.timezone.utc)
        assert abs((scheduled_at - future).total_seconds()) < 1, scheduled_at
        job = q.fetch_job(due.id)
        assert job.args == ("abc",), job.args
        print("1 passed, 0 failed")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
