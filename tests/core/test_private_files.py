"""Patients' data on disk is readable by the account that runs Neuroglide, and no one else."""

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.private import PRIVATE_UMASK, keep_private
from app.ops.backup import backup


@pytest.fixture
def umask_restored() -> Iterator[None]:
    """keep_private sets the process's umask: the test gives the old one back."""
    before = os.umask(0o022)
    os.umask(before)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_database_and_backups_are_owner_only(
    tmp_path: Path, umask_restored: None
) -> None:
    """An earlier start left the folder, the database and its log readable by all: they are
    tightened, and what is made afterwards (a backup) is private from the start."""
    os.umask(0o022)
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    database = data / "neuroglide.db"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    wal = data / "neuroglide.db-wal"
    assert _mode(database) & 0o044 and _mode(wal) & 0o044 and _mode(data) & 0o055
    keep_private(data, f"sqlite:///{database}")
    assert os.umask(PRIVATE_UMASK) == PRIVATE_UMASK
    assert _mode(data) == 0o700 and _mode(database) == 0o600 and _mode(wal) == 0o600
    connection.close()
    copy = tmp_path / "backups" / "copy.db"
    backup(f"sqlite:///{database}", copy)
    assert _mode(copy) & 0o077 == 0 and _mode(copy.parent) & 0o077 == 0


def test_postgres_leaves_only_the_data_folder_to_tighten(
    tmp_path: Path, umask_restored: None
) -> None:
    """With PostgreSQL there is no database file here: the folder is tightened all the same."""
    os.umask(0o022)
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    keep_private(data, "postgresql://someone@db.example/neuroglide")
    assert _mode(data) == 0o700
