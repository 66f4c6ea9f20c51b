"""SQLite's write-ahead log copied back into the database file in the background.

By default SQLite checkpoints inside a commit once the log passes 1,000 pages: the request whose
commit crosses the line copies the pages and syncs the file (tens to hundreds of milliseconds on
a busy disk) while it holds the one writer's turn, so every patient's write queued behind it
waits too. The server instead checkpoints every second from a connection of its own, which
readers and writers never wait for (PASSIVE), and keeps the commit-time checkpoint only as a
safety net for a log that grows past DEFERRED_PAGES anyway.
"""

import asyncio
import logging
import sqlite3
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
# The commit-time checkpoint's threshold while the background one runs (16 MB of 4 KB pages):
# reached only if background checkpoints fall behind or stop.
DEFERRED_PAGES = 4000


@dataclass(frozen=True)
class Checkpoint:
    """What one PASSIVE checkpoint did: the log's frames and how many are now in the file."""

    busy: bool
    frames: int
    copied: int


def database_file(engine: Engine) -> str | None:
    """The engine's SQLite file, or None for PostgreSQL and in-memory databases."""
    if engine.dialect.name != "sqlite":
        return None
    name = engine.url.database
    return name if name and name != ":memory:" else None


def _defer(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={DEFERRED_PAGES}").close()


def defer_commit_checkpoints(engine: Engine) -> None:
    """New connections of this engine leave checkpoints to the background until DEFERRED_PAGES;
    idle pooled ones are closed so that none keeps the 1,000-page default."""
    if not event.contains(engine, "connect", _defer):
        event.listen(engine, "connect", _defer)
        engine.dispose(close=True)


def checkpoint(connection: sqlite3.Connection) -> Checkpoint:
    """Copy what the log holds into the database file, waiting for no reader or writer."""
    busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return Checkpoint(bool(busy), int(frames), int(copied))


async def checkpoint_loop(path: str, stop: asyncio.Event) -> None:
    """Checkpoint every INTERVAL_SECONDS (in a worker thread) until stop is set."""
    connection = sqlite3.connect(path, timeout=1, check_same_thread=False)
    try:
        while not stop.is_set():
            try:
                await asyncio.to_thread(checkpoint, connection)
            except sqlite3.Error:  # a locked or missing file now is retried on the next tick
                log.warning("background checkpoint failed", exc_info=True)
            try:
                await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)
            except TimeoutError:
                pass
    finally:
        connection.close()
