"""The therapist's dashboard: a page of active patients with adherence, activity, pain and flags.

The ranking, filters, counts and paging run in SQL on each patient's summary row and open flags
(app/dashboard/query.py, app/dashboard/summary.py); only the page's own patients are loaded, in a
constant number of queries. Reading the dashboard writes nothing: the history flag rules run as a
daily job and on writes (app/flags/history.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markupsafe import Markup
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app.charts import sparkline
from app.config import get_settings
from app.core.clock import local_today
from app.dashboard.query import (
    FILTERS,
    LOW_ADHERENCE,
    PAGE_SIZE,
    SCOPES,
    WINDOW_DAYS,
    base_filter,
    page_of,
    ranked,
)
from app.flags.service import SILENT_DAYS, URGENCY, urgency_order
from app.messages.service import unread_messages
from app.models import DailyRollup, Flag, Patient, StaffUser
from app.models.rollup import day_mean
from app.outcomes.service import stalled_measures
from app.review.entries import unread_notes

__all__ = ["FILTERS", "PAGE_SIZE", "SCOPES", "Dashboard", "Row", "build_dashboard"]


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
    stalled: list[str] = field(default_factory=list)  # the names of those measures
    last_log: date | None = None  # the last day with an exercise logged

    @property
    def silent_text(self) -> str:
        """How long a silent patient has gone without exercise, counted as the adherence table
        counts days: "Last exercise 3 days ago" for a last log on Sunday, read on Wednesday."""
        if self.last_log is None:
            return f"No exercise logged yet, {self.silent_days} days in"
        days = (self.today - self.last_log).days
        return f"Last exercise {days} day{'s' if days != 1 else ''} ago"

    @property
    def severity(self) -> int:
        """The most severe open flag (0 when none)."""
        return max((f.severity for f in self.flags), default=0)

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
    def checked_in_text(self) -> str:
        """For a silent patient who answered a check since their last exercise: when, in words
        ("4 days ago"), so the cell says the days without exercise and this, nothing twice."""
        if not self.silent or self.last_activity is None:
            return ""
        recent = (self.today - self.last_activity).days < (self.silent_days or 0)
        return self.last_activity_text if recent else ""

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


@dataclass
class Dashboard:
    """A page of rows, the open flags of those patients and counts for each filter."""

    rows: list[Row]
    flags: list[tuple[Flag, Patient]]
    total: int
    counts: dict[str, int]
    page: int = 1
    has_next: bool = False
    first_number: int = 1  # the place of the page's first row in the whole list

    @property
    def flag_groups(self) -> list[tuple[Patient, list[Flag]]]:
        """The open flags by patient, each patient's most urgent first, the patients in the
        table's order: one patient's many days read as one entry."""
        groups: dict[int, tuple[Patient, list[Flag]]] = {}
        for flag, patient in self.flags:
            groups.setdefault(flag.patient_id, (patient, []))[1].append(flag)
        return list(groups.values())

    @property
    def shown_to(self) -> int:
        """The place of the page's last row."""
        return self.first_number + len(self.rows) - 1


def has_own_patients(session: Session, staff: StaffUser) -> bool:
    """Whether any active patient of the clinic is this staff member's own."""
    own = select(Patient.id).where(
        Patient.clinic_id == staff.clinic_id,
        Patient.therapist_id == staff.id,
        col(Patient.archived_at).is_(None),
        col(Patient.deleted_at).is_(None),
    )
    return session.exec(own.limit(1)).first() is not None


