"""Shared pieces of the job-framework tests and broker benchmarks, one module for all of them:
Celery and RQ (tests/integration/python), Sidekiq (tests/integration/sidekiq), BullMQ
(tests/integration/bullmq), bench/broker_python.py and bench/broker_ruby_node.py.

* A server process (rill-server or redis-server, the binary is the caller's choice: every test
  must pass against both) on a free loopback port in a scratch directory, stopped by its pid,
  killed with SIGKILL and restarted on the same port and directory for the fault runs, its CPU
  time read from /proc/<pid>/stat. RILL_TEST_AGAINST_REDIS=1 swaps in redis-server, as
  tests/support/server_process.h does for the C++ tests.
* A raw one-command client (`command`) for probes that need no client library.
* Checks that print one line each, and the side-effect logs that prove how often each job ran.
* The fault run of the frameworks whose producer is a process of its own (kill_under_load), and
  the wait for the acknowledged jobs to run (wait_for_runs).

Both servers take the same command line (--port, --bind, --dir, --save, --appendonly ...), so
nothing here depends on which one runs. Standard library only: Celery's and RQ's worker
processes import this module too (record_run).
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
    """A loopback port nothing listens on right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port, timeout=0.3):
    """True when a server on 127.0.0.1:port answers PING with +PONG: it has loaded its data
    (a server still loading its append-only file answers -LOADING)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def command(port, *args, timeout=5.0):
    """Sends one command to 127.0.0.1:port and returns its reply, parsed: int, bytes, None,
    list, or an Exception instance for an error reply. Enough for the tests' few probes."""
    request = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in
        (x if isinstance(x, bytes) else str(x).encode() for x in args))
    # The reader holds a reference to the socket: it is closed with it, or the connection
    # stays open until the garbage collector runs (a polling loop left thousands open).
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s, \
            s.makefile("rb") as reader:
        s.sendall(request)

        def parse():
            line = reader.readline()
            kind, rest = line[:1], line[1:-2]
            if kind == b"+":
                return rest
            if kind == b"-":
                return RuntimeError(rest.decode())
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                return None if n < 0 else reader.read(n + 2)[:-2]
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [parse() for _ in range(n)]
            raise RuntimeError("unexpected reply %r" % line)

        return parse()


class Server:
    """A rill-server or redis-server child on 127.0.0.1, in its own temporary directory.
    `extra_args` are further command-line options, e.g. ["--appendonly", "yes",
    "--appendfsync", "always"] for the fault runs.

    kill9() and start() (or restart()) again keep the port and the directory, so that a
    restart finds its append-only file. stop() ends it by pid; cleanup() also removes the
    directory. As a context manager it starts, and cleans up at the end."""

    def __init__(self, binary, extra_args=(), port=None, preexec_fn=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.preexec_fn = preexec_fn  # run in the child before exec (a seccomp filter, say)
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="rill-fw-server-")
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=30.0):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--dir", self.dir, "--daemonize", "no"] + self.extra_args
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=self.preexec_fn)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d at start-up; its log:\n%s" %
                                   (self.binary, self.proc.returncode, self.read_log()))
            if ping(self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING within %.0f s; its log:\n%s" %
                           (self.binary, timeout, self.read_log()))

    def restart(self, timeout=30.0):
        """Starts the same binary again on the same port and directory (after kill9)."""
        return self.start(timeout)

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def cpu_times(self):
        """(utime, stime) in seconds of the server process (all its threads)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the ")" closing the command name: state is fields[0], utime fields[11],
        # stime fields[12] (stat(5) fields 14 and 15).
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def cpu_seconds(self):
        return sum(self.cpu_times())

    def kill9(self):
        """SIGKILL, as a crash: nothing is flushed that was not already written."""
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

    def cleanup(self, keep_dir=False):
        """Stops the server and removes its directory, unless keep_dir or RILL_FW_KEEP=1 (then
        it says where the directory, with its log and append-only file, was left)."""
        self.stop()
        if keep_dir or os.environ.get("RILL_FW_KEEP") == "1":
            print("kept: %s" % self.dir, flush=True)
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Ends a framework process by its pid: `sig`, then SIGKILL after `timeout` seconds. A child
    started with start_new_session=True leads a process group of its own, and the whole group
    gets the signals (a Celery worker's pool children too). Returns its exit status."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode

    def send(s):
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, s)
            else:
                proc.send_signal(s)
        except ProcessLookupError:
            pass

    send(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        return proc.wait(timeout=10)


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate() until it is true or `timeout` seconds passed; returns its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """wait_until, for a condition the scenario cannot go on without: raises when it is not
    met in time."""
    value = wait_until(predicate, timeout, interval)
    if not value:
        raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
    return value


def check(ok, what):
    """Prints one line for a check and returns its outcome."""
    print(("ok: " if ok else "FAILED: ") + what, flush=True)
    return ok


class Checks:
    """Counts checks; each prints one line. The closing line 'N passed, N failed' is what CI
    reads. A failed check is reported and counted; fatal=True stops the test."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, cond, what, fatal=False):
        if check(cond, what):
            self.passed += 1
        else:
            self.failed += 1
            if fatal:
                raise AssertionError(what)
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def read_lines(path):
    """The lines of a file the framework processes append to ([] before it exists)."""
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


