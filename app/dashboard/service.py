"""The therapist's dashboard: every active patient with adherence, activity, pain and flags.

The whole page costs a constant number of queries, whatever the number of patients: patients,
routine versions with items, logs, morning checks and flags are each loaded in one query, and the
history flag rules run in Python on what was loaded.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.adherence.service import (
    DayStatus,
    LogLike,
    adherence,
    compute_statuses,
    load_logs,
    load_versions,
    prescribed_per_day,
)
from app.config import get_settings
from app.core.clock import local_today
from app.dashboard.flags import history_flag_keys, history_rule_flags, insert_new_flags
from app.flags.service import SILENT_DAYS, URGENCY, urgency, urgency_order
from app.messages.service import unread_messages
from app.models import ExerciseLog, Flag, MorningCheck, Patient, StaffUser
from app.outcomes.service import not_improved
from app.review.charts import sparkline
from app.review.entries import unread_notes

FILTERS = {
    "all": "All patients",
    "flagged": "With open flags",
    "low": "Low adherence",
    "silent": "Silent",
    "not_improved": (
        f"Outcome not improved by the MCID after {get_settings().outcome_review_weeks} weeks"
    ),
}
SCOPES = {"mine": "My patients", "clinic": "Whole clinic"}
LOW_ADHERENCE = 0.5
WINDOW_DAYS = 30


def relative_day(day: date | None, today: date) -> str:
    """A day relative to today in plain words: 'today', 'yesterday', '3 days ago', 'never'."""
    if day is None:
        return "never"
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


@dataclass
class Row:
    """One patient's line on the dashboard."""

    patient: Patient
    therapist_name: str
    today: date
    adherence_7: float | None
    adherence_30: float | None
    last_activity: date | None
    silent_days: int | None
    pain_after: list[float | None]
    flags: list[Flag] = field(default_factory=list)
    unread_notes: int = 0  # notes the patient wrote that their therapist has not opened yet
    unread_messages: int = 0  # the patient's messages their therapist has not seen yet
    not_improved: bool = False  # an outcome short of its MCID after the review weeks

    @property
    def severity(self) -> int:
        """The most severe open flag (0 when none)."""
        return max((f.severity for f in self.flags), default=0)

    @property
    def urgency(self) -> int:
        """The most urgent open flag: an emergency answer above warning signs (0 when none)."""
        return max((urgency(f) for f in self.flags), default=0)

    @property
    def flag_groups(self) -> list[tuple[str, int, int]]:
        """Open flags as (kind, severity, how many), most urgent first, for compact badges."""
        groups: dict[str, tuple[int, int]] = {}
        for flag in self.flags:
            severity, count = groups.get(flag.kind, (0, 0))
            groups[flag.kind] = (max(severity, flag.severity), count + 1)
        return sorted(
            ((kind, sev, n) for kind, (sev, n) in groups.items()),
            key=lambda g: (-URGENCY.get(g[0], g[1]), g[0]),
        )

    @property
    def last_activity_text(self) -> str:
        """Last activity relative to the patient's own today."""
        return relative_day(self.last_activity, self.today)

    @property
    def low(self) -> bool:
        """Whether adherence over the last week is low."""
        return self.adherence_7 is not None and self.adherence_7 < LOW_ADHERENCE

    @property
    def silent(self) -> bool:
        """Whether nothing was logged for the silent-flag threshold of days."""
        return self.silent_days is not None and self.silent_days >= SILENT_DAYS

    @property
    def pain_text(self) -> str:
        """The sparkline in words."""
        points = [v for v in self.pain_after if v is not None]
        if not points:
            return "No pain scores in the last 30 days"
        if len(points) == 1:
            return f"Pain after exercise: {points[0]:.1f}/10 on one day in the last 30 days"
        return (
            f"Pain after exercise over the last 30 days: {points[0]:.1f}/10 at first, "
            f"{points[-1]:.1f}/10 most recently ({len(points)} days with scores)"
        )

    @property
    def spark(self) -> Markup:
        """The inline SVG sparkline of pain after exercise."""
        return sparkline(self.pain_after, self.pain_text)

    def sort_key(self) -> tuple[int, int, float, str]:
        """Who needs attention first: an emergency answer, then warning signs, then other flags by
        severity; then silent days, then low adherence."""
        return (
            -self.urgency,
            -(self.silent_days or 0),
            self.adherence_7 if self.adherence_7 is not None else 2.0,
            self.patient.display_name.lower(),
        )


