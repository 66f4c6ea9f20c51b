"""A report sent twice at the same moment is stored once, and the loser gets the winner's row."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.activity.service import _insert_once
from app.models import ExerciseLog
from app.patient.service import today_plan
from tests.factories import make_clinic, make_patient, make_staff


def _log(patient_id: int, item_id: int, exercise_id: int, log_uuid: uuid.UUID) -> ExerciseLog:
    return ExerciseLog(
        uuid=log_uuid,
        patient_id=patient_id,
        routine_item_id=item_id,
        exercise_id=exercise_id,
        local_date=date.today(),
        sets_done=2,
        done_at=datetime.now(UTC),
    )


def test_race_on_the_same_uuid_stores_one_row(engine: Engine, db: Session) -> None:
    """The second insert clashes on the unique key, returns the first row, and its session lives."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    item = today_plan(db, patient).items[0].item
    assert item.id is not None and patient.id is not None
    log_uuid = uuid.uuid4()

    def find(session: Session) -> ExerciseLog | None:
        query = select(ExerciseLog).where(ExerciseLog.uuid == log_uuid)
        return session.exec(query).first()

    with (
        Session(engine, expire_on_commit=False) as first,
        Session(engine, expire_on_commit=False) as second,
    ):
        won, created = _insert_once(
            first, _log(patient.id, item.id, item.exercise_id, log_uuid), lambda: find(first)
        )
        first.commit()
        lost, created_again = _insert_once(
            second, _log(patient.id, item.id, item.exercise_id, log_uuid), lambda: find(second)
        )
        second.commit()  # the savepoint kept this transaction usable
    assert created and not created_again
    assert won.id == lost.id
    count = db.exec(
        select(func.count()).select_from(ExerciseLog).where(ExerciseLog.uuid == log_uuid)
    ).one()
    assert count == 1
