"""A patient's FHIR record: valid R4, our codes only, references resolving, and faithful."""

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.careplan import CarePlan
from fhirclient.models.observation import Observation
from fhirclient.models.procedure import Procedure
from fhirclient.models.servicerequest import ServiceRequest
from sqlmodel import Session

from app.fhir import codes
from app.fhir.bundle import patient_bundle
from app.routines.service import items_of
from tests.fhir.helpers import day, rich_patient
from tests.fhir.validate import bundle_problems


def _by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_staff_bundle_is_valid_r4_with_resolving_references(db: Session) -> None:
    """Every resource parses in fhirclient's strict R4 models and passes the code checks."""
    record = rich_patient(db)
    bundle = json.loads(json.dumps(patient_bundle(db, record.patient, staff_view=True)))
    assert bundle_problems(bundle) == []
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Practitioner",
        "Organization",
        "CarePlan",
        "ServiceRequest",
        "Procedure",
        "Observation",
        "QuestionnaireResponse",
        "Questionnaire",
        "CodeSystem",
    }


def test_patient_copy_leaves_out_what_staff_keep(db: Session) -> None:
    """No outcome score and no reason for a routine change in the patient's own copy."""
    record = rich_patient(db)
    bundle = patient_bundle(db, record.patient, staff_view=False)
    assert bundle_problems(bundle) == []
    text = json.dumps(bundle)
    assert f'"score-{record.score.id}"' not in text
    assert all(f'"score-{s.id}"' in text for s in record.answers)
    assert "Symptoms settled" not in text
    assert "Symptoms settled" in json.dumps(patient_bundle(db, record.patient, staff_view=True))