@dataclass
class Dashboard:
    """The rows shown, the open flags of those patients and counts for the filter."""

    rows: list[Row]
    flags: list[tuple[Flag, Patient]]
    total: int
    counts: dict[str, int]


def has_own_patients(session: Session, staff: StaffUser) -> bool:
    """Whether any active patient of the clinic is this staff member's own."""
    own = select(Patient.id).where(
        Patient.clinic_id == staff.clinic_id,
        Patient.therapist_id == staff.id,
        col(Patient.archived_at).is_(None),
        col(Patient.deleted_at).is_(None),
    )
    return session.exec(own.limit(1)).first() is not None


def _patients(session: Session, staff: StaffUser, scope: str, q: str) -> Sequence[Patient]:
    query = select(Patient).where(
        Patient.clinic_id == staff.clinic_id,
        col(Patient.archived_at).is_(None),
        col(Patient.deleted_at).is_(None),
    )
    if scope != "clinic":
        query = query.where(Patient.therapist_id == staff.id)
    if q.strip():
        query = query.where(func.lower(Patient.display_name).contains(q.strip().lower()))
    return session.exec(query.order_by(col(Patient.display_name))).all()


@dataclass
class LastDay:
    """Stands for a patient's last log when it is older than the window: only its day matters."""

    patient_id: int
    local_date: date
    routine_item_id: int | None = None
    exercise_id: int = 0
    sets_done: int = 0
    pain_before: int | None = None
    pain_after: int | None = None
    deleted_at: datetime | None = None


def _logs_and_last_days(
    session: Session, ids: list[int], start: date, end: date
) -> tuple[dict[int, list[LogLike]], dict[int, date]]:
    """Logs in the window, and each patient's last logged day: one query, plus one only when
    some patient logged nothing in the window (it reads only those patients' history)."""
    logs: dict[int, list[LogLike]] = defaultdict(list, load_logs(session, ids, start, end))
    last_days = {pid: rows[-1].local_date for pid, rows in logs.items() if rows}
    quiet = [pid for pid in ids if pid not in last_days]
    if quiet:
        older = session.exec(
            select(ExerciseLog.patient_id, func.max(ExerciseLog.local_date))
            .where(
                col(ExerciseLog.patient_id).in_(quiet),
                col(ExerciseLog.local_date) < start,
                col(ExerciseLog.deleted_at).is_(None),
            )
            .group_by(col(ExerciseLog.patient_id))
        ).all()
        for pid, day in older:
            last_days[pid] = day
            # The silent rule needs the last day among the logs it is given.
            logs[pid].append(LastDay(pid, day))
    return logs, last_days


def _last_mornings(session: Session, ids: list[int]) -> dict[int, date]:
    rows = session.exec(
        select(MorningCheck.patient_id, func.max(MorningCheck.local_date))
        .where(col(MorningCheck.patient_id).in_(ids))
        .group_by(col(MorningCheck.patient_id))
    ).all()
    return dict(rows)


def _daily_pain(logs: Sequence[LogLike], days: list[date]) -> list[float | None]:
    by_day: dict[date, list[int]] = defaultdict(list)
    for log in logs:
        if log.pain_after is not None:
            by_day[log.local_date].append(log.pain_after)
    # sum/len, not statistics.mean: this runs for every day of every patient.
    return [round(sum(v) / len(v), 1) if (v := by_day.get(d)) else None for d in days]


def _open_flags(session: Session, ids: list[int]) -> list[Flag]:
    return urgency_order(
        session.exec(
            select(Flag).where(col(Flag.patient_id).in_(ids), col(Flag.resolved_at).is_(None))
        ).all()
    )


