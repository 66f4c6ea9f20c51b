"""The patient's check-in answers, stored exactly once however often the phone sends them."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from statistics import mean
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.i18n import N_
from app.models import OutcomeScore, Patient
from app.outcomes.measures import GRC, PAIN_AVG, PAIN_WORST, PSFS
from app.outcomes.scheduling import schedules_of
from app.outcomes.schemas import CheckinIn, CheckinOut, ScoreOut
from app.webhooks.events import OUTCOME_RECORDED, emit_for_patients

# The measures a check-in can answer, by their field in the form and the API.
CHECKIN_KEYS = (PAIN_AVG.key, PAIN_WORST.key, PSFS.key, GRC.key)
NOT_ASKED = N_("Your therapist has not asked you this question, so the answers were not saved.")


class AnswerError(ValueError):
    """An answer that cannot be stored, with the field it concerns."""

    def __init__(self, message: str, field: str = "local_date") -> None:
        super().__init__(message)
        self.field = field


def row_uuid(checkin: uuid.UUID, measure: str) -> uuid.UUID:
    """The stored id of one measure's score in a check-in, derived so a resend finds it."""
    return uuid.uuid5(checkin, measure)


def psfs_activities(session: Session, patient_id: int) -> list[str]:
    """The activities the patient named at their first PSFS answer (empty before it)."""
    first = session.exec(
        select(OutcomeScore)
        .where(OutcomeScore.patient_id == patient_id, OutcomeScore.measure == PSFS.key)
        .order_by(col(OutcomeScore.taken_on), col(OutcomeScore.id))
    ).first()
    if first is None or not first.answers:
        return []
    return [str(a.get("name", "")) for a in first.answers.get("activities", [])]


def _stored(session: Session, patient_id: int, data: CheckinIn) -> list[OutcomeScore]:
    ids = [row_uuid(data.uuid, key) for key in CHECKIN_KEYS]
    return list(
        session.exec(
            select(OutcomeScore)
            .where(OutcomeScore.patient_id == patient_id, col(OutcomeScore.uuid).in_(ids))
            .order_by(col(OutcomeScore.id))
        ).all()
    )


def unassigned(session: Session, patient_id: int, keys: list[str]) -> str | None:
    """The first answered measure the therapist has not scheduled for the patient, if any."""
    if not keys:
        return None
    assigned = {s.measure for s in schedules_of(session, patient_id)}
    return next((key for key in keys if key not in assigned), None)


def _check_day(today: date, day: date) -> None:
    # A phone may send days late, never from the future.
    if day > today + timedelta(days=1):
        raise AnswerError(N_("That day is in the future."))
    if day < today - timedelta(days=30):
        raise AnswerError(N_("That day is too long ago to record."))


def _psfs_answers(session: Session, patient_id: int, data: CheckinIn) -> dict[str, Any]:
    """PSFS activities with their ratings; the names are the ones given at the first answer."""
    assert data.psfs is not None
    named = psfs_activities(session, patient_id)
    if named:
        if len(data.psfs) != len(named):
            raise AnswerError(N_("Rate each of your activities."), "psfs")
        pairs = [(name, a.rating) for name, a in zip(named, data.psfs, strict=True)]
    else:
        if any(not a.name for a in data.psfs):
            raise AnswerError(N_("Name each activity you rate."), "psfs")
        pairs = [(a.name, a.rating) for a in data.psfs]
    return {"activities": [{"name": name, "rating": rating} for name, rating in pairs]}


def record_checkin(
    session: Session, patient: Patient, data: CheckinIn, today: date
) -> tuple[list[OutcomeScore], bool]:
    """Store each answered measure once; a repeated UUID returns what was stored."""
    assert patient.id is not None
    patient_id = patient.id
    existing = _stored(session, patient_id, data)
    if existing:
        return existing, False
    _check_day(today, data.local_date)
    answered = [key for key in CHECKIN_KEYS if getattr(data, key) is not None]
    stray = unassigned(session, patient_id, answered)
    if stray is not None:
        raise AnswerError(NOT_ASKED, stray)
    rows: list[OutcomeScore] = []

    def add(measure: str, score: float, answers: dict[str, Any] | None = None) -> None:
        rows.append(
            OutcomeScore(
                patient_id=patient_id,
                measure=measure,
                score=score,
                taken_on=data.local_date,
                source="patient",
                answers=answers,
                uuid=row_uuid(data.uuid, measure),
            )
        )

    if data.pain_avg is not None:
        add(PAIN_AVG.key, data.pain_avg)
    if data.pain_worst is not None:
        add(PAIN_WORST.key, data.pain_worst)
    if data.psfs is not None:
        answers = _psfs_answers(session, patient_id, data)
        add(PSFS.key, psfs_score([a["rating"] for a in answers["activities"]]), answers)
    if data.grc is not None:
        add(GRC.key, data.grc)
    stored, created = insert_once(session, rows, lambda: _stored(session, patient_id, data))
    if created:
        announce(session, stored)
    return stored, created


def announce(session: Session, rows: list[OutcomeScore]) -> None:
    """Tell the clinic's webhooks about each new score, by id only (one endpoint lookup)."""
    events = [(row.patient_id, {"outcome_id": row.id}) for row in rows if row.id is not None]
    emit_for_patients(session, OUTCOME_RECORDED, events)


def insert_once(
    session: Session, rows: list[OutcomeScore], find: Callable[[], list[OutcomeScore]]
) -> tuple[list[OutcomeScore], bool]:
    """Insert a check-in's rows; if a concurrent send stored them first, return those."""
    try:
        # A savepoint keeps the request usable after the unique key refuses a second copy.
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        found = find()
        if not found:
            raise
        return found, False
    return rows, True


def psfs_score(ratings: list[int]) -> float:
    """The PSFS score: the mean of the activity ratings, to two decimals."""
    return round(mean(ratings), 2)


def checkin_out(data_uuid: uuid.UUID, rows: list[OutcomeScore]) -> CheckinOut:
    """The stored check-in as the API answers it."""
    return CheckinOut(
        uuid=data_uuid,
        local_date=rows[0].taken_on,
        scores=[ScoreOut(measure=r.measure, score=r.score, taken_on=r.taken_on) for r in rows],
        received_at=min(r.created_at for r in rows),
    )
