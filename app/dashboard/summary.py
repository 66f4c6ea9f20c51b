"""Keeping each patient's dashboard summary row in step with what it is computed from.

`refresh_summaries` recomputes the rows of any number of patients in one upsert (plus one look-up
of time zones the session has not loaded): the window figures from the daily rollups, the last
log and morning days, and the outcome verdict in SQL. It runs:

- at the commit of every transaction that changed a patient's rollups, outcome scores or patient
  row (listening to the session, as the rollups and change stamps do, so no write path can
  forget it; the rollups note their patients from `app/rollups/hooks.py`, and a day the rollups
  touch also moves the patient's change stamp, which names the patients of writes that bypass
  the flush);
- from the daily job (`summaries_pass`, run by app/reminders/runner.py) for every patient whose
  own day rolled over since their row was computed: the windows slide without any write;
- from `neuroglide rebuild-rollups` (app/rollups/rebuild.py), for every patient.

Open flags are not stored: the dashboard reads them live (a few rows, and flags are also raised
by statements that bypass the session).
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, case, event, func, literal, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import Session, col

from app.core.clock import local_today
from app.core.sql import Prepared, constants_inline
from app.models import (
    DailyRollup,
    DashboardSummary,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineVersion,
    SafetyReport,
)
from app.outcomes.service import stalled_since_query
from app.stamps.service import bumped

log = logging.getLogger(__name__)

WINDOW_DAYS = 30
WEEK_DAYS = 7
SUMMARY_TABLE = DashboardSummary.__table__  # type: ignore[attr-defined]
FIGURES = tuple(c.name for c in SUMMARY_TABLE.columns if c.name != "patient_id")
_PENDING = "summary_pending"
_STAMPED_BEFORE = "summary_stamped_before"
_ZONES = "summary_zones"
_INPUTS = (ExerciseLog, MorningCheck, SafetyReport, RoutineVersion, OutcomeScore)


def _zone_row(tz: Any, today: Any, from7: Any, from30: Any, review_from: Any, *extra: Any) -> Any:
    """One time zone's row of the zones table, from values or bound parameters."""
    return sa_select(
        tz.label("tz"),
        today.label("today"),
        from7.label("from7"),
        from30.label("from30"),
        review_from.label("review_from"),
        *extra,
    )


def _zones_of(rows: list[Any]) -> Subquery:
    """The zones table from its rows."""
    if len(rows) == 1:
        return rows[0].subquery("zones")
    return union_all(*rows).subquery("zones")


def zones_table(todays: dict[str, date], review_days: int = 0, silent_days: int = 0) -> Subquery:
    """Each time zone's today, window starts, outcome review day (a baseline on or before it
    is old enough to judge) and `silent_by` (a patient quiet since that day or earlier has been
    silent `silent_days`) as a small table to join on a patient's zone."""

    def day(value: date) -> Any:
        return literal(value, Date)

    return _zones_of(
        [
            _zone_row(
                literal(tz),
                day(today),
                day(today - timedelta(days=WEEK_DAYS)),
                day(today - timedelta(days=WINDOW_DAYS)),
                day(today - timedelta(days=review_days)),
                day(today - timedelta(days=silent_days)).label("silent_by"),
            )
            for tz, today in sorted(todays.items())
        ]
    )


def _timezones(session: Session | OrmSession, ids: list[int]) -> set[str]:
    """The time zones of these patients: as noted during the transaction or held by the
    session (flushed), else from one query."""
    noted: dict[int, str] = session.info.get(_ZONES, {})
    found: set[str] = set()
    missing = []
    for patient_id in ids:
        zone = noted.get(patient_id) or _loaded_zone(session, patient_id)
        if zone is None:
            missing.append(patient_id)
        else:
            found.add(zone)
    if missing:
        rows = session.connection().execute(
            sa_select(col(Patient.timezone)).where(col(Patient.id).in_(missing)).distinct()
        )
        found.update(rows.scalars())
    return found


def _loaded_zone(session: Session | OrmSession, patient_id: int) -> str | None:
    loaded = session.identity_map.get(identity_key(Patient, patient_id))
    zone = loaded.__dict__.get("timezone") if loaded is not None else None
    return zone if isinstance(zone, str) else None


