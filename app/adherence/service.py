"""Per-day adherence against the routine in force each day, for many patients in a few queries.

Every figure is computed in Python from data loaded in a constant number of queries (routine
versions with their items, then the logs of the window), whatever the number of patients or days.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import ExerciseLog, Patient, RoutineItem, RoutineVersion

STATUSES = ("done", "partial", "missed", "rest", "future", "before")


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
    logs: dict[int, list[ExerciseLog]]

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


def sets_of(log: ExerciseLog) -> int:
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
) -> dict[int, list[ExerciseLog]]:
    """Logs (not undone) of these patients from start to end inclusive, oldest first: one query."""
    ids = sorted(set(patient_ids))
    result: dict[int, list[ExerciseLog]] = {pid: [] for pid in ids}
    if not ids:
        return result
    logs = session.exec(
        select(ExerciseLog)
        .where(
            col(ExerciseLog.patient_id).in_(ids),
            ExerciseLog.local_date >= start,
            ExerciseLog.local_date <= end,
            col(ExerciseLog.deleted_at).is_(None),
        )
        .order_by(col(ExerciseLog.local_date), col(ExerciseLog.done_at))
    ).all()
    for log in logs:
        result[log.patient_id].append(log)
    return result


def load_history(session: Session, patient_ids: Iterable[int], start: date, end: date) -> History:
    """Versions and logs of these patients for a window: three queries in all."""
    ids = list(patient_ids)
    return History(load_versions(session, ids, end), load_logs(session, ids, start, end))


def _day_counts(
    items: Sequence[RoutineItem], logs: Sequence[ExerciseLog], weekday: int
) -> tuple[int, int, int]:
    """(prescribed, done, extra) for one day's logs against one version's items."""
    due = [item for item in items if item.on_weekday(weekday)]
    prescribed = {item.id: item.sets * item.times_per_day for item in due}
    logged: dict[int | None, int] = defaultdict(int)
    unmatched = 0
    for log in logs:
        target: int | None = log.routine_item_id if log.routine_item_id in prescribed else None
        if target is None:
            # A log made against an older version's item still counts for the same exercise.
            same = [item.id for item in due if item.exercise_id == log.exercise_id]
            open_ = [i for i in same if logged[i] < prescribed[i]]
            target = (open_ or same or [None])[0]
        if target is None:
            unmatched += sets_of(log)
        else:
            logged[target] += sets_of(log)
    done = sum(min(logged[i], p) for i, p in prescribed.items())
    extra = unmatched + sum(max(0, logged[i] - p) for i, p in prescribed.items())
    return sum(prescribed.values()), done, extra


def compute_statuses(
    versions: Sequence[VersionItems],
    logs: Sequence[ExerciseLog],
    start: date,
    end: date,
    today: date,
) -> list[DayStatus]:
    """Each day from start to end for one patient, from already-loaded versions and logs."""
    by_day: dict[date, list[ExerciseLog]] = defaultdict(list)
    for log in logs:
        if log.deleted_at is None:
            by_day[log.local_date].append(log)
    statuses: list[DayStatus] = []
    index = -1
    day = start
    while day <= end:
        # Versions are sorted by (valid_from, number): advance to the last one valid by this day.
        while index + 1 < len(versions) and versions[index + 1].version.valid_from <= day:
            index += 1
        day_logs = by_day.get(day, [])
        if index < 0:
            extra = sum(sets_of(log) for log in day_logs)
            status = "future" if day > today else "before"
            statuses.append(DayStatus(day, 0, 0, extra, status, day == today))
        else:
            prescribed, done, extra = _day_counts(versions[index].items, day_logs, day.weekday())
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
    """Every day from start to end for each patient, against the routine in force that day."""
    ids = [p.id for p in patients if p.id is not None]
    history = load_history(session, ids, start, end)
    result: dict[int, list[DayStatus]] = {}
    for patient in patients:
        assert patient.id is not None
        result[patient.id] = compute_statuses(
            history.versions.get(patient.id, []),
            history.logs.get(patient.id, []),
            start,
            end,
            local_today(patient.timezone, now),
        )
    return result


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
