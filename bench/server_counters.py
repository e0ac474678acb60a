"""Counts per job of a server under a job framework's load, insensitive to the machine's noise
(issue 23): what the broker benchmarks (bench/broker_python.py, bench/broker_ruby_node.py)
print with `--counters`.

    counters = ServerCounters(pid, port)   # before the measured span: perf attaches
    ...                                     # the framework's jobs
    result = counters.stop(jobs)            # per job: system calls by name, context switches,
                                            # commands by name and their usec (INFO commandstats)

System calls are perf's tracepoints (`raw_syscalls:sys_enter` for the total and the calls the
transports use), context switches perf's software event (the server thread going to sleep and
waking: a wake-up each); both are exact counts of what the server did, whatever else runs. Needs
perf with tracepoints (root, or perf_event_paranoid <= -1); without it only the command counts
are reported. TCP segments come from the machine's counters (/proc/net/snmp and netstat): every
segment on loopback is counted once sent, so during a run with one server they are the
server's and its clients' segments per job, with the pure ACKs among them. Standard library
only.
"""
import signal
import socket
import subprocess
import time

SYSCALLS = ["io_uring_enter", "epoll_wait", "epoll_pwait", "recvfrom", "sendto", "read", "write",
            "writev", "epoll_ctl", "accept4", "close", "setsockopt", "getpeername", "openat",
            "futex", "clock_nanosleep", "clock_gettime", "madvise", "munmap", "mmap", "brk"]
SOFTWARE = ["context-switches", "task-clock", "page-faults"]


def _command(port, *args):
    request = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            # A bulk reply: "$<len>\r\n<payload>\r\n".
            header, _, rest = data.partition(b"\r\n")
            if header.startswith(b"$") and len(rest) >= int(header[1:]) + 2:
                return rest[:int(header[1:])].decode()


def commandstats(port):
    """{command: (calls, usec)} from INFO commandstats."""
    stats = {}
    for line in (_command(port, "INFO", "commandstats") or "").splitlines():
        if not line.startswith("cmdstat_"):
            continue
        name, _, fields = line[len("cmdstat_"):].partition(":")
        values = dict(kv.split("=", 1) for kv in fields.split(","))
        stats[name] = (int(values["calls"]), int(values["usec"]))
    return stats


def tcp_counters():
    """{"OutSegs": n, "PureAcks": n, "DelayedACKs": n} of the whole machine, so far."""
    wanted = {"OutSegs", "TCPPureAcks", "DelayedACKs"}
    found = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        with open(path) as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            if names.startswith("Tcp:") or names.startswith("TcpExt:"):
                for n, v in zip(names.split()[1:], values.split()[1:]):
                    if n in wanted:
                        found[n] = int(v)
    return found


class ServerCounters:
    def __init__(self, pid, port):
        self.port = port
        self.stats0 = commandstats(port)
        self.tcp0 = tcp_counters()
        events = ",".join(["raw_syscalls:sys_enter"] +
                          ["syscalls:sys_enter_%s" % n for n in SYSCALLS] + SOFTWARE)
        try:
            self.perf = subprocess.Popen(["perf", "stat", "-x", ",", "-e", events, "-p",
                                          str(pid)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True)
            time.sleep(0.3)  # attached
            if self.perf.poll() is not None:
                self.perf = None
        except OSError:
            self.perf = None

    def stop(self, jobs):
        """Per-job figures: {"syscalls": {name: n}, "switches": n, "commands": {name: (calls,
        usec)}} (the perf parts empty without perf)."""
        counts = {}
        if self.perf is not None:
            self.perf.send_signal(signal.SIGINT)
            _, err = self.perf.communicate()
            for line in err.splitlines():
                parts = line.split(",")
                if len(parts) > 2:
                    try:
                        value = float(parts[0])
                    except ValueError:
                        continue
                    event = parts[2]
                    if event.startswith("raw_syscalls"):
                        name = "total"
                    elif event.startswith("syscalls:"):
                        name = event.split(":")[-1].replace("sys_enter_", "")
                    else:
                        name = event
                    counts[name] = value
        tcp1 = tcp_counters()
        stats1 = commandstats(self.port)
        commands = {}
        for name, (calls, usec) in stats1.items():
            c0, u0 = self.stats0.get(name, (0, 0))
            if calls - c0 > 0:
                commands[name] = ((calls - c0) / jobs, (usec - u0) / jobs)
        return {"syscalls": {k: v / jobs for k, v in counts.items()
                             if k not in SOFTWARE},
                "switches": counts.get("context-switches", 0) / jobs,
                "faults": counts.get("page-faults", 0) / jobs,
                "task_ms": counts.get("task-clock", 0) / jobs,
                "tcp": {k: (tcp1[k] - self.tcp0.get(k, 0)) / jobs for k in tcp1},
                "commands": commands}


def describe(label, result):
    """Lines for a report: system calls per job (total first), switches, commands."""
    sc = dict(result["syscalls"])
    total = sc.pop("total", 0)
    calls = ", ".join("%s %.2f" % (n, v) for n, v in sorted(sc.items(), key=lambda kv: -kv[1])
                      if v >= 0.01)
    cmds = result["commands"]
    ncmd = sum(c for c, _ in cmds.values())
    usec = sum(u for _, u in cmds.values())
    cmd_text = ", ".join("%s %.2f (%.1f us)" % (n, c, u / c if c else 0)
                         for n, (c, u) in sorted(cmds.items(), key=lambda kv: -kv[1][1]))
    return ("%s: %.2f syscalls/job (%s); %.2f context switches/job; %.2f page faults/job; "
            "task-clock %.3f ms/job; TCP segments/job %.2f (pure ACKs %.2f, delayed ACKs %.2f)\n"
            "%s: %.2f commands/job, %.1f us/job in commands: %s" % (
                label, total, calls, result["switches"], result["faults"], result["task_ms"],
                result["tcp"].get("OutSegs", 0), result["tcp"].get("TCPPureAcks", 0),
                result["tcp"].get("DelayedACKs", 0), label,
                ncmd, usec,
                cmd_text))
