"""Who needs attention first, in SQL: each patient's summary row (app/dashboard/summary.py) and
open flags, ranked, filtered, counted and paged in the database, whatever the number of patients.

The ranking reads one small row per patient, not their history: the window figures are stored,
and what depends on the reader's today (silent days, whether an outcome's baseline is old enough
to judge) is computed here from day-anchored facts and each time zone's today.

A filter is a SQL predicate over the ranked columns (`Ranked`): to add one, add its label to
`FILTERS` and its predicate to `FILTER_PREDICATES`; the counts and paging follow by themselves.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, Integer, case, cast, exists, func, literal_column, null
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import Session, col

from app.config import get_settings
from app.core.clock import local_today
from app.core.folding import folded
from app.dashboard.summary import WINDOW_DAYS, zones_table
from app.flags.service import SILENT_DAYS, URGENCY
from app.models import DashboardSummary, Flag, Message, Patient, StaffUser

PAGE_SIZE = 50
MAX_SEARCH_WORDS = 6
LOW_ADHERENCE = 0.5
FILTERS = {
    "all": "All patients",
    "flagged": "With open flags",
    "low": "Low adherence",
    "silent": "Silent",
    "messages": "With new messages",
    "not_improved": (
        f"Outcome not improved by the MCID after {get_settings().outcome_review_weeks} weeks"
    ),
}
SCOPES = {"mine": "My patients", "clinic": "Whole clinic"}
__all__ = ["FILTERS", "PAGE_SIZE", "SCOPES", "WINDOW_DAYS", "Figures", "base_filter", "ranked"]


class Ranked:
    """The columns a filter can test: urgency, unread (a message not yet seen), silent_days,
    adherence_7, adherence_30, not_improved, quiet_since and silent_by (the day silence starts
    to count) and the patient's own columns (id, display_name...) of the ranked subquery."""

    def __init__(self, subquery: Subquery) -> None:
        self.c = subquery.c


Predicate = Callable[[Ranked], ColumnElement[bool]]
# Filters whose predicate needs the request can be passed to counts() and page_of() as `extra`.
FILTER_PREDICATES: dict[str, Predicate] = {
    "flagged": lambda r: r.c.urgency > 0,
    "low": lambda r: r.c.adherence_7 < LOW_ADHERENCE,
    # The same as silent_days >= SILENT_DAYS, as a comparison of days: no date arithmetic for
    # each of the clinic's patients when counting.
    "silent": lambda r: r.c.quiet_since <= r.c.silent_by,
    "not_improved": lambda r: r.c.not_improved == 1,
    "messages": lambda r: r.c.unread == 1,
}


@dataclass
class Figures:
    """One ranked patient's figures as the database computed them."""

    patient_id: int
    urgency: int
    silent_days: int | None
    adherence_7: float | None
    adherence_30: float | None
    last_log: date | None
    last_morning: date | None = None
    not_improved: bool = False


def _days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(later, Date) - cast(earlier, Date)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _utc_date(moment: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.timezone("UTC", moment), Date)
    return func.date(moment)


def base_filter(staff: StaffUser, scope: str, q: str) -> list[ColumnElement[bool]]:
    """Active patients of the clinic (or the staff member's own), matching the search."""
    where = [
        col(Patient.clinic_id) == staff.clinic_id,
        col(Patient.archived_at).is_(None),
        col(Patient.deleted_at).is_(None),
    ]
    if scope != "clinic":
        where.append(col(Patient.therapist_id) == staff.id)
    # Each word, in any order ("Smith Olivia" finds Olivia Smith). A search of only apostrophes
    # or marks folds to nothing: it narrows nothing either.
    for word in folded(q.strip()).split()[:MAX_SEARCH_WORDS]:
        where.append(col(Patient.search_name).contains(word, autoescape=True))
    return where


