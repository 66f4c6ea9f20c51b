"""Who needs attention first, in SQL: each patient's figures from the daily rollups and open
flags, ranked, filtered, counted and paged in the database, whatever the number of patients.

A filter is a SQL predicate over the ranked columns (`Ranked`): to add one, add its label to
`FILTERS` and its predicate to `FILTER_PREDICATES`; the counts and paging follow by themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, null
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import Session, col

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
}
SCOPES = {"mine": "My patients", "clinic": "Whole clinic"}


class Ranked:
    """The columns a filter can test: urgency, silent_days, adherence_7, adherence_30 and the
    patient's own columns (id, display_name, timezone...) of the ranked subquery."""

    def __init__(self, subquery: Subquery) -> None:
        self.c = subquery.c


FILTER_PREDICATES: dict[str, Callable[[Ranked], ColumnElement[bool]]] = {
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
    zones = session.connection().execute(sa_select(col(Patient.timezone)).where(*where).distinct())
    todays = {tz: local_today(tz, now) for tz in zones.scalars()} or {
        "UTC": local_today("UTC", now)
    }

    def per_zone(shift: int) -> ColumnElement[Any]:
        # The patient's own today (or a day counted back from it), from their time zone.
        mapping = {tz: literal(d - timedelta(days=shift), Date) for tz, d in todays.items()}
        return case(mapping, value=col(Patient.timezone), else_=literal(min(todays.values())))

    today, from7, from30 = per_zone(0), per_zone(7), per_zone(WINDOW_DAYS)
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
    gap = _days_between(today, func.coalesce(last_log, started), dialect)
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


def counts(session: Session, table: Subquery) -> dict[str, int]:
    """How many patients each filter shows: one query."""
    view = Ranked(table)
    columns = [func.count().label("all")]
    columns += [
        func.sum(case((pred(view), 1), else_=0)).label(name)
        for name, pred in FILTER_PREDICATES.items()
    ]
    row = session.connection().execute(sa_select(*columns).select_from(table)).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def page_of(
    session: Session, table: Subquery, filter_: str, page: int, size: int = PAGE_SIZE
) -> tuple[list[Figures], bool]:
    """One page of patients, most urgent first, and whether another page follows."""
    view = Ranked(table)
    c = table.c
    query = sa_select(table)
    if filter_ in FILTER_PREDICATES:
        query = query.where(FILTER_PREDICATES[filter_](view))
    query = (
        query.order_by(
            c.urgency.desc(),
            func.coalesce(c.silent_days, 0).desc(),
            func.coalesce(c.adherence_7, 2.0),
            func.lower(c.display_name),
            c.id,
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
        )
        for row in rows[:size]
    ]
    return figures, len(rows) > size


def _as_date(value: Any) -> date | None:
    # SQLite hands back a computed date (max of a CASE) as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
