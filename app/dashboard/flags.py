"""Flags on the workspace: plain words for each kind, the history rules run for many patients at
once, and acknowledging or resolving a flag."""

import contextlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import cast

from fastapi import HTTPException
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.adherence.service import LogLike
from app.flags.service import SILENT_DAYS, refresh_history_flags
from app.models import ExerciseLog, Flag, Patient, StaffUser, utcnow
from app.models.base import valid_id
from app.webhooks.events import FLAG_RAISED, emit_for_patients

FLAG_LABELS = {
    "emergency": "Emergency answer",
    "red_flag": "Warning signs",
    "worse_next_morning": "Worse next morning",
    "over_limit": "Symptoms over limit",
    "silent": f"Silent {SILENT_DAYS}+ days",
    "overdoing": "Doing more than prescribed",
    "pain_trend": "Pain trending up",
}
HISTORY_KINDS = ("silent", "overdoing", "pain_trend")


def flag_label(kind: str) -> str:
    """A flag kind in plain words."""
    return FLAG_LABELS.get(kind, kind.replace("_", " ").capitalize())


def flag_tone(severity: int) -> str:
    """The badge colour for a flag's severity."""
    return {3: "bad", 2: "warn"}.get(severity, "")


# The rules look back two weeks at most (trend: this week against last), plus the last day.
RULES_LOOK_BACK_DAYS = 14


class _NoRows:
    """The empty result a first-time flag lookup gets."""

    def first(self) -> None:
        """No flag exists yet."""
        return None


class _Collector:
    """Stands in for a Session so the flag service's own rules run with no database at all.

    `raise_flag` looks for an existing flag, opens a savepoint and adds the new flag: here the
    lookup finds nothing and the flags are only collected. Which of them are really new is then
    decided against the real database in one query (history_flag_keys)."""

    def __init__(self) -> None:
        self.added: list[Flag] = []

    def exec(self, _statement: object) -> _NoRows:
        """Every lookup finds nothing."""
        return _NoRows()

    def begin_nested(self) -> contextlib.nullcontext[None]:
        """No savepoint is needed when nothing is written."""
        return contextlib.nullcontext()

    def add(self, flag: Flag) -> None:
        """Keep the flag instead of writing it."""
        self.added.append(flag)


def history_rule_flags(
    patients: Sequence[Patient],
    todays: dict[int, date],
    logs: dict[int, list[LogLike]],
    last_days: dict[int, date],
    prescribed: dict[int, dict[date, int]],
) -> list[dict[str, object]]:
    """What the flag service's `refresh_history_flags` raises for each patient, without queries.

    The rules stay the flag service's own (one source of truth); the real database sees no
    per-patient statement.
    """
    found: list[dict[str, object]] = []
    for patient in patients:
        assert patient.id is not None
        today = todays[patient.id]
        cutoff = today - timedelta(days=RULES_LOOK_BACK_DAYS - 1)
        last_day = last_days.get(patient.id)
        recent = [
            log
            for log in logs.get(patient.id, [])
            if log.local_date >= cutoff or log.local_date == last_day
        ]
        collector = _Collector()
        # Rows carry every attribute the rules read (dates, sets, pain, deleted_at).
        refresh_history_flags(
            cast(Session, collector),
            patient,
            today,
            cast(list[ExerciseLog], recent),
            prescribed[patient.id],
        )
        found.extend(
            {
                "patient_id": flag.patient_id,
                "kind": flag.kind,
                "key": flag.key,
                "severity": flag.severity,
                "detail": flag.detail,
            }
            for flag in collector.added
        )
    return found


def history_flag_keys(session: Session, ids: list[int]) -> set[tuple[int, str, str]]:
    """(patient, kind, key) of every history flag already raised, open or resolved: one query."""
    rows = session.exec(
        select(Flag.patient_id, Flag.kind, Flag.key).where(
            col(Flag.patient_id).in_(ids), col(Flag.kind).in_(HISTORY_KINDS)
        )
    ).all()
    return {(pid, kind, key) for pid, kind, key in rows}


def insert_new_flags(
    session: Session, found: list[dict[str, object]], existing: set[tuple[int, str, str]]
) -> int:
    """Write the flags not raised before in one statement; returns how many were not known."""
    new = [f for f in found if (f["patient_id"], f["kind"], f["key"]) not in existing]
    if not new:
        return 0
    now = utcnow()
    for f in new:
        f.update(created_at=now, resolution_note="", times_raised=1, earlier=[])
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Another therapist's dashboard may raise the same flag at the same moment: skip, not fail.
    statement = (
        insert(Flag)
        .values(new)
        .on_conflict_do_nothing(index_elements=["patient_id", "kind", "key"])
        .returning(col(Flag.id), col(Flag.patient_id))
    )
    inserted = session.connection().execute(statement).all()
    raised = [(pid, {"flag_id": fid}) for fid, pid in inserted if fid is not None]
    emit_for_patients(session, FLAG_RAISED, raised)
    return len(new)


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
