"""A patient's edit of an entry keeps the answers as first logged and when it was changed; the
day's figures follow the answers as they are now. On SQLite and PostgreSQL (partitioned logs)."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.activity.edits import changes_since_first
from app.activity.schemas import LogIn
from app.activity.service import record_log, update_log
from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.models import DailyRollup, ExerciseLog, utcnow
from app.patient.export import export_csv, export_data
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer


def _stored_nulls(db: Session, log: ExerciseLog) -> tuple[bool, bool]:
    """Whether the row holds SQL NULL (not JSON null) in first_answers and edited_at."""
    row = db.connection().execute(
        text("SELECT first_answers IS NULL, edited_at IS NULL FROM exercise_log WHERE id = :id"),
        {"id": log.id},
    )
    first, edited = row.one()
    return bool(first), bool(edited)


def _edits_keep_the_first_answers(db: Session) -> None:
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=3))
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    db.commit()
    sent = LogIn(
        uuid=uuid.uuid4(),
        routine_item_id=item.id or 0,
        local_date=today,
        sets_done=2,
        pain_before=2,
        pain_after=6,
        symptoms=["tingling"],
        note="Hurt a bit",
    )
    log, created = record_log(db, patient, sent, today)  # the fast path: INSERT ... SELECT
    db.commit()
    assert created and log.first_answers is None and log.edited_at is None
    assert _stored_nulls(db, log) == (True, True)

    # The same answers sent again (an offline edit replayed) are no change.
    update_log(db, patient, log, sent, today)
    db.commit()
    assert _stored_nulls(db, log) == (True, True) and changes_since_first(log) == []

    before = utcnow()
    update_log(db, patient, log, sent.model_copy(update={"pain_after": 4, "symptoms": []}), today)
    db.commit()
    db.expire_all()
    log = db.get_one(ExerciseLog, log.id)
    assert log.pain_after == 4 and log.symptoms == []
    assert log.edited_at is not None and log.edited_at >= before
    assert log.edited_at.tzinfo is not None
    assert log.first_answers == {
        "sets_done": 2,
        "reps_done": 0,
        "pain_before": 2,
        "pain_after": 6,
        "symptoms": ["tingling"],
        "spread": None,
        "difficulty": None,
        "note": "Hurt a bit",
    }
    assert [(c.label, c.first, c.now) for c in changes_since_first(log)] == [
        ("pain after", "6/10", "4/10"),
        ("feelings", "tingling", "none"),
    ]
    # The day's figures are the answers as they are now.
    rollup = db.get_one(DailyRollup, (patient.id, today))
    assert (rollup.pain_after_sum, rollup.pain_after_n, rollup.worst_pain) == (4, 1, 4)

    # A second change keeps the first answers and moves the time on.
    first_edit = log.edited_at
    update_log(db, patient, log, sent.model_copy(update={"pain_after": 3, "note": ""}), today)
    db.commit()
    db.expire_all()
    log = db.get_one(ExerciseLog, log.id)
    assert log.first_answers is not None and log.first_answers["pain_after"] == 6
    assert log.edited_at is not None and log.edited_at >= first_edit
    assert [(c.label, c.first, c.now) for c in changes_since_first(log)] == [
        ("pain after", "6/10", "3/10"),
        ("note", "“Hurt a bit”", "—"),
    ]
    assert db.get_one(DailyRollup, (patient.id, today)).pain_after_sum == 3

    # The patient's own copy of their data holds the first answers and when they changed.
    [mine] = export_data(db, patient)["exercise_logs"]
    assert mine["first_answers"]["pain_after"] == 6 and mine["pain_after"] == 3
    assert mine["edited_at"] == log.edited_at.isoformat()
    assert '""pain_after"": 6' in export_csv(export_data(db, patient))


def test_edits_keep_the_first_answers_on_sqlite(db: Session) -> None:
    """The first change keeps what was first logged; a repeat is no change; rollups follow."""
    _edits_keep_the_first_answers(db)


@pytest.mark.postgres
def test_edits_keep_the_first_answers_on_postgres(postgres: PostgresServer) -> None:
    """The same on PostgreSQL, where the insert casts every value and logs are partitioned."""
    url = postgres.create_database("log_edits")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            _edits_keep_the_first_answers(db)
    finally:
        engine.dispose()
