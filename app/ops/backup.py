"""Backing up and restoring the database: SQLite's online backup API, or pg_dump and pg_restore."""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from app.db import make_engine

# done, total: called as a backup or restore advances (pages for SQLite, tables for PostgreSQL).
Progress = Callable[[int, int], None]
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Every piece of someone's data hangs off one of these; a freshly migrated database has none.
DATA_TABLES = ("clinic", "staff_user", "patient", "audit_event")
PAGES_PER_STEP = 512
_PG_TABLE_LINE = re.compile(r"(dumping contents of|processing data for) table ")


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did, for the command to report."""

    kind: str  # sqlite | postgresql
    path: Path
    size: int


def _ignore(_done: int, _total: int) -> None:
    """The default progress callback: report nothing."""


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def holds_data(database_url: str) -> bool:
    """Whether the database has any clinic, staff, patient or audit rows (not only the library)."""
    url = make_url(database_url)
    if _is_sqlite(url) and not _sqlite_path(url).exists():
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            for table in DATA_TABLES:
                if table in present:
                    row = connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
                    if row is not None:
                        return True
        return False
    finally:
        engine.dispose()


def backup(database_url: str, target: Path, progress: Progress = _ignore) -> Outcome:
    """Write a consistent copy of the database to target while the app keeps running."""
    url = make_url(database_url)
    target = target.expanduser()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a failed run never leaves half a backup behind.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), partial, progress)
        else:
            _pg_dump(url, partial, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    return Outcome(kind, target, target.stat().st_size)


def restore(
    database_url: str, source: Path, *, force: bool = False, progress: Progress = _ignore
) -> Outcome:
    """Replace the database's contents with a backup; refuses to overwrite data unless forced."""
    url = make_url(database_url)
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if _is_sqlite(url) and not head.startswith(SQLITE_MAGIC):
        raise BackupError(
            f"{source} is not a SQLite backup, but the database is SQLite"
            + (" (it is a PostgreSQL dump)." if head.startswith(PGDUMP_MAGIC) else ".")
        )
    if not _is_sqlite(url) and not head.startswith(PGDUMP_MAGIC):
        raise BackupError(
            f"{source} is not a pg_dump custom-format file, but the database is PostgreSQL"
            + (" (it is a SQLite backup)." if head.startswith(SQLITE_MAGIC) else ".")
        )
    if not force and holds_data(database_url):
        raise BackupError(
            "The database already holds clinics, staff or patients. Restoring replaces all of it: "
            "stop the app, then run the restore again with --force."
        )
    if _is_sqlite(url):
        _sqlite_restore(source, _sqlite_path(url), progress)
    else:
        _pg_restore(url, source, progress)
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    return Outcome(kind, source, source.stat().st_size)


# -- SQLite -------------------------------------------------------------------------------


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress) -> None:
    """Copy every page with the online backup API, a step at a time so writers are not starved."""

    def report(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=report)


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if result is None or result[0] != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {result}")


def _sqlite_backup(database: Path, target: Path, progress: Progress) -> None:
    """Copy a live SQLite database (its WAL included) into one self-contained file."""
    if not database.exists():
        raise BackupError(f"No SQLite database at {database}.")
    # Read-only, so a backup can never create or change the live database.
    source = sqlite3.connect(f"file:{database.resolve().as_posix()}?mode=ro", uri=True)
    try:
        source.execute("PRAGMA busy_timeout=15000")
        copy = sqlite3.connect(target)
        try:
            _copy(source, copy, progress)
            # One plain file: no -wal or -shm needed beside the backup.
            copy.execute("PRAGMA journal_mode=DELETE")
            _check_integrity(copy, "The backup")
        finally:
            copy.close()
    finally:
        source.close()


def _sqlite_restore(source: Path, database: Path, progress: Progress) -> None:
    """Copy a backup file over the database in one step, then return it to WAL mode."""
    backup_file = sqlite3.connect(f"file:{source.resolve().as_posix()}?mode=ro", uri=True)
    try:
        _check_integrity(backup_file, f"The backup {source}")
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database)
        try:
            target.execute("PRAGMA busy_timeout=15000")
            _copy(backup_file, target, progress)
            target.execute("PRAGMA journal_mode=WAL")
            _check_integrity(target, "The restored database")
        finally:
            target.close()
    finally:
        backup_file.close()


# -- PostgreSQL ---------------------------------------------------------------------------


def find_pg_tool(name: str) -> Path:
    """pg_dump or pg_restore: from pg_config's folder, Debian's newest version, or the PATH."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            bindir = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            bindir = ""
        if bindir and (Path(bindir) / name).is_file():
            return Path(bindir) / name
    # Debian keeps one folder per major version; the newest can dump every older server.
    versions = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.is_file()]
    if versions:
        return max(
            versions, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)]
        )
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupError(
        f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)."
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password is not None:
        # Kept off the command line, where any user could read it in the process list.
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run_pg(argv: list[str], env: dict[str, str], total: int, progress: Progress) -> None:
    """Run pg_dump or pg_restore --verbose, advancing progress once per table's data."""
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None
    done, messages = 0, []
    for line in process.stderr:
        if _PG_TABLE_LINE.search(line):
            done += 1
            progress(min(done, total), total)
        elif "error" in line.lower() or "fatal" in line.lower():
            messages.append(line.rstrip())
    if process.wait() != 0:
        tool = Path(argv[0]).name
        detail = "\n".join(messages[-10:]) or "no message"
        raise BackupError(f"{tool} failed (exit code {process.returncode}):\n{detail}")
    progress(total, total)


