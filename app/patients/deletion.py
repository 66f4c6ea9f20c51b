"""Deleting a patient's account on request: personal data goes, the audit trail stays."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.models import (
    AccessToken,
    AuditEvent,
    DailyJobClaim,
    DailyRollup,
    ExerciseLog,
    Flag,
    Message,
    MorningCheck,
    Patient,
    ProgressReport,
    PushSubscription,
    ReminderDelivery,
    ReminderSettings,
    SafetyReport,
    utcnow,
)

CONFIRM_WORD = "DELETE"
DELETION_REQUESTED = "patient_deletion_requested"
# What the patient reported or that was made from it, and how their devices reached them.
PERSONAL_TABLES: tuple[Any, ...] = (
    ExerciseLog,
    MorningCheck,
    SafetyReport,
    DailyRollup,
    DailyJobClaim,
    Flag,
    PushSubscription,
    ReminderDelivery,
    ReminderSettings,
    AccessToken,
    Message,
    # Reports carry the patient's name and what they reported, copied at the time.
    ProgressReport,
)


def confirmed(typed: str) -> bool:
    """Whether the typed confirmation is the word asked for (any case, spaces trimmed)."""
    return typed.strip().upper() == CONFIRM_WORD


def delete_patient(session: Session, patient: Patient) -> dict[str, int]:
    """Remove the patient's personal data and sign them out; how many rows of each kind went.

    The patient row stays as a tombstone (no name, no contact) so routine versions, the
    clinic's own notes and the audit events, which hold ids and not contents, still point
    somewhere.
    """
    assert patient.id is not None
    removed: dict[str, int] = {}
    for model in PERSONAL_TABLES:
        result = session.execute(
            delete(model)
            .where(col(model.patient_id) == patient.id)
            .execution_options(synchronize_session=False)
        )
        removed[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    now = utcnow()
    patient.display_name = f"Deleted patient {patient.id}"
    patient.email = None
    patient.condition = ""
    patient.nerve = None
    patient.referrer_name = patient.referrer_organisation = patient.referrer_contact = ""
    patient.goals = ""
    # A new session version signs every device out at once.
    patient.session_version += 1
    patient.deleted_at = now
    if patient.archived_at is None:
        patient.archived_at = now
    session.add(patient)
    session.flush()
    return removed


def deletion_requested_at(session: Session, patient_id: int) -> datetime | None:
    """When the patient last asked in the app for their account to be deleted, if ever."""
    return session.exec(
        select(AuditEvent.at)
        .where(AuditEvent.patient_id == patient_id, AuditEvent.action == DELETION_REQUESTED)
        .order_by(col(AuditEvent.at).desc())
    ).first()
