"""Pure builders of what happened: sessions as Procedures, and what was felt as Observations."""

from datetime import date
from typing import Any

from app.fhir import codes
from app.fhir.resources import exercise_concept, instant, ref, service_request_id
from app.models import Exercise, ExerciseLog, MorningCheck, OutcomeScore
from app.models.activity import COMPARISON, SPREAD, SYMPTOMS

DIFFICULTIES = ("easy", "ok", "hard")


def procedure_id(log_id: int) -> str:
    """The stable id of a logged session's Procedure."""
    return f"log-{log_id}"


def _extension(name: str, key: str, value: Any) -> dict[str, Any]:
    return {"url": codes.extension_url(name), key: value}


def procedure(log: ExerciseLog, exercise: Exercise, exercise_name: str) -> dict[str, Any]:
    """A logged session, done by the patient at home, based on its prescription."""
    assert log.id is not None
    extensions = [
        _extension("sets-done", "valueInteger", log.sets_done),
        _extension("reps-done", "valueInteger", log.reps_done),
        _extension("session-slot", "valueInteger", log.slot),
    ]
    if log.difficulty in DIFFICULTIES:
        extensions.append(_extension("difficulty", "valueCode", log.difficulty))
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": procedure_id(log.id),
        "extension": extensions,
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{log.uuid}"}],
        "status": "completed",
        "code": exercise_concept(exercise, exercise_name),
        "subject": ref("Patient", log.patient_id),
        "performedDateTime": instant(log.done_at),
        "performer": [{"actor": ref("Patient", log.patient_id)}],
    }
    if log.routine_item_id is not None:
        resource["basedOn"] = [ref("ServiceRequest", service_request_id(log.routine_item_id))]
    if log.note.strip():
        resource["note"] = [{"text": log.note.strip()}]
    return resource


def _observation(
    resource_id: str, patient_id: int, code: dict[str, Any], effective: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [codes.SURVEY]}],
        "code": code,
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": effective,
    }


def pain_observations(log: ExerciseLog) -> list[dict[str, Any]]:
    """Pain before and after the session (LOINC 72514-3), each part of its Procedure."""
    assert log.id is not None
    found = []
    for when, value in (("before", log.pain_before), ("after", log.pain_after)):
        if value is None:
            continue
        qualifier = codes.coding(f"pain-{when}-exercise")
        code = {"coding": [codes.PAIN_NRS, qualifier], "text": qualifier["display"]}
        resource = _observation(f"log-{log.id}-pain-{when}", log.patient_id, code, "")
        resource["effectiveDateTime"] = instant(log.done_at)
        resource["partOf"] = [ref("Procedure", procedure_id(log.id))]
        resource["valueInteger"] = value
        found.append(resource)
    return found


def symptom_observation(log: ExerciseLog) -> dict[str, Any] | None:
    """The nerve symptoms felt and whether they spread, or None when nothing was said."""
    assert log.id is not None
    symptoms = [s for s in log.symptoms if s in SYMPTOMS]
    spread = log.spread if log.spread in SPREAD else None
    if not symptoms and spread is None:
        return None
    resource = _observation(
        f"log-{log.id}-symptoms",
        log.patient_id,
        codes.concept("nerve-symptoms"),
        instant(log.done_at),
    )
    resource["partOf"] = [ref("Procedure", procedure_id(log.id))]
    components = [
        {"code": codes.concept("symptom"), "valueCodeableConcept": codes.concept(f"symptom-{s}")}
        for s in symptoms
    ]
    if spread is not None:
        components.append(
            {
                "code": codes.concept("spread"),
                "valueCodeableConcept": codes.concept(f"spread-{spread}"),
            }
        )
    resource["component"] = components
    return resource


def log_resources(log: ExerciseLog, exercise: Exercise, name: str) -> list[dict[str, Any]]:
    """Everything one logged session becomes: its Procedure and the Observations part of it."""
    found = [procedure(log, exercise, name), *pain_observations(log)]
    symptoms = symptom_observation(log)
    if symptoms is not None:
        found.append(symptoms)
    return found


def morning_observation(check: MorningCheck) -> dict[str, Any] | None:
    """The next-morning answer (better, same or worse than yesterday), with pain now if given."""
    assert check.id is not None
    if check.comparison not in COMPARISON:
        return None
    resource = _observation(
        f"check-{check.id}",
        check.patient_id,
        codes.concept("morning-check"),
        instant(check.answered_at),
    )
    resource["valueCodeableConcept"] = codes.concept(f"compared-{check.comparison}")
    components: list[dict[str, Any]] = [
        {"code": codes.concept("about-date"), "valueDateTime": check.about_date.isoformat()}
    ]
    if check.pain_now is not None:
        components.append(
            {
                "code": {"coding": [codes.PAIN_NRS], "text": "Pain now"},
                "valueInteger": check.pain_now,
            }
        )
    resource["component"] = components
    return resource


def measure_key(measure: str) -> str:
    """A recorded measure's name as our code's suffix: lower case, dashes."""
    return measure.strip().lower().replace("_", "-").replace(" ", "-")


def outcome_code(measure: str) -> dict[str, Any]:
    """The code of an outcome score: ours where we know the measure, LOINC beside it if any."""
    key = measure_key(measure)
    found: list[dict[str, str]] = []
    if f"outcome-{key}" in codes.CONCEPT_CODES:
        found.append(codes.coding(f"outcome-{key}"))
    else:
        found.append(codes.coding("outcome-score"))
    if key in codes.OUTCOME_LOINC:
        loinc, display = codes.OUTCOME_LOINC[key]
        found.append({"system": codes.LOINC, "code": loinc, "display": display})
    return {"coding": found, "text": measure}


def score_observation(score: OutcomeScore) -> dict[str, Any]:
    """A recorded outcome measure score (score only, never the items)."""
    assert score.id is not None
    resource = _observation(f"score-{score.id}", score.patient_id, outcome_code(score.measure), "")
    resource["effectiveDateTime"] = date.isoformat(score.taken_on)
    resource["issued"] = instant(score.created_at)
    if score.recorded_by_id is not None:
        resource["performer"] = [ref("Practitioner", score.recorded_by_id)]
    resource["valueQuantity"] = {
        "value": score.score,
        "unit": "score",
        "system": codes.UCUM,
        "code": "{score}",
    }
    return resource
