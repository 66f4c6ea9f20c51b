"""The JSON of each resource the read API answers with, one builder per kind of row.

The read API only calls these builders; the full FHIR mapping of the export replaces them.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from app.models import ExerciseLog, MorningCheck, Patient, RoutineItem, RoutineVersion
from app.routines.service import dose_summary

Resource = dict[str, Any]
LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
# Neuroglide's own codes for what no standard code system names.
CODE_SYSTEM = "https://neuroglide.app/fhir/CodeSystem/neuroglide"


def _ref(kind: str, row_id: int | None) -> dict[str, str]:
    return {"reference": f"{kind}/{row_id}"}


def patient_resource(patient: Patient) -> Resource:
    """A Patient: name, email, language, clinic and therapist."""
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "active": patient.archived_at is None,
        "name": [{"text": patient.display_name}],
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}}
        ],
        "managingOrganization": _ref("Organization", patient.clinic_id),
        "generalPractitioner": [_ref("Practitioner", patient.therapist_id)],
    }
    if patient.email:
        resource["telecom"] = [{"system": "email", "value": patient.email}]
    return resource


def care_plan_resource(
    version: RoutineVersion,
    items: Sequence[RoutineItem],
    names: Mapping[int, str],
    until: date | None,
    status: str,
) -> Resource:
    """A CarePlan for one version of the routine (active, revoked once replaced, or draft)."""
    period: dict[str, str] = {"start": version.valid_from.isoformat()}
    if until is not None:
        period["end"] = until.isoformat()
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": str(version.id),
        "status": status,
        "intent": "plan",
        "title": f"Nerve glide routine, version {version.number}",
        "subject": _ref("Patient", version.patient_id),
        "period": period,
        "created": version.created_at.isoformat(),
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "code": {
                        "coding": [{"system": CODE_SYSTEM, "code": f"exercise-{item.exercise_id}"}],
                        "text": names.get(item.exercise_id, f"Exercise {item.exercise_id}"),
                    },
                    "description": dose_summary(item),
                }
            }
            for item in items
        ],
    }
    if version.change_note:
        resource["note"] = [{"text": version.change_note}]
    return resource


def procedure_resource(log: ExerciseLog, names: Mapping[int, str]) -> Resource:
    """A Procedure for one logged exercise session."""
    resource: Resource = {
        "resourceType": "Procedure",
        "id": str(log.id),
        "status": "completed",
        "code": {
            "coding": [{"system": CODE_SYSTEM, "code": f"exercise-{log.exercise_id}"}],
            "text": names.get(log.exercise_id, f"Exercise {log.exercise_id}"),
        },
        "subject": _ref("Patient", log.patient_id),
        "performedDateTime": log.done_at.isoformat(),
    }
    if log.note:
        resource["note"] = [{"text": log.note}]
    return resource


def _pain(log: ExerciseLog, when: str, value: int) -> Resource:
    return {
        "resourceType": "Observation",
        "id": f"log-{log.id}-pain-{when}",
        "status": "final",
        "code": {
            "coding": [{"system": LOINC, "code": PAIN_CODE}],
            "text": f"Pain {when} the exercise (0-10)",
        },
        "subject": _ref("Patient", log.patient_id),
        "effectiveDateTime": log.done_at.isoformat(),
        "valueInteger": value,
        "partOf": [_ref("Procedure", log.id)],
    }


def log_observations(log: ExerciseLog) -> list[Resource]:
    """Pain before and after one session, as Observations part of its Procedure."""
    found = []
    if log.pain_before is not None:
        found.append(_pain(log, "before", log.pain_before))
    if log.pain_after is not None:
        found.append(_pain(log, "after", log.pain_after))
    return found


def morning_observation(check: MorningCheck) -> Resource:
    """The next-morning answer: better, the same or worse than the day before."""
    return {
        "resourceType": "Observation",
        "id": f"morning-{check.id}",
        "status": "final",
        "code": {
            "coding": [{"system": CODE_SYSTEM, "code": "morning-comparison"}],
            "text": "Symptoms the next morning compared with the day before",
        },
        "subject": _ref("Patient", check.patient_id),
        "effectiveDateTime": check.answered_at.isoformat(),
        "valueCodeableConcept": {
            "coding": [{"system": CODE_SYSTEM, "code": check.comparison}],
            "text": check.comparison,
        },
    }
