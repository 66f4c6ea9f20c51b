"""FHIR searches within one clinic: by patient and date range, paged, answering resources."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col

from app.fhir import pages, records, resources
from app.fhir.events import procedure
from app.fhir.records import ExerciseNames
from app.models import (
    Clinic,
    ExerciseLog,
    MorningCheck,
    OutcomeScore,
    Patient,
    RoutineItem,
    RoutineVersion,
    SafetyReport,
    StaffUser,
)

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


def _patients(session: Session, clinic_id: int, patient_id: int | None) -> list[Patient]:
    query = pages.clinic_patients(clinic_id, patient_id)
    return list(session.exec(query.order_by(col(Patient.id))))


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
    found, total = pages.paged([pages.patients_part(session, clinic_id, patient_id)], offset, count)
    return Page(found, total, offset, count)


# The parts each dated search is made of, in the order their matches are listed.
DATED_PARTS: dict[str, Callable[[Session, Any, date | None, date | None], list[pages.Part]]] = {
    "CarePlan": lambda *a: [pages.care_plans_part(*a)],
    "ServiceRequest": lambda *a: [pages.service_requests_part(*a)],
    "Procedure": lambda *a: [pages.procedures_part(*a)],
    "Observation": pages.observations_parts,
}


def search(
    session: Session,
    kind: str,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    count: int = DEFAULT_COUNT,
) -> Page:
    """One page of a dated resource type of the clinic (one patient's, when given)."""
    # CarePlan: routine versions overlapping the dates; ServiceRequest: their exercises;
    # Procedure: sessions on the patient's own days; Observation: pain, symptoms, mornings,
    # warning signs and scores.
    offset, count = _bounded(offset, count)
    ids = pages.patient_ids(clinic_id, patient_id)
    found, total = pages.paged(DATED_PARTS[kind](session, ids, since, until), offset, count)
    return Page(found, total, offset, count)


def _plans(
    session: Session, clinic_id: int, patient_id: int | None, kind: str
) -> Iterator[dict[str, Any]]:
    exercises = ExerciseNames()
    patients = _patients(session, clinic_id, patient_id)
    for resource in records.plan_resources(session, patients, exercises):
        if resource["resourceType"] == kind:
            yield resource


def _patient_ids(session: Session, clinic_id: int, patient_id: int | None) -> list[int]:
    query = pages.patient_ids(clinic_id, patient_id).order_by(col(Patient.id))
    return [i for i in session.exec(query) if i is not None]


def events_procedure(log: ExerciseLog, exercises: ExerciseNames) -> dict[str, Any]:
    """A log's Procedure with its exercise looked up."""
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
        stream = _plans(session, clinic_id, owner, resource_type)
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


# The rows whose ids name resources, each holding the patient it belongs to.
OWNING_ROWS: dict[str, type[Any]] = {
    "routine": RoutineVersion,
    "log": ExerciseLog,
    "check": MorningCheck,
    "warning": SafetyReport,
    "score": OutcomeScore,
}


def _owner(session: Session, kind: str | None, number: int) -> int | None:
    """The patient a resource id belongs to."""
    if kind == "item":
        # A prescribed exercise belongs to whoever its routine version does.
        item = session.get(RoutineItem, number)
        if item is None:
            return None
        kind, number = "routine", item.version_id
    model = OWNING_ROWS.get(kind or "")
    row = session.get(model, number) if model is not None else None
    return int(row.patient_id) if row is not None else None
