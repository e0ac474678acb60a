"""The Celery application that celery_test.py and bench/broker_python.py start workers for.

Configured from the environment, so that the test process and every worker process (started
as `python3 -m celery -A celery_tasks worker ...` with this directory on PYTHONPATH) agree:
  RILL_FW_URL       redis://127.0.0.1:<port>/0, the broker and the result backend;
  RILL_FW_SIDE_DIR  where mark() records each run (fw_support.record_run);
  RILL_FW_VT        the broker's visibility timeout in seconds (kombu's default is one hour;
                    the acks_late redelivery check uses a few seconds);
  RILL_FW_HOLD      seconds hold() sleeps (the worker that the test kills gets a long one).
"""
import os
import time

from celery import Celery

import fw_support

URL = os.environ.get("RILL_FW_URL", "redis://127.0.0.1:6379/0")
SIDE_DIR = os.environ.get("RILL_FW_SIDE_DIR", "/tmp")

app = Celery("celery_tasks", broker=URL, backend=URL)
app.conf.update(
    broker_transport_options={"visibility_timeout": float(os.environ.get("RILL_FW_VT", "3600"))},
    result_backend_transport_options={"retry_policy": {"timeout": 5.0}},
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
    result_expires=600,
)


@app.task
def add(x, y):
    return x + y


@app.task
def tsum(values):
    return sum(values)


@app.task
def now():
    """When the task ran (the eta and countdown checks compare it with when it was sent)."""
    return time.time()


@app.task(bind=True, max_retries=5)
def flaky(self, fails):
    """Fails `fails` times, retrying each time after 0.2 s, then returns how often it retried."""
    if self.request.retries < fails:
        raise self.retry(exc=RuntimeError("attempt %d fails" % self.request.retries),
                         countdown=0.2)
    return self.request.retries


@app.task(acks_late=True)
def hold(job_id):
    """Records its start, sleeps RILL_FW_HOLD seconds, records its end: the worker killed in
    the middle never acknowledges it, and the message comes back after the visibility timeout."""
    fw_support.record_run(SIDE_DIR, "start:" + job_id)
    time.sleep(float(os.environ.get("RILL_FW_HOLD", "0")))
    fw_support.record_run(SIDE_DIR, "done:" + job_id)
    return job_id


@app.task(ignore_result=True)
def mark(job_id):
    """The load and benchmark job: records that it ran, nothing else."""
    fw_support.record_run(SIDE_DIR, job_id)
