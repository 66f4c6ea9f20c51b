"""Who needs attention first, in SQL: each patient's figures from the daily rollups and open
flags, ranked, filtered, counted and paged in the database, whatever the number of patients.

A filter is a SQL predicate over the ranked columns (`Ranked`): to add one, add its label to
`FILTERS` and its predicate to `FILTER_PREDICATES`; the counts and paging follow by themselves.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, null, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import Session, col

from app.config import get_settings
from app.core.clock import local_today
from app.flags.service import SILENT_DAYS, URGENCY
from app.models import DailyRollup, Flag, Patient, StaffUser

PAGE_SIZE = 50
WINDOW_DAYS = 30
LOW_ADHERENCE = 0.5
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


class Ranked:
    """The columns a filter can test: urgency, silent_days, adherence_7, adherence_30 and the
    patient's own columns (id, display_name, timezone...) of the ranked subquery."""

    def __init__(self, subquery: Subquery) -> None:
        self.c = subquery.c


Predicate = Callable[[Ranked], ColumnElement[bool]]
# Filters whose predicate needs the request (such as the outcome filter's patient ids) are
# passed to counts() and page_of() as `extra`.
FILTER_PREDICATES: dict[str, Predicate] = {
    "flagged": lambda r: r.c.urgency > 0,
    "low": lambda r: r.c.adherence_7 < LOW_ADHERENCE,
    "silent": lambda r: r.c.silent_days >= SILENT_DAYS,
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
    if q.strip():
        where.append(func.lower(col(Patient.display_name)).contains(q.strip().lower()))
    return where


def ranked(session: Session, where: list[ColumnElement[bool]], now: Any = None) -> Subquery:
    """Every matching patient with urgency, silent days and adherence, as a subquery."""
    dialect = session.get_bind().dialect.name
    found = session.connection().execute(sa_select(col(Patient.timezone)).where(*where).distinct())
    todays = {tz: local_today(tz, now) for tz in found.scalars()} or {
        "UTC": local_today("UTC", now)
    }

    # Each time zone's today and window starts as a small table joined on the patient's zone,
    # so every rollup row compares with plain columns, not an expression per zone.
    zone_rows = [
        sa_select(
            literal(tz).label("tz"),
            literal(d, Date).label("today"),
            literal(d - timedelta(days=7), Date).label("from7"),
            literal(d - timedelta(days=WINDOW_DAYS), Date).label("from30"),
        )
        for tz, d in todays.items()
    ]
    zones = (zone_rows[0] if len(zone_rows) == 1 else union_all(*zone_rows)).subquery("zones")
    today, from7, from30 = zones.c.today, zones.c.from7, zones.c.from30
    r = DailyRollup
    past = and_(col(r.in_force), col(r.local_date) < today)

    def total(what: Any, since: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.sum(case((and_(past, col(r.local_date) >= since), what), else_=0))

    rollups = (
        sa_select(
            col(r.patient_id).label("patient_id"),
            total(col(r.prescribed), from7).label("due7"),
            total(col(r.done), from7).label("done7"),
            total(col(r.prescribed), from30).label("due30"),
            total(col(r.done), from30).label("done30"),
            func.max(case((col(r.logs) > 0, col(r.local_date)))).label("last_log"),
            func.max(
                case((and_(col(r.in_force), col(r.prescribed) > 0, col(r.local_date) <= today), 1))
            ).label("due_ever"),
        )
        .join(Patient, col(Patient.id) == col(r.patient_id))
        .join(zones, zones.c.tz == col(Patient.timezone))
        .where(*where, col(r.local_date) >= from30, col(r.local_date) <= today)
        .group_by(col(r.patient_id))
        .subquery()
    )
    urgency = case(
        *((col(Flag.kind) == kind, level) for kind, level in URGENCY.items()),
        else_=col(Flag.severity),
    )
    flags = (
        sa_select(col(Flag.patient_id).label("patient_id"), func.max(urgency).label("urgency"))
        .join(Patient, col(Patient.id) == col(Flag.patient_id))
        .where(*where, col(Flag.resolved_at).is_(None))
        .group_by(col(Flag.patient_id))
        .subquery()
    )
    # Only a patient with nothing logged in the window looks further back (short-circuited).
    older = (
        sa_select(func.max(col(r.local_date)))
        .where(col(r.patient_id) == col(Patient.id), col(r.logs) > 0)
        .scalar_subquery()
    )
    last_log = func.coalesce(rollups.c.last_log, older)
    started = func.coalesce(
        col(Patient.monitoring_started_on), _utc_date(col(Patient.created_at), dialect)
    )
    # Outside the rollups the patient's today is looked up once per patient.
    own_today = (
        sa_select(zones.c.today).where(zones.c.tz == col(Patient.timezone)).scalar_subquery()
    )
    gap = _days_between(own_today, func.coalesce(last_log, started), dialect)
    silent = case((rollups.c.due_ever == 1, case((gap > 0, gap), else_=0)), else_=null())

    def ratio(done: Any, due: Any) -> ColumnElement[Any]:
        return case((due > 0, cast(done, Float) / due), else_=null())

    return (
        sa_select(
            col(Patient.id).label("id"),
            col(Patient.display_name).label("display_name"),
            func.coalesce(flags.c.urgency, 0).label("urgency"),
            silent.label("silent_days"),
            ratio(rollups.c.done7, rollups.c.due7).label("adherence_7"),
            ratio(rollups.c.done30, rollups.c.due30).label("adherence_30"),
            last_log.label("last_log"),
        )
        .select_from(Patient)
        .outerjoin(rollups, rollups.c.patient_id == col(Patient.id))
        .outerjoin(flags, flags.c.patient_id == col(Patient.id))
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
    patients each filter shows: the ranking runs once, the counts as window sums over it."""
    predicates = {**FILTER_PREDICATES, **(extra or {})}
    view = Ranked(table)
    totals = [func.count().over().label("n_all")]
    totals += [
        func.sum(case((pred(view), 1), else_=0)).over().label(f"n_{name}")
        for name, pred in predicates.items()
    ]
    counted = sa_select(table, *totals).subquery("counted")
    view = Ranked(counted)
    query = sa_select(counted)
    if filter_ in predicates:
        query = query.where(predicates[filter_](view))
    k = counted.c
    query = (
        query.order_by(
            k.urgency.desc(),
            func.coalesce(k.silent_days, 0).desc(),
            func.coalesce(k.adherence_7, 2.0),
            func.lower(k.display_name),
            k.id,
        )
        .limit(size + 1)
        .offset((page - 1) * size)
    )
    rows = session.connection().execute(query).all()
    if rows:
        by_filter = {name: int(rows[0]._mapping[f"n_{name}"] or 0) for name in FILTERS}
    else:  # a page past the end, or a filter nobody matches: count without the page
        by_filter = counts(session, table, extra)
    figures = [
        Figures(
            row.id,
            int(row.urgency or 0),
            None if row.silent_days is None else int(row.silent_days),
            row.adherence_7,
            row.adherence_30,
            _as_date(row.last_log),
        )
        for row in rows[:size]
    ]
    return figures, len(rows) > size, by_filter


def _as_date(value: Any) -> date | None:
    # SQLite hands back a computed date (max of a CASE) as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
