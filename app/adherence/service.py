"""Per-day adherence against the routine in force each day, for many patients in a few queries.

Every figure is computed in Python from data loaded in a constant number of queries (routine
versions with their items, then the logs of the window), whatever the number of patients or days.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import DailyRollup, ExerciseLog, Patient, RoutineItem, RoutineVersion

STATUSES = ("done", "partial", "missed", "rest", "future", "before")


class LogLike(Protocol):
    """What adherence reads from a log: an ExerciseLog, or a lighter row of its columns."""

    patient_id: int
    routine_item_id: int | None
    exercise_id: int
    local_date: date
    sets_done: int
    pain_before: int | None
    pain_after: int | None
    deleted_at: datetime | None


# Only the columns the figures need: plain rows load many times faster than ORM objects.
LOG_COLUMNS = (
    col(ExerciseLog.patient_id),
    col(ExerciseLog.routine_item_id),
    col(ExerciseLog.exercise_id),
    col(ExerciseLog.local_date),
    col(ExerciseLog.sets_done),
    col(ExerciseLog.pain_before),
    col(ExerciseLog.pain_after),
    col(ExerciseLog.deleted_at),
)


@dataclass(frozen=True)
class DayStatus:
    """One patient-local day: sets due, sets done (capped per item), extra sets and a status."""

    day: date
    prescribed: int  # sets due that day: sum(sets * times_per_day) of the items due
    done: int  # sets logged (not undone), capped per item at what was prescribed for it
    extra: int  # sets beyond what was prescribed (over an item's dose, or not due at all)
    status: str  # done | partial | missed | rest | future | before
    is_today: bool = False  # the patient's local today: still in progress


@dataclass
class VersionItems:
    """A routine version with its items in order."""

    version: RoutineVersion
    items: list[RoutineItem] = field(default_factory=list)


@dataclass
class History:
    """Routine versions and logs of a set of patients, loaded once and read many times."""

    versions: dict[int, list[VersionItems]]
    logs: dict[int, list[LogLike]]

    def version_on(self, patient_id: int, day: date) -> VersionItems | None:
        """The version in force on a day: latest valid_from on or before it, highest number."""
        return version_in_force(self.versions.get(patient_id, []), day)


def version_in_force(versions: Sequence[VersionItems], day: date) -> VersionItems | None:
    """Among versions sorted by (valid_from, number), the one in force on a day."""
    found = None
    for entry in versions:
        if entry.version.valid_from > day:
            break
        found = entry
    return found


def sets_of(log: LogLike) -> int:
    """Sets a log stands for; a log saved without a set count still records one set of work."""
    # Same rule as the flag service, so 'doing more than prescribed' and adherence agree.
    return max(log.sets_done, 1)


def load_versions(
    session: Session, patient_ids: Iterable[int], until: date
) -> dict[int, list[VersionItems]]:
    """Every version (valid on or before `until`) of these patients with its items: two queries."""
    ids = sorted(set(patient_ids))
    result: dict[int, list[VersionItems]] = {pid: [] for pid in ids}
    if not ids:
        return result
    versions = session.exec(
        select(RoutineVersion)
        .where(col(RoutineVersion.patient_id).in_(ids), RoutineVersion.valid_from <= until)
        .order_by(
            col(RoutineVersion.patient_id),
            col(RoutineVersion.valid_from),
            col(RoutineVersion.number),
        )
    ).all()
    by_id: dict[int, VersionItems] = {}
    for version in versions:
        assert version.id is not None
        entry = VersionItems(version)
        by_id[version.id] = entry
        result[version.patient_id].append(entry)
    if not by_id:
        return result
    # A join rather than a long IN list of version ids.
    items = session.exec(
        select(RoutineItem)
        .join(RoutineVersion, col(RoutineItem.version_id) == col(RoutineVersion.id))
        .where(col(RoutineVersion.patient_id).in_(ids), RoutineVersion.valid_from <= until)
        .order_by(col(RoutineItem.version_id), col(RoutineItem.position), col(RoutineItem.id))
    ).all()
    for item in items:
        by_id[item.version_id].items.append(item)
    return result


def load_logs(
    session: Session, patient_ids: Iterable[int], start: date, end: date
) -> dict[int, list[LogLike]]:
    """Logs (not undone) of these patients from start to end inclusive, oldest first: one query."""
    ids = sorted(set(patient_ids))
    result: dict[int, list[LogLike]] = {pid: [] for pid in ids}
    if not ids:
        return result
    rows = session.connection().execute(
        sa_select(*LOG_COLUMNS)
        .where(
            col(ExerciseLog.patient_id).in_(ids),
            col(ExerciseLog.local_date) >= start,
            col(ExerciseLog.local_date) <= end,
            col(ExerciseLog.deleted_at).is_(None),
        )
        .order_by(col(ExerciseLog.local_date), col(ExerciseLog.done_at))
    )
    for row in rows.all():
        result[row.patient_id].append(cast(LogLike, row))
    return result


def load_history(session: Session, patient_ids: Iterable[int], start: date, end: date) -> History:
    """Versions and logs of these patients for a window: three queries in all."""
    ids = list(patient_ids)
    return History(load_versions(session, ids, end), load_logs(session, ids, start, end))


def _due_by_weekday(items: Sequence[RoutineItem]) -> list[tuple[list[RoutineItem], dict[int, int]]]:
    """For each weekday (Monday first): the items due and the sets due per item id."""
    table = []
    for weekday in range(7):
        due = [item for item in items if item.on_weekday(weekday)]
        table.append((due, {item.id or 0: item.sets * item.times_per_day for item in due}))
    return table


def line_keys(versions: Sequence[VersionItems]) -> dict[int, str]:
    """Item id to prescription line, over every version loaded."""
    return {item.id: item.line_key for entry in versions for item in entry.items if item.id}


def match_item(
    log: LogLike, due: Sequence[RoutineItem], lines: dict[int, str], is_open: Callable[[int], bool]
) -> int | None:
    """The due item a log counts for: the same prescription line (whatever version the log was
    made against, even if a step swapped the exercise), else the same exercise; None if neither."""
    line = lines.get(log.routine_item_id or 0)
    if line is not None:
        on_line = next((item.id for item in due if item.line_key == line), None)
        if on_line is not None:
            return on_line
    # A log from before lines were kept, or whose line was dropped: same exercise, open first.
    same = [item.id or 0 for item in due if item.exercise_id == log.exercise_id]
    open_ = [i for i in same if is_open(i)]
    return (open_ or same)[0] if same else None


def _day_counts(
    due: Sequence[RoutineItem],
    prescribed: dict[int, int],
    logs: Sequence[LogLike],
    lines: dict[int, str],
) -> tuple[int, int]:
    """(done, extra) sets for one day's logs against the items due that day."""
    logged: dict[int, int] = dict.fromkeys(prescribed, 0)
    unmatched = 0
    for log in logs:
        target = match_item(log, due, lines, lambda i: logged[i] < prescribed[i])
        if target is None:
            unmatched += sets_of(log)
        else:
            logged[target] += sets_of(log)
    done = sum(min(logged[i], p) for i, p in prescribed.items())
    extra = unmatched + sum(max(0, logged[i] - p) for i, p in prescribed.items())
    return done, extra


