"""Backups: what `neuroglide backup` writes restores into a fresh database row for row."""

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, select, text
from sqlmodel import Session

from app.cli import alembic_config, run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.demo.service import build_demo
from app.models import AuditEvent, Clinic, DailyRollup, MorningCheck, Patient, RoutineItem, utcnow
from app.ops.backup import BackupError, backup, holds_data, restore
from app.ops.partitions import (
    PARTITIONED,
    ensure_partitions,
    is_partitioned,
    month_start,
    partition_name,
)
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def _demo_database(url: str) -> None:
    """Migrate a fresh database and build the demo clinic in it."""
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = build_demo(session)
            session.commit()
        assert result.created
    finally:
        engine.dispose()


def _contents(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows, as sorted text, so two databases can be compared whole."""
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        found: dict[str, list[tuple[str, ...]]] = {}
        with engine.connect() as connection:
            for name, table in metadata.tables.items():
                rows = connection.execute(select(table)).all()
                found[name] = sorted(tuple(repr(value) for value in row) for row in rows)
        return found
    finally:
        engine.dispose()


def _assert_same(source: str, restored: str, at_least: int = 1000) -> None:
    """Same tables, and in each the same rows."""
    before, after = _contents(source), _contents(restored)
    assert sorted(before) == sorted(after)
    assert sum(len(rows) for rows in before.values()) > at_least  # real history, not a stub
    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after restore"


def _new_clinic_id(url: str) -> int:
    """Add a clinic after the restore: ids carry on after the restored ones."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            clinic = Clinic(name="Opened after the restore")
            session.add(clinic)
            session.commit()
            assert clinic.id is not None
            return clinic.id
    finally:
        engine.dispose()


def _max_clinic_id(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT max(id) FROM clinic")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding the demo clinic."""
    url = f"sqlite:///{tmp_path_factory.mktemp('backup') / 'live.db'}"
    _demo_database(url)
    return url


def test_sqlite_backup_restores_every_row(sqlite_demo: str, tmp_path: Path) -> None:
    """Back up, restore into a fresh file: every table and row is the same; ids carry on."""
    ticks: list[tuple[int, int]] = []
    outcome = backup(sqlite_demo, tmp_path / "nightly.sqlite", lambda d, t: ticks.append((d, t)))
    assert outcome.kind == "sqlite" and outcome.size > 0
    assert ticks and ticks[-1][0] == ticks[-1][1]  # the progress bar reaches the end
    assert not list(tmp_path.glob("*.partial"))
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'neuroglide.db'}"
    assert not holds_data(fresh)
    restore(fresh, tmp_path / "nightly.sqlite")
    _assert_same(sqlite_demo, fresh)
    assert _new_clinic_id(fresh) > _max_clinic_id(sqlite_demo)
    engine = make_engine(fresh)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_sqlite_backup_is_consistent_while_the_app_writes(sqlite_demo: str, tmp_path: Path) -> None:
    """A writer commits all through the backup: the copy is whole and holds a prefix of them."""
    engine = make_engine(sqlite_demo)
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        while not stop.is_set():
            with Session(engine) as session:
                session.add(AuditEvent(actor_kind="system", action="backup-test", detail="x" * 200))
                session.commit()
            written.append(1)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        before = len(written)
        backup(sqlite_demo, tmp_path / "busy.sqlite")
        after = len(written)
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    copy = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    probe = make_engine(copy)
    with probe.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        count = connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'backup-test'")
        ).scalar_one()
    probe.dispose()
    assert before <= count <= after + 1


