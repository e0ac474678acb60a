"""Shared pieces of the Python job-framework tests (celery_test.py, rq_test.py) and of
bench/broker_python.py: a server process on a free loopback port, its CPU time, checks that
print one line each, and the side-effect log that proves how often each job ran.

The server binary is a parameter (rill-server or redis-server, which is the oracle: every test
must pass against both). RILL_TEST_AGAINST_REDIS=1 replaces the binary given with redis-server,
as tests/support/server_process.h does for the C++ tests.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def server_binary(given):
    """The binary to test: `given`, or redis-server when RILL_TEST_AGAINST_REDIS=1."""
    if os.environ.get("RILL_TEST_AGAINST_REDIS") == "1":
        return shutil.which("redis-server") or "/usr/bin/redis-server"
    return given


def require(*modules):
    """Exits 77 (ctest's skip) when one of Debian's framework packages is not installed."""
    import importlib
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError as e:
            print("skipped: %s is not installed for %s (%s); scripts/setup.sh installs it"
                  % (m, sys.executable, e), flush=True)
            sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A rill-server or redis-server child on 127.0.0.1, in its own temporary directory.

    kill9() and start() again keep the port and the directory, so that a restart finds its
    append-only file. stop() ends it by PID; cleanup() also removes the directory."""

    def __init__(self, binary, extra_args=(), port=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="rill-pyfw-server-")
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=10):
        import redis
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--dir", self.dir, "--daemonize", "no"] + self.extra_args
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (args, self.read_log()))
            try:
                # PING answers only once the append-only file is loaded (LOADING otherwise).
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return self
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise RuntimeError("%s did not answer PING in %ds: %s" % (args, timeout, self.read_log()))

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def cpu_times(self):
        """(utime, stime) in seconds of the server process (all its threads), from
        /proc/<pid>/stat."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def cpu_seconds(self):
        return sum(self.cpu_times())

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self):
        """Stops the server and removes its directory, unless RILL_FW_KEEP=1 (then it says
        where the directory, with its log and append-only file, was left)."""
        self.stop()
        if os.environ.get("RILL_FW_KEEP") == "1":
            print("kept: %s" % self.dir, flush=True)
            return
        shutil.rmtree(self.dir, ignore_errors=True)


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Ends a child started with start_new_session=True, with its whole process group (a
    Celery worker's pool children too), by its PID; SIGKILL after `timeout`."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return proc.wait(timeout=10)


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class Checks:
    """Counts checks; each prints one line. The closing line 'N passed, N failed' is what CI
    reads. A failed check is reported and counted; fatal=True stops the test."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, cond, what, fatal=False):
        if cond:
            self.passed += 1
            print("ok: " + what, flush=True)
        else:
            self.failed += 1
            print("FAILED: " + what, flush=True)
            if fatal:
                raise AssertionError(what)
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


# Side effects: each job appends its id and a newline to a file of its process (O_APPEND, one
# write(2) per job), so counting how often each job ran does not trust the framework and does
# not load the server under test.
_side_fds = {}


def record_run(side_dir, job_id):
    pid = os.getpid()
    fd = _side_fds.get((side_dir, pid))
    if fd is None:
        fd = os.open(os.path.join(side_dir, "ran-%d.log" % pid),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        _side_fds[(side_dir, pid)] = fd
    os.write(fd, ("%s\n" % job_id).encode())


def count_runs(side_dir):
    """{job id: times run} over every process's side-effect file."""
    counts = {}
    for name in os.listdir(side_dir):
        if name.startswith("ran-"):
            with open(os.path.join(side_dir, name)) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        counts[line] = counts.get(line, 0) + 1
    return counts


def total_runs(side_dir):
    """Number of runs recorded so far (cheap: file sizes over a fixed-width id)."""
    n = 0
    for name in os.listdir(side_dir):
        if name.startswith("ran-"):
            with open(os.path.join(side_dir, name), "rb") as f:
                n += f.read().count(b"\n")
    return n