def build_dashboard(
    session: Session,
    staff: StaffUser,
    *,
    scope: str = "mine",
    filter_: str = "all",
    q: str = "",
    now: datetime | None = None,
) -> Dashboard:
    """Rows for the signed-in therapist's (or the clinic's) active patients, most urgent first."""
    patients = list(_patients(session, staff, scope, q))
    ids = [p.id for p in patients if p.id is not None]
    if not ids:
        return Dashboard([], [], 0, dict.fromkeys(FILTERS, 0))
    todays = {p.id: local_today(p.timezone, now) for p in patients if p.id is not None}
    end = max(todays.values())
    start = min(todays.values()) - timedelta(days=WINDOW_DAYS)
    versions = load_versions(session, ids, end)
    logs, last_days = _logs_and_last_days(session, ids, start, end)
    mornings = _last_mornings(session, ids)
    names = _staff_names(session, staff.clinic_id) if scope == "clinic" else {}
    statuses: dict[int, list[DayStatus]] = {}
    for patient in patients:
        assert patient.id is not None
        today = todays[patient.id]
        statuses[patient.id] = compute_statuses(
            versions[patient.id],
            logs.get(patient.id, []),
            today - timedelta(days=WINDOW_DAYS),
            today,
            today,
        )
    prescribed = {pid: prescribed_per_day(days) for pid, days in statuses.items()}
    found = history_rule_flags(patients, todays, logs, last_days, prescribed)
    if found:
        insert_new_flags(session, found, history_flag_keys(session, ids))
    open_flags = _open_flags(session, ids)
    by_patient: dict[int, list[Flag]] = defaultdict(list)
    for flag in open_flags:
        by_patient[flag.patient_id].append(flag)
    unread = unread_notes(session, ids)
    unread_msgs = unread_messages(session, ids)
    rows = [
        _row(p, todays, statuses, logs, last_days, mornings, by_patient, names, staff)
        for p in patients
    ]
    stalled = not_improved(session, patients, todays, get_settings().outcome_review_weeks)
    for row in rows:
        row.not_improved = row.patient.id in stalled
        row.unread_notes = unread.get(row.patient.id or 0, 0)
        row.unread_messages = unread_msgs.get(row.patient.id or 0, 0)
    rows.sort(key=Row.sort_key)
    counts = {
        "all": len(rows),
        "flagged": sum(1 for r in rows if r.flags),
        "low": sum(1 for r in rows if r.low),
        "silent": sum(1 for r in rows if r.silent),
        "not_improved": sum(1 for r in rows if r.not_improved),
    }
    shown = [r for r in rows if _matches(r, filter_)]
    panel = [(f, r.patient) for r in shown for f in r.flags]
    panel.sort(key=lambda fp: (-urgency(fp[0]), -fp[0].raised_at.timestamp()))
    return Dashboard(shown, panel, len(rows), counts)


def _matches(row: Row, filter_: str) -> bool:
    if filter_ == "flagged":
        return bool(row.flags)
    if filter_ == "low":
        return row.low
    if filter_ == "silent":
        return row.silent
    if filter_ == "not_improved":
        return row.not_improved
    return True


def _row(
    patient: Patient,
    todays: dict[int, date],
    statuses: dict[int, list[DayStatus]],
    logs: dict[int, list[LogLike]],
    last_days: dict[int, date],
    mornings: dict[int, date],
    flags: dict[int, list[Flag]],
    names: dict[int, str],
    staff: StaffUser,
) -> Row:
    assert patient.id is not None
    today = todays[patient.id]
    days = statuses[patient.id]
    last_log = last_days.get(patient.id)
    activity = [d for d in (last_log, mornings.get(patient.id)) if d is not None]
    started = patient.monitoring_started_on or patient.created_at.date()
    due_ever = any(s.prescribed for s in days)
    silent = (today - (last_log or started)).days if due_ever else None
    spark_days = [today - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1)]
    return Row(
        patient=patient,
        therapist_name=names.get(patient.therapist_id, staff.name),
        today=today,
        adherence_7=adherence(days[-8:]),
        adherence_30=adherence(days),
        last_activity=max(activity) if activity else None,
        silent_days=max(silent, 0) if silent is not None else None,
        pain_after=_daily_pain(logs.get(patient.id, []), spark_days),
        flags=flags.get(patient.id, []),
    )


def _staff_names(session: Session, clinic_id: int) -> dict[int, str]:
    rows = session.exec(
        select(StaffUser.id, StaffUser.name).where(StaffUser.clinic_id == clinic_id)
    ).all()
    return {sid: name for sid, name in rows if sid is not None}
