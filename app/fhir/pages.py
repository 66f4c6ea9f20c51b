"""Searches paged in the database: counted in SQL, and only the page's rows fetched and built."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Text, case, cast, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.fhir import events, outcomes, resources
from app.fhir.records import ExerciseNames, _dated
from app.models import (
    ClinicMeasure,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineItem,
    RoutineVersion,
    SafetyReport,
)
from app.models.activity import COMPARISON, SPREAD, SYMPTOMS
from app.outcomes.measures import clinic_key, clinic_measure_id

Resources = list[dict[str, Any]]


@dataclass(frozen=True)
class Part:
    """One run of a search's matches, in order: how many it holds, and a slice of them built."""

    count: Callable[[], int]
    build: Callable[[int, int], Resources]  # matches [start, stop) of this part


def paged(parts: Sequence[Part], offset: int, count: int) -> tuple[Resources, int]:
    """The resources at [offset, offset + count) of the parts one after another, and the total."""
    found: Resources = []
    before = 0
    for part in parts:
        size = part.count()
        start, stop = max(offset - before, 0), min(offset + count - before, size)
        if start < stop:
            found += part.build(start, stop)
        before += size
    return found, before


def clinic_patients(clinic_id: int, patient_id: int | None = None) -> Any:
    """The query of a clinic's patients (deleted ones never), optionally just one."""
    query = select(Patient).where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
    if patient_id is not None:
        query = query.where(Patient.id == patient_id)
    return query


def patient_ids(clinic_id: int, patient_id: int | None) -> Any:
    """The ids of those patients, as a subquery (never a list as long as the clinic)."""
    return clinic_patients(clinic_id, patient_id).with_only_columns(col(Patient.id))


def rows_part(
    session: Session, query: Any, order: Sequence[Any], build: Callable[[list[Any]], Resources]
) -> Part:
    """A part with one resource per row of the query."""

    def count() -> int:
        return int(session.exec(select(func.count()).select_from(query.subquery())).one())

    def fetch(start: int, stop: int) -> Resources:
        return build(list(session.exec(query.order_by(*order).offset(start).limit(stop - start))))

    return Part(count, fetch)


def patients_part(session: Session, clinic_id: int, patient_id: int | None) -> Part:
    """The clinic's patients as Patient resources, by id."""
    return rows_part(
        session,
        clinic_patients(clinic_id, patient_id),
        [col(Patient.id)],
        lambda rows: [resources.patient_resource(p) for p in rows],
    )


def _logs(ids: Any, since: date | None, until: date | None) -> Any:
    query = select(ExerciseLog).where(
        col(ExerciseLog.patient_id).in_(ids), col(ExerciseLog.deleted_at).is_(None)
    )
    return _dated(query, col(ExerciseLog.local_date), since, until)


LOG_ORDER = (col(ExerciseLog.patient_id), col(ExerciseLog.done_at), col(ExerciseLog.id))


def _procedures(session: Session, rows: list[ExerciseLog]) -> Resources:
    exercises = ExerciseNames()
    exercises.load(session, {r.exercise_id for r in rows})
    return [
        events.procedure(r, exercises.rows[r.exercise_id], exercises.names.get(r.exercise_id, ""))
        for r in rows
    ]


def procedures_part(session: Session, ids: Any, since: date | None, until: date | None) -> Part:
    """Logged sessions as Procedures, patient by patient, oldest first."""
    return rows_part(
        session, _logs(ids, since, until), LOG_ORDER, lambda r: _procedures(session, r)
    )


def _said(column: Any) -> Any:
    return case((column.is_not(None), 1), else_=0)


# How many Observations a log becomes: pain before, pain after, and its symptoms if any were said
# (the same tests as app.fhir.events, in SQL; JSON lists hold their strings quoted).
LOG_OBSERVATIONS = (
    _said(col(ExerciseLog.pain_before))
    + _said(col(ExerciseLog.pain_after))
    + case(
        (
            or_(
                col(ExerciseLog.spread).in_(SPREAD),
                *[cast(col(ExerciseLog.symptoms), Text).like(f'%"{s}"%') for s in SYMPTOMS],
            ),
            1,
        ),
        else_=0,
    )
)


