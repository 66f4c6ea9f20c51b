"""FHIR searches within one clinic: by patient and date range, paged, answering resources."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.fhir import records, resources
from app.fhir.records import ExerciseNames
from app.models import Clinic, ExerciseLog, Patient, RoutineItem, RoutineVersion, StaffUser

DEFAULT_COUNT = 50
MAX_COUNT = 500
SEARCHABLE = ("Patient", "CarePlan", "ServiceRequest", "Procedure", "Observation")


@dataclass
class Page:
    """One page of a search: the resources, how many match in all, and where the page starts."""

    resources: list[dict[str, Any]]
    total: int
    offset: int
    count: int

    @property
    def has_next(self) -> bool:
        """Whether a later page holds more."""
        return self.offset + len(self.resources) < self.total


def _bounded(offset: int, count: int) -> tuple[int, int]:
    return max(offset, 0), min(max(count, 1), MAX_COUNT)


def clinic_patients(clinic_id: int, patient_id: int | None = None) -> Any:
    """The query of a clinic's patients (deleted ones never), optionally just one."""
    query = select(Patient).where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
    if patient_id is not None:
        query = query.where(Patient.id == patient_id)
    return query


def _patients(session: Session, clinic_id: int, patient_id: int | None) -> list[Patient]:
    return list(session.exec(clinic_patients(clinic_id, patient_id).order_by(col(Patient.id))))


def _page(stream: Iterator[dict[str, Any]], offset: int, count: int) -> Page:
    """Slice a stream of resources; the rest is counted, not kept."""
    offset, count = _bounded(offset, count)
    found: list[dict[str, Any]] = []
    total = 0
    for resource in stream:
        if offset <= total < offset + count:
            found.append(resource)
        total += 1
    return Page(found, total, offset, count)


def search_patients(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """A clinic's patients as Patient resources, by id order."""
    offset, count = _bounded(offset, count)
    query = clinic_patients(clinic_id, patient_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Patient.id)).offset(offset).limit(count)).all()
    return Page([resources.patient_resource(p) for p in rows], int(total), offset, count)


def _plans(
    session: Session,
    clinic_id: int,
    patient_id: int | None,
    since: date | None,
    until: date | None,
    kind: str,
) -> Iterator[dict[str, Any]]:
    exercises = ExerciseNames()
    patients = _patients(session, clinic_id, patient_id)
    for start in range(0, len(patients), 200):
        for resource in records.plan_resources(
            session, patients[start : start + 200], exercises, since=since, until=until
        ):
            if resource["resourceType"] == kind:
                yield resource


def search_care_plans(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """Routine versions as CarePlans whose period overlaps the dates given."""
    return _page(_plans(session, clinic_id, patient_id, since, until, "CarePlan"), offset, count)


def search_service_requests(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """Prescribed exercises of the routine versions in force during the dates given."""
    stream = _plans(session, clinic_id, patient_id, since, until, "ServiceRequest")
    return _page(stream, offset, count)


def _patient_ids(session: Session, clinic_id: int, patient_id: int | None) -> list[int]:
    query = select(Patient.id).where(
        Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None)
    )
    if patient_id is not None:
        query = query.where(Patient.id == patient_id)
    return [i for i in session.exec(query.order_by(col(Patient.id))) if i is not None]


def search_procedures(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """Logged sessions as Procedures, on the patient's own days from since to until."""
    offset, count = _bounded(offset, count)
    ids = _patient_ids(session, clinic_id, patient_id)
    query = records._dated(
        select(ExerciseLog).where(
            col(ExerciseLog.patient_id).in_(ids), col(ExerciseLog.deleted_at).is_(None)
        ),
        col(ExerciseLog.local_date),
        since,
        until,
    )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(ExerciseLog.patient_id), col(ExerciseLog.done_at), col(ExerciseLog.id))
        .offset(offset)
        .limit(count)
    ).all()
    exercises = ExerciseNames()
    exercises.load(session, {r.exercise_id for r in rows})
    return Page([events_procedure(r, exercises) for r in rows], int(total), offset, count)


