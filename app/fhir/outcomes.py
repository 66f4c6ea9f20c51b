"""Outcome measures in FHIR: Questionnaire, QuestionnaireResponse and the score Observation."""

from collections.abc import Iterable
from typing import Any

from app.fhir import codes
from app.fhir.resources import instant, ref
from app.models import OutcomeScore
from app.outcomes.measures import BY_KEY, GRC, PAIN_AVG, PAIN_WORST, PSFS, Measure

# The measures patients answer in the app (free to build in): these have questionnaires.
ANSWERED = (PAIN_AVG, PAIN_WORST, PSFS, GRC)
LOINC_DISPLAY = {
    codes.PAIN_NRS["code"]: codes.PAIN_NRS["display"],
    "82237-9": "Neck disability index total score",
    "97909-6": "Oswestry Disability Index score",
    "77865-4": "PROMIS pain interference T-score",
}


def measure_code(key: str) -> str:
    """Our code for a built-in measure's score."""
    return "outcome-" + key.replace("_", "-")


def questionnaire_id(key: str) -> str:
    """The id of a measure's Questionnaire."""
    return key.replace("_", "-")


def questionnaire_url(key: str) -> str:
    """The canonical address of a measure's Questionnaire."""
    return f"{codes.fhir_base()}/Questionnaire/{questionnaire_id(key)}"


def response_id(score_id: int) -> str:
    """The id of the QuestionnaireResponse a patient's answer becomes."""
    return f"score-{score_id}-answers"


def _rating_item(link_id: str, text: str, low: float, high: float) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "text": f"{text} ({low:g} to {high:g})",
        "type": "integer",
        "required": True,
    }


def questionnaire(measure: Measure) -> dict[str, Any]:
    """The Questionnaire of a measure patients answer in the app, in our own words."""
    if measure.key == PSFS.key:
        items: list[dict[str, Any]] = [
            {
                "linkId": "activity",
                "text": "An activity that is hard because of the problem",
                "type": "group",
                "repeats": True,
                "item": [
                    {"linkId": "activity-name", "text": "Activity", "type": "string"},
                    _rating_item("activity-rating", "How well you can do it now", 0, 10),
                ],
            },
            {"linkId": "score", "text": "Mean of the ratings", "type": "decimal", "readOnly": True},
        ]
    else:
        items = [_rating_item(measure.key, measure.name_en, measure.min, measure.max)]
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(measure.key),
        "url": questionnaire_url(measure.key),
        "version": codes.CODE_SYSTEM_VERSION,
        "name": measure.key.replace("_", " ").title().replace(" ", ""),
        "title": measure.name_en,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Neuroglide",
        "code": [codes.coding(measure_code(measure.key))],
        "item": items,
    }


def questionnaires() -> list[dict[str, Any]]:
    """Every Questionnaire an export may point to."""
    return [questionnaire(m) for m in ANSWERED]


def _answer(value: float) -> dict[str, Any]:
    return {"valueInteger": int(value)} if float(value).is_integer() else {"valueDecimal": value}


def questionnaire_response(score: OutcomeScore) -> dict[str, Any] | None:
    """What the patient answered for one measure, or None for a score staff recorded."""
    assert score.id is not None
    measure = BY_KEY.get(score.measure)
    if score.source != "patient" or measure is None or measure not in ANSWERED:
        return None
    if measure.key == PSFS.key:
        activities = (score.answers or {}).get("activities", [])
        items: list[dict[str, Any]] = [
            {
                "linkId": "activity",
                "item": [
                    {"linkId": "activity-name", "answer": [{"valueString": str(a["name"])}]},
                    {"linkId": "activity-rating", "answer": [{"valueInteger": int(a["rating"])}]},
                ],
            }
            for a in activities
        ]
        items.append({"linkId": "score", "answer": [{"valueDecimal": score.score}]})
    else:
        items = [{"linkId": measure.key, "answer": [_answer(score.score)]}]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(score.id),
        "questionnaire": questionnaire_url(measure.key),
        "status": "completed",
        "subject": ref("Patient", score.patient_id),
        "authored": instant(score.created_at),
        "author": ref("Patient", score.patient_id),
        "source": ref("Patient", score.patient_id),
        "item": items,
    }


def outcome_code(score: OutcomeScore, names: dict[str, str]) -> dict[str, Any]:
    """Our code for the measure (a clinic's own: the general one), LOINC beside it if any."""
    measure = BY_KEY.get(score.measure)
    found = [codes.coding(measure_code(measure.key) if measure else "outcome-score")]
    if measure is not None and measure.loinc in LOINC_DISPLAY:
        loinc = measure.loinc or ""
        found.append({"system": codes.LOINC, "code": loinc, "display": LOINC_DISPLAY[loinc]})
    text = measure.name_en if measure else names.get(score.measure, score.measure)
    return {"coding": found, "text": text}


def score_observation(score: OutcomeScore, names: dict[str, str]) -> dict[str, Any]:
    """An outcome score: answered by the patient (from their response) or recorded by staff."""
    assert score.id is not None
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"score-{score.id}",
        "status": "final",
        "category": [{"coding": [codes.SURVEY]}],
        "code": outcome_code(score, names),
        "subject": ref("Patient", score.patient_id),
        "effectiveDateTime": score.taken_on.isoformat(),
        "issued": instant(score.created_at),
    }
    if score.source == "patient":
        resource["performer"] = [ref("Patient", score.patient_id)]
    elif score.recorded_by_id is not None:
        resource["performer"] = [ref("Practitioner", score.recorded_by_id)]
    resource["valueQuantity"] = {
        "value": score.score,
        "unit": "score",
        "system": codes.UCUM,
        "code": "{score}",
    }
    measure = BY_KEY.get(score.measure)
    if measure is not None:
        resource["referenceRange"] = [
            {
                "low": {"value": measure.min},
                "high": {"value": measure.max},
                "text": measure.range_text,
            }
        ]
    if questionnaire_response(score) is not None:
        resource["derivedFrom"] = [ref("QuestionnaireResponse", response_id(score.id))]
    return resource


def score_resources(
    scores: Iterable[OutcomeScore], names: dict[str, str], *, staff_view: bool
) -> Iterable[dict[str, Any]]:
    """Each score's QuestionnaireResponse (when answered) and Observation; staff-recorded
    scores only for staff."""
    for score in scores:
        if score.source != "patient" and not staff_view:
            continue
        response = questionnaire_response(score)
        if response is not None:
            yield response
        yield score_observation(score, names)