def _log_observations(log: ExerciseLog) -> Resources:
    symptoms = events.symptom_observation(log)
    return [*events.pain_observations(log), *([symptoms] if symptoms is not None else [])]


def log_observations_part(
    session: Session, ids: Any, since: date | None, until: date | None
) -> Part:
    """Each log's pain and symptom Observations; a log may give none, one, two or three."""
    matched = _logs(ids, since, until)

    def count() -> int:
        total = session.exec(matched.with_only_columns(func.sum(LOG_OBSERVATIONS))).one()
        return int(total or 0)

    def fetch(start: int, stop: int) -> Resources:
        # A running sum places each log's first Observation; only logs overlapping the page come.
        numbered = matched.with_only_columns(
            col(ExerciseLog.id).label("id"),
            LOG_OBSERVATIONS.label("n"),
            func.sum(LOG_OBSERVATIONS).over(order_by=LOG_ORDER).label("upto"),
        ).subquery()
        rows = session.exec(
            select(ExerciseLog, numbered.c.upto - numbered.c.n)
            .join(numbered, numbered.c.id == col(ExerciseLog.id))
            .where(numbered.c.n > 0, numbered.c.upto > start, numbered.c.upto - numbered.c.n < stop)
            .order_by(numbered.c.upto)
        ).all()
        if not rows:
            return []
        first = int(rows[0][1])
        built = [r for log, _at in rows for r in _log_observations(log)]
        return built[start - first : stop - first]

    return Part(count, fetch)


def observations_parts(
    session: Session, ids: Any, since: date | None, until: date | None
) -> list[Part]:
    """Sessions' pain and symptoms, morning answers, warning signs and scores, in that order."""
    checks = _dated(
        select(MorningCheck).where(
            col(MorningCheck.patient_id).in_(ids), col(MorningCheck.comparison).in_(COMPARISON)
        ),
        col(MorningCheck.local_date),
        since,
        until,
    )
    warnings = _dated(
        select(SafetyReport).where(
            col(SafetyReport.patient_id).in_(ids),
            col(SafetyReport.level).in_(("stop", "emergency")),
        ),
        col(SafetyReport.local_date),
        since,
        until,
    )
    scores = _dated(
        select(OutcomeScore).where(col(OutcomeScore.patient_id).in_(ids)),
        col(OutcomeScore.taken_on),
        since,
        until,
    )
    return [
        log_observations_part(session, ids, since, until),
        rows_part(
            session,
            checks,
            [col(MorningCheck.patient_id), col(MorningCheck.local_date), col(MorningCheck.id)],
            lambda rows: [o for c in rows if (o := events.morning_observation(c)) is not None],
        ),
        rows_part(
            session,
            warnings,
            [col(SafetyReport.patient_id), col(SafetyReport.answered_at), col(SafetyReport.id)],
            lambda rows: [o for w in rows if (o := events.warning_observation(w)) is not None],
        ),
        rows_part(
            session,
            scores,
            [col(OutcomeScore.patient_id), col(OutcomeScore.taken_on), col(OutcomeScore.id)],
            lambda rows: _score_observations(session, rows),
        ),
    ]


def _score_observations(session: Session, scores: list[OutcomeScore]) -> Resources:
    own = {clinic_measure_id(s.measure) for s in scores} - {None}
    names = {
        clinic_key(row.id): row.name
        for row in session.exec(select(ClinicMeasure).where(col(ClinicMeasure.id).in_(own)))
        if row.id is not None
    }
    return [outcomes.score_observation(s, names) for s in scores]


