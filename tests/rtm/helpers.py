"""Building RTM histories: logs at exact moments, time entries and messages."""

import uuid
from datetime import UTC, date, datetime, time

from sqlmodel import Session

from app.core.clock import zone
from app.models import Clinic, ExerciseLog, Message, Patient, StaffUser, TimeEntry
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version


def setup(
    db: Session, start: date, timezone: str = "Europe/London"
) -> tuple[Clinic, StaffUser, Patient]:
    """A clinic, a therapist and a patient monitored from `start`."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    patient = make_patient(db, therapist, timezone=timezone, valid_from=start)
    patient.monitoring_started_on = start
    patient.condition = "Carpal tunnel syndrome (right)"
    db.add(patient)
    db.commit()
    return clinic, therapist, patient


def log_at(db: Session, patient: Patient, moment: datetime) -> ExerciseLog:
    """An exercise log done at a moment (aware), its day taken in the patient's time zone."""
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    assert patient.id is not None
    log = ExerciseLog(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        routine_item_id=item.id,
        exercise_id=item.exercise_id,
        local_date=moment.astimezone(zone(patient.timezone)).date(),
        sets_done=2,
        done_at=moment.astimezone(UTC),
        received_at=moment.astimezone(UTC),
    )
    db.add(log)
    db.flush()
    return log


def log_on(db: Session, patient: Patient, day: date, hour: int = 12) -> ExerciseLog:
    """An exercise log at an hour of a patient-local day."""
    return log_at(db, patient, datetime.combine(day, time(hour), tzinfo=zone(patient.timezone)))


def minutes(
    db: Session,
    patient: Patient,
    staff: StaffUser,
    day: date,
    amount: int,
    *,
    live: bool = False,
    activity: str = "review",
) -> TimeEntry:
    """A time entry."""
    assert patient.id is not None and staff.id is not None
    entry = TimeEntry(
        patient_id=patient.id,
        staff_id=staff.id,
        on_date=day,
        minutes=amount,
        live_interaction=live,
        activity=activity,
        credential="PT, DPT",
        note="Reviewed the week",
    )
    db.add(entry)
    db.flush()
    return entry


def message(db: Session, patient: Patient, staff: StaffUser | None, moment: datetime) -> Message:
    """A message in the thread, from staff when given, else from the patient."""
    assert patient.id is not None
    row = Message(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        author="staff" if staff else "patient",
        staff_id=staff.id if staff else None,
        body="How did the new slider feel?",
        written_at=moment,
    )
    db.add(row)
    db.flush()
    return row