def _daily_pain(
    session: Session, ids: list[int], start: date, end: date
) -> dict[int, dict[date, float | None]]:
    """Mean pain after exercise by patient and day, from plain rows of the rollups: one query."""
    rows = session.connection().execute(
        sa_select(
            col(DailyRollup.patient_id),
            col(DailyRollup.local_date),
            col(DailyRollup.pain_after_sum),
            col(DailyRollup.pain_after_n),
        ).where(
            col(DailyRollup.patient_id).in_(ids),
            col(DailyRollup.local_date) >= start,
            col(DailyRollup.local_date) <= end,
            col(DailyRollup.pain_after_n) > 0,
        )
    )
    found: dict[int, dict[date, float | None]] = defaultdict(dict)
    # All at once: a page holds about 1,500 of these, and fetching them one by one costs more
    # than the query.
    for pid, day, total, count in rows.all():
        found[pid][day] = day_mean(total, count)
    return found


def _staff_names(session: Session, clinic_id: int) -> dict[int, str]:
    rows = session.exec(
        select(StaffUser.id, StaffUser.name).where(StaffUser.clinic_id == clinic_id)
    ).all()
    return {sid: name for sid, name in rows if sid is not None}


def clinic_matches(session: Session, staff: StaffUser, q: str) -> int:
    """Active patients of the whole clinic whose name matches a search (for an empty "mine")."""
    where = base_filter(staff, "clinic", q)
    return session.exec(select(func.count()).select_from(Patient).where(*where)).one()


def build_dashboard(
    session: Session,
    staff: StaffUser,
    *,
    scope: str = "mine",
    filter_: str = "all",
    q: str = "",
    page: int = 1,
    now: datetime | None = None,
) -> Dashboard:
    """A page of the signed-in therapist's (or the clinic's) active patients, most urgent first."""
    where = base_filter(staff, scope, q)
    table = ranked(session, where, now)
    figures, has_next, by_filter = page_of(session, table, filter_, page)
    ids = [f.patient_id for f in figures]
    if not ids:
        return Dashboard([], [], by_filter["all"], by_filter, page, False)
    found = {p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids))).all()}
    todays = {pid: local_today(found[pid].timezone, now) for pid in ids}
    start = min(todays.values()) - timedelta(days=WINDOW_DAYS)
    pain = _daily_pain(session, ids, start, max(todays.values()))
    names = _staff_names(session, staff.clinic_id) if scope == "clinic" else {}
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in urgency_order(
        session.exec(
            select(Flag).where(col(Flag.patient_id).in_(ids), col(Flag.resolved_at).is_(None))
        ).all()
    ):
        flags[flag.patient_id].append(flag)
    unread = unread_notes(session, ids)
    unread_msgs = unread_messages(session, ids)
    # The window's days once per today (a page's patients share one or two), not once per row.
    windows = {
        day: [day - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1)]
        for day in set(todays.values())
    }
    # Which measures fell short, for this page's rows that the summaries say did (often none).
    short = [found[f.patient_id] for f in figures if f.not_improved]
    weeks = get_settings().outcome_review_weeks
    stalled = stalled_measures(session, short, todays, weeks) if short else {}
    rows = []
    for fig in figures:
        patient, today = found[fig.patient_id], todays[fig.patient_id]
        days = windows[today]
        mine = pain.get(fig.patient_id, {})
        activity = [d for d in (fig.last_log, fig.last_morning) if d is not None]
        rows.append(
            Row(
                patient=patient,
                therapist_name=names.get(patient.therapist_id, staff.name),
                today=today,
                adherence_7=fig.adherence_7,
                adherence_30=fig.adherence_30,
                last_activity=max(activity) if activity else None,
                silent_days=fig.silent_days,
                pain_after=[mine.get(d) for d in days],
                flags=flags.get(fig.patient_id, []),
                unread_notes=unread.get(fig.patient_id, 0),
                unread_messages=unread_msgs.get(fig.patient_id, 0),
                not_improved=fig.not_improved,
                stalled=stalled.get(fig.patient_id, []),
                last_log=fig.last_log,
            )
        )
    # The flags in the table's order, so the first row's flags come first in the panel too.
    panel = [(f, r.patient) for r in rows for f in r.flags]
    first = (page - 1) * PAGE_SIZE + 1
    return Dashboard(rows, panel, by_filter["all"], by_filter, page, has_next, first)
