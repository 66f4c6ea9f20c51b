"""Rollups kept in step by every write equal rollups rebuilt from the logs, on both databases."""

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.activity.schemas import EMERGENCY_SIGNS, STOP_SIGNS, LogIn, MorningIn, SafetyIn
from app.activity.service import record_log, record_morning, record_safety, undo_log, update_log
from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.models import DailyRollup, ExerciseLog, Patient
from app.rollups.rebuild import rebuild_all
from app.rollups.service import stored
from app.routines.service import ItemDose, items_of, new_version
from tests.factories import builtin, make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer

ZONES = (
    "Pacific/Kiritimati",  # UTC+14: already tomorrow for most of the world
    "Pacific/Pago_Pago",  # UTC-11: still yesterday
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Europe/London",
)
SLUGS = ("median-slider", "carpal-tunnel-slider", "ulnar-slider", "seated-slump-slider")


def _mix(db: Session, seed: int, steps: int = 160) -> list[int]:
    """A seeded random run of writes, edits, undos, morning and safety answers and routine
    changes for patients in several time zones, each step through the app's own services."""
    rng = random.Random(seed)
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    patients: list[Patient] = []
    for zone in ZONES:
        today = local_today(zone)
        patients.append(
            make_patient(db, therapist, timezone=zone, valid_from=today - timedelta(days=15))
        )
    exercises = [builtin(db, slug).id or 0 for slug in SLUGS]
    logs: dict[int, list[ExerciseLog]] = {p.id or 0: [] for p in patients}
    for _ in range(steps):
        patient = rng.choice(patients)
        assert patient.id is not None
        today = local_today(patient.timezone)
        action = rng.random()
        mine = logs[patient.id]
        recent = [lg for lg in mine if (today - lg.local_date).days <= 1]
        if action < 0.45:
            items = items_of(db, routine_version(db, patient).id or 0)
            data = LogIn(
                uuid=uuid.uuid4(),
                routine_item_id=rng.choice(items).id or 0,
                local_date=today - timedelta(days=rng.choice((0, 0, 1, 2, 5, 12, -1))),
                slot=rng.randint(1, 3),
                sets_done=rng.randint(0, 4),
                pain_before=rng.choice((None, rng.randint(0, 10))),
                pain_after=rng.choice((None, rng.randint(0, 10))),
                spread=rng.choice((None, "further", "same", "eased")),
            )
            log, _ = record_log(db, patient, data, today)
            mine.append(log)
        elif action < 0.6 and recent:
            log = rng.choice(recent)
            if log.deleted_at is None:
                data = LogIn(
                    uuid=log.uuid,
                    routine_item_id=log.routine_item_id or 0,
                    local_date=log.local_date,
                    sets_done=rng.randint(0, 5),
                    pain_after=rng.choice((None, rng.randint(0, 10))),
                    spread=rng.choice((None, "further")),
                )
                update_log(db, patient, log, data, today)
        elif action < 0.7 and recent:
            undo_log(db, patient, rng.choice(recent), today)
        elif action < 0.8:
            record_morning(
                db,
                patient,
                MorningIn(
                    uuid=uuid.uuid4(),
                    local_date=today - timedelta(days=rng.randint(0, 6)),
                    comparison=rng.choice(("better", "same", "worse")),
                    pain_now=rng.randint(0, 10),
                ),
                today,
            )
        elif action < 0.86:
            signs = [rng.choice(STOP_SIGNS)]
            if rng.random() < 0.3:
                signs.append(rng.choice(EMERGENCY_SIGNS))
            record_safety(
                db,
                patient,
                SafetyIn(uuid=uuid.uuid4(), local_date=today, answers=signs),
                today,
            )
        else:
            current = items_of(db, routine_version(db, patient).id or 0)
            doses = [
                ItemDose(
                    exercise_id=item.exercise_id,
                    sets=rng.randint(1, 3),
                    times_per_day=rng.randint(1, 3),
                    days_mask=rng.choice((0b1111111, 0b0101010, 0b1111100)),
                    from_item_id=item.id,
                )
                for item in current
                if rng.random() < 0.8
            ]
            doses.append(ItemDose(exercise_id=rng.choice(exercises)))
            valid_from = today + timedelta(days=rng.choice((-9, -3, -1, 0, 0, 1)))
            new_version(db, patient.id, doses, valid_from)
        db.commit()
    return [p.id or 0 for p in patients]


def _check(engine: Engine, seed: int) -> None:
    with Session(engine, expire_on_commit=False) as db:
        ids = _mix(db, seed)
        kept = stored(db, ids)
    assert kept, "the writes left no rollups at all"
    assert any(row["logs"] for row in kept.values())
    assert any(row["morning"] for row in kept.values())
    assert any(row["safety"] for row in kept.values())
    assert rebuild_all(engine) >= len(kept)
    with Session(engine) as db:
        rebuilt = stored(db, ids)
    assert sorted(rebuilt) == sorted(kept)
    for key, row in rebuilt.items():
        assert kept[key] == row, key


@pytest.mark.parametrize("seed", [7, 2026])
def test_incremental_rollups_equal_rebuilt(engine: Engine, seed: int) -> None:
    """After a random mix of every kind of write, each stored day equals the rebuilt one."""
    _check(engine, seed)


@pytest.mark.postgres
def test_incremental_rollups_equal_rebuilt_on_postgres(postgres: PostgresServer) -> None:
    """The same on PostgreSQL, whose upsert and row lock differ from SQLite's."""
    url = postgres.create_database("rollups")
    run_migrations(url)
    engine = make_engine(url)
    try:
        _check(engine, 11)
    finally:
        engine.dispose()


def test_a_tampered_rollup_is_put_right_by_a_rebuild(engine: Engine) -> None:
    """Rollups are never the only copy: a wrong figure is replaced from the logs."""
    with Session(engine, expire_on_commit=False) as db:
        ids = _mix(db, 3, steps=40)
        key, row = next(iter(stored(db, ids).items()))
        db.get_one(DailyRollup, key).done = row["done"] + 5
        db.commit()
    rebuild_all(engine)
    with Session(engine) as db:
        assert stored(db, ids)[key] == row


def test_the_rebuild_command_reports_its_rows(engine: Engine) -> None:
    """`neuroglide rebuild-rollups` rebuilds from the logs and says how many rows it wrote."""
    from typer.testing import CliRunner

    from app.cli import cli

    with Session(engine, expire_on_commit=False) as db:
        ids = _mix(db, 5, steps=30)
        kept = stored(db, ids)
        db.exec(delete(DailyRollup))  # type: ignore[call-overload]
        db.commit()
    result = CliRunner().invoke(cli, ["rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt" in result.output and "daily rollups" in result.output
    with Session(engine) as db:
        assert stored(db, ids) == kept
