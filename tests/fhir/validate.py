"""FHIR R4 checks: strict models from fhirclient, plus what they skip (codes and references)."""

import re
from collections.abc import Iterator
from typing import Any

from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from app.fhir import codes
from app.fhir.events import DIFFICULTIES

REQUEST_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
EVENT_STATUS = {
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
}
OBSERVATION_STATUS = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}
REQUEST_INTENT = {
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}
ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "choice",
    "open-choice",
    "attachment",
    "reference",
    "quantity",
}
# The value sets R4 binds as "required" on the elements our resources use.
REQUIRED: dict[str, dict[str, set[str]]] = {
    "Bundle": {
        "type": {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    },
    "CarePlan": {"status": REQUEST_STATUS, "intent": {"proposal", "plan", "order", "option"}},
    "ServiceRequest": {
        "status": REQUEST_STATUS,
        "intent": REQUEST_INTENT,
        "occurrenceTiming.repeat.periodUnit": {"s", "min", "h", "d", "wk", "mo", "a"},
        "occurrenceTiming.repeat.dayOfWeek": {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
    },
    "Procedure": {"status": EVENT_STATUS},
    "Observation": {"status": OBSERVATION_STATUS},
    "QuestionnaireResponse": {
        "status": {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
    },
    "Questionnaire": {
        "status": {"draft", "active", "retired", "unknown"},
        "item.type": ITEM_TYPES,
        "item.item.type": ITEM_TYPES,
    },
    "CodeSystem": {
        "status": {"draft", "active", "retired", "unknown"},
        "content": {"not-present", "example", "fragment", "complete", "supplement"},
    },
}
CONTACT_SYSTEM = {"phone", "fax", "email", "pager", "url", "sms", "other"}
CONTACT_USE = {"home", "work", "temp", "old", "mobile"}
# Codes from outside systems our resources may use.
KNOWN_CODES = {
    codes.LOINC: {"72514-3", "82237-9", "97909-6", "77865-4"},
    codes.SNOMED: {"229065009"},
    codes.OBSERVATION_CATEGORY: {"survey"},
    codes.LANGUAGE: {"en", "es"},
}
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# Which of our codes may answer which of our questions.
ANSWERS: dict[str, str | tuple[str, ...]] = {
    "symptom": "symptom-",
    "spread": "spread-",
    "morning-check": "compared-",
    "warning-signs": ("warning-stop", "warning-emergency"),
    "warning-sign": "sign-",
}


def values_at(node: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path, lists flattened."""
    if isinstance(node, list):
        for item in node:
            yield from values_at(item, path)
        return
    if not path:
        yield node
        return
    head, _, rest = path.partition(".")
    if isinstance(node, dict) and head in node:
        yield from values_at(node[head], rest)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object inside a resource, the resource itself included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def period_problems(resource: dict[str, Any]) -> list[str]:
    """FHIR's rule per-1: a Period's start is not after its end (same precision, as here)."""
    return [
        f"{resource.get('resourceType')}/{resource.get('id')}: period ends before it starts"
        for node in walk(resource)
        if isinstance(node.get("start"), str)
        and isinstance(node.get("end"), str)
        and len(node["start"]) == len(node["end"])
        and node["start"] > node["end"]
    ]


def parse_problems(resource: dict[str, Any]) -> list[str]:
    """What fhirclient's strict R4 model refuses in a resource."""
    try:
        parsed = FHIRElementFactory.instantiate(resource["resourceType"], resource)
    except FHIRValidationError as error:
        return [f"{resource.get('resourceType')}/{resource.get('id')}: {error}"]
    if type(parsed).__name__ != resource["resourceType"]:
        return [f"fhirclient has no model for {resource['resourceType']}"]
    return []


def code_problems(resource: dict[str, Any], exercise_codes: set[str]) -> list[str]:
    """Required bindings, our own value sets, and the codes of other systems we allow."""
    name = f"{resource['resourceType']}/{resource.get('id')}"
    problems = []
    if not FHIR_ID.match(str(resource.get("id", ""))):
        problems.append(f"{name}: id is not a FHIR id")
    for path, allowed in REQUIRED.get(resource["resourceType"], {}).items():
        for value in values_at(resource, path):
            if value not in allowed:
                problems.append(f"{name}: {path} {value!r} is not in its required value set")
    for value in values_at(resource, "telecom.system"):
        if value not in CONTACT_SYSTEM:
            problems.append(f"{name}: telecom.system {value!r}")
    for value in values_at(resource, "telecom.use"):
        if value not in CONTACT_USE:
            problems.append(f"{name}: telecom.use {value!r}")
    ours = {c: d for c, d, _ in codes.CONCEPTS}
    for node in walk(resource):
        if "system" not in node or "code" not in node or resource["resourceType"] == "CodeSystem":
            continue
        system, code = node["system"], node["code"]
        if system == codes.code_system_url():
            if code not in ours:
                problems.append(f"{name}: {code!r} is not in Neuroglide's CodeSystem")
            elif node.get("display") not in (None, ours[code]):
                problems.append(f"{name}: display of {code!r} differs from the CodeSystem")
        elif system == codes.exercise_system_url():
            if code not in exercise_codes:
                problems.append(f"{name}: exercise {code!r} is not in the exercise CodeSystem")
        elif system == codes.UCUM:
            if code != "{score}":
                problems.append(f"{name}: unit {code!r}")
        elif code not in KNOWN_CODES.get(system, set()):
            problems.append(f"{name}: {system}|{code} is not a code we use")
    problems.extend(_answer_problems(resource, name))
    return problems


def _our_code(concept: Any) -> str | None:
    for item in values_at(concept, "coding"):
        if item.get("system") == codes.code_system_url():
            return str(item["code"])
    return None


def _answer_problems(resource: dict[str, Any], name: str) -> list[str]:
    """Our questions answered only with their own answers; pain 0-10; difficulty known."""
    problems = []
    pairs = [(resource.get("code"), resource.get("valueCodeableConcept"))]
    pairs += [(c.get("code"), c.get("valueCodeableConcept")) for c in resource.get("component", [])]
    for question, answer in pairs:
        prefix = ANSWERS.get(_our_code(question) or "")
        if prefix is not None:
            given = _our_code(answer) or ""
            if not given.startswith(prefix):
                problems.append(f"{name}: {given!r} does not answer {prefix}")
    if resource["resourceType"] == "Observation":
        codings = [
            *values_at(resource, "code.coding"),
            *values_at(resource, "component.code.coding"),
        ]
        if any(c.get("code") == codes.PAIN_NRS["code"] for c in codings):
            for value in values_at(resource, "valueInteger"):
                if not 0 <= value <= 10:
                    problems.append(f"{name}: pain {value} outside 0-10")
    for ext in resource.get("extension", []):
        if ext["url"] == codes.extension_url("difficulty") and ext["valueCode"] not in DIFFICULTIES:
            problems.append(f"{name}: difficulty {ext['valueCode']!r}")
    return problems


def reference_problems(resources: list[dict[str, Any]], full_urls: set[str]) -> list[str]:
    """Every literal reference resolves to an entry of the same bundle or export."""
    problems = []
    for resource in resources:
        for node in walk(resource):
            target = node.get("reference")
            if isinstance(target, str) and f"{codes.fhir_base()}/{target}" not in full_urls:
                problems.append(f"{resource['resourceType']}/{resource['id']}: {target} unresolved")
    return problems


def _link_ids(items: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for item in items:
        found.add(item["linkId"])
        found |= _link_ids(item.get("item", []))
    return found


def response_problems(resources: list[dict[str, Any]]) -> list[str]:
    """Each QuestionnaireResponse answers a Questionnaire of the same set, by its linkIds."""
    forms = {r["url"]: r for r in resources if r["resourceType"] == "Questionnaire"}
    problems = []
    for response in resources:
        if response["resourceType"] != "QuestionnaireResponse":
            continue
        name = f"QuestionnaireResponse/{response['id']}"
        form = forms.get(response.get("questionnaire", ""))
        if form is None:
            problems.append(f"{name}: its Questionnaire is not in the set")
            continue
        unknown = _link_ids(response.get("item", [])) - _link_ids(form.get("item", []))
        if unknown:
            problems.append(f"{name}: items {sorted(unknown)} are not in the Questionnaire")
    return problems


def resources_problems(resources: list[dict[str, Any]]) -> list[str]:
    """Everything wrong with a set of resources that must stand on their own."""
    full_urls = {f"{codes.fhir_base()}/{r['resourceType']}/{r['id']}" for r in resources}
    problems = []
    if len(full_urls) != len(resources):
        problems.append("two resources share a type and id")
    exercise_codes = {
        str(c["code"])
        for r in resources
        if r["resourceType"] == "CodeSystem" and r.get("url") == codes.exercise_system_url()
        for c in r.get("concept", [])
    }
    for resource in resources:
        problems.extend(parse_problems(resource))
        problems.extend(period_problems(resource))
        problems.extend(code_problems(resource, exercise_codes))
    problems.extend(reference_problems(resources, full_urls))
    problems.extend(response_problems(resources))
    return problems


def bundle_problems(bundle: dict[str, Any]) -> list[str]:
    """Everything wrong with a collection Bundle: the Bundle, each entry, and references."""
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    problems = parse_problems(bundle) + code_problems(shell, set())
    for item in bundle.get("entry", []):
        problems.extend(period_problems(item["resource"]))
    for item in bundle.get("entry", []):
        resource = item["resource"]
        expected = f"{codes.fhir_base()}/{resource['resourceType']}/{resource['id']}"
        if item.get("fullUrl") != expected:
            problems.append(f"entry fullUrl {item.get('fullUrl')} is not {expected}")
    problems.extend(resources_problems([item["resource"] for item in bundle.get("entry", [])]))
    return problems
