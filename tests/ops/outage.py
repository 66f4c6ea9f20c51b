"""Taking the database away for real: PostgreSQL stopped and restarted, SQLite made read-only."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.postgres import HOST, SERVICE_USER, PostgresServer, find_pg_bindir
from tests.support.requirements import require


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    """Run pg_ctl on the server's data folder, as the postgres user when we are root."""
    bindir = find_pg_bindir()
    assert bindir is not None
    argv = [str(bindir / "pg_ctl"), "-D", str(server.directory / "data"), *args]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, cwd=server.directory, timeout=120)


@contextmanager
def postgres_stopped(server: PostgresServer) -> Iterator[None]:
    """Stop the run's PostgreSQL (fast shutdown: sessions are cut), then start it again."""
    port = server.port
    _pg_ctl(server, "-m", "fast", "-w", "stop")
    try:
        yield
    finally:
        options = shlex.join(
            ["-p", str(port), "-k", str(server.directory), "-c", f"listen_addresses={HOST}"]
            + ["-c", "fsync=off"]
        )
        log = str(server.directory / "restart.log")
        _pg_ctl(server, "-l", log, "-w", "-t", "60", "-o", options, "start")


class ReadOnly:
    """A file made unwritable even for root (the immutable flag) until lift() or the block ends."""

    def __init__(self, path: Path) -> None:
        """Remember the file; nothing changes until the with block starts."""
        self.path = path
        self.locked = False

    def __enter__(self) -> ReadOnly:
        """Set the immutable flag, or skip (fail in CI) where it cannot be set."""
        if not shutil.which("chattr"):
            require("chattr", "chattr not found (e2fsprogs)")
        done = subprocess.run(["chattr", "+i", str(self.path)], capture_output=True, text=True)
        if done.returncode != 0:
            require("chattr +i", f"cannot set the immutable flag here: {done.stderr.strip()}")
        self.locked = True
        return self

    def lift(self) -> None:
        """Make the file writable again."""
        if self.locked:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
            self.locked = False

    def __exit__(self, *_exc: object) -> None:
        """Never leave an undeletable file behind."""
        self.lift()