def summary_rows(ids: list[Any] | BindParameter[Any], zones: Subquery) -> Any:
    """The summary of each of these patients as a SELECT (their zone must be in `zones`)."""
    r, p, z = DailyRollup, Patient, zones.c
    day = col(r.local_date)
    past = and_(col(r.in_force), day < z.today)

    def total(what: Any, since: Any) -> Any:
        return func.sum(case((and_(past, day >= since), what), else_=0))

    window = (
        sa_select(
            col(r.patient_id).label("patient_id"),
            total(col(r.prescribed), z.from7).label("due_7"),
            total(col(r.done), z.from7).label("done_7"),
            total(col(r.prescribed), z.from30).label("due_30"),
            total(col(r.done), z.from30).label("done_30"),
            func.max(case((col(r.logs) > 0, day))).label("last_log"),
            func.max(case((and_(col(r.in_force), col(r.prescribed) > 0), 1))).label("due"),
        )
        .join(p, col(p.id) == col(r.patient_id))
        .join(zones, z.tz == col(p.timezone))
        .where(col(r.patient_id).in_(ids), day >= z.from30, day <= z.today)
        .group_by(col(r.patient_id))
        .subquery("window")
    )
    # Only a patient with nothing logged in the window looks further back (coalesce stops early).
    ever = (
        sa_select(col(r.local_date))
        .where(col(r.patient_id) == col(p.id), col(r.logs) > 0)
        .order_by(col(r.local_date).desc())
        .limit(1)
        .scalar_subquery()
    )
    morning = (
        sa_select(func.max(col(MorningCheck.local_date)))
        .where(col(MorningCheck.patient_id) == col(p.id))
        .scalar_subquery()
    )
    verdicts = stalled_since_query(ids)
    w = window.c
    return (
        sa_select(
            col(p.id).label("patient_id"),
            z.today.label("as_of"),
            func.coalesce(w.due_7, 0).label("due_7"),
            func.coalesce(w.done_7, 0).label("done_7"),
            func.coalesce(w.due_30, 0).label("due_30"),
            func.coalesce(w.done_30, 0).label("done_30"),
            w.due.is_not(None).label("due_recently"),
            func.coalesce(w.last_log, ever).label("last_log"),
            morning.label("last_morning"),
            verdicts.c.stalled_since.label("stalled_since"),
        )
        .select_from(p)
        .join(zones, z.tz == col(p.timezone))
        .outerjoin(window, w.patient_id == col(p.id))
        .outerjoin(verdicts, verdicts.c.patient_id == col(p.id))
        .where(col(p.id).in_(ids))
    )


@cache
def _refresh_statement(dialect: str, zones: int, one: bool = False) -> Any:
    """The summaries' upsert for patients in this many time zones, built once: every commit
    that changed a patient runs it, and building the statement costs more than running it.
    `one`: for a single patient ("id"), as a write's commit refreshes; else a list ("ids")."""
    table = _zones_of(
        [
            _zone_row(
                bindparam(f"tz{n}", type_=String),
                bindparam(f"today{n}", type_=Date),
                bindparam(f"from7_{n}", type_=Date),
                bindparam(f"from30_{n}", type_=Date),
                bindparam(f"today{n}", type_=Date),  # a refresh judges no review window
            )
            for n in range(zones)
        ]
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ids: Any = [bindparam("id")] if one else bindparam("ids", expanding=True)
    rows_of = summary_rows(ids, table)
    statement = insert(SUMMARY_TABLE).from_select(("patient_id", *FIGURES), rows_of)
    upsert = statement.on_conflict_do_update(
        index_elements=["patient_id"],
        set_={name: statement.excluded[name] for name in FIGURES},
    )
    return constants_inline(upsert, dialect)


@cache
def _refresh_one(dialect: str) -> Prepared:
    """One patient's refresh (every write's commit runs it), kept compiled (Prepared)."""
    return Prepared(_refresh_statement(dialect, 1, one=True))


def refresh_summaries(
    session: Session | OrmSession, patient_ids: Iterable[int | None], now: datetime | None = None
) -> int:
    """Recompute these patients' summary rows from their rollups, morning answers and outcome
    scores, in one statement (one more when the session has not loaded their time zones);
    returns how many patients were asked for."""
    ids = sorted({int(i) for i in patient_ids if i})
    if not ids:
        return 0
    todays = {tz: local_today(tz, now) for tz in _timezones(session, ids)}
    if not todays:
        return 0
    params: dict[str, Any] = {"ids": ids}
    for n, (tz, day) in enumerate(sorted(todays.items())):
        params[f"tz{n}"], params[f"today{n}"] = tz, day
        params[f"from7_{n}"] = day - timedelta(days=WEEK_DAYS)
        params[f"from30_{n}"] = day - timedelta(days=WINDOW_DAYS)
    connection = session.connection()
    name = connection.dialect.name
    if len(ids) == 1:
        params["id"] = params.pop("ids")[0]
        _refresh_one(name).execute(connection, params)
    else:
        connection.execute(_refresh_statement(name, len(todays)), params)
    return len(ids)


def note_changed(session: Session | OrmSession, patient_ids: Iterable[int]) -> None:
    """Have these patients' summaries recomputed when the transaction commits."""
    pending: set[int] = session.info.setdefault(_PENDING, set())
    zones: dict[int, str] = session.info.setdefault(_ZONES, {})
    for patient_id in patient_ids:
        pending.add(patient_id)
        # The patient row may be gone from the session by the commit: keep its zone now.
        zone = _loaded_zone(session, patient_id)
        if zone is not None:
            zones[patient_id] = zone


@event.listens_for(OrmSession, "after_flush")
def _collect(session: OrmSession, _flush: UOWTransaction) -> None:
    """Note the patients whose inputs this flush wrote (a new or edited patient row included)."""
    found = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, _INPUTS) and obj.patient_id is not None:
            found.add(obj.patient_id)
        elif isinstance(obj, Patient) and obj.id is not None:
            found.add(obj.id)
    if found:
        note_changed(session, found)


