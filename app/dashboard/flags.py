"""Flags on the workspace: plain words for each kind, and acknowledging or resolving a flag."""

from datetime import datetime

from fastapi import HTTPException
from sqlmodel import Session

from app.flags.service import SILENT_DAYS
from app.models import Flag, Patient, StaffUser, utcnow
from app.models.base import valid_id

FLAG_LABELS = {
    "emergency": "Emergency answer",
    "red_flag": "Warning signs",
    "worse_next_morning": "Worse next morning",
    "over_limit": "Symptoms over limit",
    "silent": f"Silent {SILENT_DAYS}+ days",
    "overdoing": "Doing more than prescribed",
    "pain_trend": "Pain trending up",
}


def flag_label(kind: str) -> str:
    """A flag kind in plain words."""
    return FLAG_LABELS.get(kind, kind.replace("_", " ").capitalize())


def flag_tone(severity: int) -> str:
    """The badge colour for a flag's severity."""
    return {3: "bad", 2: "warn"}.get(severity, "")


def flag_for_staff(session: Session, staff: StaffUser, flag_id: int) -> tuple[Flag, Patient]:
    """A flag and its patient, if the patient belongs to the staff member's clinic; else 404."""
    flag = session.get(Flag, flag_id) if valid_id(flag_id) else None
    patient = session.get(Patient, flag.patient_id) if flag is not None else None
    if (
        flag is None
        or patient is None
        or patient.clinic_id != staff.clinic_id
        or patient.deleted_at is not None
    ):
        raise HTTPException(status_code=404, detail="Not found")
    return flag, patient


def acknowledge(session: Session, flag: Flag, staff: StaffUser) -> None:
    """Mark a flag as seen by this staff member (once)."""
    if flag.acknowledged_at is None:
        flag.acknowledged_at = utcnow()
        flag.acknowledged_by_id = staff.id
        session.add(flag)
        session.flush()


def resolve(session: Session, flag: Flag, staff: StaffUser, note: str) -> None:
    """Close a flag with what was done about it; resolving also acknowledges it."""
    acknowledge(session, flag, staff)
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        flag.resolved_by_id = staff.id
        flag.resolution_note = note.strip()[:1000]
        session.add(flag)
        session.flush()


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """A past moment in plain words: 'just now', '5 min ago', '3 h ago', '2 days ago'."""
    if moment is None:
        return ""
    seconds = ((now or utcnow()) - moment).total_seconds()
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "yesterday" if days == 1 else f"{days} days ago"


def earlier_raises(flag: Flag, now: datetime | None = None) -> list[tuple[str, str]]:
    """The flag's earlier raises, newest first, as (when in words, what it said then)."""
    out = []
    for entry in flag.earlier:
        try:
            moment: datetime | None = datetime.fromisoformat(entry.get("at", ""))
        except ValueError:
            moment = None
        out.append((ago(moment, now) or "earlier", entry.get("detail", "")))
    return out


def flag_helpers() -> dict[str, object]:
    """What templates showing flags need (the dashboard panel and the review page)."""
    return {
        "flag_label": flag_label,
        "flag_tone": flag_tone,
        "ago": ago,
        "earlier_raises": earlier_raises,
    }


def safe_next(value: str | None, default: str = "/dashboard") -> str:
    """A local path to go back to after a form, never another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