def test_restore_refuses_a_database_with_data(sqlite_demo: str, tmp_path: Path) -> None:
    """Restoring over clinics and patients needs --force; wrong kinds of file are refused."""
    backup(sqlite_demo, tmp_path / "b.sqlite")
    target = f"sqlite:///{tmp_path / 'other.db'}"
    run_migrations(target)
    assert not holds_data(target)  # migrated with the built-in library only: nothing to lose
    engine = make_engine(target)
    with Session(engine) as session:
        session.add(Clinic(name="A real clinic"))
        session.commit()
    engine.dispose()
    assert holds_data(target)
    with pytest.raises(BackupError, match="--force"):
        restore(target, tmp_path / "b.sqlite")
    assert "A real clinic" in str(_contents(target)["clinic"])
    restore(target, tmp_path / "b.sqlite", force=True)
    _assert_same(sqlite_demo, target)
    (tmp_path / "dump.pg").write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    with pytest.raises(BackupError, match="PostgreSQL dump"):
        restore(target, tmp_path / "dump.pg", force=True)
    with pytest.raises(BackupError, match="No backup file"):
        restore(target, tmp_path / "missing.sqlite")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the neuroglide command with these settings."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, **env, "COLUMNS": "200"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_and_restore_commands(sqlite_demo: str, tmp_path: Path) -> None:
    """The commands a clinic would put in cron and use on a bad day."""
    live = {"NEUROGLIDE_DATABASE_URL": sqlite_demo}
    made = _cli(live, "backup", str(tmp_path / "cli.sqlite"))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Backed up the sqlite database" in made.stdout
    refused = _cli(live, "restore", str(tmp_path / "cli.sqlite"))
    assert refused.returncode == 1 and "--force" in refused.stdout
    fresh = {"NEUROGLIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'neuroglide.db'}"}
    restored = _cli(fresh, "restore", str(tmp_path / "cli.sqlite"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    _assert_same(sqlite_demo, fresh["NEUROGLIDE_DATABASE_URL"])


@pytest.fixture(scope="module")
def postgres_demo(postgres: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database holding the demo clinic."""
    url = postgres.create_database("backup_live")
    _demo_database(url)
    yield url


@pytest.mark.postgres
def test_postgres_backup_restores_every_row(
    postgres: PostgresServer, postgres_demo: str, tmp_path: Path
) -> None:
    """pg_dump, then pg_restore into a fresh database and over one with other data (--force)."""
    ticks: list[tuple[int, int]] = []
    outcome = backup(postgres_demo, tmp_path / "nightly.pgdump", lambda d, t: ticks.append((d, t)))
    assert outcome.kind == "postgresql"
    assert (tmp_path / "nightly.pgdump").read_bytes().startswith(b"PGDMP")
    assert len(ticks) > 10 and ticks[-1][0] == ticks[-1][1]
    fresh = postgres.create_database("backup_fresh")
    restore(fresh, tmp_path / "nightly.pgdump")
    _assert_same(postgres_demo, fresh)
    assert _new_clinic_id(fresh) > _max_clinic_id(postgres_demo)

    busy = postgres.create_database("backup_busy")
    run_migrations(busy)
    _new_clinic_id(busy)
    with pytest.raises(BackupError, match="--force"):
        restore(busy, tmp_path / "nightly.pgdump")
    restore(busy, tmp_path / "nightly.pgdump", force=True)
    _assert_same(postgres_demo, busy)
    with pytest.raises(BackupError, match="SQLite backup"):
        sqlite_file = tmp_path / "x.sqlite"
        sqlite_file.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
        restore(busy, sqlite_file, force=True)


def _partitioned_history(url: str) -> None:
    """A migrated database with logs, checks and rollups last month, this month and in a month
    no partition is made for yet (the DEFAULT partitions)."""
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            staff = make_staff(db, make_clinic(db))
            patient = make_patient(db, staff, valid_from=date.today() - timedelta(days=75))
            version = routine_version(db, patient)
            item = db.scalars(
                select(RoutineItem).where(RoutineItem.version_id == version.id)  # type: ignore[arg-type]
            ).first()
            assert item is not None and patient.id is not None
            today = local_today(patient.timezone)
            far = month_start(today, 8)
            for day in (month_start(today, -1), today - timedelta(days=1), today, far):
                add_log(db, patient, item, day, pain_after=3)
                db.add(
                    MorningCheck(
                        uuid=uuid.uuid4(),
                        patient_id=patient.id,
                        local_date=day,
                        about_date=day - timedelta(days=1),
                        comparison="same",
                        answered_at=utcnow(),
                    )
                )
            db.merge(DailyRollup(patient_id=patient.id, local_date=far, logs=1, sets=1))
            db.commit()
    finally:
        engine.dispose()


def _placements(url: str) -> dict[str, list[tuple[str, str]]]:
    """Each partitioned table's rows as (partition, local_date), and the public schema's owner
    and grants."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {
                table: [
                    (str(name), str(day))
                    for name, day in conn.execute(
                        text(
                            f"SELECT tableoid::regclass::text, local_date FROM {table} "
                            "ORDER BY 2, 1"
                        )
                    )
                ]
                for table in PARTITIONED
            }
            schema = conn.execute(
                text(
                    "SELECT nspowner::regrole::text, nspacl::text FROM pg_namespace "
                    "WHERE nspname = 'public'"
                )
            ).one()
            found["schema"] = [(str(schema[0]), str(schema[1]))]
            return found
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def partitioned_dump(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The backup of a database whose partitioned logs span several months and DEFAULT."""
    url = postgres.create_database("backup_partitioned")
    _partitioned_history(url)
    places = _placements(url)
    for table in PARTITIONED:
        used = {name for name, _day in places[table]}
        assert f"{table}_default" in used and len(used) >= 3, places[table]
    target = tmp_path_factory.mktemp("partitioned") / "logs.pgdump"
    backup(url, target)
    return target


@pytest.mark.postgres
def test_postgres_restore_puts_partitioned_rows_back_in_their_months(
    postgres: PostgresServer, partitioned_dump: Path
) -> None:
    """Restoring over a partitioned database puts every row back in the same month's partition
    (DEFAULT included); the schema keeps its owner and grants, and new logs and months follow."""
    source = postgres.database_url("backup_partitioned")
    target = postgres.create_database("backup_partitioned_over")
    _partitioned_history(target)  # other patients' rows in the same partitions, to be replaced
    schema_before = _placements(target)["schema"]
    restore(target, partitioned_dump, force=True)
    _assert_same(source, target, at_least=10)
    assert _placements(target) == {**_placements(source), "schema": schema_before}
    engine = make_engine(target)
    try:
        with engine.begin() as conn:
            assert all(is_partitioned(conn, table) for table in PARTITIONED)
            made = ensure_partitions(conn, date.today(), months_ahead=9)
            assert partition_name("exercise_log", month_start(date.today(), 8)) in made
        with Session(engine) as db:
            patient = db.scalars(select(Patient)).one()
            item = db.scalars(select(RoutineItem)).first()
            assert item is not None
            fresh = add_log(db, patient, item, local_today(patient.timezone))
            db.commit()
            newest = db.connection().execute(text("SELECT max(id) FROM exercise_log")).scalar()
            assert fresh.id == newest  # the id sequence carries on after the restored rows
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_failed_postgres_restore_leaves_the_database_as_it_was(
    postgres: PostgresServer, partitioned_dump: Path, tmp_path: Path
) -> None:
    """A backup cut short fails half way through loading (its table of contents still reads,
    the tables are made, then data runs out): every old row stays where it was."""
    target = postgres.create_database("backup_partitioned_kept")
    restore(target, partitioned_dump)
    _new_clinic_id(target)  # a change made after that restore, which must survive
    contents, places = _contents(target), _placements(target)
    whole = partitioned_dump.read_bytes()
    cut = tmp_path / "cut.pgdump"
    cut.write_bytes(whole[:-64])  # the last table's data cut short
    with pytest.raises(BackupError, match="changed nothing"):
        restore(target, cut, force=True)
    assert _contents(target) == contents
    assert _placements(target) == places


@pytest.mark.postgres
def test_postgres_backup_from_before_partitions_restores_and_migrates(
    postgres: PostgresServer, partitioned_dump: Path, tmp_path: Path
) -> None:
    """A backup taken before migration 0019 (plain log tables) replaces a partitioned
    database; the next migrate partitions its rows again."""
    old = postgres.create_database("backup_before_0019")
    command.upgrade(alembic_config(old), "0018")
    backup(old, tmp_path / "before.pgdump")
    target = postgres.create_database("backup_after_0019")
    restore(target, partitioned_dump)
    restore(target, tmp_path / "before.pgdump", force=True)
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert not any(is_partitioned(conn, table) for table in PARTITIONED)
            assert conn.execute(text("SELECT count(*) FROM exercise_log")).scalar() == 0
        run_migrations(target)
        with engine.connect() as conn:
            assert all(is_partitioned(conn, table) for table in PARTITIONED)
    finally:
        engine.dispose()
