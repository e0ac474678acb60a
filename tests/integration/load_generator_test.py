#!/usr/bin/env python3
"""bench/rill_load against rill-server: the requests it sends are the requests the server ran.

Each case runs rill_load with small counts and checks the server's INFO commandstats calls of
the command against the requests sent (-n rounded up to whole pipelines, as redis-benchmark
issues them), and the keyspace it leaves (__rand_int__ keys are 12-digit zero-padded numbers
below -r). Also: error replies make it exit 1 with the first error on stderr, and --csv has
redis-benchmark's columns (bench/compare.py reads either tool).

Usage: load_generator_test.py RILL_SERVER_BINARY RILL_LOAD_BINARY
"""
import csv
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A minimal RESP2 client over one connection (enough for INFO, KEYS, GET, DEL)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "server closed the connection"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise AssertionError(f"bad reply {line!r}")

    def call(self, *args):
        self.sock.sendall(f"*{len(args)}\r\n".encode() + b"".join(
            f"${len(str(a))}\r\n{a}\r\n".encode() for a in args))
        return self.reply()

    def calls(self, command):
        m = re.search(rf"cmdstat_{command}:calls=(\d+),", self.call("INFO", "commandstats"))
        return int(m.group(1)) if m else 0


def rill_load(binary, port, *args, check=True):
    result = subprocess.run([binary, "-p", str(port), *map(str, args)], capture_output=True,
                            text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"rill_load {args} exited {result.returncode}: {result.stderr}")
    return result


def test_set_keyspace(load, port, c):
    c.call("FLUSHALL")
    before = c.calls("set")
    rill_load(load, port, "-t", "set", "-r", 100, "-n", 1000, "-c", 10)
    assert c.calls("set") - before == 1000, c.calls("set") - before
    keys = c.call("KEYS", "*")
    assert all(re.fullmatch(r"key:000000000\d{3}", k) and int(k[4:]) < 100 for k in keys), keys
    # 1,000 draws from 100 keys leave fewer than 90 distinct with probability below 1e-30.
    assert 90 <= len(keys) <= 100, len(keys)
    # redis-benchmark's 3-byte payload: a fixed-seed sequence of characters from '0'.
    assert all(len(c.call("GET", k)) == 3 for k in keys[:5])


def test_incr_counts_every_request(load, port, c):
    c.call("FLUSHALL")
    before = c.calls("incr")
    rill_load(load, port, "-t", "incr", "-r", 10, "-n", 160, "-P", 16, "-c", 3)
    assert c.calls("incr") - before == 160
    keys = c.call("KEYS", "counter:*")
    assert len(keys) <= 10 and all(re.fullmatch(r"counter:0{11}\d", k) for k in keys), keys
    assert sum(int(c.call("GET", k)) for k in keys) == 160


def test_pipeline_rounds_up_like_redis_benchmark(load, port, c):
    c.call("FLUSHALL")
    before = c.calls("lpush")
    # Batches of 16 are issued while fewer than 100 were: 7 batches, 112 requests.
    rill_load(load, port, "-t", "lpush", "-n", 100, "-P", 16, "-c", 2)
    assert c.calls("lpush") - before == 112
    assert c.call("LLEN", "mylist") == 112


def test_threads(load, port, c):
    c.call("FLUSHALL")
    before = c.calls("sadd")
    rill_load(load, port, "-t", "sadd", "-r", 1000, "-n", 400, "-c", 4, "--threads", 2)
    assert c.calls("sadd") - before == 400
    members = c.call("SMEMBERS", "myset")
    assert 0 < len(members) <= 400 and all(re.fullmatch(r"element:\d{12}", m) for m in members)


def test_custom_command(load, port, c):
    c.call("FLUSHALL")
    before = c.calls("hset")
    rill_load(load, port, "-n", 50, "-r", 5, "-c", 5, "HSET", "h", "f:__rand_int__", "v")
    assert c.calls("hset") - before == 50
    fields = c.call("HKEYS", "h")
    assert 1 <= len(fields) <= 5 and all(re.fullmatch(r"f:0{11}[0-4]", f) for f in fields)


def test_errors_fail_the_run(load, port, c):
    c.call("SET", "notanumber", "abc")
    r = rill_load(load, port, "-n", 20, "-c", 2, "INCR", "notanumber", check=False)
    assert r.returncode == 1, r.returncode
    assert "20 error(s)" in r.stderr and "ERR value is not an integer" in r.stderr, r.stderr
    # A reply of the wrong type is an error too: GET of a list key is WRONGTYPE.
    c.call("FLUSHALL")
    c.call("LPUSH", "key:__rand_int__", "x")
    r = rill_load(load, port, "-t", "get", "-n", 10, "-c", 1, check=False)
    assert r.returncode == 1 and "WRONGTYPE" in r.stderr, r.stderr


def test_csv_columns(load, port, c):
    c.call("FLUSHALL")
    out = rill_load(load, port, "-t", "ping,get", "-n", 100, "-c", 5, "--csv").stdout
    rows = list(csv.reader(out.strip().splitlines()))
    assert rows[0] == ["test", "rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms",
                       "p95_latency_ms", "p99_latency_ms", "max_latency_ms"], rows[0]
    assert [r[0] for r in rows[1:]] == ["PING_INLINE", "PING_MBULK", "GET"], rows
    for r in rows[1:]:
        values = [float(v) for v in r[1:]]
        assert values[0] > 0 and values[2] <= values[3] <= values[4] <= values[5] <= values[6]


def main():
    server_binary, load = sys.argv[1], sys.argv[2]
    port = free_port()
    work = tempfile.mkdtemp(prefix="rill-load-test-")
    server = subprocess.Popen([server_binary, "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--dir", work], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    failed = 0
    tests = [v for k, v in globals().items() if k.startswith("test_")]
    try:
        for _ in range(200):
            try:
                c = Client(port)
                if c.call("PING") == "PONG":
                    break
            except OSError:
                time.sleep(0.05)
        for test in tests:
            try:
                test(load, port, c)
                print(f"ok {test.__name__}")
            except Exception as e:  # an exception fails the case, not the run
                failed += 1
                print(f"FAILED {test.__name__}: {e}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
