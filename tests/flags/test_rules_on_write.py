"""A new log raises the history flags it can change at once, each once, from the figures the
write already has: doing more than prescribed that day, and a rising pain trend."""

import uuid
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.activity.schemas import LogIn
from app.activity.service import record_log
from app.core.clock import local_today
from app.flags.history import trend_week
from app.models import Flag, Patient
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.statements import count_statements

# A new log added to its day by the upsert: insert, lock, the day's state, the upsert.
ADDED = 4


def _patient(db: Session) -> tuple[Patient, int, date]:
    therapist = make_staff(db, make_clinic(db))
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=30))
    db.commit()
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    return patient, item.id or 0, today


def _log(db: Session, patient: Patient, item: int, day: date, **answers: object) -> list[str]:
    data = LogIn.model_validate(
        {"uuid": uuid.uuid4(), "routine_item_id": item, "local_date": day, "sets_done": 1} | answers
    )
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    with count_statements(engine) as sent:
        record_log(db, patient, data, local_today(patient.timezone))
    db.commit()
    return sent


def _flags(db: Session, patient: Patient, kind: str) -> list[Flag]:
    query = select(Flag).where(Flag.patient_id == patient.id, Flag.kind == kind)
    return list(db.exec(query.order_by(col(Flag.id))).all())


def test_doing_more_than_prescribed_is_flagged_by_the_write_once(db: Session) -> None:
    """The log that takes the day past one and a half times its dose raises the flag; later
    logs neither raise it again nor send a statement for it."""
    patient, item, today = _patient(db)
    sent = _log(db, patient, item, today, sets_done=1)  # the day's first: fills the day
    sent = _log(db, patient, item, today, sets_done=1)
    assert len(sent) == ADDED and not _flags(db, patient, "overdoing")
    for _ in range(12):
        sent = _log(db, patient, item, today, sets_done=3)
        if _flags(db, patient, "overdoing"):
            break
    [flag] = _flags(db, patient, "overdoing")
    assert flag.key == f"day:{today.isoformat()}"
    assert any(text.startswith("INSERT INTO flag") for text in sent)
    for _ in range(3):
        assert len(_log(db, patient, item, today, sets_done=3)) == ADDED
    assert len(_flags(db, patient, "overdoing")) == 1


def test_a_rising_pain_trend_is_flagged_by_the_write_that_makes_it(db: Session) -> None:
    """Low pain the week before, high pain this week: the third high score raises the trend.
    (Pain before equals pain after, so no entry is over the limit by itself.)"""
    patient, item, today = _patient(db)
    for ago in (8, 9, 10):
        _log(db, patient, item, today - timedelta(days=ago), pain_before=1, pain_after=1)
    _log(db, patient, item, today, pain_before=6, pain_after=6)
    _log(db, patient, item, today - timedelta(days=1), pain_before=6, pain_after=6)
    assert not _flags(db, patient, "pain_trend")
    sent = _log(db, patient, item, today, pain_before=7, pain_after=7)
    [flag] = _flags(db, patient, "pain_trend")
    assert flag.key == trend_week(today)
    assert "6.3/10" in flag.detail and "1.0/10" in flag.detail
    assert not any("ORDER BY exercise_log.local_date" in text for text in sent)
    assert len(_log(db, patient, item, today, pain_before=7, pain_after=7)) == ADDED
    assert len(_flags(db, patient, "pain_trend")) == 1
