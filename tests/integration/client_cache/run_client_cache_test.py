#!/usr/bin/env python3
"""ctest driver of the node-redis v5 client-side cache test (test.js): starts rill-server on a
free loopback port in a scratch directory, runs test.js against it with node, and stops the
server by its pid. node_modules come from scripts/setup.sh (npm ci, locked by
package-lock.json); when they are missing and npm cannot fetch them (no registry), the test is
skipped (exit 77) with that reason."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary = sys.argv[1]
    if shutil.which("node") is None:
        print("SKIPPED: node is not installed (scripts/setup.sh installs it)")
        return SKIP
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@redis", "client")):
        npm = shutil.which("npm")
        ok = npm is not None and subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
            timeout=300).returncode == 0
        if not ok:
            print("SKIPPED: node-redis is not installed and npm could not fetch it "
                  "(registry unreachable?)")
            return SKIP
    workdir = tempfile.mkdtemp(prefix="rill-client-cache-")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--dir", workdir], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        result = subprocess.run(["node", os.path.join(HERE, "test.js"), str(port)], timeout=60)
        return result.returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
