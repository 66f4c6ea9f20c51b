"""FHIR R4 read endpoints for a clinic's other software: Bearer API key only, FHIR JSON."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.api_keys.auth import ApiProblem
from app.audit.service import record
from app.deps import PatientsReader, ResultsReader, SessionDep
from app.fhir_api import params as p
from app.fhir_api.docs import SEARCH_PARAMS, read_doc, search_doc
from app.fhir_api.errors import FHIR_JSON
from app.fhir_api.resources import patient_resource
from app.fhir_api.service import (
    Found,
    bundle,
    clinic_patient,
    search_care_plans,
    search_observations,
    search_patients,
    search_procedures,
)
from app.models import ApiKey
from app.models.base import valid_id

router = APIRouter(prefix="/fhir/r4", tags=["FHIR read API"])


def _answer(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=FHIR_JSON)


def _audit(
    session: Session, request: Request, key: ApiKey, found: Found, patient_id: int | None
) -> None:
    """One audit event per use, like a staff read: the key, what was asked, what was given."""
    query = f"?{request.url.query}" if request.url.query else ""
    shown = ",".join(str(i) for i in found.patient_ids)
    record(
        session,
        request,
        "api_read",
        actor_kind="api_key",
        actor_id=key.id,
        clinic_id=key.clinic_id,
        patient_id=patient_id,
        detail=f"{key.name}: {request.url.path}{query}; {len(found.resources)} of "
        f"{found.total}; patients {shown or 'none'}",
    )


@router.get("/Patient", **search_doc("Patient", "patients:read", SEARCH_PARAMS["Patient"]))
def patients(request: Request, session: SessionDep, key: PatientsReader) -> Response:
    """Search the clinic's patients, by id or all of them, a page at a time."""
    query = request.query_params
    p.check_names(query, {"_id"})
    ids, paging = p.ids(query), p.paging(query)
    found = search_patients(session, key.clinic_id, ids, paging)
    # The event names the patient when the answer showed exactly one.
    shown = found.patient_ids[0] if len(found.patient_ids) == 1 else None
    _audit(session, request, key, found, shown)
    kept = [("_id", ",".join(map(str, ids)))] if ids else []
    return _answer(bundle("Patient", found, kept, paging))


@router.get("/Patient/{patient_id}", **read_doc())
def patient(
    request: Request, patient_id: str, session: SessionDep, key: PatientsReader
) -> Response:
    """Read one patient of the clinic."""
    if not patient_id.isdigit() or len(patient_id) > 10 or not valid_id(int(patient_id)):
        raise ApiProblem(404, "not-found", "No such patient in this clinic.")
    found_id = int(patient_id)
    row = clinic_patient(session, key.clinic_id, found_id)
    resource = patient_resource(row)
    _audit(session, request, key, Found([resource], 1, [found_id]), found_id)
    return _answer(resource)


@router.get("/CarePlan", **search_doc("CarePlan", "patients:read", SEARCH_PARAMS["CarePlan"]))
def care_plans(request: Request, session: SessionDep, key: PatientsReader) -> Response:
    """Every version of one patient's routine as CarePlans, newest first."""
    query = request.query_params
    p.check_names(query, {"patient"})
    patient_id, paging = p.patient_ref(query), p.paging(query)
    row = clinic_patient(session, key.clinic_id, patient_id)
    found = search_care_plans(session, row, paging)
    _audit(session, request, key, found, patient_id)
    return _answer(bundle("CarePlan", found, [("patient", str(patient_id))], paging))


@router.get("/Procedure", **search_doc("Procedure", "results:read", SEARCH_PARAMS["Procedure"]))
def procedures(request: Request, session: SessionDep, key: ResultsReader) -> Response:
    """One patient's logged exercise sessions, optionally between two days."""
    query = request.query_params
    p.check_names(query, {"patient", "date"})
    patient_id, dates, paging = p.patient_ref(query), p.date_range(query), p.paging(query)
    row = clinic_patient(session, key.clinic_id, patient_id)
    found = search_procedures(session, row, dates, paging)
    _audit(session, request, key, found, patient_id)
    kept = [("patient", str(patient_id))] + [("date", d) for d in dates.as_params()]
    return _answer(bundle("Procedure", found, kept, paging))


@router.get(
    "/Observation", **search_doc("Observation", "results:read", SEARCH_PARAMS["Observation"])
)
def observations(request: Request, session: SessionDep, key: ResultsReader) -> Response:
    """One patient's pain scores and morning checks, optionally between two days."""
    query = request.query_params
    p.check_names(query, {"patient", "date"})
    patient_id, dates, paging = p.patient_ref(query), p.date_range(query), p.paging(query)
    row = clinic_patient(session, key.clinic_id, patient_id)
    found = search_observations(session, row, dates, paging)
    _audit(session, request, key, found, patient_id)
    kept = [("patient", str(patient_id))] + [("date", d) for d in dates.as_params()]
    return _answer(bundle("Observation", found, kept, paging))
