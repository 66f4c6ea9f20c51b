"""SQLite's log is checkpointed in the background, not inside a patient's commit."""

import asyncio
import gc
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text

import app.ops.checkpoint as checkpointing
from app.core.lifespan import app_lifespan
from app.db import get_engine, make_engine
from app.ops.checkpoint import (
    DEFERRED_PAGES,
    Checkpoint,
    checkpoint,
    database_file,
    defer_commit_checkpoints,
)


def _fill(path: Path, rows: int = 300) -> None:
    """Commit rows one by one, each a few pages of log, without a commit-time checkpoint."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body BLOB)")
    for _ in range(rows):
        connection.execute("INSERT INTO filler (body) VALUES (randomblob(3000))")
        connection.commit()
    connection.close()


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    """A database file kept open meanwhile, as the server keeps it: the last connection to
    close would otherwise checkpoint and remove the log itself."""
    file = tmp_path / "log.db"
    _fill(file, rows=1)
    holder = sqlite3.connect(file)
    holder.execute("SELECT count(*) FROM filler").fetchall()  # opens the log as a reader
    yield file
    holder.close()


def test_a_checkpoint_copies_every_frame_of_the_log(path: Path) -> None:
    """With no reader in the way, a passive checkpoint leaves nothing behind."""
    _fill(path)
    connection = sqlite3.connect(path)
    done = checkpoint(connection)
    connection.close()
    assert not done.busy
    assert done.frames > 300
    assert done.copied == done.frames


def test_the_loop_checkpoints_while_the_app_runs(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written between two ticks, the log is copied into the file by a later tick."""
    monkeypatch.setattr(checkpointing, "INTERVAL_SECONDS", 0.05)
    ticks: list[Checkpoint] = []

    def recorded(connection: sqlite3.Connection) -> Checkpoint:
        ticks.append(checkpoint(connection))
        return ticks[-1]

    monkeypatch.setattr(checkpointing, "checkpoint", recorded)

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(checkpointing.checkpoint_loop(str(path), stop))
        await asyncio.to_thread(_fill, path)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(task, 2)

    asyncio.run(run())
    assert any(t.frames > 300 and t.copied == t.frames for t in ticks), ticks


def test_commit_time_checkpoints_are_deferred_on_the_served_engine(tmp_path: Path) -> None:
    """The server's connections leave the log to the background up to DEFERRED_PAGES."""
    engine = make_engine(f"sqlite:///{tmp_path / 'deferred.db'}")
    try:
        with engine.connect() as before:
            assert before.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
        defer_commit_checkpoints(engine)
        defer_commit_checkpoints(engine)  # a second start-up adds nothing
        with engine.connect() as after:
            assert after.execute(text("PRAGMA wal_autocheckpoint")).scalar() == DEFERRED_PAGES
    finally:
        engine.dispose()


def test_database_file_is_only_a_sqlite_file() -> None:
    """PostgreSQL and in-memory databases have no log of SQLite's to checkpoint."""
    assert database_file(create_engine("sqlite://")) is None
    assert database_file(make_engine("postgresql://u:p@localhost/db")) is None
    assert database_file(get_engine()) == get_engine().url.database


def test_the_app_freezes_its_start_up_heap_and_stops_its_checkpoints() -> None:
    """After start-up the imported objects are out of the collector's way; shutdown is prompt."""

    async def lifecycle() -> None:
        async with app_lifespan(FastAPI()):
            assert gc.get_freeze_count() > 10_000
        tasks = [t for t in asyncio.all_tasks() if t.get_name() == "neuroglide-checkpoints"]
        assert tasks == []

    asyncio.run(asyncio.wait_for(lifecycle(), 5))