@event.listens_for(OrmSession, "detached_to_persistent")
def _adopted(session: OrmSession, instance: object) -> None:
    """A log inserted by a statement and handed to the session as stored (the write path's
    upsert) changed its patient's day without a flush."""
    if isinstance(instance, ExerciseLog) and instance.patient_id is not None:
        note_changed(session, {instance.patient_id})


@event.listens_for(OrmSession, "after_begin")
def _begin(session: OrmSession, _transaction: Any, _connection: Any) -> None:
    """Remember whose change stamps were moved on before this transaction."""
    session.info.setdefault(_STAMPED_BEFORE, frozenset(bumped(session)))


@event.listens_for(OrmSession, "before_commit")
def _refresh_at_commit(session: OrmSession) -> None:
    """Recompute the summaries of the patients this transaction changed, once, as its last
    writes. Besides the noted ones, a patient whose change stamp it moved on had a day of
    rollups touched (or another change Today shows), whatever the write path."""
    before = session.info.get(_STAMPED_BEFORE, frozenset())
    if not session.info.get(_PENDING) and not bumped(session) - before:
        return
    session.flush()  # what is still pending may note more patients
    pending: set[int] = session.info.pop(_PENDING, set())
    with session.no_autoflush:
        refresh_summaries(session, pending | (bumped(session) - before))
    session.info.pop(_ZONES, None)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    """The next transaction starts with nothing to recompute."""
    for key in (_PENDING, _ZONES, _STAMPED_BEFORE):
        session.info.pop(key, None)


def stale_patients(session: Session, now: datetime | None = None) -> list[int]:
    """Active patients whose summary was computed before their own today, or never."""
    active = (col(Patient.archived_at).is_(None), col(Patient.deleted_at).is_(None))
    zones = session.connection().execute(sa_select(col(Patient.timezone)).where(*active).distinct())
    todays = {tz: local_today(tz, now) for tz in zones.scalars()}
    if not todays:
        return []
    z = zones_table(todays)
    s = DashboardSummary
    rows = session.connection().execute(
        sa_select(col(Patient.id))
        .join(z, z.c.tz == col(Patient.timezone))
        .outerjoin(s, col(s.patient_id) == col(Patient.id))
        .where(*active, func.coalesce(col(s.as_of) != z.c.today, True))
        .order_by(col(Patient.id))
    )
    return [int(i) for i in rows.scalars() if i is not None]


def refresh_rolled_over(engine: Engine, now: datetime | None = None, batch: int = 500) -> int:
    """Recompute the summary of every active patient whose day rolled over since it was
    computed, a batch per transaction; returns how many patients were refreshed."""
    with Session(engine) as session:
        due = stale_patients(session, now)
    for first in range(0, len(due), batch):
        with Session(engine) as session:
            refresh_summaries(session, due[first : first + batch], now)
            session.commit()
    return len(due)


def summaries_pass(engine: Engine | None = None, now: datetime | None = None) -> None:
    """The daily job's part for the dashboard; errors are logged, the next pass tries again."""
    from app.db import get_engine

    try:
        done = refresh_rolled_over(engine or get_engine(), now)
    except Exception:
        log.exception("dashboard summary pass failed")
        return
    if done:
        log.info("dashboard summaries: %s patients' days rolled over", done)
