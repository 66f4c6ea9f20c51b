"""A throwaway PostgreSQL server started and stopped by the test run."""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

# The server refuses to run as root; Debian's package creates this account.
SERVICE_USER = "postgres"
DB_USER = "ng"
HOST = "127.0.0.1"
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# How many fresh ports to try when another process grabs ours between our
# probe and the server's bind.
_PORT_ATTEMPTS = 5
_LOG_TAIL_LINES = 40


class PostgresStartError(RuntimeError):
    """The throwaway server could not be created or started."""


def _has_server(bindir: Path) -> bool:
    """Return True when bindir holds the server binaries we run."""
    return (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file()


def _version_key(bindir: Path) -> tuple[int, ...]:
    """Sort key turning /usr/lib/postgresql/15/bin into (15,)."""
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))


def find_pg_bindir() -> Path | None:
    """Return the folder with initdb and pg_ctl, or None when not installed."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        # libpq-dev ships pg_config without the server, so check the binaries.
        if out and _has_server(Path(out)):
            return Path(out)
    # Debian keeps server binaries off PATH, one folder per major version.
    candidates = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if _has_server(path)]
    if candidates:
        return max(candidates, key=_version_key)
    # Other systems (Homebrew, Fedora) put initdb on PATH.
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """Start a private PostgreSQL server in a temp folder; stop removes it."""

    def __init__(self, bindir: Path | None = None, port: int | None = None) -> None:
        """Remember settings; nothing runs until start()."""
        self._bindir = bindir
        self._fixed_port = port
        self._port: int | None = None
        self._dir: Path | None = None
        self._running = False
        self._as_root = os.geteuid() == 0

    # -- public API -------------------------------------------------------

    @property
    def port(self) -> int:
        """TCP port the running server listens on."""
        if self._port is None or not self._running:
            raise RuntimeError("PostgreSQL server is not running")
        return self._port

    @property
    def directory(self) -> Path:
        """Temp folder holding the data folder, socket and log."""
        if self._dir is None:
            raise RuntimeError("PostgreSQL server was never started")
        return self._dir

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default postgres database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of database name on this server."""
        return f"postgresql+psycopg://{DB_USER}@{HOST}:{self.port}/{name}"

    def start(self) -> PostgresServer:
        """Create a fresh cluster and start the server; returns self."""
        if self._running:
            return self
        bindir = self._bindir or find_pg_bindir()
        if bindir is None:
            raise PostgresStartError(
                "PostgreSQL server binaries not found (apt-get install postgresql)"
            )
        self._bindir = bindir
        self._dir = self._make_dir()
        try:
            self._run([bindir / "initdb", *self._initdb_args()], "initdb")
            self._start_server(bindir)
        except BaseException:
            self._kill_leftover(bindir)
            self._remove_dir()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        try:
            if self._running and self._bindir is not None:
                # Best effort: the folder goes away below either way.
                self._run(
                    [
                        self._bindir / "pg_ctl",
                        "-D",
                        str(self._data),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ],
                    "pg_ctl stop",
                    check=False,
                )
        finally:
            self._running = False
            self._remove_dir()

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        if not _DB_NAME.fullmatch(name):
            raise ValueError(f"database name must match {_DB_NAME.pattern}: {name!r}")
        # CREATE DATABASE cannot run inside a transaction block.
        with psycopg.connect(
            host=HOST, port=self.port, user=DB_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def __enter__(self) -> PostgresServer:
        """Start the server for a with block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server at the end of the with block."""
        self.stop()

    # -- internals --------------------------------------------------------

    @property
    def _data(self) -> Path:
        return self.directory / "data"

    @property
    def _log(self) -> Path:
        return self.directory / "server.log"

    def _make_dir(self) -> Path:
        """Create the fresh temp folder, owned by whoever runs the server."""
        if not self._as_root:
            return Path(tempfile.mkdtemp(prefix="ng-pg-"))
        try:
            account = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise PostgresStartError(
                f"running as root but there is no {SERVICE_USER!r} user to run "
                "PostgreSQL as (apt-get install postgresql creates it)"
            ) from None
        # root's TMPDIR may be private; /tmp is reachable by the postgres user.
        base = "/tmp" if os.path.isdir("/tmp") else None
        path = Path(tempfile.mkdtemp(prefix="ng-pg-", dir=base))
        os.chown(path, account.pw_uid, account.pw_gid)
        return path

    def _initdb_args(self) -> list[str]:
        return [
            "-D",
            str(self._data),
            "-A",
            "trust",
            "-U",
            DB_USER,
            # C locale exists everywhere, so the caller's LANG cannot break it.
            "-E",
            "UTF8",
            "--locale=C",
            # Nothing survives the run, so skip fsync for speed.
            "--no-sync",
        ]

    def _start_server(self, bindir: Path) -> None:
        """Start postgres, retrying on a new port if ours got taken."""
        attempts = 1 if self._fixed_port is not None else _PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._fixed_port or _free_port()
            options = shlex.join(
                [
                    "-p",
                    str(port),
                    "-k",
                    str(self.directory),
                    "-c",
                    "listen_addresses=" + HOST,
                    "-c",
                    "fsync=off",
                ]
            )
            result = self._run(
                [
                    bindir / "pg_ctl",
                    "-D",
                    str(self._data),
                    "-l",
                    str(self._log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                "pg_ctl start",
                check=False,
            )
            if result.returncode == 0:
                self._port = port
                self._running = True
                return
            log = self._log_tail()
            if attempt < attempts and "Address already in use" in log:
                # Lost the race for the port; the next attempt logs afresh.
                self._log.unlink(missing_ok=True)
                continue
            raise PostgresStartError(self._describe(result, "pg_ctl start", port=port, log=log))

    def _command(self, argv: Sequence[str | Path]) -> list[str]:
        """Wrap argv so it runs as the postgres user when we are root."""
        args = [str(arg) for arg in argv]
        if not self._as_root:
            return args
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", SERVICE_USER, "--", *args]
        return ["su", SERVICE_USER, "-s", "/bin/sh", "-c", shlex.join(args)]

    def _run(
        self, argv: Sequence[str | Path], what: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a server binary; on failure with check, raise with its output."""
        try:
            result = subprocess.run(
                self._command(argv),
                capture_output=True,
                text=True,
                # A cwd the postgres user can enter avoids "could not change
                # directory" noise when root started us from /root.
                cwd=self.directory,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresStartError(f"{what} could not run: {exc}") from exc
        if check and result.returncode != 0:
            raise PostgresStartError(self._describe(result, what, port=None, log=self._log_tail()))
        return result

    def _describe(
        self,
        result: subprocess.CompletedProcess[str],
        what: str,
        port: int | None,
        log: str,
    ) -> str:
        """Build a readable error: command, exit code, output and server log."""
        lines = [
            f"{what} failed with exit code {result.returncode}",
            f"command: {shlex.join(str(arg) for arg in result.args)}",
        ]
        if port is not None:
            lines.append(f"port: {port}")
        for label, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                lines += [f"--- {label} ---", text.rstrip()]
        if log:
            lines += [f"--- server log (last {_LOG_TAIL_LINES} lines) ---", log]
        return "\n".join(lines)

    def _log_tail(self) -> str:
        """Return the end of the server log, or "" when there is none."""
        try:
            text = self._log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-_LOG_TAIL_LINES:])

    def _kill_leftover(self, bindir: Path) -> None:
        """Stop a server that came up halfway (e.g. pg_ctl timed out)."""
        if not (self._data / "postmaster.pid").exists():
            return
        try:
            self._run(
                [bindir / "pg_ctl", "-D", str(self._data), "-m", "immediate", "stop"],
                "pg_ctl stop",
                check=False,
            )
        except PostgresStartError:
            pass  # Already failing; the original error is the useful one.

    def _remove_dir(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
