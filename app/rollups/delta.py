"""Adding one new exercise log to its day's rollup with one upsert, when that is exact.

A day's figures are recomputed from all its logs (`service.compute`) only where a delta could
be wrong: sets done are capped per prescription line, and a log that counts for an item by its
exercise rather than its line is matched greedily in time order, so a day holding such a log
(or a new log that is one) is recomputed. Everything else a new log adds is a sum, a count or a
maximum, which an upsert can add without reading the day's other logs into Python.
"""

from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Row, String, and_, bindparam, case, exists, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.core.sql import Prepared, constants_inline
from app.models import (
    ExerciseLog,
    Flag,
    RoutineItem,
    RoutineVersion,
    SafetyReport,
)
from app.rollups.service import ROLLUP_TABLE, SPREAD_RANK

FIGURES_ALL = tuple(column.name for column in ROLLUP_TABLE.columns)

# The pain trend compares the week up to today with the week before it (flags.history).
TREND_DAYS = 7


def _count(query: Any) -> Any:
    return sa_select(func.count()).select_from(query.subquery()).scalar_subquery()


def _sets(column: Any) -> Any:
    # A log without a set count is one set (adherence.sets_of).
    return case((column > 1, column), else_=1)


def _state_query() -> Any:
    """The day-state query, built once: every value is a bound parameter."""
    pid: Any = bindparam("pid")
    day: Any = bindparam("day", type_=Date())
    today: Any = bindparam("today", type_=Date())
    version = (
        sa_select(col(RoutineVersion.id))
        .where(col(RoutineVersion.patient_id) == pid, col(RoutineVersion.valid_from) <= day)
        .order_by(col(RoutineVersion.valid_from).desc(), col(RoutineVersion.number).desc())
        .limit(1)
        .scalar_subquery()
    )
    due = (
        sa_select(
            col(RoutineItem.id).label("id"),
            col(RoutineItem.line_key).label("line_key"),
            col(RoutineItem.position).label("position"),
            col(RoutineItem.times_per_day).label("times"),
            (col(RoutineItem.sets) * col(RoutineItem.times_per_day)).label("dose"),
        )
        .where(
            col(RoutineItem.version_id) == version,
            col(RoutineItem.days_mask).op("&")(bindparam("bit")) != 0,
        )
        .cte("due")
    )
    # An item's line counts only from a version already valid on the day (as compute loads).
    item, made = aliased(RoutineItem), aliased(RoutineVersion)
    line_of = and_(
        col(item.id) == col(ExerciseLog.routine_item_id),
        col(made.id) == col(item.version_id),
        col(made.valid_from) <= day,
    )
    line = (
        sa_select(col(item.line_key))
        .select_from(item)
        .join(made, col(made.id) == col(item.version_id))
        .where(col(item.id) == bindparam("item_id"), col(made.valid_from) <= day)
        .scalar_subquery()
    )
    key = col(item.line_key)
    loose = or_(key.is_(None), key.not_in(sa_select(due.c.line_key)))
    # The day's other logs in one pass: how many, how many count by exercise rather than by
    # line, the sets already on this log's line, and whether its slot is taken.
    others = (
        sa_select(
            func.count().label("others"),
            func.coalesce(func.sum(case((loose, 1), else_=0)), 0).label("loose"),
            func.coalesce(
                func.sum(case((key == line, _sets(col(ExerciseLog.sets_done))), else_=0)), 0
            ).label("line_sets"),
            func.coalesce(
                func.max(case((col(ExerciseLog.slot) == bindparam("slot"), 1), else_=0)), 0
            ).label("slot_taken"),
        )
        .select_from(ExerciseLog)
        .outerjoin(item, col(item.id) == col(ExerciseLog.routine_item_id))
        .outerjoin(made, line_of)
        .where(
            col(ExerciseLog.patient_id) == pid,
            col(ExerciseLog.local_date) == day,
            col(ExerciseLog.deleted_at).is_(None),
            col(ExerciseLog.id) != bindparam("log_id"),
        )
        .subquery("others")
    )
    rollup = ROLLUP_TABLE

    def stored(on: Any) -> Any:
        return exists().where(rollup.c.patient_id == pid, rollup.c.local_date == on)

    def pain(first: str, last: str) -> tuple[Any, Any]:
        where = (
            rollup.c.patient_id == pid,
            rollup.c.local_date >= bindparam(first),
            rollup.c.local_date <= bindparam(last),
        )
        total = sa_select(func.coalesce(func.sum(rollup.c.pain_after_sum), 0)).where(*where)
        count = sa_select(func.coalesce(func.sum(rollup.c.pain_after_n), 0)).where(*where)
        return total.scalar_subquery(), count.scalar_subquery()

    def flagged(kind: str) -> Any:
        return exists().where(
            col(Flag.patient_id) == pid, col(Flag.kind) == kind, col(Flag.key) == bindparam(kind)
        )

    recent = pain("recent_from", "today")
    before = pain("before_from", "before_to")
    return sa_select(
        sa_select(col(SafetyReport.level))
        .where(
            col(SafetyReport.patient_id) == pid,
            col(SafetyReport.uuid) == bindparam("safety_uuid"),
        )
        .scalar_subquery()
        .label("safety"),
        stored(day).label("row"),
        stored(today).label("today_row"),
        stored(bindparam("yesterday")).label("yesterday_row"),
        _count(sa_select(due.c.id)).label("due"),
        sa_select(func.coalesce(func.sum(due.c.dose), 0)).scalar_subquery().label("prescribed"),
        sa_select(func.coalesce(func.max(due.c.times), 0)).scalar_subquery().label("slots"),
        sa_select(due.c.dose)
        .where(due.c.line_key == line)
        .order_by(due.c.position, due.c.id)
        .limit(1)
        .scalar_subquery()
        .label("dose"),
        others.c.others,
        others.c.loose,
        others.c.line_sets,
        others.c.slot_taken,
        recent[0].label("recent_sum"),
        recent[1].label("recent_n"),
        before[0].label("before_sum"),
        before[1].label("before_n"),
        flagged("overdoing").label("overdoing_known"),
        flagged("pain_trend").label("trend_known"),
    )