def ranked(session: Session, where: list[ColumnElement[bool]], now: Any = None) -> Subquery:
    """Every matching patient with urgency, silent days, adherence and the outcome verdict,
    from their summary rows and open flags, as a subquery."""
    dialect = session.get_bind().dialect.name
    found = session.connection().execute(sa_select(col(Patient.timezone)).where(*where).distinct())
    todays = {tz: local_today(tz, now) for tz in found.scalars()} or {
        "UTC": local_today("UTC", now)
    }
    zones = zones_table(todays, get_settings().outcome_review_weeks * 7, SILENT_DAYS)
    today = zones.c.today
    s = DashboardSummary
    level = case(
        *((col(Flag.kind) == kind, level) for kind, level in URGENCY.items()),
        else_=col(Flag.severity),
    )
    # Twice the flag's level, plus one while nobody has acknowledged it: among flags of one
    # level, a new one ranks above one already seen; a more urgent flag still comes first.
    urgency = level * 2 + case((col(Flag.acknowledged_at).is_(None), 1), else_=0)
    # Per patient through the flags' patient index: joined as one grouped subquery instead,
    # SQLite scans the whole clinic's open flags for every patient (time grows as N x flags).
    # Most patients have no open flag: an EXISTS probe is cheaper than starting an aggregate.
    open_flags = (col(Flag.patient_id) == col(Patient.id), col(Flag.resolved_at).is_(None))
    flag_urgency = case(
        (
            exists().where(*open_flags).correlate(Patient),
            sa_select(func.max(urgency)).where(*open_flags).correlate(Patient).scalar_subquery(),
        ),
        else_=0,
    )
    # As ix_message_unread's predicate (models.message.UNREAD), its constant written in the SQL:
    # a bound one would not match the index's predicate in PostgreSQL's generic plans.
    unread_here = (
        col(Message.patient_id) == col(Patient.id),
        col(Message.author) == literal_column("'patient'"),
        col(Message.read_at).is_(None),
    )
    unread = case((exists().where(*unread_here).correlate(Patient), 1), else_=0)
    started = func.coalesce(
        col(Patient.monitoring_started_on), _utc_date(col(Patient.created_at), dialect)
    )
    quiet_since = func.coalesce(col(s.last_log), started)
    gap = _days_between(today, quiet_since, dialect)
    # The two-argument max() of SQLite is a scalar, like GREATEST: the gap is computed once.
    at_least_0 = func.greatest(gap, 0) if dialect == "postgresql" else func.max(gap, 0)
    due = col(s.due_recently).is_(True)
    silent = case((due, at_least_0), else_=null())
    # The verdict's baseline must be the review weeks old on the patient's own today.
    judged = case((col(s.stalled_since) <= zones.c.review_from, 1), else_=0)

    def ratio(done: Any, due: Any) -> ColumnElement[Any]:
        return case((due > 0, cast(done, Float) / due), else_=null())

    return (
        sa_select(
            col(Patient.id).label("id"),
            col(Patient.display_name).label("display_name"),
            flag_urgency.label("urgency"),
            unread.label("unread"),
            silent.label("silent_days"),
            ratio(col(s.done_7), col(s.due_7)).label("adherence_7"),
            ratio(col(s.done_30), col(s.due_30)).label("adherence_30"),
            col(s.last_log).label("last_log"),
            col(s.last_morning).label("last_morning"),
            judged.label("not_improved"),
            case((due, quiet_since), else_=null()).label("quiet_since"),
            zones.c.silent_by,
        )
        .select_from(Patient)
        .join(zones, zones.c.tz == col(Patient.timezone))
        .outerjoin(s, col(s.patient_id) == col(Patient.id))
        .where(*where)
        .subquery("ranked")
    )


def counts(
    session: Session, table: Subquery, extra: Mapping[str, Predicate] | None = None
) -> dict[str, int]:
    """How many patients each filter shows: one query."""
    view = Ranked(table)
    columns = [func.count().label("all")]
    columns += [
        func.sum(case((pred(view), 1), else_=0)).label(name)
        for name, pred in {**FILTER_PREDICATES, **(extra or {})}.items()
    ]
    row = session.connection().execute(sa_select(*columns).select_from(table)).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def page_of(
    session: Session,
    table: Subquery,
    filter_: str,
    page: int,
    size: int = PAGE_SIZE,
    extra: Mapping[str, Predicate] | None = None,
) -> tuple[list[Figures], bool, dict[str, int]]:
    """One page of patients, most urgent first, whether another page follows, and how many
    patients each filter shows."""
    predicates = {**FILTER_PREDICATES, **(extra or {})}
    view = Ranked(table)
    by_filter = counts(session, table, extra)
    query = sa_select(table)
    if filter_ in predicates:
        query = query.where(predicates[filter_](view))
    elif by_filter["flagged"] > page * size:
        # Flagged patients come first: when they alone fill this page and show that another
        # follows, only they need ranking (SQLite at 3,000 patients, 120 flagged: 2.5 -> 1.2 ms).
        query = query.where(FILTER_PREDICATES["flagged"](view))
    k = table.c
    # Two statements, not one with the counts as window sums over the ranking: a window over
    # every row makes the database keep and sort the whole clinic, where ORDER BY ... LIMIT keeps
    # only the page (SQLite at 3,000 patients: 8.5 ms in one, 3.0 + 2.8 ms in two).
    query = (
        query.order_by(
            k.urgency.desc(),
            # A patient's question waits for an answer: it comes before the figures.
            k.unread.desc(),
            func.coalesce(k.silent_days, 0).desc(),
            func.coalesce(k.adherence_7, 2.0),
            func.lower(k.display_name),
            k.id,
        )
        .limit(size + 1)
        .offset((page - 1) * size)
    )
    rows = session.connection().execute(query).all()
    figures = [
        Figures(
            row.id,
            int(row.urgency or 0),
            None if row.silent_days is None else int(row.silent_days),
            row.adherence_7,
            row.adherence_30,
            _as_date(row.last_log),
            _as_date(row.last_morning),
            bool(row.not_improved),
        )
        for row in rows[:size]
    ]
    return figures, len(rows) > size, by_filter


def _as_date(value: Any) -> date | None:
    # SQLite hands back a computed date (max of a CASE) as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
