#!/usr/bin/python3
"""Real libraries' use of hashes and sets against a server on 127.0.0.1:<port>.

Usage: hash_set_libraries.py <port> kombu|rq

kombu  Debian's python3-kombu over python3-redis: a direct and a topic exchange, queues bound to
       them (kombu keeps bindings in Redis sets: SADD/SMEMBERS/SREM), messages published and
       consumed, a queue deleted. ack_emulation is off: with it on, kombu keeps unacknowledged
       messages in a sorted set.
rq     Debian's python3-rq: jobs enqueued (job hashes: HSET/HGETALL/HGET/HINCRBY, the queue
       registry set rq:queues) and inspected; then a burst SimpleWorker runs them when the
       server has sorted sets (RQ's job registries are sorted sets), which prints
       "rq worker: skipped" otherwise.

Prints one "ok: ..." line per check and exits 0, or raises (a traceback, exit 1).
"""
import sys
import time


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok: " + what, flush=True)


def run_kombu(port):
    from kombu import Connection, Exchange, Producer, Queue
    import redis

    url = "redis://127.0.0.1:%d/0" % port
    direct = Exchange("jobs", type="direct")
    topic = Exchange("events", type="topic")
    queues = [
        Queue("q_a", direct, routing_key="a"),
        Queue("q_b", direct, routing_key="b"),
        Queue("q_all", topic, routing_key="order.#"),
        Queue("q_paid", topic, routing_key="order.paid"),
    ]
    received = {q.name: [] for q in queues}
    with Connection(url, transport_options={"ack_emulation": False}) as conn:
        channel = conn.channel()
        for q in queues:
            q(channel).declare()
        r = redis.Redis(port=port)
        bindings = r.smembers("_kombu.binding.jobs")
        check(len(bindings) == 2, "direct exchange bindings are a set of 2: %r" % bindings)
        check(r.type("_kombu.binding.events") == b"set", "topic bindings are a set")
        producer = Producer(channel)
        for i in range(50):
            producer.publish({"n": i}, exchange=direct, routing_key="a" if i % 2 else "b",
                             declare=[direct])
        for key in ("order.new", "order.paid", "order.paid", "user.new"):
            producer.publish({"key": key}, exchange=topic, routing_key=key, declare=[topic])


        for q in queues:
            bound = q(channel)
            deadline = time.time() + 10
            while time.time() < deadline:
                message = bound.get(no_ack=True)
                if message is None:
                    break
                received[q.name].append(message.payload)
        check(len(received["q_a"]) == 25 and len(received["q_b"]) == 25,
              "direct routing delivered 25 + 25 messages")
        check(sorted(m["n"] for m in received["q_a"]) == list(range(1, 50, 2)),
              "q_a holds exactly the odd messages")
        check(len(received["q_all"]) == 3, "order.# matched 3 messages")
        check(len(received["q_paid"]) == 2, "order.paid matched 2 messages")
        queues[1](channel).delete()
        bindings = r.smembers("_kombu.binding.jobs")
        check(len(bindings) == 1, "deleting q_b removed its binding (SREM)")
        queues[0](channel).delete()
        check(r.exists("_kombu.binding.jobs") == 0, "the emptied binding set is gone")


def run_rq(port):
    import redis
    from rq import Queue, SimpleWorker
    from rq.job import Job

    r = redis.Redis(port=port)
    q = Queue("default", connection=r)
    jobs = [q.enqueue("operator.add", i, 100, job_id="job-%d" % i) for i in range(20)]
    check(q.count == 20, "20 jobs queued")
    check(set(q.job_ids) == {j.id for j in jobs}, "queue lists every job id")
    check(b"rq:queue:default" in r.smembers("rq:queues"), "queue registered in the rq:queues set")
    fetched = Job.fetch("job-7", connection=r)
    check(fetched.args == (7, 100) and fetched.func_name == "operator.add",
          "job hash read back (HGETALL)")
    check(fetched.get_status() == "queued", "job status read back (HGET)")
    check(r.hget("rq:job:job-7", "status") == b"queued", "job status is a hash field")
    check(r.type("rq:job:job-7") == b"hash", "jobs are hashes")
    try:
        r.execute_command("ZCARD", "rq:probe")
    except redis.exceptions.ResponseError as e:
        print("rq worker: skipped (%s)" % e, flush=True)
        return
    worker = SimpleWorker([q], connection=r)
    worker.work(burst=True)
    results = [Job.fetch(j.id, connection=r) for j in jobs]
    check(all(j.get_status() == "finished" for j in results), "the burst worker finished every job")
    check([j.result for j in results] == [i + 100 for i in range(20)], "every result is right")
    check(q.count == 0, "the queue is empty")


if __name__ == "__main__":
    port, mode = int(sys.argv[1]), sys.argv[2]
    {"kombu": run_kombu, "rq": run_rq}[mode](port)
    print("done", flush=True)
