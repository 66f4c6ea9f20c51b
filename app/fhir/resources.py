"""Pure builders of FHIR R4 resources for people and prescriptions: rows in, JSON dicts out."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.fhir import codes
from app.models import Clinic, Exercise, Patient, RoutineItem, RoutineVersion, StaffUser

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SIDE_WORDS = {"left": "left side", "right": "right side", "both": "both sides", "none": ""}


def instant(moment: datetime) -> str:
    """A FHIR dateTime/instant in UTC to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def ref(resource_type: str, resource_id: str | int) -> dict[str, str]:
    """A relative literal reference, which resolves inside a bundle through its fullUrl."""
    return {"reference": f"{resource_type}/{resource_id}"}


def care_plan_id(version_id: int) -> str:
    """The stable id of a routine version's CarePlan."""
    return f"routine-{version_id}"


def service_request_id(item_id: int) -> str:
    """The stable id of a prescribed exercise's ServiceRequest."""
    return f"item-{item_id}"


def patient_resource(patient: Patient) -> dict[str, Any]:
    """A Patient: name, email, language, the clinic and the therapist in charge."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "active": patient.archived_at is None,
        "name": [{"text": patient.display_name}],
    }
    if patient.email:
        resource["telecom"] = [{"system": "email", "value": patient.email}]
    resource["communication"] = [
        {
            "language": {"coding": [{"system": codes.LANGUAGE, "code": patient.language}]},
            "preferred": True,
        }
    ]
    resource["generalPractitioner"] = [ref("Practitioner", patient.therapist_id)]
    resource["managingOrganization"] = ref("Organization", patient.clinic_id)
    return resource


def practitioner_resource(staff: StaffUser) -> dict[str, Any]:
    """A Practitioner for a therapist or admin."""
    return {
        "resourceType": "Practitioner",
        "id": str(staff.id),
        "active": staff.is_active,
        "name": [{"text": staff.name}],
        "telecom": [{"system": "email", "value": staff.email, "use": "work"}],
    }


def organization_resource(clinic: Clinic) -> dict[str, Any]:
    """An Organization for a clinic."""
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(clinic.id),
        "active": True,
        "name": clinic.name,
    }
    if clinic.phone:
        resource["telecom"] = [{"system": "phone", "value": clinic.phone, "use": "work"}]
    if clinic.country:
        resource["address"] = [{"country": clinic.country}]
    return resource


def version_status(next_version: RoutineVersion | None, today: date) -> str:
    """A routine version is revoked once a later one is in force, else active."""
    return "revoked" if next_version is not None and next_version.valid_from <= today else "active"


def _period(version: RoutineVersion, next_version: RoutineVersion | None) -> dict[str, str]:
    """The days a version was in force; one replaced on its own first day ends that day (the
    day before the next would end before it starts, which FHIR forbids)."""
    period = {"start": version.valid_from.isoformat()}
    if next_version is not None:
        last = max(version.valid_from, next_version.valid_from - timedelta(days=1))
        period["end"] = last.isoformat()
    return period


def care_plan(
    version: RoutineVersion,
    items: list[RoutineItem],
    previous: RoutineVersion | None,
    next_version: RoutineVersion | None,
    today: date,
    *,
    with_change_note: bool = True,
) -> dict[str, Any]:
    """One routine version as its own CarePlan revision, replacing the one before."""
    assert version.id is not None
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": care_plan_id(version.id),
        "identifier": [
            {"system": codes.identifier_system("routine-version"), "value": str(version.id)}
        ],
        "status": version_status(next_version, today),
        "intent": "plan",
        "title": f"Home nerve glide routine, version {version.number}",
        "subject": ref("Patient", version.patient_id),
        "period": _period(version, next_version),
        "created": instant(version.created_at),
    }
    if previous is not None and previous.id is not None:
        resource["replaces"] = [ref("CarePlan", care_plan_id(previous.id))]
    if version.created_by_id is not None:
        resource["author"] = ref("Practitioner", version.created_by_id)
    if with_change_note and version.change_note:
        resource["note"] = [{"text": version.change_note}]
    resource["activity"] = [
        {"reference": ref("ServiceRequest", service_request_id(item.id))}
        for item in sorted(items, key=lambda i: i.position)
        if item.id is not None
    ]
    return resource


def dose_text(item: RoutineItem) -> str:
    """The dose in plain words: sets, repetitions, pace, hold and side."""
    parts = [f"{item.sets} sets of {item.reps} repetitions, about {item.seconds_per_cycle} s each"]
    if item.hold_seconds:
        parts.append(f"hold {item.hold_seconds} s at the end of the movement")
    if SIDE_WORDS.get(item.side):
        parts.append(SIDE_WORDS[item.side])
    return ", ".join(parts) + "."


def days_of(item: RoutineItem) -> list[str]:
    """The weekdays the exercise is due, as FHIR day codes."""
    return [code for n, code in enumerate(WEEKDAYS) if item.on_weekday(n)]


def symptom_rules(symptom_limit: int) -> str:
    """The symptom rules every prescription carries, with the patient's own limit."""
    return (
        f"Keep symptoms at or below {symptom_limit}/10 during the exercise; they should settle "
        "within minutes of stopping. If symptoms are worse the next morning, do not progress "
        "and tell your therapist. Stop and contact the clinic if numbness or tingling persists "
        "or spreads, or if weakness is new."
    )


def service_request(
    item: RoutineItem,
    version: RoutineVersion,
    exercise: Exercise,
    exercise_name: str,
    symptom_limit: int,
    status: str,
    next_version: RoutineVersion | None = None,
) -> dict[str, Any]:
    """One prescribed exercise: what, how often, on which days, and the dose and rules."""
    assert item.id is not None and version.id is not None
    repeat: dict[str, Any] = {
        "boundsPeriod": _period(version, next_version),
        "frequency": item.times_per_day,
        "period": 1,
        "periodUnit": "d",
        "dayOfWeek": days_of(item),
    }
    instruction = dose_text(item)
    if item.note:
        instruction += " " + item.note.strip()
    instruction += " " + symptom_rules(symptom_limit)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": service_request_id(item.id),
        "identifier": [
            {"system": codes.identifier_system("prescription-line"), "value": item.line_key}
        ],
        "basedOn": [ref("CarePlan", care_plan_id(version.id))],
        "status": status,
        "intent": "order",
        "code": exercise_concept(exercise, exercise_name),
        "subject": ref("Patient", version.patient_id),
        "occurrenceTiming": {"repeat": repeat},
        "authoredOn": instant(version.created_at),
        "patientInstruction": instruction,
    }
    if version.created_by_id is not None:
        resource["requester"] = ref("Practitioner", version.created_by_id)
    return resource


def exercise_coding(exercise: Exercise, name: str) -> dict[str, str]:
    """The Coding of an exercise in our exercise code system."""
    return {
        "system": codes.exercise_system_url(),
        "code": codes.exercise_code(exercise.slug, exercise.clinic_id),
        "display": name or exercise.slug,
    }


def exercise_concept(exercise: Exercise, name: str) -> dict[str, Any]:
    """Exercise therapy (SNOMED CT) with the exercise itself beside it."""
    return {
        "coding": [codes.EXERCISE_THERAPY, exercise_coding(exercise, name)],
        "text": name or exercise.slug,
    }
