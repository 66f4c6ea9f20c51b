"""Flags on the workspace: plain words for each kind, and acknowledging or resolving a flag."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from fastapi import HTTPException
from sqlmodel import Session, col, select

from app.core.clock import zone
from app.core.digits import plain_digits
from app.flags.service import SEVERITY, SILENT_DAYS
from app.models import Flag, Patient, StaffUser, utcnow
from app.models.base import valid_id
from app.patient.facts import PAUSE_HELD_DAYS
from app.staff.team_clinic import tel_href
from app.stamps.service import WARNING_FLAGS

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


# Resolving warning signs resumes the patient's exercises: never by a stray click, and never
# without a record of what was done.
MIN_WARNING_NOTE = 5
NOTE_NEEDED = (
    f"Say what was done, in {MIN_WARNING_NOTE} characters or more, before resolving warning "
    "signs (for example: called, assessed, safe to resume exercises)."
)


class NoteNeeded(ValueError):
    """Warning signs resolved without a note of what was done."""


def needs_note(flag: Flag) -> bool:
    """Whether resolving this flag needs a note: warning signs, which pause the exercises."""
    return flag.kind in WARNING_FLAGS


def resolve(session: Session, flag: Flag, staff: StaffUser, note: str) -> None:
    """Close a flag with what was done about it; resolving also acknowledges it. NoteNeeded
    for warning signs without a note, and nothing changes."""
    if flag.resolved_at is None and needs_note(flag) and len(note.strip()) < MIN_WARNING_NOTE:
        raise NoteNeeded(NOTE_NEEDED)
    acknowledge(session, flag, staff)
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        flag.resolved_by_id = staff.id
        flag.resolution_note = note.strip()[:1000]
        session.add(flag)
        session.flush()


def acknowledge_shown(
    session: Session, patient: Patient, staff: StaffUser, ids: Sequence[str]
) -> list[Flag]:
    """Acknowledge the open flags of this patient that the page showed (never one raised since,
    nor another patient's); the flags acknowledged now."""
    wanted = {int(v) for v in ids if plain_digits(v) and len(v) <= 19 and valid_id(int(v))}
    if not wanted:
        return []
    found = session.exec(
        select(Flag).where(
            Flag.patient_id == patient.id,
            col(Flag.id).in_(wanted),
            col(Flag.resolved_at).is_(None),
            col(Flag.acknowledged_at).is_(None),
        )
    ).all()
    for flag in found:
        acknowledge(session, flag, staff)
    return list(found)


def group_ids(value: str) -> list[int]:
    """The ids of one patient's flags as the page showed them, the one in full first."""
    parts = [v for v in value.split(",")[:200] if plain_digits(v) and len(v) <= 19]
    return [int(v) for v in parts if valid_id(int(v))]


def group_tail(session: Session, patient: Patient, shown: Sequence[int]) -> dict[str, object]:
    """What a patient's folded flags say now: the open ones besides the first shown, and the
    shown ones not yet seen (never a flag raised since the page was drawn)."""
    found = session.exec(
        select(Flag).where(
            Flag.patient_id == patient.id,
            col(Flag.id).in_(shown),
            col(Flag.resolved_at).is_(None),
        )
    ).all()
    place = {flag_id: n for n, flag_id in enumerate(shown)}
    still_open = sorted(found, key=lambda f: place[f.id or 0])
    return {
        "tail": True,
        "group_ids": ",".join(str(i) for i in shown),
        "rest": [f for f in still_open if f.id != shown[0]],
        "unseen": [f for f in still_open if f.acknowledged_at is None],
    }


def ago(moment: datetime | None, tz_name: str = "UTC", now: datetime | None = None) -> str:
    """A past moment in plain words: 'just now', '5 min ago', '3 h ago' the same day; an earlier
    day counted in calendar days of the patient's time zone, with the moment itself: 'yesterday
    at 20:05', '2 days ago (Sun 29 Nov, 20:05)'. Whole 24-hour blocks would call Sunday evening
    'yesterday' on Tuesday afternoon."""
    if moment is None:
        return ""
    now = now or utcnow()
    seconds = (now - moment).total_seconds()
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    here = zone(tz_name)
    local = moment.astimezone(here)
    days = (now.astimezone(here).date() - local.date()).days
    if days <= 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return f"yesterday at {local:%H:%M}"
    return f"{days} days ago ({local:%a} {local.day} {local:%b}, {local:%H:%M})"


def earlier_raises(
    flag: Flag, tz_name: str = "UTC", now: datetime | None = None
) -> list[tuple[str, str]]:
    """The flag's earlier raises, newest first, as (when in words, what it said then)."""
    out = []
    for entry in flag.earlier:
        try:
            moment: datetime | None = datetime.fromisoformat(entry.get("at", ""))
        except ValueError:
            moment = None
        out.append((ago(moment, tz_name, now) or "earlier", entry.get("detail", "")))
    return out


def holds_pause(flag: Flag, now: datetime | None = None) -> bool:
    """Whether this flag keeps the patient's exercises paused: warning signs not yet resolved,
    reported within the fortnight a pause lasts at most (as Today reads it)."""
    return (
        flag.kind in WARNING_FLAGS
        and flag.resolved_at is None
        and flag.created_at >= (now or utcnow()) - timedelta(days=PAUSE_HELD_DAYS)
    )


def kinds_counted(flags: Sequence[Flag]) -> list[tuple[str, int]]:
    """The kinds of these flags with how many of each, in the order they first come."""
    counts: dict[str, int] = {}
    for flag in flags:
        counts[flag.kind] = counts.get(flag.kind, 0) + 1
    return list(counts.items())


def flag_helpers() -> dict[str, object]:
    """What templates showing flags need (the dashboard panel and the review page)."""
    return {
        "flag_label": flag_label,
        "flag_tone": flag_tone,
        "ago": ago,
        "earlier_raises": earlier_raises,
        "holds_pause": holds_pause,
        "tel_href": tel_href,
        "needs_note": needs_note,
        "min_warning_note": MIN_WARNING_NOTE,
        "kinds_counted": kinds_counted,
        # A silence reads in the same colour in the patient's row as its flag does.
        "silent_severity": SEVERITY["silent"],
    }


def safe_next(value: str | None, default: str = "/dashboard") -> str:
    """A local path to go back to after a form, never another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
