"""Run a command against a throwaway PostgreSQL server: `make test-postgres` uses it.

    python scripts/with_postgres.py -- pytest -q
    python scripts/with_postgres.py --durable -- python benchmarks/run.py

It finds Debian's `postgresql` binaries (PATH or /usr/lib/postgresql/*/bin), runs `initdb`
into a temporary folder, starts the server on a free loopback port with its socket in that
folder, runs the command with OLGA_TEST_POSTGRES set to the server's URL, then stops the
server and removes the folder, whatever happened. Nothing is installed or configured on the
machine. As root (CI containers), the server runs as the `postgres` user, since PostgreSQL
refuses to run as root.

The test server runs with `fsync=off` (a test's data need not survive a power cut). With
`--durable` (`make bench-postgres`) it keeps PostgreSQL's defaults, fsync and synchronous
commit on, as a shop's server runs: its figures then compare with SQLite's synchronous FULL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def find_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    sys.exit(
        f"{name} not found: install Debian's postgresql package "
        "(apt-get install postgresql), then run this again."
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    # A CI timeout or `kill` sends SIGTERM: stop the server and remove the folder then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = sys.argv[1:]
    durable = "--durable" in args[: args.index("--")] if "--" in args else False
    if "--" in args:
        args = args[args.index("--") + 1 :]
    if not args:
        sys.exit("usage: with_postgres.py [--durable] -- COMMAND ...")
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="olga-pg-"))
    data, log = folder / "data", folder / "server.log"
    as_user: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        user = "postgres"
        owner = pwd.getpwnam(user)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    port = free_port()
    url = f"postgresql://{user}@127.0.0.1:{port}/postgres"
    started = False
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8"]
            # A German linguistic collation (ICU), as a shop's server would have: the search
            # keys must not depend on it (they are stored with COLLATE "C").
            + ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=de-DE", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
            "-c max_connections=200"
        )
        if not durable:
            options += " -c fsync=off"
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        print(f"PostgreSQL for the tests: {url}", flush=True)
        env = {**os.environ, "OLGA_TEST_POSTGRES": url}
        return subprocess.run(args, env=env).returncode
    finally:
        if started:
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
            )
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
