#!/usr/bin/python3
"""redis-py's Sentinel client over a Rill group (issue 22): a master and two replicas of the
binary given, watched by Debian's redis-sentinel (or `redis-server --sentinel` when that binary
is missing). The application writes through `Sentinel.master_for`, the master is killed with
SIGKILL, and the same `master_for` object finds the promoted replica by itself: writes resume,
the other replica follows the new master, and every write acknowledged by WAIT before the crash
is still there. Reads through `slave_for` see the replicated data. After the failover ioredis
(from tests/integration/bullmq's node_modules) in its sentinel mode finds the new master too,
when node and those modules are there.

  /usr/bin/python3 tests/integration/python/sentinel_client_test.py build/rill-server

Passes against redis-server too (RILL_TEST_AGAINST_REDIS=1). Exits 77 when redis-py is missing.
Sentinel runs with down-after-milliseconds 1000 so that the whole test takes seconds.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fw_support  # noqa: E402

WRITES = 200
IOREDIS_MODULES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "bullmq", "node_modules")
# ioredis in sentinel mode: asks the sentinel for "mymaster", writes, and prints the port and
# role of the server it reached.
IOREDIS_SCRIPT = r"""
const Redis = require('ioredis');
const r = new Redis({sentinels: [{host: '127.0.0.1', port: Number(process.argv[1])}],
                     name: 'mymaster', maxRetriesPerRequest: 3});
(async () => {
  await r.set('ioredis', 'found');
  const info = await r.info();
  const port = /tcp_port:(\d+)/.exec(info)[1];
  const role = /role:(\w+)/.exec(info)[1];
  console.log(port + ' ' + role + ' ' + await r.get('ioredis'));
  r.disconnect();
})().catch((e) => { console.log('error ' + e.message); process.exit(1); });
"""


def ioredis_finds_master(sentinel_port):
    """'<port> <role> <value>' from ioredis's sentinel mode, or None when node or ioredis is
    not installed."""
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(IOREDIS_MODULES, "ioredis")):
        return None
    out = subprocess.run([node, "-e", IOREDIS_SCRIPT, str(sentinel_port)], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, NODE_PATH=IOREDIS_MODULES))
    return out.stdout.strip()


def sentinel_command(port, conf):
    binary = shutil.which("redis-sentinel")
    if binary:
        return [binary, conf, "--port", str(port)]
    return [shutil.which("redis-server") or "/usr/bin/redis-server", conf, "--sentinel",
            "--port", str(port)]


def main():
    fw_support.require("redis", "redis.sentinel")
    import redis
    from redis.sentinel import Sentinel

    binary = fw_support.server_binary(sys.argv[1])
    check = fw_support.Checks()
    master = fw_support.Server(binary, ["--repl-diskless-sync-delay", "0"])
    master.start()
    replicas = [fw_support.Server(binary, ["--replicaof", "127.0.0.1", str(master.port)])
                for _ in range(2)]
    for r in replicas:
        r.start()
    sentinel_dir = tempfile.mkdtemp(prefix="rill-sentinel-")
    conf = os.path.join(sentinel_dir, "sentinel.conf")
    with open(conf, "w") as f:
        f.write("sentinel monitor mymaster 127.0.0.1 %d 1\n"
                "sentinel down-after-milliseconds mymaster 1000\n"
                "sentinel failover-timeout mymaster 10000\n"
                "dir %s\n" % (master.port, sentinel_dir))
    sentinel_port = fw_support.free_port()
    log = open(os.path.join(sentinel_dir, "sentinel.log"), "wb")
    sentinel_proc = subprocess.Popen(sentinel_command(sentinel_port, conf), stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
    try:
        sentinel = Sentinel([("127.0.0.1", sentinel_port)], socket_timeout=1.0)
        fw_support.wait_for(
            lambda: len(sentinel.discover_slaves("mymaster")) == 2, 30, 0.2,
            "Sentinel to find both replicas")
        check(sentinel.discover_master("mymaster") == ("127.0.0.1", master.port),
              "discover_master names the master")
        app = sentinel.master_for("mymaster", socket_timeout=1.0)
        for i in range(WRITES):
            app.set("acked:%d" % i, str(i))
        check(app.wait(2, 5000) == 2, "WAIT: both replicas acknowledged the writes")
        reader = sentinel.slave_for("mymaster", socket_timeout=1.0)
        check(reader.get("acked:%d" % (WRITES - 1)) == str(WRITES - 1).encode(),
              "slave_for reads a replicated write")

        master.kill9()
        killed_at = time.time()
        ports = {r.port: r for r in replicas}

        def new_master():
            try:  # no master at all while the old one is down and none is promoted yet
                return ports.get(sentinel.discover_master("mymaster")[1])
            except redis.sentinel.MasterNotFoundError:
                return None
        promoted = fw_support.wait_for(new_master, 30, 0.2, "Sentinel to promote a replica")
        check(True, "Sentinel promoted the replica on port %d" % promoted.port)

        def write_after():
            # The same master_for object asks Sentinel again after its connection broke (and
            # again when Sentinel ends its clients while it reconfigures the servers).
            try:
                return app.set("after", "failover")
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
                return False
        check(fw_support.wait_for(write_after, 30, 0.2, "a write through master_for"),
              "master_for writes to the new master")
        # Issue 22's failover time (down-after-milliseconds 1000), to 0.2 s (the poll).
        print("failover: a write accepted by the new master %.1f s after kill -9" %
              (time.time() - killed_at), flush=True)
        found = ioredis_finds_master(sentinel_port)
        if found is None:
            print("skipped: ioredis's sentinel mode (node or tests/integration/bullmq's "
                  "node_modules missing)", flush=True)
        else:
            check(found == "%d master found" % promoted.port,
                  "ioredis in sentinel mode writes to the new master (%s)" % found)
        client = redis.Redis(port=promoted.port)
        missing = [i for i in range(WRITES)
                   if client.get("acked:%d" % i) != str(i).encode()]
        check(not missing, "every WAIT-acknowledged write survived (%d missing)" % len(missing))
        other = next(r for r in replicas if r is not promoted)
        other_client = redis.Redis(port=other.port)

        def follows():
            try:
                info = other_client.info("replication")
                return info.get("master_port") == promoted.port and \
                    info.get("master_link_status") == "up" and \
                    other_client.get("after") == b"failover"
            except redis.ConnectionError:
                return False
        check(fw_support.wait_for(follows, 30, 0.2, "the other replica to follow"),
              "the other replica follows the new master and has the new write")
    except AssertionError as e:
        check(False, str(e))
        log.flush()
        with open(os.path.join(sentinel_dir, "sentinel.log"), "rb") as f:
            sys.stdout.write(f.read().decode(errors="replace")[-3000:])
    finally:
        fw_support.stop_process(sentinel_proc)
        log.close()
        master.cleanup()
        for r in replicas:
            r.cleanup()
        shutil.rmtree(sentinel_dir, ignore_errors=True)
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
