"""Computing a patient's daily rollups from the logs and routines, and storing them.

The rollups are never the only copy of the truth: every figure is recomputed here from exercise
logs, morning checks, safety reports and routine versions, for one day or a range of days.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.adherence.service import (
    LogLike,
    compute_statuses,
    load_versions,
    sets_of,
    version_in_force,
)
from app.core.clock import local_today
from app.core.sql import Prepared
from app.models import (
    DailyRollup,
    ExerciseLog,
    MorningCheck,
    Patient,
    RoutineVersion,
    SafetyReport,
)
from app.stamps.service import bumped

ROLLUP_TABLE: Table = DailyRollup.__table__  # type: ignore[attr-defined]
SPREAD_RANK = {"further": 3, "same": 2, "eased": 1}
SAFETY_RANK = {"emergency": 2, "stop": 1}
FIGURES = tuple(c.name for c in ROLLUP_TABLE.columns if c.name not in ("patient_id",))

_LOG_COLUMNS = (
    col(ExerciseLog.patient_id),
    col(ExerciseLog.routine_item_id),
    col(ExerciseLog.exercise_id),
    col(ExerciseLog.local_date),
    col(ExerciseLog.slot),
    col(ExerciseLog.sets_done),
    col(ExerciseLog.pain_before),
    col(ExerciseLog.pain_after),
    col(ExerciseLog.spread),
    col(ExerciseLog.deleted_at),
)


def _worst(values: Iterable[str | None], rank: dict[str, int]) -> str | None:
    found = [v for v in values if v in rank]
    return max(found, key=lambda v: rank[v]) if found else None


def compute(
    session: Session, patient_id: int, start: date, end: date
) -> dict[date, dict[str, Any]]:
    """The rollup of each day from start to end that has a routine in force or any report."""
    if end < start:
        return {}
    connection = session.connection()
    versions = load_versions(session, [patient_id], end)[patient_id]
    logs = connection.execute(
        sa_select(*_LOG_COLUMNS)
        .where(
            col(ExerciseLog.patient_id) == patient_id,
            col(ExerciseLog.local_date) >= start,
            col(ExerciseLog.local_date) <= end,
            col(ExerciseLog.deleted_at).is_(None),
        )
        .order_by(col(ExerciseLog.local_date), col(ExerciseLog.done_at), col(ExerciseLog.id))
    ).all()
    mornings = {
        row.local_date: row
        for row in connection.execute(
            sa_select(
                col(MorningCheck.local_date),
                col(MorningCheck.comparison),
                col(MorningCheck.pain_now),
            ).where(
                col(MorningCheck.patient_id) == patient_id,
                col(MorningCheck.local_date) >= start,
                col(MorningCheck.local_date) <= end,
            )
        ).all()
    }
    safety: dict[date, list[str]] = defaultdict(list)
    for day, level in connection.execute(
        sa_select(col(SafetyReport.local_date), col(SafetyReport.level)).where(
            col(SafetyReport.patient_id) == patient_id,
            col(SafetyReport.local_date) >= start,
            col(SafetyReport.local_date) <= end,
        )
    ).all():
        safety[day].append(level)
    by_day: dict[date, list[Any]] = defaultdict(list)
    for log in logs:
        by_day[log.local_date].append(log)
    # date.max as "today": every day is judged for what was due, none as still to come.
    statuses = compute_statuses(versions, cast(list[LogLike], logs), start, end, date.max)
    out: dict[date, dict[str, Any]] = {}
    for status in statuses:
        day = status.day
        in_force = status.status != "before"
        day_logs = by_day.get(day, [])
        morning = mornings.get(day)
        if not (in_force or day_logs or morning or safety.get(day)):
            continue
        entry = version_in_force(versions, day)
        due = [i for i in entry.items if i.on_weekday(day.weekday())] if entry else []
        before = [lg.pain_before for lg in day_logs if lg.pain_before is not None]
        after = [lg.pain_after for lg in day_logs if lg.pain_after is not None]
        out[day] = {
            "local_date": day,
            "in_force": in_force,
            "prescribed": status.prescribed,
            "done": status.done,
            "extra": status.extra,
            "slots_prescribed": max((i.times_per_day for i in due), default=0),
            "slots_done": len({lg.slot for lg in day_logs}),
            "logs": len(day_logs),
            "sets": sum(sets_of(lg) for lg in day_logs),
            "pain_before_sum": sum(before),
            "pain_before_n": len(before),
            "pain_after_sum": sum(after),
            "pain_after_n": len(after),
            "worst_pain": max(after, default=None),
            "worst_spread": _worst((lg.spread for lg in day_logs), SPREAD_RANK),
            "morning": morning.comparison if morning else None,
            "morning_pain": morning.pain_now if morning else None,
            "safety": _worst(safety.get(day, []), SAFETY_RANK),
        }
    return out


def refresh(session: Session, patient_id: int, start: date, end: date) -> int:
    """Recompute and store the rollups of a patient's days from start to end; rows written."""
    if end < start:
        return 0
    rows = compute(session, patient_id, start, end)
    connection = session.connection()
    keep = list(rows)
    # Every day of the range kept (one day's refresh after a write, as a rule): nothing to drop.
    if len(keep) < (end - start).days + 1:
        gone = delete(DailyRollup).where(
            col(DailyRollup.patient_id) == patient_id,
            col(DailyRollup.local_date) >= start,
            col(DailyRollup.local_date) <= end,
        )
        if keep:
            gone = gone.where(col(DailyRollup.local_date).not_in(keep))
        connection.execute(gone)
    if rows:
        values = [{"patient_id": patient_id, **row} for row in rows.values()]
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(DailyRollup).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["patient_id", "local_date"],
            set_={name: statement.excluded[name] for name in FIGURES if name != "local_date"},
        )
        connection.execute(statement)
    return len(rows)


