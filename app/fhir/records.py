"""Loading a group of patients' rows in a few queries and turning them into FHIR resources."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.fhir import events, resources
from app.library.service import texts_for
from app.models import (
    Exercise,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineItem,
    RoutineVersion,
)

# Rows fetched per round trip when streaming a patient's sessions.
YIELD_PER = 1000


@dataclass
class ExerciseNames:
    """Exercises by id with their English names, loaded once and reused across patients."""

    rows: dict[int, Exercise] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def load(self, session: Session, ids: Iterable[int]) -> None:
        """Fetch the exercises not yet known, with their names, in two queries."""
        missing = {i for i in ids if i not in self.rows}
        if not missing:
            return
        for exercise in session.exec(select(Exercise).where(col(Exercise.id).in_(missing))):
            assert exercise.id is not None
            self.rows[exercise.id] = exercise
        self.names.update({i: t.name for i, t in texts_for(session, missing, "en").items()})

    def used(self) -> list[tuple[str, str]]:
        """(code, name) of every exercise met so far, for the exercise CodeSystem fragment."""
        from app.fhir.codes import exercise_code

        return [
            (exercise_code(e.slug, e.clinic_id), self.names.get(i, e.slug))
            for i, e in self.rows.items()
        ]


def _dated(query: Any, column: Any, since: date | None, until: date | None) -> Any:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column <= until)
    return query


def plan_resources(
    session: Session,
    patients: Sequence[Patient],
    exercises: ExerciseNames,
    *,
    with_change_note: bool = True,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[dict[str, Any]]:
    """Each routine version as a CarePlan followed by its ServiceRequests, patient by patient."""
    by_id = {p.id: p for p in patients}
    versions = session.exec(
        select(RoutineVersion)
        .where(col(RoutineVersion.patient_id).in_(list(by_id)))
        .order_by(col(RoutineVersion.patient_id), col(RoutineVersion.number))
    ).all()
    items: dict[int, list[RoutineItem]] = defaultdict(list)
    version_ids = [v.id for v in versions]
    for item in session.exec(
        select(RoutineItem)
        .where(col(RoutineItem.version_id).in_(version_ids))
        .order_by(col(RoutineItem.version_id), col(RoutineItem.position))
    ):
        items[item.version_id].append(item)
    exercises.load(session, {i.exercise_id for group in items.values() for i in group})
    mine: dict[int, list[RoutineVersion]] = defaultdict(list)
    for version in versions:
        mine[version.patient_id].append(version)
    for patient_id, own in mine.items():
        patient = by_id[patient_id]
        today = local_today(patient.timezone)
        for n, version in enumerate(own):
            previous = own[n - 1] if n else None
            following = own[n + 1] if n + 1 < len(own) else None
            ends = following.valid_from if following else None
            if (until is not None and version.valid_from > until) or (
                since is not None and ends is not None and ends <= since
            ):
                continue
            assert version.id is not None
            plan = resources.care_plan(
                version,
                items[version.id],
                previous,
                following,
                today,
                with_change_note=with_change_note,
            )
            yield plan
            for item in items[version.id]:
                yield resources.service_request(
                    item,
                    version,
                    exercises.rows[item.exercise_id],
                    exercises.names.get(item.exercise_id, ""),
                    patient.symptom_limit,
                    plan["status"],
                    following,
                )


def log_rows(
    session: Session, patient_ids: Sequence[int], since: date | None, until: date | None
) -> Iterator[ExerciseLog]:
    """The patients' sessions not undone, oldest first, streamed in batches."""
    query = _dated(
        select(ExerciseLog).where(
            col(ExerciseLog.patient_id).in_(patient_ids), col(ExerciseLog.deleted_at).is_(None)
        ),
        col(ExerciseLog.local_date),
        since,
        until,
    ).order_by(col(ExerciseLog.patient_id), col(ExerciseLog.done_at), col(ExerciseLog.id))
    yield from session.exec(query.execution_options(yield_per=YIELD_PER))


def session_resources(
    session: Session,
    patient_ids: Sequence[int],
    exercises: ExerciseNames,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[dict[str, Any]]:
    """Each logged session's Procedure followed by its pain and symptom Observations."""
    batch: list[ExerciseLog] = []

    def flush() -> Iterator[dict[str, Any]]:
        exercises.load(session, {log.exercise_id for log in batch})
        for log in batch:
            exercise = exercises.rows[log.exercise_id]
            yield from events.log_resources(log, exercise, exercises.names.get(log.exercise_id, ""))
        batch.clear()

    for log in log_rows(session, patient_ids, since, until):
        batch.append(log)
        if len(batch) >= YIELD_PER:
            yield from flush()
    yield from flush()


def check_resources(
    session: Session,
    patient_ids: Sequence[int],
    since: date | None = None,
    until: date | None = None,
) -> Iterator[dict[str, Any]]:
    """The next-morning answers as Observations."""
    query = _dated(
        select(MorningCheck).where(col(MorningCheck.patient_id).in_(patient_ids)),
        col(MorningCheck.local_date),
        since,
        until,
    ).order_by(col(MorningCheck.patient_id), col(MorningCheck.local_date))
    for check in session.exec(query.execution_options(yield_per=YIELD_PER)):
        found = events.morning_observation(check)
        if found is not None:
            yield found


def score_rows(
    session: Session,
    patient_ids: Sequence[int],
    since: date | None = None,
    until: date | None = None,
) -> Sequence[OutcomeScore]:
    """The recorded outcome scores, oldest first."""
    query = _dated(
        select(OutcomeScore).where(col(OutcomeScore.patient_id).in_(patient_ids)),
        col(OutcomeScore.taken_on),
        since,
        until,
    ).order_by(col(OutcomeScore.patient_id), col(OutcomeScore.taken_on), col(OutcomeScore.id))
    return session.exec(query).all()


def score_resources(
    session: Session,
    patient_ids: Sequence[int],
    since: date | None = None,
    until: date | None = None,
) -> Iterator[dict[str, Any]]:
    """The recorded outcome scores as Observations."""
    for score in score_rows(session, patient_ids, since, until):
        yield events.score_observation(score)
