"""A server (rill-server or redis-server, the binary is the caller's choice) for the queue
framework tests and the broker benchmark: started on 127.0.0.1 on a free port in a scratch
directory, stopped by its pid, killed with SIGKILL and restarted on the same port and directory
for the fault runs, its CPU time read from /proc/<pid>/stat.

Both servers take the same command line (--port, --bind, --dir, --save, --appendonly ...), so
nothing here depends on which one runs.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    """A loopback port nothing listens on right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port, timeout=0.3):
    """True when a server on 127.0.0.1:port answers PING with +PONG (it has loaded its data)."""
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
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        reader = s.makefile("rb")

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
    """One server process. `extra` are further command-line options, e.g.
    ["--appendonly", "yes", "--appendfsync", "always"] for the fault runs."""

    def __init__(self, binary, extra=(), port=None, workdir=None):
        self.binary = binary
        self.extra = list(extra)
        self.port = port or free_port()
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="rill-fw-")
        self.proc = None
        self.log = os.path.join(self.dir, "server.log")

    @property
    def pid(self):
        return self.proc.pid

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self, wait=15.0):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--dir", self.dir, "--daemonize", "no"] + self.extra
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + wait
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d at start-up; its log:\n%s" %
                                   (self.binary, self.proc.returncode, self.read_log()))
            if ping(self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING within %.0f s" % (self.binary, wait))

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def cpu_seconds(self):
        """User plus system CPU time the server has used so far (/proc/<pid>/stat)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the ")" closing the command name: state is fields[0], utime fields[11],
        # stime fields[12] (stat(5) fields 14 and 15).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self):
        """SIGKILL, as a crash: nothing is flushed that was not already written."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def restart(self, wait=30.0):
        """Starts the same binary again on the same port and directory (after kill9)."""
        return self.start(wait)

    def stop(self, keep_dir=False):
        """Stops the server; removes its directory unless the caller gave it or keep_dir."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.own_dir and not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def stop_process(proc, grace=10.0):
    """Stops a framework process (a Sidekiq or a node worker) by its pid: SIGTERM, then SIGKILL
    after `grace` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_lines(path):
    """The lines of a file the framework processes append to ([] before it exists)."""
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_until(predicate, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def check(ok, what):
    print(("ok: " if ok else "FAILED: ") + what, flush=True)
    return ok


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
    """The fault run shared by the frameworks. While `pusher` (a process appending each id whose
    push returned to acked_path) pushes `jobs` jobs that `workers` (processes) run, the server
    is killed with SIGKILL `kills` times, at evenly spaced points, and restarted on the same port
    and directory one second later. runs_of() reads {id: times run} from the side effects.

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