def events_procedure(log: ExerciseLog, exercises: ExerciseNames) -> dict[str, Any]:
    """A log's Procedure with its exercise looked up."""
    from app.fhir.events import procedure

    return procedure(log, exercises.rows[log.exercise_id], exercises.names.get(log.exercise_id, ""))


def observation_stream(
    session: Session,
    patient_ids: list[int],
    since: date | None,
    until: date | None,
    *,
    with_scores: bool = True,
) -> Iterator[dict[str, Any]]:
    """Every Observation of the patients: session pain and symptoms, mornings, scores."""
    exercises = ExerciseNames()
    for resource in records.session_resources(session, patient_ids, exercises, since, until):
        if resource["resourceType"] == "Observation":
            yield resource
    yield from records.check_resources(session, patient_ids, since, until)
    yield from records.warning_resources(session, patient_ids, since, until)
    if with_scores:
        for answer in records.score_resources(session, patient_ids, since, until):
            if answer["resourceType"] == "Observation":
                yield answer


def search_observations(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """Pain, symptoms, next-morning answers and outcome scores as Observations, paged."""
    ids = _patient_ids(session, clinic_id, patient_id)
    return _page(observation_stream(session, ids, since, until), offset, count)


_ID = re.compile(
    r"^(?:(?P<kind>routine|item|log|check|warning|score)-)?(?P<num>[0-9]{1,10})(?P<rest>-.+)?$"
)


def read_resource(
    session: Session, clinic_id: int, resource_type: str, resource_id: str
) -> dict[str, Any] | None:
    """One resource of the clinic by its type and id, or None when it is not the clinic's."""
    match = _ID.match(resource_id)
    if match is None:
        return None
    number = int(match["num"])
    if resource_type == "Patient" and match["kind"] is None:
        return next(iter(search_patients(session, clinic_id, patient_id=number).resources), None)
    if resource_type == "Practitioner" and match["kind"] is None:
        staff = session.get(StaffUser, number)
        ok = staff is not None and staff.clinic_id == clinic_id
        return resources.practitioner_resource(staff) if ok and staff else None
    if resource_type == "Organization" and match["kind"] is None:
        clinic = session.get(Clinic, number)
        return resources.organization_resource(clinic) if clinic and number == clinic_id else None
    owner = _owner(session, match["kind"], number)
    if owner is None or not _patient_ids(session, clinic_id, owner):
        return None
    stream: Iterator[dict[str, Any]]
    if resource_type in ("CarePlan", "ServiceRequest"):
        stream = _plans(session, clinic_id, owner, None, None, resource_type)
    elif resource_type == "Procedure":
        # Only a log's own id names a Procedure, and the log must be the owner's: the owner was
        # found from the id's kind, so any other kind would vouch for someone else's log.
        if match["kind"] != "log" or match["rest"]:
            return None
        log = session.get(ExerciseLog, number)
        if log is None or log.deleted_at is not None or log.patient_id != owner:
            return None
        exercises = ExerciseNames()
        exercises.load(session, [log.exercise_id])
        return events_procedure(log, exercises)
    elif resource_type == "Observation":
        stream = observation_stream(session, [owner], None, None)
    elif resource_type == "QuestionnaireResponse":
        stream = records.score_resources(session, [owner])
    else:
        return None
    return next((r for r in stream if r["id"] == resource_id), None)


def _owner(session: Session, kind: str | None, number: int) -> int | None:
    """The patient a resource id belongs to."""
    from app.models import MorningCheck, OutcomeScore, SafetyReport

    if kind == "routine":
        version = session.get(RoutineVersion, number)
        return version.patient_id if version else None
    if kind == "item":
        item = session.get(RoutineItem, number)
        parent = session.get(RoutineVersion, item.version_id) if item else None
        return parent.patient_id if parent else None
    if kind == "log":
        log = session.get(ExerciseLog, number)
        return log.patient_id if log else None
    if kind == "check":
        check = session.get(MorningCheck, number)
        return check.patient_id if check else None
    if kind == "warning":
        report = session.get(SafetyReport, number)
        return report.patient_id if report else None
    if kind == "score":
        score = session.get(OutcomeScore, number)
        return score.patient_id if score else None
    return None
