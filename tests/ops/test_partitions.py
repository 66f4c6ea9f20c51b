"""Monthly log partitions on PostgreSQL: rows land in their month, upgrades keep every row."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel

import app.dashboard.summary as summary
from app.activity.schemas import LogIn
from app.activity.service import record_log
from app.cli import alembic_config, run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.library.service import sync_builtin_library
from app.models import MorningCheck, Patient, RoutineItem, utcnow
from app.ops.partitions import ensure_partitions, is_partitioned, month_start, partition_name
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.events import without_listener
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres
TABLES = ("exercise_log", "morning_check", "daily_rollup")


def _patient_with_item(db: Session) -> tuple[Patient, RoutineItem]:
    staff = make_staff(db, make_clinic(db))
    # A routine in force for months, so rollups cover every month that has logs.
    patient = make_patient(db, staff, valid_from=date.today() - timedelta(days=75))
    version = routine_version(db, patient)
    item = db.exec(
        text("SELECT id FROM routine_item WHERE version_id = :v LIMIT 1"), params={"v": version.id}
    ).one()
    return patient, db.get_one(RoutineItem, item[0])


def _where(engine: Engine, table: str) -> list[tuple[str, date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT tableoid::regclass::text, local_date FROM {table} ORDER BY local_date")
        )
        return [(name, day) for name, day in rows]


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_logs_land_in_their_month_and_default_catches_the_rest(postgres: PostgresServer) -> None:
    """Each log is stored in its month's partition; a day beyond the made months goes to DEFAULT
    and moves into its own partition when that month is made."""
    url = postgres.create_database("partitions_land")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            patient, item = _patient_with_item(db)
            today = local_today(patient.timezone)
            last_month = month_start(today, -1)
            far = month_start(today, 8)
            add_log(db, patient, item, last_month)
            add_log(db, patient, item, far)
            db.commit()
            sent = LogIn(
                uuid=uuid.uuid4(), routine_item_id=item.id or 0, local_date=today, sets_done=1
            )
            first, new = record_log(db, patient, sent, today)
            again, repeat = record_log(db, patient, sent, today)
            db.commit()
        assert new and not repeat and again.id == first.id
        where = {day: name for name, day in _where(engine, "exercise_log")}
        assert where == {
            last_month: partition_name("exercise_log", last_month),
            today: partition_name("exercise_log", month_start(today)),
            far: "exercise_log_default",
        }
        assert {name for name, _day in _where(engine, "daily_rollup")} >= {
            partition_name("daily_rollup", month_start(today))
        }
        with engine.begin() as conn:
            made = ensure_partitions(conn, today, months_ahead=8)
            assert ensure_partitions(conn, today, months_ahead=8) == []
        assert partition_name("exercise_log", far) in made
        assert {d: n for n, d in _where(engine, "exercise_log")}[far] == partition_name(
            "exercise_log", far
        )
    finally:
        engine.dispose()


@contextmanager
def _later_columns(engine: Engine) -> Iterator[None]:
    """Today's models write the columns later migrations add: while the test builds its rows
    with them on an older schema, those columns are there, then dropped for the migrations."""
    added: list[tuple[str, str]] = []
    with engine.begin() as conn:
        found = inspect(conn)
        tables = set(found.get_table_names())
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in tables:
                continue
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(
                        text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
                    )
                    added.append((table.name, column.name))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for table_name, column_name in added:
                conn.execute(text(f'ALTER TABLE "{table_name}" DROP COLUMN "{column_name}"'))


def test_upgrade_and_downgrade_keep_every_row(postgres: PostgresServer) -> None:
    """A database with months of logs, checks and rollups keeps every row through the
    partitioning upgrade and its downgrade, and new logs get fresh ids afterwards."""
    url = postgres.create_database("partitions_upgrade")
    config = alembic_config(url)
    command.upgrade(config, "0018")
    engine = make_engine(url)
    try:
        with (
            without_listener(OrmSession, "before_commit", summary._refresh_at_commit),
            _later_columns(engine),
            Session(engine, expire_on_commit=False) as db,
        ):
            sync_builtin_library(db)
            db.commit()
            patient, item = _patient_with_item(db)
            today = local_today(patient.timezone)
            for back in range(0, 70, 3):
                day = today - timedelta(days=back)
                add_log(db, patient, item, day, pain_after=back % 10)
                db.add(
                    MorningCheck(
                        uuid=uuid.uuid4(),
                        patient_id=patient.id or 0,
                        local_date=day,
                        about_date=day - timedelta(days=1),
                        comparison="same",
                        answered_at=utcnow(),
                    )
                )
            db.commit()
        before = _counts(engine)
        assert before["exercise_log"] == 24 and before["daily_rollup"] > 0
        with engine.connect() as conn:
            result = conn.execute(text("SELECT * FROM exercise_log ORDER BY id"))
            # Later migrations add columns (0023): the rows keep every value they had.
            had = ", ".join(f'"{name}"' for name in result.keys())
            snapshot = result.all()
        command.upgrade(config, "head")
        assert _counts(engine) == before
        with engine.connect() as conn:
            after = conn.execute(text(f"SELECT {had} FROM exercise_log ORDER BY id")).all()
            assert after == snapshot
            assert all(is_partitioned(conn, t) for t in TABLES)
        assert {(n, month_start(d)) for n, d in _where(engine, "exercise_log")} == {
            (partition_name("exercise_log", month_start(d)), month_start(d))
            for _n, d in _where(engine, "exercise_log")
        }
        with Session(engine) as db:
            fresh = add_log(db, db.get_one(Patient, patient.id), item, today)
            db.commit()
            assert fresh.id is not None and fresh.id > max(row.id for row in snapshot)
        command.downgrade(config, "0018")
        assert _counts(engine) == {**before, "exercise_log": before["exercise_log"] + 1}
        with engine.connect() as conn:
            assert not any(is_partitioned(conn, t) for t in TABLES)
    finally:
        engine.dispose()


def test_the_partitions_command_makes_the_coming_months(postgres: PostgresServer) -> None:
    """`neuroglide partitions --months 6` makes the months the migration did not, once."""
    url = postgres.create_database("partitions_command")
    run_migrations(url)
    env = {**os.environ, "NEUROGLIDE_DATABASE_URL": url, "COLUMNS": "300"}

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "partitions", "--months", "6"],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    sixth = month_start(date.today(), 6)
    first = run()
    assert "9 partitions made" in first and partition_name("daily_rollup", sixth) in first
    assert "0 partitions made" in run()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT to_regclass(:n)::text"), {"n": f"exercise_log_{sixth:%Y%m}"}
            )
            assert found.scalar() == partition_name("exercise_log", sixth)
    finally:
        engine.dispose()
