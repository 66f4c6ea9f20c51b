"""FHIR R4 read endpoints for a clinic's other software: Bearer API key only, FHIR JSON."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.api_keys.auth import ApiProblem, require_scope
from app.audit.service import record
from app.core.digits import plain_digits
from app.deps import CurrentApiKey, SessionDep
from app.fhir import service as fhir
from app.fhir_api import params as p
from app.fhir_api.docs import read_doc, search_doc
from app.fhir_api.errors import FHIR_JSON
from app.fhir_api.service import SEARCHES, bundle, clinic_patient, search
from app.models import ApiKey

router = APIRouter(prefix="/fhir/r4", tags=["FHIR read API"])
# What reading one resource of each type needs.
READABLE = {
    **{kind: scope for kind, (scope, _dated) in SEARCHES.items()},
    "Practitioner": "patients:read",
    "Organization": "patients:read",
}


def _answer(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=FHIR_JSON)


def _subject(resource: dict[str, Any]) -> int | None:
    """The patient a resource is about, from its id or its subject reference."""
    if resource["resourceType"] == "Patient":
        return int(resource["id"])
    reference = str(resource.get("subject", {}).get("reference", ""))
    number = reference.removeprefix("Patient/")
    return int(number) if reference.startswith("Patient/") and plain_digits(number) else None


def _audit(
    session: Session, request: Request, key: ApiKey, shown: list[dict[str, Any]], total: int
) -> None:
    """One audit event per use, like a staff read: the key, what was asked, what was given."""
    patients = sorted({pid for r in shown if (pid := _subject(r)) is not None})
    query = f"?{request.url.query}" if request.url.query else ""
    record(
        session,
        request,
        "api_read",
        actor_kind="api_key",
        actor_id=key.id,
        clinic_id=key.clinic_id,
        # The event names the patient when the answer showed exactly one.
        patient_id=patients[0] if len(patients) == 1 else None,
        detail=f"{key.name}: {request.url.path}{query}; {len(shown)} of {total}; patients "
        f"{','.join(map(str, patients)) or 'none'}",
    )


def _searcher(kind: str, dated: bool) -> Callable[..., Response]:
    """The search route of one resource type."""

    def run(request: Request, session: SessionDep, key: CurrentApiKey) -> Response:
        require_scope(key, SEARCHES[kind][0])
        query = request.query_params
        if kind == "Patient":
            p.check_names(query, {"_id"})
            patient_id = p.single_id(query, "_id")
        else:
            p.check_names(query, {"patient", "date"} if dated else {"patient"})
            patient_id = p.patient_ref(query)
            clinic_patient(session, key.clinic_id, patient_id)
        dates, paging = p.date_range(query), p.paging(query)
        found = search(session, kind, key.clinic_id, patient_id, dates, paging)
        _audit(session, request, key, found.resources, found.total)
        kept = []
        if patient_id is not None:
            kept.append(("_id" if kind == "Patient" else "patient", str(patient_id)))
        kept += [("date", d) for d in dates.as_params()]
        return _answer(bundle(kind, found, kept, paging))

    run.__name__ = f"search_{kind.lower()}"
    run.__doc__ = f"Search {kind} resources of the key's clinic, a page at a time."
    return run


for _kind, (_scope, _dated) in SEARCHES.items():
    router.add_api_route(
        f"/{_kind}", _searcher(_kind, _dated), methods=["GET"], **search_doc(_kind, _scope, _dated)
    )


@router.get("/{resource_type}/{resource_id}", **read_doc(READABLE))
def read(
    request: Request, resource_type: str, resource_id: str, session: SessionDep, key: CurrentApiKey
) -> Response:
    """Read one resource of the key's clinic by its type and id (a Bundle entry's fullUrl)."""
    scope = READABLE.get(resource_type)
    if scope is None:
        raise ApiProblem(404, "not-found", "This server reads none of that resource type.")
    require_scope(key, scope)
    found = fhir.read_resource(session, key.clinic_id, resource_type, resource_id[:80])
    if found is None:
        raise ApiProblem(404, "not-found", f"No such {resource_type} in this clinic.")
    _audit(session, request, key, [found], 1)
    return _answer(found)