def compute_statuses(
    versions: Sequence[VersionItems],
    logs: Sequence[LogLike],
    start: date,
    end: date,
    today: date,
) -> list[DayStatus]:
    """Each day from start to end for one patient, from already-loaded versions and logs."""
    by_day: dict[date, list[LogLike]] = defaultdict(list)
    for log in logs:
        if log.deleted_at is None:
            by_day[log.local_date].append(log)
    statuses: list[DayStatus] = []
    lines = line_keys(versions)
    index = -1
    due_table: list[tuple[list[RoutineItem], dict[int, int]]] = []
    day = start
    while day <= end:
        # Versions are sorted by (valid_from, number): advance to the last one valid by this day.
        moved = False
        while index + 1 < len(versions) and versions[index + 1].version.valid_from <= day:
            index += 1
            moved = True
        if moved:
            due_table = _due_by_weekday(versions[index].items)
        day_logs = by_day.get(day, [])
        if index < 0:
            extra = sum(sets_of(log) for log in day_logs)
            status = "future" if day > today else "before"
            statuses.append(DayStatus(day, 0, 0, extra, status, day == today))
        else:
            due, per_item = due_table[day.weekday()]
            prescribed = sum(per_item.values())
            done, extra = _day_counts(due, per_item, day_logs, lines) if day_logs else (0, 0)
            statuses.append(
                DayStatus(
                    day,
                    prescribed,
                    done,
                    extra,
                    _status(day, today, prescribed, done),
                    day == today,
                )
            )
        day += timedelta(days=1)
    return statuses


def _status(day: date, today: date, prescribed: int, done: int) -> str:
    if day > today:
        return "future"
    if prescribed == 0:
        return "rest"
    if done >= prescribed:
        return "done"
    return "partial" if done > 0 else "missed"


def day_statuses(
    session: Session,
    patients: Sequence[Patient],
    start: date,
    end: date,
    now: datetime | None = None,
) -> dict[int, list[DayStatus]]:
    """Every day from start to end for each patient, from the daily rollups: one query."""
    ids = [p.id for p in patients if p.id is not None]
    rows = load_rollups(session, ids, start, end)
    return {
        p.id: statuses_from_rollups(rows.get(p.id, {}), start, end, local_today(p.timezone, now))
        for p in patients
        if p.id is not None
    }


def load_rollups(
    session: Session, patient_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[date, DailyRollup]]:
    """The stored rollups of these patients from start to end, by patient and day."""
    ids = sorted(set(patient_ids))
    found: dict[int, dict[date, DailyRollup]] = {pid: {} for pid in ids}
    if not ids:
        return found
    rows = session.exec(
        select(DailyRollup).where(
            col(DailyRollup.patient_id).in_(ids),
            col(DailyRollup.local_date) >= start,
            col(DailyRollup.local_date) <= end,
        )
    ).all()
    for row in rows:
        found[row.patient_id][row.local_date] = row
    return found


def statuses_from_rollups(
    rows: dict[date, DailyRollup], start: date, end: date, today: date
) -> list[DayStatus]:
    """Each day from start to end for one patient, from its rollups (a day with none had no
    routine in force and nothing reported)."""
    out: list[DayStatus] = []
    day = start
    while day <= end:
        row = rows.get(day)
        if row is None or not row.in_force:
            extra = row.extra if row else 0
            status = "future" if day > today else "before"
            out.append(DayStatus(day, 0, 0, extra, status, day == today))
        else:
            status = _status(day, today, row.prescribed, row.done)
            out.append(DayStatus(day, row.prescribed, row.done, row.extra, status, day == today))
        day += timedelta(days=1)
    return out


def adherence(statuses: Iterable[DayStatus]) -> float | None:
    """Sets done over sets due, on past days that had something due; None when nothing was due.

    Today is left out: it is still in progress, so counting it would lower every morning's figure.
    """
    due = done = 0
    for status in statuses:
        if status.status in ("done", "partial", "missed") and not status.is_today:
            due += status.prescribed
            done += status.done
    return done / due if due else None


def prescribed_per_day(statuses: Iterable[DayStatus]) -> dict[date, int]:
    """Sets due per day (for the history flag rules)."""
    return {s.day: s.prescribed for s in statuses if s.status not in ("future", "before")}
