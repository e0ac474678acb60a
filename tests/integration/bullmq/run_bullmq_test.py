#!/usr/bin/env python3
"""ctest driver of the BullMQ test: starts a server (rill-server, or redis-server with
RILL_TEST_AGAINST_REDIS=1) on a free loopback port in a scratch directory, runs test.js against it with
node, and stops the server by its pid. node_modules come from scripts/setup.sh (npm ci); when
they are missing and npm cannot fetch them (no registry), the test is skipped (exit 77) with
that reason."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
from fw_support import SKIP, Server, server_binary  # noqa: E402


def main():
    binary = server_binary(sys.argv[1])
    if shutil.which("node") is None:
        print("SKIPPED: node is not installed (scripts/setup.sh installs it)")
        return SKIP
    if not os.path.isdir(os.path.join(HERE, "node_modules", "bullmq")):
        npm = shutil.which("npm")
        ok = npm is not None and subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
            timeout=300).returncode == 0
        if not ok:
            print("SKIPPED: BullMQ is not installed and npm could not fetch it "
                  "(registry unreachable?)")
            return SKIP
    with Server(binary) as server:
        result = subprocess.run(["node", os.path.join(HERE, "test.js"), str(server.port)],
                                timeout=90)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
