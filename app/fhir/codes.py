"""Code systems, value sets and addresses the FHIR resources use, and our published CodeSystem."""

from typing import Any

from app.config import get_settings

FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LANGUAGE = "urn:ietf:bcp:47"

EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
PAIN_NRS = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
SURVEY = {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}

CODE_SYSTEM_ID = "neuroglide"
EXERCISE_SYSTEM_ID = "neuroglide-exercise"
CODE_SYSTEM_VERSION = "1.0.0"

# Our own concepts: no standard codes were found for nerve symptoms or the next-morning answer.
CONCEPTS: tuple[tuple[str, str, str], ...] = (
    ("pain-before-exercise", "Pain before the exercise", "Pain 0-10 just before a session."),
    ("pain-after-exercise", "Pain after the exercise", "Pain 0-10 just after a session."),
    ("nerve-symptoms", "Nerve symptoms during exercise", "Nerve symptoms felt in a session."),
    ("symptom", "Symptom felt", "One nerve symptom the patient felt."),
    ("symptom-tingling", "Tingling", "Pins and needles."),
    ("symptom-numbness", "Numbness", "Reduced or absent feeling."),
    ("symptom-burning", "Burning", "A burning feeling."),
    ("symptom-other", "Other symptom", "A nerve symptom not listed."),
    ("spread", "Spread of symptoms", "Whether symptoms spread during the session."),
    ("spread-further", "Spread further", "Symptoms reached further along the limb."),
    ("spread-same", "Stayed in the same place", "Symptoms stayed where they were."),
    ("spread-eased", "Eased", "Symptoms withdrew or eased."),
    ("morning-check", "Symptoms compared with yesterday", "The next-morning answer."),
    ("compared-better", "Better than yesterday", "Symptoms better than the day before."),
    ("compared-same", "Same as yesterday", "Symptoms the same as the day before."),
    ("compared-worse", "Worse than yesterday", "Symptoms worse than the day before."),
    ("about-date", "Day compared", "The day of exercise the morning answer is about."),
    ("outcome-score", "Outcome measure score", "A recorded outcome measure total."),
    ("outcome-psfs", "PSFS mean score", "Patient-Specific Functional Scale, mean 0-10."),
    ("outcome-grc", "Global rating of change", "The patient's rating of their change."),
    ("outcome-rmdq", "Roland-Morris score", "Roland-Morris Disability Questionnaire, 0-24."),
    ("outcome-ndi", "Neck Disability Index", "Neck Disability Index total."),
    ("outcome-odi", "Oswestry Disability Index", "Oswestry Disability Index, 0-100 %."),
    ("outcome-quickdash", "QuickDASH score", "QuickDASH, 0-100."),
    ("outcome-bctq", "Boston Carpal Tunnel score", "Boston Carpal Tunnel Questionnaire mean."),
    ("outcome-promis-pi", "PROMIS Pain Interference", "PROMIS Pain Interference score."),
    ("outcome-sbi", "Sciatica Bothersomeness Index", "Sciatica Bothersomeness Index, 0-24."),
    ("outcome-pain-nrs", "Pain 0-10", "Pain intensity recorded as an outcome."),
)
CONCEPT_CODES = frozenset(code for code, _display, _definition in CONCEPTS)
_DISPLAY = {code: display for code, display, _definition in CONCEPTS}
# Where LOINC has the total itself, it is given beside our code.
OUTCOME_LOINC = {
    "ndi": ("82237-9", "Neck disability index total score"),
    "odi": ("97909-6", "Oswestry Disability Index score"),
    "promis-pi": ("77865-4", "PROMIS pain interference T-score"),
    "pain-nrs": (PAIN_NRS["code"], PAIN_NRS["display"]),
}
EXTENSIONS = ("sets-done", "reps-done", "session-slot", "difficulty")


def fhir_base() -> str:
    """The address FHIR resources of this server live under (references resolve against it)."""
    return get_settings().base_url.rstrip("/") + "/fhir"


def code_system_url() -> str:
    """Canonical address of Neuroglide's CodeSystem, served there as JSON."""
    return f"{fhir_base()}/CodeSystem/{CODE_SYSTEM_ID}"


def exercise_system_url() -> str:
    """Canonical address of the exercise code system (built-in slugs and clinics' own)."""
    return f"{fhir_base()}/CodeSystem/{EXERCISE_SYSTEM_ID}"


def extension_url(name: str) -> str:
    """Address of one of our extensions."""
    return f"{fhir_base()}/StructureDefinition/{name}"


def coding(code: str) -> dict[str, str]:
    """A Coding from our own CodeSystem."""
    return {"system": code_system_url(), "code": code, "display": _DISPLAY[code]}


def concept(code: str) -> dict[str, Any]:
    """A CodeableConcept holding one of our codes."""
    return {"coding": [coding(code)], "text": _DISPLAY[code]}


def code_system() -> dict[str, Any]:
    """Neuroglide's CodeSystem resource: every code our resources use, with its meaning."""
    return {
        "resourceType": "CodeSystem",
        "id": CODE_SYSTEM_ID,
        "url": code_system_url(),
        "version": CODE_SYSTEM_VERSION,
        "name": "NeuroglideCodes",
        "title": "Neuroglide observation codes",
        "status": "active",
        "experimental": False,
        "publisher": "Neuroglide",
        "description": "Nerve symptoms, next-morning answers and outcome scores in Neuroglide.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(CONCEPTS),
        "concept": [
            {"code": code, "display": display, "definition": definition}
            for code, display, definition in CONCEPTS
        ],
    }


def exercise_code(slug: str, clinic_id: int | None) -> str:
    """An exercise's code: the slug for the built-in library, prefixed by the clinic for its own."""
    return slug if clinic_id is None else f"clinic-{clinic_id}-{slug}"


def exercise_code_system(exercises: list[tuple[str, str]]) -> dict[str, Any]:
    """The exercise CodeSystem listing the (code, name) pairs given: a fragment of the whole."""
    return {
        "resourceType": "CodeSystem",
        "id": EXERCISE_SYSTEM_ID,
        "url": exercise_system_url(),
        "version": CODE_SYSTEM_VERSION,
        "name": "NeuroglideExercises",
        "title": "Neuroglide exercises",
        "status": "active",
        "experimental": False,
        "publisher": "Neuroglide",
        "description": "Nerve glides of Neuroglide's library and of clinics' own libraries.",
        "caseSensitive": True,
        "content": "fragment",
        "concept": [{"code": code, "display": name} for code, name in sorted(exercises)],
    }
