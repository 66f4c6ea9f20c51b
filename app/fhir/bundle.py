"""A patient's whole record as one FHIR R4 Bundle of type collection."""

import json
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from app.fhir import codes, records, resources
from app.fhir.records import ExerciseNames
from app.models import Clinic, OutcomeScore, Patient, RoutineVersion, StaffUser, utcnow

MEDIA_TYPE = "application/fhir+json"


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    """A bundle entry whose fullUrl lets relative references resolve to it."""
    return {
        "fullUrl": f"{codes.fhir_base()}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
    }


def bundle(resources_: Iterable[dict[str, Any]], bundle_id: str) -> dict[str, Any]:
    """A collection Bundle of the resources given."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": resources.instant(utcnow())},
        "type": "collection",
        "timestamp": resources.instant(utcnow()),
        "entry": [entry(r) for r in resources_],
    }


def _practitioners(session: Session, patient: Patient, staff_view: bool) -> list[StaffUser]:
    """The therapist and everyone who wrote a routine version or recorded a score."""
    assert patient.id is not None
    ids = {patient.therapist_id}
    ids.update(
        i
        for i in session.exec(
            select(RoutineVersion.created_by_id).where(RoutineVersion.patient_id == patient.id)
        )
        if i is not None
    )
    if staff_view:
        ids.update(
            i
            for i in session.exec(
                select(OutcomeScore.recorded_by_id).where(OutcomeScore.patient_id == patient.id)
            )
            if i is not None
        )
    return list(
        session.exec(
            select(StaffUser).where(col(StaffUser.id).in_(ids)).order_by(col(StaffUser.id))
        )
    )


def patient_bundle(session: Session, patient: Patient, *, staff_view: bool) -> dict[str, Any]:
    """Everything about one patient; the patient's own copy leaves out what staff keep.

    Staff keep outcome scores and the reasons for routine changes for themselves, as in the
    patient's other download formats.
    """
    assert patient.id is not None
    clinic = session.get(Clinic, patient.clinic_id)
    assert clinic is not None
    exercises = ExerciseNames()
    found: list[dict[str, Any]] = [
        resources.patient_resource(patient),
        resources.organization_resource(clinic),
        *(resources.practitioner_resource(s) for s in _practitioners(session, patient, staff_view)),
        *records.plan_resources(session, [patient], exercises, with_change_note=staff_view),
        *records.session_resources(session, [patient.id], exercises),
        *records.check_resources(session, [patient.id]),
    ]
    if staff_view:
        found.extend(records.score_resources(session, [patient.id]))
    found.append(codes.code_system())
    found.append(codes.exercise_code_system(exercises.used()))
    return bundle(found, f"patient-{patient.id}")


def bundle_json(data: dict[str, Any]) -> str:
    """The bundle as a file's text."""
    return json.dumps(data, ensure_ascii=False, indent=1)