# Side effects of the Python frameworks' jobs: each job appends its id and a newline to a file
# of its process (O_APPEND, one write(2) per job), so counting how often each job ran does not
# trust the framework and does not load the server under test. (The Ruby and node jobs write
# their own lines; their tests count them with read_lines.)
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
    """Number of runs recorded so far (cheap: newlines in the side-effect files)."""
    n = 0
    for name in os.listdir(side_dir):
        if name.startswith("ran-"):
            with open(os.path.join(side_dir, name), "rb") as f:
                n += f.read().count(b"\n")
    return n


def wait_for_runs(runs_of, acked, timeout=90, idle=5, drained=lambda: True):
    """After a fault: waits until every job id in `acked` shows in runs_of() ({id: times run}),
    or no run was added for `idle` seconds while drained() says nothing is left to run, or
    `timeout` passed. Returns runs_of() at the end."""
    deadline, last_total, last_change = time.time() + timeout, -1, time.time()
    while time.time() < deadline:
        runs = runs_of()
        if all(j in runs for j in acked):
            break
        total = sum(runs.values())
        if total != last_total:
            last_total, last_change = total, time.time()
        elif time.time() - last_change > idle and drained():
            break
        time.sleep(0.5)
    return runs_of()


def check_exactly_once(runs, jobs):
    """runs is {id: times run} from the side-effect file, for ids "0" .. str(jobs - 1)."""
    missing = [i for i in range(jobs) if str(i) not in runs]
    twice = [k for k, v in runs.items() if v > 1]
    ok = check(not missing, "every job ran (%d of %d; missing e.g. %s)" %
               (jobs - len(missing), jobs, missing[:5]))
    ok &= check(not twice, "no job ran twice (%d did, e.g. %s)" % (len(twice), twice[:5]))
    ok &= check(len(runs) == jobs, "no unknown job ran (%d distinct ids)" % len(runs))
    return ok


def kill_under_load(server, pusher, acked_path, runs_of, jobs, workers, kills=2,
                    allowed_loss=0):
    """The fault run of the frameworks whose producer is a process of its own. While `pusher`
    (a process appending each id whose push returned to acked_path) pushes `jobs` jobs that
    `workers` (processes) run, the server is killed with SIGKILL `kills` times, at evenly spaced
    points, and restarted on the same port and directory one second later. runs_of() reads
    {id: times run} from the side effects.

    Checks: every acknowledged job runs, but at most `allowed_loss` jobs acknowledged before a
    kill (a framework whose fetch loses a job in flight; none pushed after the last restart);
    every job acknowledged but not yet run at a kill runs after the restart; the pusher finishes;
    the workers are still running (they reconnected by themselves). Prints what it saw."""
    ok = True
    acked_before_a_kill = set()
    pending_at_kill = set()
    for k in range(kills):
        target = jobs * (k + 1) // (kills + 1)
        if not wait_until(lambda: len(read_lines(acked_path)) >= target, 120, 0.02):
            ok &= check(False, "the pusher acknowledged %d jobs before kill %d" % (target, k + 1))
            break
        server.kill9()
        acked = set(read_lines(acked_path))
        acked_before_a_kill |= acked
        pending = acked - set(runs_of())
        pending_at_kill |= pending
        print("kill -9 %d: %d jobs acknowledged, %d of them not yet run" %
              (k + 1, len(acked), len(pending)), flush=True)
        time.sleep(1.0)  # workers and pusher meet the server gone
        server.restart()
    try:
        pusher.wait(timeout=180)
    except subprocess.TimeoutExpired:
        pusher.kill()
        pusher.wait()
    ok &= check(pusher.returncode == 0, "the pusher finished (exit %s)" % pusher.returncode)
    acked = set(read_lines(acked_path))
    ok &= check(len(acked) == jobs, "%d of %d pushes acknowledged" % (len(acked), jobs))
    pushed = time.time()
    wait_until(lambda: acked <= set(runs_of()), 60)
    print("the acknowledged jobs had all run %.1f s after the last push returned" %
          (time.time() - pushed), flush=True)
    time.sleep(1.0)  # a job run twice would show by now
    runs = runs_of()
    lost = sorted(acked - set(runs), key=int)
    twice = [k for k, v in runs.items() if v > 1]
    ok &= check(len(lost) <= allowed_loss and set(lost) <= acked_before_a_kill,
                "no acknowledged job lost%s (%d lost, e.g. %s)" %
                (" but those in flight at a kill (at most %d)" % allowed_loss
                 if allowed_loss else "", len(lost), lost[:5]))
    ok &= check(len(pending_at_kill - set(runs)) <= allowed_loss,
                "the %d jobs acknowledged but not yet run at a kill ran after the restart "
                "(but %d)" % (len(pending_at_kill), len(pending_at_kill - set(runs))))
    after = acked - acked_before_a_kill
    ok &= check(after <= set(runs), "the %d jobs pushed after the last restart all ran" %
                len(after))
    ok &= check(all(w.poll() is None for w in workers),
                "the workers are still running (they reconnected by themselves)")
    print("faults: %d jobs, %d kills: %d ran, %d lost, %d ran twice" %
          (jobs, kills, len(runs), len(lost), len(twice)), flush=True)
    return ok
