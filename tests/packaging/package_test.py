#!/usr/bin/env python3
"""The Debian package, built and installed into a scratch root (ctest "package").

  1. cpack builds rill-server_<version>_amd64.deb from the build tree's install rules;
  2. its control fields, file list (dpkg-deb --info/--contents) and maintainer scripts are
     what packaging/ says;
  3. dpkg --root installs it into an empty scratch root, running the maintainer scripts
     there (DPKG_ROOT): the "rill" system user and /var/lib/rill appear in that root only;
     remove and purge take the files away again and keep the data directory;
  4. systemd-analyze verify accepts the installed unit;
  5. the installed rill-server starts with the installed rill.conf (plus --port and --dir),
     tells systemd it is ready over $NOTIFY_SOCKET (as under the unit, --supervised systemd),
     answers PING, logs no "has no effect" line, and stops on SIGTERM.

    tests/packaging/package_test.py --build-dir build
Needs dpkg, dpkg-deb, cpack and systemd-analyze (scripts/setup.sh installs them). Runs as any
user but the dpkg --root step needs root (it chowns files); without root that step is
skipped with a message. Standard library only.
"""

import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

failures = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)
    return condition


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout


def build_package(build_dir, out_dir):
    run(["cpack", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-B", out_dir])
    debs = glob.glob(os.path.join(out_dir, "*.deb"))
    if len(debs) != 1:
        sys.exit(f"cpack made {debs}, expected one .deb")
    return debs[0]


def check_control(deb, version):
    name = os.path.basename(deb)
    check(name == f"rill-server_{version}_amd64.deb", f"file name {name}")
    fields = {f: run(["dpkg-deb", "--field", deb, f]).strip()
              for f in ("Package", "Version", "Architecture", "Depends")}
    check(fields["Package"] == "rill-server", f"Package: {fields['Package']}")
    check(fields["Version"] == version, f"Version: {fields['Version']}")
    check(fields["Architecture"] == "amd64", f"Architecture: {fields['Architecture']}")
    for lib in ("libc6", "libstdc++6", "libssl3", "liblzf1", "libabsl"):
        check(lib in fields["Depends"], f"Depends names {lib}")


def check_contents(deb):
    listing = run(["dpkg-deb", "--contents", deb])
    entries = {}
    for line in listing.splitlines():
        parts = line.split()
        entries[parts[-1].lstrip(".")] = parts[0]
    expected = {
        "/usr/bin/rill-server": "-rwxr-xr-x",
        "/etc/rill/rill.conf": "-rw-r--r--",
        "/lib/systemd/system/rill-server.service": "-rw-r--r--",
        "/usr/share/man/man1/rill-server.1.gz": "-rw-r--r--",
        "/usr/share/doc/rill-server/README.md": "-rw-r--r--",
        "/usr/share/doc/rill-server/architecture.md": "-rw-r--r--",
    }
    for path, mode in expected.items():
        check(entries.get(path) == mode, f"package holds {path} ({mode})")
    files = sorted(p for p, m in entries.items() if not m.startswith("d"))
    check(files == sorted(expected), f"nothing else in the package: {files}")
    owners = {line.split()[1] for line in listing.splitlines()}
    check(owners == {"root/root"}, f"files owned by root: {owners}")


def check_control_scripts(deb, work):
    control = os.path.join(work, "control")
    run(["dpkg-deb", "--control", deb, control])
    with open(os.path.join(control, "conffiles")) as f:
        check(f.read().split() == ["/etc/rill/rill.conf"], "conffiles: /etc/rill/rill.conf")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        check(os.access(path, os.X_OK), f"{script} is executable")
        check(subprocess.run(["sh", "-n", path]).returncode == 0, f"{script} parses (sh -n)")


def make_scratch_root(root):
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc",
              "var/log"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for name, text in {"var/lib/dpkg/status": "", "var/lib/dpkg/available": "",
                       "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
                       "etc/group": "root:x:0:\n",
                       "etc/shadow": "root:*:19000:0:99999:7:::\n",
                       "etc/gshadow": "root:*::\n"}.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)


def dpkg(root, work, *args):
    # Maintainer scripts run outside a chroot with DPKG_ROOT set; the scratch root has none of
    # the package's dependencies (the host has them), hence --force-depends.
    return subprocess.run(["dpkg", f"--root={root}", f"--log={work}/dpkg.log",
                           "--force-script-chrootless", "--force-depends", *args],
                          capture_output=True, text=True)


def passwd_entry(root, user):
    with open(os.path.join(root, "etc/passwd")) as f:
        for line in f:
            if line.startswith(user + ":"):
                return line.strip().split(":")
    return None


def check_install(deb, root, work):
    make_scratch_root(root)
    with open("/etc/passwd") as f:
        host_passwd = f.read()
    r = dpkg(root, work, "--install", deb)
    with open("/etc/passwd") as f:
        check(f.read() == host_passwd, "the host's /etc/passwd is untouched")
    if not check(r.returncode == 0, "dpkg --root --install"):
        print(r.stdout, r.stderr)
        return False
    status = run(["dpkg", f"--root={root}", "--status", "rill-server"])
    check("Status: install ok installed" in status, "installed and configured in the root")
    user = passwd_entry(root, "rill")
    check(user is not None and user[5:] == ["/var/lib/rill", "/usr/sbin/nologin"],
          f"system user rill in the root's passwd: {user}")
    check(user is not None and int(user[2]) < 1000, "rill is a system user (uid < 1000)")
    data = os.path.join(root, "var/lib/rill")
    st = os.stat(data) if os.path.isdir(data) else None
    check(st is not None and user is not None and st.st_uid == int(user[2]) and
          (st.st_mode & 0o777) == 0o750, "/var/lib/rill owned by rill, mode 0750")
    for path in ("usr/bin/rill-server", "etc/rill/rill.conf",
                 "lib/systemd/system/rill-server.service"):
        check(os.path.exists(os.path.join(root, path)), f"/{path} installed")
    # Installing again (an upgrade to the same version) keeps the user and the directory.
    r = dpkg(root, work, "--install", deb)
    check(r.returncode == 0, "dpkg --install again (upgrade path)")
    return True


def check_remove(root, work):
    with open(os.path.join(root, "var/lib/rill/keep"), "w") as f:
        f.write("data")
    r = dpkg(root, work, "--remove", "rill-server")
    check(r.returncode == 0, "dpkg --remove")
    check(not os.path.exists(os.path.join(root, "usr/bin/rill-server")), "binary removed")
    check(os.path.exists(os.path.join(root, "etc/rill/rill.conf")), "conffile kept on remove")
    r = dpkg(root, work, "--purge", "rill-server")
    check(r.returncode == 0, "dpkg --purge")
    check(not os.path.exists(os.path.join(root, "etc/rill/rill.conf")), "conffile purged")
    check(os.path.exists(os.path.join(root, "var/lib/rill/keep")), "data kept on purge")


def check_unit(root):
    # verify needs the standard targets the unit refers to; the scratch root gets the host's.
    unit_dir = os.path.join(root, "lib/systemd/system")
    for pattern in ("/lib/systemd/system/*.target", "/lib/systemd/system/*.slice"):
        for path in glob.glob(pattern):
            target = os.path.join(unit_dir, os.path.basename(path))
            if not os.path.exists(target):
                shutil.copy(path, target)
    # --man=no: the man page is checked on its own below (the host has no rill-server(1)).
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                        "/lib/systemd/system/rill-server.service"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          f"systemd-analyze verify: clean (rc {r.returncode}) {r.stdout}{r.stderr}".strip())
    with open(os.path.join(unit_dir, "rill-server.service")) as f:
        unit = f.read()
    check("Type=notify" in unit and "--supervised systemd" in unit,
          "unit: Type=notify with --supervised systemd")
    man = subprocess.run(["man", "--warnings", "-l", os.path.join(
        root, "usr/share/man/man1/rill-server.1.gz")], capture_output=True, text=True,
        env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    check(man.returncode == 0 and "rill-server" in man.stdout and not man.stderr.strip(),
          f"man page renders without warnings {man.stderr.strip()}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(port, *args):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"*%d\r\n" % len(args) +
                  b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
        return s.recv(4096)


def check_server(root, work):
    binary = os.path.join(root, "usr/bin/rill-server")
    conf = os.path.join(root, "etc/rill/rill.conf")
    data = os.path.join(work, "data")
    os.makedirs(data)
    notify_path = os.path.join(work, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(20)
    port = free_port()
    log_path = os.path.join(work, "server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [binary, conf, "--port", str(port), "--dir", data, "--supervised", "systemd",
             "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, cwd=work,
            env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    try:
        try:
            message = notify.recv(4096).decode()
        except socket.timeout:
            message = ""
        check("READY=1" in message.split("\n"), f"READY=1 sent to NOTIFY_SOCKET: {message!r}")
        check(command(port, "PING") == b"+PONG\r\n", "PING answered after READY=1")
        check(command(port, "CONFIG", "GET", "bind") ==
              b"*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n", "bind from rill.conf")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        notify.close()
    check(code == 0, f"clean exit on SIGTERM (status {code})")
    with open(log_path) as f:
        log_text = f.read()
    check("has no effect" not in log_text, "no 'has no effect' line for the sample config")
    check("Supervised by systemd" in log_text, "readiness logged")
    if failures:
        print(log_text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        version = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", f.read(), re.M).group(1)
    for tool in ("cpack", "dpkg", "dpkg-deb", "systemd-analyze", "man"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: scripts/setup.sh installs what this test needs")
    with tempfile.TemporaryDirectory(prefix="rill-package-") as work:
        start = time.monotonic()
        deb = build_package(build_dir, os.path.join(work, "out"))
        print(f"built {os.path.basename(deb)} in {time.monotonic() - start:.1f} s")
        check_control(deb, version)
        check_contents(deb)
        check_control_scripts(deb, work)
        root = os.path.join(work, "root")
        installed = os.geteuid() == 0 and check_install(deb, root, work)
        if os.geteuid() != 0:
            print("skipped: dpkg --root install (needs root); extracting with dpkg -x instead")
            run(["dpkg", "-x", deb, root])
        check_unit(root)
        check_server(root, work)
        if installed:
            check_remove(root, work)  # last: the checks above use the installed files
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all package checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
