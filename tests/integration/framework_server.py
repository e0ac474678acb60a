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
