"""A patient's own data: downloading all of it, asking for the account to be deleted, and
signing a phone out."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.access.phone import forget_phone
from app.access.service import sign_out_devices
from app.audit.service import record
from app.core.clock import local_today
from app.core.templating import render
from app.deps import CurrentPatient, SessionDep
from app.fhir.bundle import MEDIA_TYPE, bundle_json
from app.models import Patient, StaffUser
from app.patient.export import export_csv, export_data, export_fhir

router = APIRouter()


def _audit(request: Request, session: Session, patient: Patient, action: str, detail: str) -> None:
    record(
        session,
        request,
        action,
        actor_kind="patient",
        actor_id=patient.id,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        detail=detail,
    )


def _download(patient: Patient, body: str, kind: str, media_type: str) -> Response:
    """A file to save, never kept by caches on the way."""
    name = f"neuroglide-my-data-{local_today(patient.timezone).isoformat()}.{kind}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/me/export.json")
def export_json(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Everything the app holds about the patient, as JSON."""
    data = export_data(session, patient)
    _audit(request, session, patient, "patient_data_exported", "json")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return _download(patient, body, "json", "application/json")


@router.get("/me/export.csv")
def export_spreadsheet(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Everything the app holds about the patient, as a CSV file for a spreadsheet."""
    data = export_data(session, patient)
    _audit(request, session, patient, "patient_data_exported", "csv")
    # A byte order mark, so spreadsheet programs read accents as UTF-8.
    return _download(patient, "\ufeff" + export_csv(data), "csv", "text/csv; charset=utf-8")


@router.get("/me/export.fhir.json")
def export_fhir_bundle(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """The patient's record as a FHIR R4 Bundle, which other health apps and records read."""
    data = export_fhir(session, patient)
    _audit(request, session, patient, "patient_data_exported", "fhir")
    return _download(patient, bundle_json(data), "fhir.json", MEDIA_TYPE)


@router.get("/me/delete")
def delete_page(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """What deleting the account means, and the button to ask for it."""
    therapist = session.get(StaffUser, patient.therapist_id)
    context = {"patient": patient, "therapist": therapist, "tab": "settings", "sent": False}
    return render(request, "patient/delete.html", context)


@router.post("/me/delete-request")
def delete_request(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Record the request for the therapist, who deletes the account, and say so."""
    _audit(request, session, patient, "patient_deletion_requested", "asked in the app")
    therapist = session.get(StaffUser, patient.therapist_id)
    context = {"patient": patient, "therapist": therapist, "tab": "settings", "sent": True}
    return render(request, "patient/delete.html", context)


@router.get("/me/sign-out")
def sign_out_page(request: Request, patient: CurrentPatient) -> Response:
    """What signing out of the phone means, and the button to do it."""
    return render(request, "patient/sign_out.html", {"patient": patient, "tab": "settings"})


@router.post("/me/sign-out")
def sign_out(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Sign the patient's phones out (a shared or lost one): nothing of theirs stays on it."""
    sign_out_devices(session, patient)
    _audit(request, session, patient, "patient_signed_out", "from the app's settings")
    after = f"/welcome?signed_out=1&lang={patient.language}"
    return forget_phone(RedirectResponse(after, status_code=303))
