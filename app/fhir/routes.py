"""FHIR downloads: our CodeSystems, a patient's record for staff, and a clinic's bulk export."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlmodel import col, select

from app.audit.service import record_staff
from app.core.clock import local_today
from app.db import get_engine
from app.deps import PUBLIC, CurrentAdmin, CurrentTherapist, RowId, SessionDep
from app.fhir import codes
from app.fhir.bulk import zip_stream
from app.fhir.bundle import MEDIA_TYPE, bundle_json, patient_bundle
from app.library.service import texts_for
from app.models import Clinic, Exercise
from app.patients.guards import patient_or_404

router = APIRouter()
public_router = APIRouter(dependencies=[PUBLIC])


def _fhir_json(data: dict[str, object]) -> JSONResponse:
    return JSONResponse(
        data, media_type=MEDIA_TYPE, headers={"Cache-Control": "public, max-age=3600"}
    )


@public_router.get(f"/fhir/CodeSystem/{codes.CODE_SYSTEM_ID}")
def code_system() -> JSONResponse:
    """Neuroglide's CodeSystem, at its canonical address, for anyone reading our exports."""
    return _fhir_json(codes.code_system())


@public_router.get(f"/fhir/CodeSystem/{codes.EXERCISE_SYSTEM_ID}")
def exercise_code_system(session: SessionDep) -> JSONResponse:
    """The exercise codes of the built-in library (clinics' own are listed in their exports)."""
    rows = session.exec(
        select(Exercise).where(
            col(Exercise.clinic_id).is_(None), col(Exercise.archived_at).is_(None)
        )
    ).all()
    names = texts_for(session, [e.id for e in rows if e.id is not None], "en")
    pairs = [(e.slug, names[e.id].name if e.id in names else e.slug) for e in rows]
    return _fhir_json(codes.exercise_code_system(pairs))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@router.get("/patients/{patient_id}/fhir.json")
def patient_record(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """The patient's whole record as a FHIR R4 Bundle, to import into another system."""
    patient = patient_or_404(session, staff, patient_id)
    record_staff(session, request, staff, "patient_fhir_exported", patient=patient)
    body = bundle_json(patient_bundle(session, patient, staff_view=True))
    name = f"neuroglide-patient-{patient.id}-fhir-{local_today(patient.timezone).isoformat()}.json"
    return Response(body, media_type=MEDIA_TYPE, headers=_attachment(name))


@router.get("/admin/fhir-export.zip")
def clinic_export(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    """Every patient of the clinic as FHIR R4 NDJSON, one file per resource type, zipped."""
    record_staff(session, request, admin, "clinic_fhir_exported", detail="bulk NDJSON zip")
    clinic = session.get(Clinic, admin.clinic_id)
    today = local_today(clinic.timezone if clinic else "UTC").isoformat()
    # The request's own transaction ends (and records the export) before the file streams.
    return StreamingResponse(
        zip_stream(get_engine(), admin.clinic_id),
        media_type="application/zip",
        headers=_attachment(f"neuroglide-fhir-{today}.zip"),
    )
