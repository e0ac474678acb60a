"""The job functions that rq_test.py and bench/broker_python.py enqueue; RQ's workers import
them by name (this directory is on their PYTHONPATH). RILL_FW_SIDE_DIR is where mark() records
each run (fw_support.record_run)."""
import os
import time

from rq import get_current_job

import fw_support


def add(x, y):
    return x + y


def fail_once(counter_key):
    """Fails on its first run (INCR of counter_key is 1), succeeds on a requeued run."""
    job = get_current_job()
    runs = job.connection.incr(counter_key)
    if runs == 1:
        raise ValueError("first run of %s fails" % job.id)
    return runs


def append(list_key, tag):
    """RPUSHes tag to list_key: the order the dependency checks read back."""
    get_current_job().connection.rpush(list_key, tag)
    return tag


def progress():
    """Adds to the meta the enqueuer set, as a job reporting progress does."""
    job = get_current_job()
    job.meta["progress"] = 100
    job.save_meta()
    return sorted(job.meta)


def now():
    return time.time()


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def mark(job_id):
    """The load and benchmark job: records that it ran, nothing else."""
    fw_support.record_run(os.environ["RILL_FW_SIDE_DIR"], job_id)