def _first(node: Any, parts: list[str], last: str, value: Any) -> bool:
    """Set last to value in the first object reached along parts (lists searched in order)."""
    if isinstance(node, list):
        return any(_first(item, parts, last, value) for item in node)
    if not isinstance(node, dict):
        return False
    if not parts:
        if last in node:
            node[last] = value
            return True
        return False
    return parts[0] in node and _first(node[parts[0]], parts[1:], last, value)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the first resource that has the dotted path."""

    def change(bundle: dict[str, Any]) -> None:
        kind, *parts, last = path.split(".")
        for item in bundle["entry"]:
            resource = item["resource"]
            if resource["resourceType"] == kind and _first(resource, parts, last, value):
                return
        raise AssertionError(f"nothing at {path}")

    return change


WRONG = {
    "care plan status": _set("CarePlan.status", "current"),
    "care plan intent": _set("CarePlan.intent", "order-set"),
    "service request intent": _set("ServiceRequest.intent", "prescribed"),
    "weekday": _set("ServiceRequest.occurrenceTiming.repeat.dayOfWeek", ["monday"]),
    "period unit": _set("ServiceRequest.occurrenceTiming.repeat.periodUnit", "day"),
    "procedure status": _set("Procedure.status", "done"),
    "observation status": _set("Observation.status", "complete"),
    "our own code": _set("Observation.component.valueCodeableConcept.coding.code", "symptom-itch"),
    "an answer to another question": _set(
        "Observation.component.valueCodeableConcept.coding.code", "compared-worse"
    ),
    "a LOINC code we do not use": _set("Observation.code.coding.code", "72514-4"),
    "an exercise not in the code system": _set("Procedure.code.coding.code", "229065008"),
    "a reference out of the bundle": _set("Procedure.basedOn.reference", "ServiceRequest/item-0"),
    "pain out of range": _set("Observation.valueInteger", 11),
    "a warning sign as the level": _set(
        "Observation.valueCodeableConcept.coding.code", "sign-night-pain"
    ),
    "a misspelt element": _set("Procedure.performedDateTime", "last Tuesday"),
    "a difficulty we do not have": _set("Procedure.extension.valueCode", "brutal"),
    "a non-FHIR id": _set("Patient.id", "patient_1"),
    "a response status": _set("QuestionnaireResponse.status", "done"),
    "an answer to no question": _set("QuestionnaireResponse.item.linkId", "activity-colour"),
    "a questionnaire item type": _set("Questionnaire.item.type", "number"),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_a_wrong_code_or_reference_fails(db: Session, name: str) -> None:
    """Each kind of mistake is caught by the checks the tests use."""
    record = rich_patient(db)
    bundle = copy.deepcopy(patient_bundle(db, record.patient, staff_view=True))
    assert bundle_problems(bundle) == []
    WRONG[name](bundle)
    assert bundle_problems(bundle) != []


def test_round_trip_matches_the_database(db: Session) -> None:
    """Export, parse with fhirclient, and find the database's rows in the parsed resources."""
    record = rich_patient(db)
    text = json.dumps(patient_bundle(db, record.patient, staff_view=True))
    parsed = Bundle(json.loads(text), strict=True)
    found: dict[str, list[Any]] = {}
    for item in parsed.entry:
        found.setdefault(item.resource.resource_type, []).append(item.resource)

    (patient,) = found["Patient"]
    assert patient.name[0].text == record.patient.display_name
    assert patient.telecom[0].value == record.patient.email
    assert patient.managingOrganization.reference == f"Organization/{record.clinic.id}"
    assert patient.generalPractitioner[0].reference == f"Practitioner/{record.therapist.id}"

    plans: dict[str, CarePlan] = {p.id: p for p in found["CarePlan"]}
    old, new = plans[f"routine-{record.old.id}"], plans[f"routine-{record.new.id}"]
    assert (old.status, new.status) == ("revoked", "active")
    assert new.replaces[0].reference == f"CarePlan/routine-{record.old.id}"
    assert day(old.period.start.isostring) == record.old.valid_from
    assert day(old.period.end.isostring) == record.new.valid_from - timedelta(days=1)
    assert new.period.end is None

    requests: dict[str, ServiceRequest] = {r.id: r for r in found["ServiceRequest"]}
    for version, plan in ((record.old, old), (record.new, new)):
        items = items_of(db, version.id)  # type: ignore[arg-type]
        assert [a.reference.reference for a in plan.activity] == [
            f"ServiceRequest/item-{i.id}" for i in items
        ]
        for item in items:
            request = requests[f"item-{item.id}"]
            assert request.status == plan.status
            repeat = request.occurrenceTiming.repeat
            assert (repeat.frequency, repeat.period, repeat.periodUnit) == (
                item.times_per_day,
                1,
                "d",
            )
            weekdays = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            assert repeat.dayOfWeek == [d for n, d in enumerate(weekdays) if item.on_weekday(n)]
            assert f"{item.sets} sets of {item.reps} repetitions" in request.patientInstruction
            assert f"{record.patient.symptom_limit}/10" in request.patientInstruction
            assert [c.code for c in request.code.coding][0] == "229065009"
    (tensioner,) = items_of(db, record.new.id)  # type: ignore[arg-type]
    assert "left side" in requests[f"item-{tensioner.id}"].patientInstruction
    assert "hold 2 s" in requests[f"item-{tensioner.id}"].patientInstruction

    procedures: dict[str, Procedure] = {p.id: p for p in found["Procedure"]}
    assert set(procedures) == {f"log-{log.id}" for log in record.logs}
    observations: dict[str, Observation] = {o.id: o for o in found["Observation"]}
    for log in record.logs:
        procedure = procedures[f"log-{log.id}"]
        assert procedure.status == "completed"
        assert procedure.performedDateTime.datetime == log.done_at
        assert procedure.basedOn[0].reference == f"ServiceRequest/item-{log.routine_item_id}"
        extensions = {e.url.rsplit("/", 1)[1]: e for e in procedure.extension}
        assert extensions["sets-done"].valueInteger == log.sets_done
        assert extensions["reps-done"].valueInteger == log.reps_done
        for when, value in (("before", log.pain_before), ("after", log.pain_after)):
            pain = observations.get(f"log-{log.id}-pain-{when}")
            assert (pain.valueInteger if pain else None) == value
            if pain:
                assert pain.partOf[0].reference == f"Procedure/log-{log.id}"
                assert pain.code.coding[0].code == "72514-3"
        symptoms = observations.get(f"log-{log.id}-symptoms")
        felt = [
            c.valueCodeableConcept.coding[0].code.removeprefix("symptom-")
            for c in (symptoms.component if symptoms else [])
            if c.code.coding[0].code == "symptom"
        ]
        assert felt == log.symptoms
        spread = [
            c for c in (symptoms.component if symptoms else []) if c.code.coding[0].code == "spread"
        ]
        assert [c.valueCodeableConcept.coding[0].code for c in spread] == (
            [f"spread-{log.spread}"] if log.spread else []
        )
    assert f"log-{record.undone.id}" not in procedures

    for check in record.checks:
        answer = observations[f"check-{check.id}"]
        assert answer.valueCodeableConcept.coding[0].code == f"compared-{check.comparison}"
        assert answer.valueCodeableConcept.coding[0].system == codes.code_system_url()
        parts = {c.code.coding[0].code: c for c in answer.component}
        assert day(parts["about-date"].valueDateTime.isostring) == check.about_date
        assert (parts["72514-3"].valueInteger if "72514-3" in parts else None) == check.pain_now

    warning = observations[f"warning-{record.warning.id}"]
    assert warning.valueCodeableConcept.coding[0].code == "warning-stop"
    signs = [c.valueCodeableConcept.coding[0].code for c in warning.component]
    assert signs == ["sign-spreading-numbness", "sign-night-pain"]
    assert warning.effectiveDateTime.datetime == record.warning.answered_at

    score = observations[f"score-{record.score.id}"]
    assert score.valueQuantity.value == record.score.score
    assert [c.code for c in score.code.coding] == ["outcome-ndi", "82237-9"]
    assert score.performer[0].reference == f"Practitioner/{record.therapist.id}"
    assert score.derivedFrom is None

    responses = {r.id: r for r in found["QuestionnaireResponse"]}
    pain, psfs = record.answers
    answered = observations[f"score-{psfs.id}"]
    assert answered.derivedFrom[0].reference == f"QuestionnaireResponse/score-{psfs.id}-answers"
    assert answered.performer[0].reference == f"Patient/{record.patient.id}"
    assert answered.valueQuantity.value == psfs.score
    response = responses[f"score-{psfs.id}-answers"]
    assert response.status == "completed"
    rated = [
        (group.item[0].answer[0].valueString, group.item[1].answer[0].valueInteger)
        for group in response.item
        if group.linkId == "activity"
    ]
    assert rated == [(a["name"], a["rating"]) for a in psfs.answers["activities"]]  # type: ignore[index]
    (only,) = responses[f"score-{pain.id}-answers"].item
    assert (only.linkId, only.answer[0].valueInteger) == ("pain_avg", 4)
    assert [c.code for c in observations[f"score-{pain.id}"].code.coding] == [
        "outcome-pain-avg",
        "72514-3",
    ]


def test_a_routine_changed_twice_in_a_day_keeps_its_periods_in_order(db: Session) -> None:
    """Two saves on one day: the version replaced on its first day ends that day, never the
    day before it began (FHIR's per-1)."""
    from app.core.clock import local_today
    from app.routines.service import ItemDose, new_version
    from tests.factories import routine_version

    record = rich_patient(db)
    patient = record.patient
    assert patient.id is not None
    today = local_today(patient.timezone)
    kept = [
        ItemDose(exercise_id=i.exercise_id, reps=i.reps + n)
        for i in items_of(db, routine_version(db, patient).id or 0)
        for n in (1,)
    ]
    new_version(db, patient.id, kept, today, change_note="First save of the day")
    again = [ItemDose(exercise_id=d.exercise_id, reps=d.reps + 1) for d in kept]
    new_version(db, patient.id, again, today, change_note="Second save of the day")
    db.commit()
    bundle = json.loads(json.dumps(patient_bundle(db, patient, staff_view=True)))
    assert bundle_problems(bundle) == []
    periods = [p["period"] for p in _by_type(bundle, "CarePlan")]
    assert {"start": today.isoformat(), "end": today.isoformat()} in periods
