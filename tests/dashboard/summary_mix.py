"""A seeded random run of every write a dashboard summary depends on, through the app's services,
and reading the stored summaries back for comparison."""

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.activity.schemas import EMERGENCY_SIGNS, STOP_SIGNS, LogIn, MorningIn, SafetyIn
from app.activity.service import record_log, record_morning, record_safety, undo_log, update_log
from app.core.clock import local_today
from app.dashboard.summary import SUMMARY_TABLE, refresh_summaries
from app.models import (
    ClinicMeasure,
    DashboardSummary,
    ExerciseLog,
    OutcomeScore,
    Patient,
    StaffUser,
)
from app.outcomes.answers import record_checkin
from app.outcomes.measures import clinic_key
from app.outcomes.recording import delete_score, record_score
from app.outcomes.schemas import CheckinIn
from app.patients.service import archive_patient, restore_patient
from app.routines.service import ItemDose, items_of, new_version
from tests.factories import builtin, make_clinic, make_patient, make_staff, routine_version
from tests.outcomes.helpers import schedule

ZONES = (
    "Pacific/Kiritimati",  # UTC+14: already tomorrow for most of the world
    "Pacific/Pago_Pago",  # UTC-11: still yesterday
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Europe/London",
)
SLUGS = ("median-slider", "carpal-tunnel-slider", "ulnar-slider", "seated-slump-slider")


def recomputed(engine: Engine, ids: list[int], now: datetime | None = None) -> dict[int, Any]:
    """These patients' summaries computed afresh from what is stored now (nothing kept)."""
    with Session(engine) as db:
        refresh_summaries(db, ids, now)
        found = summaries(db, ids)
        db.rollback()
    return found


def summaries(db: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The stored summary rows of these patients as plain values."""
    rows = db.connection().execute(
        sa_select(SUMMARY_TABLE).where(col(DashboardSummary.patient_id).in_(ids))
    )
    return {row.patient_id: dict(row._mapping) for row in rows}


def _log(db: Session, rng: random.Random, patient: Patient, today: date) -> None:
    items = items_of(db, routine_version(db, patient).id or 0)
    data = LogIn(
        uuid=uuid.uuid4(),
        routine_item_id=rng.choice(items).id or 0,
        local_date=today - timedelta(days=rng.choice((0, 0, 1, 2, 5, 12, -1))),
        slot=rng.randint(1, 3),
        sets_done=rng.randint(0, 4),
        pain_after=rng.choice((None, rng.randint(0, 10))),
    )
    record_log(db, patient, data, today)


def _edit(db: Session, rng: random.Random, patient: Patient, today: date) -> None:
    recent = db.exec(
        select(ExerciseLog).where(
            ExerciseLog.patient_id == patient.id,
            col(ExerciseLog.local_date) >= today - timedelta(days=1),
            col(ExerciseLog.deleted_at).is_(None),
        )
    ).all()
    if not recent:
        return
    log = rng.choice(recent)
    if rng.random() < 0.5:
        undo_log(db, patient, log, today)
        return
    data = LogIn(
        uuid=log.uuid,
        routine_item_id=log.routine_item_id or 0,
        local_date=log.local_date,
        sets_done=rng.randint(0, 5),
    )
    update_log(db, patient, log, data, today)


def _answer(db: Session, rng: random.Random, patient: Patient, today: date) -> None:
    if rng.random() < 0.7:
        morning = MorningIn(
            uuid=uuid.uuid4(),
            local_date=today - timedelta(days=rng.randint(0, 6)),
            comparison=rng.choice(("better", "same", "worse")),
            pain_now=rng.randint(0, 10),
        )
        record_morning(db, patient, morning, today)
        return
    signs = [rng.choice(STOP_SIGNS)] + ([rng.choice(EMERGENCY_SIGNS)] if rng.random() < 0.3 else [])
    record_safety(db, patient, SafetyIn(uuid=uuid.uuid4(), local_date=today, answers=signs), today)


def _routine(db: Session, rng: random.Random, patient: Patient, today: date) -> None:
    current = items_of(db, routine_version(db, patient).id or 0)
    doses = [
        ItemDose(
            exercise_id=item.exercise_id,
            sets=rng.randint(1, 3),
            times_per_day=rng.randint(1, 3),
            days_mask=rng.choice((0b1111111, 0b0101010)),
            from_item_id=item.id,
        )
        for item in current
        if rng.random() < 0.8
    ]
    doses.append(ItemDose(exercise_id=builtin(db, rng.choice(SLUGS)).id or 0))
    new_version(db, patient.id or 0, doses, today + timedelta(days=rng.choice((-9, -1, 0, 1))))


def _score(db: Session, rng: random.Random, patient: Patient, today: date, own: str) -> None:
    staff_scores = db.exec(
        select(OutcomeScore).where(
            OutcomeScore.patient_id == patient.id, OutcomeScore.source == "staff"
        )
    ).all()
    action = rng.random()
    if action < 0.2 and staff_scores:
        delete_score(db, patient, rng.choice(staff_scores).id or 0)
    elif action < 0.5:
        answers = CheckinIn(
            uuid=uuid.uuid4(),
            local_date=today - timedelta(days=rng.randint(0, 20)),
            pain_avg=rng.randint(0, 10),
            grc=rng.choice((None, rng.randint(-3, 3))),
        )
        record_checkin(db, patient, answers, today)
    else:
        key, top = rng.choice((("odi", 100), ("ndi", 50), (own, 40)))
        day = today - timedelta(days=rng.randint(0, 90))
        staff = db.get_one(StaffUser, patient.therapist_id)
        record_score(db, patient, staff, key, str(rng.randint(0, top)), day.isoformat(), today)


def mix(db: Session, seed: int, steps: int = 140, move_zones: bool = True) -> list[int]:
    """Random writes, edits, undos, answers, routine changes, outcome scores, time zone changes
    (unless told not to) and archiving for patients in several time zones; each step committed."""
    rng = random.Random(seed)
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    assert clinic.id is not None
    measure = ClinicMeasure(
        clinic_id=clinic.id, name=f"Grip {seed}", min_score=0, max_score=40, mcid_points=6
    )
    db.add(measure)
    db.flush()
    own = clinic_key(measure.id or 0)
    patients = [
        make_patient(
            db, therapist, timezone=zone, valid_from=local_today(zone) - timedelta(days=40)
        )
        for zone in ZONES
    ]
    for patient in patients:
        schedule(db, therapist, patient, "pain_avg", "grc")  # check-ins answer only these
    db.commit()
    for _ in range(steps):
        patient = rng.choice(patients)
        today = local_today(patient.timezone)
        action = rng.random()
        if action < 0.4:
            _log(db, rng, patient, today)
        elif action < 0.5:
            _edit(db, rng, patient, today)
        elif action < 0.62:
            _answer(db, rng, patient, today)
        elif action < 0.7:
            _routine(db, rng, patient, today)
        elif action < 0.9:
            _score(db, rng, patient, today, own)
        elif action < 0.95:
            patient.timezone = rng.choice(ZONES) if move_zones else patient.timezone
            db.add(patient)
            db.flush()
        elif patient.archived_at is None:
            archive_patient(db, patient)
        else:
            restore_patient(db, patient)
        db.commit()
    for patient in patients:
        if patient.archived_at is not None:
            restore_patient(db, patient)
            db.commit()
    return [p.id or 0 for p in patients]