def _versions_in_range(ids: Any, since: date | None, until: date | None) -> Any:
    """The routine versions in force at some point of the dates, with their neighbours' ids."""
    patient, number = col(RoutineVersion.patient_id), col(RoutineVersion.number)

    def along(value: Any) -> Any:
        return value.over(partition_by=patient, order_by=number)

    every = select_columns(
        col(RoutineVersion.id).label("id"),
        patient.label("patient_id"),
        number.label("number"),
        col(RoutineVersion.valid_from).label("valid_from"),
        along(func.lead(RoutineVersion.valid_from)).label("ends"),
        along(func.lag(RoutineVersion.id)).label("previous_id"),
        along(func.lead(RoutineVersion.id)).label("next_id"),
    ).where(patient.in_(ids))
    versions = every.subquery()
    kept = select_columns(versions)
    if until is not None:
        kept = kept.where(versions.c.valid_from <= until)
    if since is not None:
        kept = kept.where(or_(versions.c.ends.is_(None), versions.c.ends > since))
    return kept.subquery()


@dataclass
class _Versions:
    """The versions a page shows, their neighbours and patients, loaded in a few queries."""

    rows: dict[int, RoutineVersion]
    patients: dict[int, Patient]

    @classmethod
    def load(cls, session: Session, ids: set[int]) -> "_Versions":
        rows = {
            v.id: v
            for v in session.exec(select(RoutineVersion).where(col(RoutineVersion.id).in_(ids)))
            if v.id is not None
        }
        owners = {v.patient_id for v in rows.values()}
        patients = {
            p.id: p
            for p in session.exec(select(Patient).where(col(Patient.id).in_(owners)))
            if p.id is not None
        }
        return cls(rows, patients)

    def get(self, version_id: int | None) -> RoutineVersion | None:
        return self.rows.get(version_id) if version_id is not None else None


def care_plans_part(session: Session, ids: Any, since: date | None, until: date | None) -> Part:
    """Routine versions as CarePlans, patient by patient, by version number."""
    kept = _versions_in_range(ids, since, until)

    def count() -> int:
        return int(session.exec(select(func.count()).select_from(kept)).one())

    def fetch(start: int, stop: int) -> Resources:
        page = session.exec(
            select(kept.c.id, kept.c.previous_id, kept.c.next_id)
            .order_by(kept.c.patient_id, kept.c.number)
            .offset(start)
            .limit(stop - start)
        ).all()
        known = _Versions.load(session, {i for row in page for i in row if i is not None})
        items: dict[int, list[RoutineItem]] = {row[0]: [] for row in page}
        for item in session.exec(
            select(RoutineItem)
            .where(col(RoutineItem.version_id).in_(list(items)))
            .order_by(col(RoutineItem.version_id), col(RoutineItem.position))
        ):
            items[item.version_id].append(item)
        found = []
        for version_id, previous_id, next_id in page:
            version = known.rows[version_id]
            today = local_today(known.patients[version.patient_id].timezone)
            found.append(
                resources.care_plan(
                    version, items[version_id], known.get(previous_id), known.get(next_id), today
                )
            )
        return found

    return Part(count, fetch)


def service_requests_part(
    session: Session, ids: Any, since: date | None, until: date | None
) -> Part:
    """The exercises of those versions as ServiceRequests, version by version, in order."""
    kept = _versions_in_range(ids, since, until)
    matched = select(RoutineItem, kept.c.next_id).join(
        kept, kept.c.id == col(RoutineItem.version_id)
    )

    def count() -> int:
        return int(session.exec(select(func.count()).select_from(matched.subquery())).one())

    def fetch(start: int, stop: int) -> Resources:
        page = session.exec(
            matched.order_by(
                kept.c.patient_id, kept.c.number, col(RoutineItem.position), col(RoutineItem.id)
            )
            .offset(start)
            .limit(stop - start)
        ).all()
        wanted = {i for item, next_id in page for i in (item.version_id, next_id) if i is not None}
        known = _Versions.load(session, wanted)
        exercises = ExerciseNames()
        exercises.load(session, {item.exercise_id for item, _next in page})
        found = []
        for item, next_id in page:
            version, following = known.rows[item.version_id], known.get(next_id)
            patient = known.patients[version.patient_id]
            status = resources.version_status(following, local_today(patient.timezone))
            found.append(
                resources.service_request(
                    item,
                    version,
                    exercises.rows[item.exercise_id],
                    exercises.names.get(item.exercise_id, ""),
                    patient.symptom_limit,
                    status,
                    following,
                )
            )
        return found

    return Part(count, fetch)
