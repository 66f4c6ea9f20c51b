"""Change stamps: a per-patient counter bumped by every change Today shows, and a shared
library counter, both kept in the transaction of the change by listening to the session.

Listening to flushes (like the rollups) means no write path can forget a bump. Days the rollups
touch already bump the patient's stamp while locking the patient (`rollups.service.lock_patient`),
so logs, answers and routine changes cost no extra statement here.
"""

from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, col, select

from app.models import (
    ChangeStamp,
    Clinic,
    Exercise,
    ExerciseText,
    Flag,
    Message,
    OutcomePlan,
    OutcomeSchedule,
    OutcomeScore,
    Patient,
    ReminderSettings,
    StaffUser,
)

LIBRARY = "library"
# Flags raised by warning-sign answers (activity.service.record_safety), which pause Today.
WARNING_FLAGS = ("red_flag", "emergency")
_PENDING = "stamp_pending"
_BUMPED = "stamp_bumped"
_LIBRARY_SEEN = "library_stamp"
# Rows of a patient shown on Today that the rollups do not already stamp (the check-in card
# reads the outcome rows).
_PATIENT_ROWS = (Message, ReminderSettings, OutcomeScore, OutcomeSchedule, OutcomePlan)
_LIBRARY_ROWS = (Exercise, ExerciseText)


def bump_patients(session: Session | OrmSession, patient_ids: set[int]) -> None:
    """Move these patients' stamps on, in the current transaction."""
    if not patient_ids:
        return
    session.connection().execute(
        update(Patient)
        .where(col(Patient.id).in_(sorted(patient_ids)))
        .values(change_stamp=col(Patient.change_stamp) + 1)
    )
    bumped(session).update(patient_ids)


def bumped(session: Session | OrmSession) -> set[int]:
    """Patients whose stamp this session moved on (their loaded stamp is out of date)."""
    found: set[int] = session.info.setdefault(_BUMPED, set())
    return found


def library_stamp(session: Session) -> int:
    """The library's change counter, shared by every server (read once per transaction)."""
    known = session.info.get(_LIBRARY_SEEN)
    if known is not None:
        return int(known)
    value = session.exec(select(ChangeStamp.value).where(ChangeStamp.name == LIBRARY)).first()
    remember_library_stamp(session, value or 0)
    return value or 0


def remember_library_stamp(session: Session | OrmSession, value: int) -> None:
    """Keep the library stamp this transaction read, so nothing reads it twice."""
    session.info[_LIBRARY_SEEN] = value


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    """Another transaction may see another library."""
    session.info.pop(_LIBRARY_SEEN, None)


@event.listens_for(OrmSession, "before_flush")
def _note(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    """Note the patients and the library this flush changes."""
    pending: dict[str, Any] = session.info.setdefault(
        _PENDING, {"patients": set(), "clinics": set(), "library": False}
    )
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Patient):
            # A setting, the language or the time zone: Today reads the patient row.
            if obj.id is not None and session.is_modified(obj) and obj not in session.deleted:
                obj.change_stamp = col(Patient.change_stamp) + 1  # type: ignore[assignment]
                bumped(session).add(obj.id)
        elif isinstance(obj, _PATIENT_ROWS) and obj.patient_id is not None:
            pending["patients"].add(obj.patient_id)
        elif isinstance(obj, Flag) and obj.kind in WARNING_FLAGS:
            # Resolving a warning-sign flag lifts the pause Today shows (app/patient/facts.py).
            pending["patients"].add(obj.patient_id)
        elif isinstance(obj, _LIBRARY_ROWS):
            pending["library"] = True
        elif isinstance(obj, (Clinic, StaffUser)) and obj not in session.new:
            # Today shows the clinic's phone and hours and the names of staff who answered:
            # rare edits, so every patient of the clinic gets a new page.
            clinic_id = obj.id if isinstance(obj, Clinic) else obj.clinic_id
            # A staff row changes at every sign-in; only a new name shows on Today.
            shown = isinstance(obj, Clinic) or inspect(obj).attrs.name.history.has_changes()
            if clinic_id is not None and shown and session.is_modified(obj):
                pending["clinics"].add(clinic_id)


@event.listens_for(OrmSession, "after_flush_postexec")
def _apply(session: OrmSession, _flush: UOWTransaction) -> None:
    """Bump what the flush changed, in the same transaction."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    bump_patients(session, pending["patients"])
    if pending["clinics"]:
        session.connection().execute(
            update(Patient)
            .where(col(Patient.clinic_id).in_(sorted(pending["clinics"])))
            .values(change_stamp=col(Patient.change_stamp) + 1)
        )
    if pending["library"]:
        session.info.pop(_LIBRARY_SEEN, None)
        session.connection().execute(
            update(ChangeStamp)
            .where(col(ChangeStamp.name) == LIBRARY)
            .values(value=col(ChangeStamp.value) + 1)
        )