def _lock_statement() -> Any:
    """The patient's lock (built once): move the change stamp on, return the time zone and the
    newest rollup day."""
    patient: Any = bindparam("patient")
    newest = (
        sa_select(func.max(DailyRollup.local_date))
        .where(col(DailyRollup.patient_id) == patient)
        .scalar_subquery()
    )
    return (
        update(Patient)
        .where(col(Patient.id) == patient)
        .values(change_stamp=col(Patient.change_stamp) + 1)
        .returning(col(Patient.timezone), newest.label("newest"))
    )


# Kept compiled (app.core.sql.Prepared): every write runs it.
_LOCK = Prepared(_lock_statement())


def lock_patient(session: Session, patient_id: int) -> tuple[str, date | None] | None:
    """Hold the patient's row until commit so two writers' rollups of a day cannot cross;
    returns the patient's time zone and newest rollup day (None when the patient is gone).

    The lock is an update that moves the patient's change stamp on (Today's ETag): every change
    of a day or a routine changes Today too, and one statement does all three."""
    row = _LOCK.first(session.connection(), {"patient": patient_id})
    bumped(session).add(patient_id)
    return None if row is None else (row["timezone"], row["newest"])


def last_day(session: Session, patient_id: int, until: date) -> date | None:
    """The patient's last rollup day on or before `until`."""
    return (
        session.connection()
        .execute(
            sa_select(func.max(DailyRollup.local_date)).where(
                col(DailyRollup.patient_id) == patient_id, col(DailyRollup.local_date) <= until
            )
        )
        .scalar_one_or_none()
    )


def first_version_day(session: Session, patient_id: int) -> date | None:
    """The day the patient's first routine came into force."""
    return (
        session.connection()
        .execute(
            sa_select(func.min(RoutineVersion.valid_from)).where(
                col(RoutineVersion.patient_id) == patient_id
            )
        )
        .scalar_one_or_none()
    )


def fill_through(
    session: Session, patient_id: int, today: date, newest: tuple[date | None] | None = None
) -> int:
    """Add the days since the patient's last rollup up to their today (days with nothing
    reported still count what was due); rows written. `newest`, when given, holds the patient's
    newest rollup day (any day): if it is not after today it is the last one, with no query."""
    if newest is not None and (newest[0] is None or newest[0] <= today):
        last = newest[0]
    else:
        last = last_day(session, patient_id, today)
    start = last + timedelta(days=1) if last else first_version_day(session, patient_id)
    if start is None or start > today:
        return 0
    return refresh(session, patient_id, start, today)


def touch(
    session: Session,
    patient_id: int,
    days: Iterable[date],
    from_day: date | None = None,
    now: datetime | None = None,
) -> None:
    """Bring a patient's rollups in step after a change: the days named, and (for a routine
    change) every day from `from_day` on; the days since the last rollup are filled first."""
    locked = lock_patient(session, patient_id)
    if locked is None:
        return
    recompute(session, patient_id, locked, days, from_day, now)


def recompute(
    session: Session,
    patient_id: int,
    locked: tuple[str, date | None],
    days: Iterable[date],
    from_day: date | None = None,
    now: datetime | None = None,
) -> None:
    """`touch` once the patient is locked (`locked` is what `lock_patient` returned)."""
    timezone, newest = locked
    today = local_today(timezone, now)
    fill_through(session, patient_id, today, (newest,))
    if from_day is not None:
        refresh(session, patient_id, from_day, max(today, newest or today))
    for day in sorted(set(days)):
        if from_day is None or day < from_day:
            refresh(session, patient_id, day, day)


def rebuild_patient(session: Session, patient: Patient, now: datetime | None = None) -> int:
    """Recompute every rollup of one patient from the logs and routines; rows written."""
    assert patient.id is not None
    firsts = [first_version_day(session, patient.id)]
    lasts: list[date | None] = [local_today(patient.timezone, now)]
    for model in (ExerciseLog, MorningCheck, SafetyReport):
        low, high = (
            session.connection()
            .execute(
                sa_select(func.min(model.local_date), func.max(model.local_date)).where(
                    col(model.patient_id) == patient.id
                )
            )
            .one()
        )
        firsts.append(low)
        lasts.append(high)
    known = [d for d in firsts if d is not None]
    session.connection().execute(
        delete(DailyRollup).where(col(DailyRollup.patient_id) == patient.id)
    )
    if not known:
        return 0
    return refresh(session, patient.id, min(known), max(d for d in lasts if d is not None))


def stored(session: Session, patient_ids: Iterable[int]) -> dict[tuple[int, date], dict[str, Any]]:
    """Every stored rollup of these patients as plain values (for checks and comparisons)."""
    rows = session.connection().execute(
        sa_select(ROLLUP_TABLE).where(col(DailyRollup.patient_id).in_(sorted(set(patient_ids))))
    )
    return {(row.patient_id, row.local_date): dict(row._mapping) for row in rows}
