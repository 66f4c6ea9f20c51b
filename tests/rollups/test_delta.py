"""A new log added to its day's rollup by one upsert equals the day recomputed from its logs:
many logs in one day, edits and undos between them, several writers at once, both databases."""

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.activity.schemas import STOP_SIGNS, LogIn, MorningIn, SafetyIn
from app.activity.service import record_log, record_morning, record_safety, undo_log, update_log
from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.models import ExerciseLog, Patient
from app.rollups.rebuild import rebuild_all
from app.rollups.service import stored
from app.routines.service import ItemDose, items_of, new_version
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer
from tests.support.statements import count_statements

# A new log whose day is added to by the upsert: insert, lock, the day's state, the upsert
# (a log that raises a flag sends more); a recomputed day reads its logs in time order.
DELTA_STATEMENTS = 4
RECOMPUTE = "ORDER BY exercise_log.local_date"


def _patients(db: Session, count: int) -> list[Patient]:
    therapist = make_staff(db, make_clinic(db))
    zones = ("Europe/London", "Pacific/Kiritimati", "America/Los_Angeles")
    found = []
    for n in range(count):
        zone = zones[n % len(zones)]
        start = local_today(zone) - timedelta(days=20)
        found.append(make_patient(db, therapist, timezone=zone, valid_from=start))
    db.commit()
    return found


def _log(rng: random.Random, item_id: int, day: object) -> LogIn:
    return LogIn.model_validate(
        {
            "uuid": uuid.uuid4(),
            "routine_item_id": item_id,
            "local_date": day,
            "slot": rng.randint(1, 3),
            "sets_done": rng.choice((0, 1, 1, 2, 3, 5)),
            "pain_before": rng.choice((None, rng.randint(0, 10))),
            "pain_after": rng.choice((None, rng.randint(0, 10))),
            "spread": rng.choice((None, None, "eased", "same", "further")),
        }
    )


def _busy_day(engine: Engine, db: Session, seed: int) -> tuple[list[int], list[list[str]]]:
    """Many logs a day for a few patients, with edits, undos, answers and a routine change
    among them; returns the patients and the statements each new log sent."""
    rng = random.Random(seed)
    patients = _patients(db, 3)
    sent: list[list[str]] = []
    logs: dict[int, list[ExerciseLog]] = {p.id or 0: [] for p in patients}
    for step in range(240):
        patient = rng.choice(patients)
        today = local_today(patient.timezone)
        mine = logs[patient.id or 0]
        action = rng.random()
        if action < 0.75 or not mine:
            items = items_of(db, routine_version(db, patient).id or 0)
            day = today - timedelta(days=rng.choice((0, 0, 0, 0, 1, 3, 8)))
            with count_statements(engine) as statements:
                log, created = record_log(
                    db, patient, _log(rng, rng.choice(items).id or 0, day), today
                )
            assert created
            sent.append(statements)
            mine.append(log)
        elif action < 0.85:
            log = rng.choice([lg for lg in mine if (today - lg.local_date).days <= 1] or mine)
            if log.deleted_at is None and (today - log.local_date).days <= 1:
                data = _log(rng, log.routine_item_id or 0, log.local_date)
                update_log(db, patient, log, data.model_copy(update={"uuid": log.uuid}), today)
        elif action < 0.93:
            log = rng.choice(mine)
            if (today - log.local_date).days <= 1:
                undo_log(db, patient, log, today)
        elif action < 0.97:
            morning = MorningIn(
                uuid=uuid.uuid4(), local_date=today, comparison=rng.choice(("better", "worse"))
            )
            record_morning(db, patient, morning, today)
        elif action < 0.985:
            answer = SafetyIn(uuid=uuid.uuid4(), local_date=today, answers=[STOP_SIGNS[0]])
            record_safety(db, patient, answer, today)
        else:
            current = items_of(db, routine_version(db, patient).id or 0)
            doses = [
                ItemDose(
                    exercise_id=item.exercise_id,
                    sets=rng.randint(1, 3),
                    times_per_day=rng.randint(1, 3),
                    from_item_id=item.id,
                )
                for item in current
            ]
            new_version(db, patient.id or 0, doses, today - timedelta(days=rng.choice((0, 2))))
        if step % 7 == 0:
            db.commit()
    db.commit()
    return [p.id or 0 for p in patients], sent


def _same_as_rebuilt(engine: Engine, ids: list[int]) -> None:
    with Session(engine) as db:
        kept = stored(db, ids)
    assert any(row["logs"] > 20 for row in kept.values()), "no day was busy"
    rebuild_all(engine)
    with Session(engine) as db:
        rebuilt = stored(db, ids)
    assert sorted(rebuilt) == sorted(kept)
    for key, row in rebuilt.items():
        assert kept[key] == row, key


def _check_busy(engine: Engine, seed: int) -> None:
    with Session(engine, expire_on_commit=False) as db:
        ids, sent = _busy_day(engine, db, seed)
    # Most new logs took the one-upsert path (the others had their day recomputed).
    added = [s for s in sent if not any(RECOMPUTE in text for text in s)]
    assert len(added) > len(sent) * 0.6, [len(s) for s in sent]
    assert sum(len(s) == DELTA_STATEMENTS for s in added) > len(sent) * 0.3
    _same_as_rebuilt(engine, ids)


@pytest.mark.parametrize("seed", [1, 99])
def test_a_busy_day_added_log_by_log_equals_the_rebuilt_day(engine: Engine, seed: int) -> None:
    """Dozens of logs a day, edited and undone between upserts, end as the rebuild has them."""
    _check_busy(engine, seed)


def _writers(engine: Engine, seed: int) -> None:
    """Four writers at once log for the same patients' days, each in its own transaction."""
    with Session(engine, expire_on_commit=False) as db:
        patients = _patients(db, 2)
        items = {
            p.id: [i.id or 0 for i in items_of(db, routine_version(db, p).id or 0)]
            for p in patients
        }

    def write(worker: int) -> None:
        rng = random.Random(seed * 10 + worker)
        for _ in range(15):
            with Session(engine, expire_on_commit=False) as db:
                patient = db.get_one(Patient, rng.choice(patients).id)
                today = local_today(patient.timezone)
                data = _log(rng, rng.choice(items[patient.id]), today)
                record_log(db, patient, data, today)
                db.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    ids = [p.id or 0 for p in patients]
    with Session(engine) as db:
        kept = stored(db, ids)
    assert sum(row["logs"] for row in kept.values()) == 60
    rebuild_all(engine)
    with Session(engine) as db:
        assert stored(db, ids) == kept


def test_writers_at_once_leave_the_days_as_rebuilt(engine: Engine) -> None:
    """Writes of the same day from several connections at once add up exactly."""
    _writers(engine, 5)


@pytest.mark.postgres
def test_busy_days_and_writers_at_once_on_postgres(postgres: PostgresServer) -> None:
    """The same on PostgreSQL, where each writer waits on the patient's row lock."""
    url = postgres.create_database("rollup_delta")
    run_migrations(url)
    engine = make_engine(url)
    try:
        _check_busy(engine, 3)
        _writers(engine, 6)
    finally:
        engine.dispose()
