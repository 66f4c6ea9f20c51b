"""Taking back a time entry made by mistake: it stays on the record, struck through, and counts
no more toward the month's minutes or codes."""

from fastapi import HTTPException
from sqlmodel import Session

from app.models import Patient, StaffUser, TimeEntry, utcnow
from app.models.base import valid_id

MIN_REASON = 5


def entry_of(session: Session, patient: Patient, entry_id: int) -> TimeEntry:
    """The patient's time entry, or 404."""
    entry = session.get(TimeEntry, entry_id) if valid_id(entry_id) else None
    if entry is None or entry.patient_id != patient.id:
        raise HTTPException(status_code=404, detail="Not found")
    return entry


def may_remove(staff: StaffUser, entry: TimeEntry) -> bool:
    """Whether this staff member may remove the entry: whoever recorded it, or an admin."""
    return entry.removed_at is None and (entry.staff_id == staff.id or staff.role == "admin")


def remove_entry(session: Session, entry: TimeEntry, staff: StaffUser, reason: str) -> None:
    """Remove an entry with the reason; ValueError with a message when not allowed or unsaid."""
    if entry.removed_at is not None:
        raise ValueError("This entry was already removed.")
    if not may_remove(staff, entry):
        raise ValueError("Only whoever recorded this time, or an admin, can remove it.")
    said = " ".join(reason.split())
    if len(said) < MIN_REASON:
        raise ValueError(
            f"Say why the entry is removed, in {MIN_REASON} characters or more "
            "(for example: typed 90 for 9 minutes)."
        )
    entry.removed_at, entry.removed_by_id, entry.removal_reason = utcnow(), staff.id, said[:300]
    session.add(entry)
    session.flush()
