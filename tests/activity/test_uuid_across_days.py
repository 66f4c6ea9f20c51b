"""A log's UUID is stored once per patient, even when a resend names another day (PostgreSQL
keys its monthly partitions with the day, so the repeat is looked for across months)."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.activity.schemas import LogIn
from app.activity.service import record_log
from app.cli import run_migrations
from app.core.clock import local_today
from app.db import make_engine
from app.models import ExerciseLog
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.postgres import PostgresServer


def _resend_on_another_day(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as db:
        therapist = make_staff(db, make_clinic(db))
        today = local_today("Europe/London")
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=40))
        db.commit()
        version = routine_version(db, patient)
        item_id = items_of(db, version.id or 0)[0].id
        entry = uuid.uuid4()

        def send(day: object) -> tuple[int | None, bool]:
            body = {"uuid": entry, "routine_item_id": item_id, "local_date": day, "sets_done": 1}
            log, created = record_log(db, patient, LogIn.model_validate(body), today)
            db.commit()
            return log.id, created

        first, created = send(today)
        # PostgreSQL's key holds the day, so another day (in any month) does not clash on it.
        again, created_again = send(today - timedelta(days=1))
        count = db.exec(
            select(func.count()).select_from(ExerciseLog).where(ExerciseLog.uuid == entry)
        ).one()
    assert created and not created_again
    assert again == first
    assert count == 1


def test_a_uuid_resent_with_another_day_is_a_repeat(engine: Engine) -> None:
    """SQLite: the UUID's key holds whatever the day."""
    _resend_on_another_day(engine)


@pytest.mark.postgres
def test_a_uuid_resent_with_another_day_is_a_repeat_on_postgres(postgres: PostgresServer) -> None:
    """PostgreSQL: the day is part of the partitions' key, and a repeat is still found."""
    url = postgres.create_database("uuid_across_days")
    run_migrations(url)
    engine = make_engine(url)
    try:
        _resend_on_another_day(engine)
    finally:
        engine.dispose()
