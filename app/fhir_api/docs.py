"""How the read API appears in the OpenAPI document: parameters, answers and the key."""

from collections.abc import Mapping
from typing import Any

from app.fhir_api.errors import FHIR_JSON
from app.fhir_api.params import DEFAULT_COUNT, MAX_COUNT


def _param(name: str, description: str, *, required: bool = False, many: bool = False) -> Any:
    schema: dict[str, Any] = {"type": "string"}
    if many:
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": 2}
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
        "explode": True,
    }


PAGING = [
    _param("_count", f"Entries per page, 1 to {MAX_COUNT} (default {DEFAULT_COUNT})."),
    _param("_page", "Which page, from 1; follow the Bundle's `next` link instead of counting."),
]
PATIENT = _param("patient", "The patient: 12 or Patient/12.", required=True)
DATE = _param(
    "date",
    "Days in the patient's own time zone: ge, le, gt, lt or eq and a day, such as "
    "date=ge2026-11-01&date=le2026-11-30.",
    many=True,
)
_OUTCOME = {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}
ERRORS: dict[int | str, Any] = {
    400: {"description": "A search parameter could not be read (OperationOutcome)", **_OUTCOME},
    401: {"description": "No key, or a key that is unknown, revoked or expired", **_OUTCOME},
    403: {"description": "The key lacks the scope this needs (OperationOutcome)", **_OUTCOME},
    404: {"description": "Nothing of that id in the key's clinic (OperationOutcome)", **_OUTCOME},
    429: {"description": "Too many requests with this key; see Retry-After", **_OUTCOME},
}


def search_doc(kind: str, scope: str, dated: bool) -> dict[str, Any]:
    """The OpenAPI extras of a search: its parameters, a searchset Bundle, the errors."""
    if kind == "Patient":
        parameters = [_param("_id", "One patient id, to find just that patient."), *PAGING]
    else:
        parameters = [PATIENT, *([DATE] if dated else []), *PAGING]
    return {
        "summary": f"Search {kind}",
        "description": f"Needs an API key with the `{scope}` scope. Answers a FHIR R4 Bundle "
        "of type searchset, a page at a time, with `next` and `previous` links.",
        "responses": {
            200: {"description": f"A searchset Bundle of {kind}", **_OUTCOME},
            **ERRORS,
        },
        "openapi_extra": {"parameters": parameters},
    }


def read_doc(readable: Mapping[str, str]) -> dict[str, Any]:
    """The OpenAPI extras of reading one resource by type and id."""
    kinds = ", ".join(f"{kind} (`{scope}`)" for kind, scope in readable.items())
    return {
        "summary": "Read one resource",
        "description": f"The address in a Bundle entry's fullUrl. Types and the scope each "
        f"needs: {kinds}. Anything not of the key's clinic is 404.",
        "responses": {200: {"description": "The resource", **_OUTCOME}, **ERRORS},
    }