def _pg_dump(url: URL, target: Path, progress: Progress) -> None:
    """pg_dump --format=custom: one consistent snapshot, taken while the app keeps writing."""
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            tables = int(
                connection.execute(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
                ).scalar_one()
            )
    finally:
        engine.dispose()
    uri, env = _libpq(url)
    argv = [str(find_pg_tool("pg_dump")), "--format=custom", "--verbose", f"--file={target}", uri]
    _run_pg(argv, env, max(tables, 1), progress)


def _pg_restore(url: URL, source: Path, progress: Progress) -> None:
    """Replace the database's schemas with the backup's in one transaction: all of it or none.

    pg_restore --clean cannot drop a partition's inherited keys, so instead the schemas are
    dropped and made again, then the backup is loaded without --clean. pg_restore writes the
    SQL and psql runs it after a BEGIN; COMMIT is sent only once pg_restore has read the whole
    file, so a corrupt backup or a failed statement leaves every old row in place."""
    tool = find_pg_tool("pg_restore")
    psql = tool.with_name("psql") if tool.with_name("psql").is_file() else find_pg_tool("psql")
    listing = subprocess.run(
        [str(tool), "--list", str(source)], capture_output=True, text=True, timeout=120
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read {source}: {listing.stderr.strip()}")
    entries = [line.split() for line in listing.stdout.splitlines() if not line.startswith(";")]
    tables = sum(1 for words in entries if words[3:5] == ["TABLE", "DATA"])
    schemas = {
        words[4]
        for words in entries
        if words[3:4] == ["TABLE"] and len(words) > 5 and words[4] not in ("DATA", "ATTACH")
    }
    made_by_backup = {words[5] for words in entries if words[3:5] == ["SCHEMA", "-"]}
    preamble = ["BEGIN;", "SET client_min_messages = warning;"]
    for schema in sorted(schemas | {"public"}):
        preamble.append(_replace_schema_sql(schema, remake=schema not in made_by_backup))
    uri, env = _libpq(url)
    loader = subprocess.Popen(
        [str(tool), "--no-owner", "--verbose", "--file=-", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    runner = subprocess.Popen(
        [str(psql), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={uri}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert loader.stdout and loader.stderr and runner.stdin and runner.stderr
    messages: list[str] = []
    readers = [
        threading.Thread(target=_read_progress, args=(loader.stderr, tables, progress, messages)),
        threading.Thread(target=_read_errors, args=(runner.stderr, messages)),
    ]
    for reader in readers:
        reader.start()
    committed = False
    try:
        runner.stdin.write("\n".join(preamble).encode() + b"\n")
        shutil.copyfileobj(loader.stdout, runner.stdin, 1 << 20)
        if loader.wait() == 0:
            runner.stdin.write(b"\nCOMMIT;\n")
            runner.stdin.close()
            committed = runner.wait() == 0
    except BrokenPipeError:  # psql stopped at an error; its message is in messages
        pass
    finally:
        if not committed:
            # Killed before any COMMIT: the server rolls the whole transaction back.
            runner.kill()
            loader.kill()
        for pipe in (runner.stdin, loader.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        for process in (runner, loader):
            process.wait()
        for reader in readers:
            reader.join()
    if not committed:
        detail = "\n".join(messages[-10:]) or "no message"
        raise BackupError(
            f"The restore failed and changed nothing (the database is as it was):\n{detail}"
        )
    progress(max(tables, 1), max(tables, 1))


def _replace_schema_sql(schema: str, remake: bool) -> str:
    """SQL dropping a schema with everything in it, and making it again with its owner and
    grants when the backup does not make it itself (public never is)."""
    literal = "'" + schema.replace("'", "''") + "'"
    remaking = f"""
  EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %s', {literal},
    coalesce(owner_name, 'CURRENT_USER'));
  FOR granted IN SELECT * FROM aclexplode(grants) LOOP
    EXECUTE format('GRANT %s ON SCHEMA %I TO %s%s', granted.privilege_type, {literal},
      CASE WHEN granted.grantee = 0 THEN 'PUBLIC' ELSE granted.grantee::regrole::text END,
      CASE WHEN granted.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;"""
    return f"""DO $restore$
DECLARE
  owner_name text;
  grants aclitem[];
  granted record;
BEGIN
  SELECT nspowner::regrole::text, nspacl INTO owner_name, grants
    FROM pg_namespace WHERE nspname = {literal};
  EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', {literal});{remaking if remake else ""}
END
$restore$;"""


def _read_progress(stream: IO[bytes], total: int, progress: Progress, messages: list[str]) -> None:
    """Advance progress once per table's data from pg_restore --verbose; keep its errors."""
    done = 0
    for raw in stream:
        line = raw.decode(errors="replace")
        if _PG_TABLE_LINE.search(line):
            done += 1
            progress(min(done, total), max(total, 1))
        elif "error" in line.lower() or "fatal" in line.lower():
            messages.append(line.rstrip())


def _read_errors(stream: IO[bytes], messages: list[str]) -> None:
    """Keep what psql reports (only errors and warnings: it runs --quiet)."""
    for raw in stream:
        messages.append(raw.decode(errors="replace").rstrip())
