"""Dashboard summaries kept in step by every write, and moved on by the daily pass as each
patient's day rolls over, equal summaries computed afresh, on SQLite and PostgreSQL."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.cli import run_migrations
from app.config import get_settings
from app.core.clock import local_today
from app.dashboard.service import build_dashboard
from app.dashboard.summary import refresh_rolled_over
from app.db import make_engine
from app.flags.history import history_job
from app.models import Patient, StaffUser, utcnow
from app.outcomes.service import not_improved
from app.patients.deletion import delete_patient
from app.rollups.rebuild import rebuild_all
from app.routines.service import items_of
from tests.dashboard.helpers import add_morning
from tests.dashboard.summary_mix import mix, recomputed, summaries
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer


def _verdicts_match(engine: Engine, ids: list[int], days_later: int = 0) -> None:
    """The dashboard's outcome filter names the patients the Python verdict names."""
    now = utcnow() + timedelta(days=days_later)
    with Session(engine) as db:
        patients = list(db.exec(select(Patient).where(col(Patient.id).in_(ids))).all())
        staff = db.get_one(StaffUser, patients[0].therapist_id)
        todays = {p.id or 0: local_today(p.timezone, now) for p in patients}
        expected = not_improved(db, patients, todays, get_settings().outcome_review_weeks)
        board = build_dashboard(db, staff, filter_="not_improved", now=now)
        assert {r.patient.id for r in board.rows} == expected
        assert board.counts["not_improved"] == len(expected)
        assert all(r.not_improved for r in board.rows)


def _as_of_is_each_patients_today(engine: Engine, rows: dict[int, dict], days: int) -> None:
    with Session(engine) as db:
        zones = dict(
            db.exec(select(Patient.id, Patient.timezone).where(col(Patient.id).in_(rows))).all()
        )
    later = utcnow() + timedelta(days=days)
    assert all(row["as_of"] == local_today(zones[pid], later) for pid, row in rows.items())


def _check(engine: Engine, seed: int, move_zones: bool) -> None:
    """The mix, then three days later with no write in between. With zones moving, summaries
    are compared with ones computed afresh from the same rollups; without, with a full rebuild
    of rollups and summaries as `neuroglide rebuild-rollups` does it."""
    with Session(engine, expire_on_commit=False) as db:
        ids = mix(db, seed, move_zones=move_zones)
        kept = summaries(db, ids)
    assert sorted(kept) == sorted(ids)
    assert any(r["due_7"] for r in kept.values()) and any(r["done_30"] for r in kept.values())
    assert any(r["last_morning"] for r in kept.values())
    assert any(r["stalled_since"] for r in kept.values())
    _as_of_is_each_patients_today(engine, kept, 0)
    assert recomputed(engine, ids) == kept
    _verdicts_match(engine, ids)
    if not move_zones:
        rebuild_all(engine)
        with Session(engine) as db:
            assert summaries(db, ids) == kept
    later = utcnow() + timedelta(days=3)
    history_job(engine, now=later)  # brings rollups up to each patient's new today
    assert recomputed(engine, ids, later) != kept  # the windows slid without any write
    assert refresh_rolled_over(engine, now=later) == len(ids)
    with Session(engine) as db:
        moved = summaries(db, ids)
    _as_of_is_each_patients_today(engine, moved, 3)
    assert recomputed(engine, ids, later) == moved
    _verdicts_match(engine, ids, days_later=3)
    assert refresh_rolled_over(engine, now=later) == 0  # nothing rolled over since
    if not move_zones:
        rebuild_all(engine, now=later)
        with Session(engine) as db:
            assert summaries(db, ids) == moved


@pytest.mark.parametrize(("seed", "move_zones"), [(5, True), (2027, False)])
def test_summaries_kept_in_step_equal_rebuilt(tmp_path: Path, seed: int, move_zones: bool) -> None:
    """After a random mix of writes in five time zones, and three days later, each stored
    summary equals the rebuilt one and the outcome filter equals the Python verdict."""
    url = f"sqlite:///{tmp_path / 'summaries.db'}"
    run_migrations(url)
    engine = make_engine(url)
    try:
        _check(engine, seed, move_zones)
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(("seed", "move_zones"), [(13, True), (8, False)])
def test_summaries_kept_in_step_equal_rebuilt_on_postgres(
    postgres: PostgresServer, seed: int, move_zones: bool
) -> None:
    """The same on PostgreSQL, whose upsert, dates and window functions differ from SQLite's."""
    url = postgres.create_database(f"summaries_{seed}")
    run_migrations(url)
    engine = make_engine(url)
    try:
        _check(engine, seed, move_zones)
    finally:
        engine.dispose()


def test_a_deleted_patients_summary_keeps_nothing_they_reported(db: Session) -> None:
    """Deleting a patient's data on request empties what their summary derived from it."""
    patient = make_patient(
        db, make_staff(db, make_clinic(db)), valid_from=local_today("Europe/London") - timedelta(9)
    )
    today = local_today(patient.timezone)
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    add_log(db, patient, item, today - timedelta(days=2), sets=2)
    add_morning(db, patient, today - timedelta(days=1), "better")
    db.commit()
    (before,) = summaries(db, [patient.id or 0]).values()
    assert before["last_log"] and before["last_morning"] and before["done_7"]
    delete_patient(db, patient)
    db.commit()
    (after,) = summaries(db, [patient.id or 0]).values()
    assert after["last_log"] is None and after["last_morning"] is None
    assert after["done_7"] == after["due_7"] == after["done_30"] == 0