@cache
def _state(dialect: str) -> Prepared:
    """day_state's query for one database kind, built once, with its constants in the SQL, kept
    compiled (its columns are numbers and text)."""
    return Prepared(constants_inline(_state_query(), dialect))


def day_state(
    session: Session, log: ExerciseLog, today: date, safety_uuid: Any, week: str
) -> Row[Any]:
    """Everything a new log's delta, its flag rules and its advice need, in one query (read
    after the patient's row is locked, so no other write of the day can slip in between)."""
    day = log.local_date
    params = {
        "pid": log.patient_id,
        "day": day,
        "today": today,
        "yesterday": today - timedelta(days=1),
        "bit": 1 << day.weekday(),
        "log_id": log.id,
        "item_id": log.routine_item_id,
        "slot": log.slot,
        "safety_uuid": safety_uuid,
        "recent_from": today - timedelta(days=TREND_DAYS - 1),
        "before_from": today - timedelta(days=2 * TREND_DAYS - 1),
        "before_to": today - timedelta(days=TREND_DAYS),
        "overdoing": f"day:{day.isoformat()}",
        "pain_trend": week,
    }
    connection = session.connection()
    return _state(connection.dialect.name).execute(connection, params).one()


def add_log(
    session: Session, log: ExerciseLog, today: date, state: Row[Any]
) -> dict[str, Any] | None:
    """Add a new log to its day's rollup in one upsert; None (nothing written) when only a
    recompute of the day is exact."""
    day = log.local_date
    # Days up to today not stored yet are filled by the recompute (`service.fill_through`):
    # none are when today is stored, or when today is the one missing and this log's day.
    filled = state.today_row or (day == today and state.yesterday_row)
    if (
        not filled
        or not state.due
        or state.dose is None
        or state.loose
        or (not state.row and state.others)
    ):
        return None
    sets = max(log.sets_done, 1)
    dose, before = state.dose, state.line_sets
    done = min(before + sets, dose) - min(before, dose)
    spread = log.spread if log.spread in SPREAD_RANK else None
    first = {
        "patient_id": log.patient_id,
        "local_date": day,
        "in_force": True,
        "prescribed": state.prescribed,
        "done": done,
        "extra": sets - done,
        "slots_prescribed": state.slots,
        "slots_done": 1,
        "logs": 1,
        "sets": sets,
        "pain_before_sum": log.pain_before or 0,
        "pain_before_n": int(log.pain_before is not None),
        "pain_after_sum": log.pain_after or 0,
        "pain_after_n": int(log.pain_after is not None),
        "worst_pain": log.pain_after,
        "worst_spread": spread,
        "morning": None,
        "morning_pain": None,
        "safety": None,
    }
    connection = session.connection()
    params = {
        **{f"v_{name}": value for name, value in first.items()},
        "slot_new": 0 if state.slot_taken else 1,
        # No score is -1 and no spread ranks 0: neither replaces the day's worst.
        "pain_new": -1 if log.pain_after is None else log.pain_after,
        "spread_new": spread or "",
        "spread_rank": SPREAD_RANK.get(spread or "", 0),
    }
    return dict(_upsert(connection.dialect.name).execute(connection, params).one()._mapping)


_ADDED = (
    "done",
    "extra",
    "logs",
    "sets",
    "pain_before_sum",
    "pain_before_n",
    "pain_after_sum",
    "pain_after_n",
)


@cache
def _upsert(dialect: str) -> Prepared:
    """The upsert adding a log's figures to its day, built once per database kind and kept
    compiled: a new day takes the values as they are; a stored one adds the sums and counts and
    keeps the worst. It returns numbers (in_force as 0 or 1 on SQLite)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    c = ROLLUP_TABLE.c
    statement = insert(ROLLUP_TABLE).values({n: bindparam(f"v_{n}") for n in FIGURES_ALL})
    adds: dict[str, Any] = {name: c[name] + bindparam(f"v_{name}") for name in _ADDED}
    adds["slots_done"] = c.slots_done + bindparam("slot_new")
    pain = bindparam("pain_new", type_=Integer())
    adds["worst_pain"] = case(
        (and_(pain >= 0, or_(c.worst_pain.is_(None), c.worst_pain < pain)), pain),
        else_=c.worst_pain,
    )
    rank = case(*((c.worst_spread == name, score) for name, score in SPREAD_RANK.items()), else_=0)
    adds["worst_spread"] = case(
        (bindparam("spread_rank", type_=Integer()) > rank, bindparam("spread_new", String())),
        else_=c.worst_spread,
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["patient_id", "local_date"], set_=adds
    ).returning(c.in_force, c.prescribed, c.logs, c.sets)
    return Prepared(constants_inline(upsert, dialect))
