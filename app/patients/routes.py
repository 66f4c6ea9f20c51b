"""Patients: the list, adding and editing, archiving, and their invite links."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.templating import render
from app.deps import CurrentTherapist, RowId, SessionDep
from app.models import Patient, StaffUser
from app.models.exercise import NERVES
from app.patients.deletion import CONFIRM_WORD, confirmed, delete_patient, deletion_requested_at
from app.patients.guards import audit, patient_or_404
from app.patients.invite_routes import router as invite_router
from app.patients.invites import status_of
from app.patients.schemas import COMMON_TIMEZONES, IRRITABILITY, PatientForm
from app.patients.service import (
    PATIENT_FIELDS,
    PatientError,
    PatientQuery,
    archive_patient,
    create_patient,
    form_values,
    list_patients,
    restore_patient,
    update_patient,
)
from app.staff.display import clinic_timezone, day_formatter, when_formatter
from app.staff.forms import form_fields, parse_form
from app.staff.team import active_therapists

router = APIRouter()

Fields = Annotated[dict[str, str], Depends(form_fields)]


@router.get("/patients")
def patients(request: Request, session: SessionDep, staff: CurrentTherapist) -> Response:
    """The clinic's patients, searchable by name; htmx gets only the list."""
    query = PatientQuery.from_params(request.query_params)
    page = list_patients(session, staff, query)
    record_staff(
        session,
        request,
        staff,
        "patient_list_viewed",
        detail=f"{query.status} {query.who} page {query.page}",
    )
    context = {
        "staff": staff,
        "page": page,
        "query": query,
        "day": day_formatter(clinic_timezone(session, staff)),
        "notice": request.query_params.get("notice", ""),
        "invite_state": lambda row: status_of(row).state,
    }
    return render(request, "patients/list.html", context, fragment="patients/_list.html")


def _form_page(
    request: Request,
    session: Session,
    staff: StaffUser,
    values: dict[str, Any],
    *,
    patient: Patient | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    delete_error: str = "",
) -> Response:
    therapists = list(active_therapists(session, staff.clinic_id))
    if patient is not None and all(t.id != patient.therapist_id for t in therapists):
        # A deactivated therapist stays selectable for the patient they still have.
        current = session.get(StaffUser, patient.therapist_id)
        if current is not None:
            therapists.append(current)
    context = {
        "staff": staff,
        "patient": patient,
        "values": values,
        "errors": errors or {},
        "therapists": therapists,
        "nerves": NERVES,
        "irritability": IRRITABILITY,
        "timezones": COMMON_TIMEZONES,
        "delete_error": delete_error,
        "confirm_word": CONFIRM_WORD,
        "deletion_asked": deletion_requested_at(session, patient.id)
        if patient and patient.id
        else None,
        "when": when_formatter(clinic_timezone(session, staff)),
    }
    return render(request, "patients/form.html", context, status_code=status_code)


@router.get("/patients/new")
def new_patient(request: Request, session: SessionDep, staff: CurrentTherapist) -> Response:
    """The form to add a patient, with the clinic's usual settings filled in."""
    values = {
        "language": "en",
        "timezone": clinic_timezone(session, staff),
        "irritability": "moderate",
        "symptom_limit": 3,
        "therapist_id": staff.id,
    }
    return _form_page(request, session, staff, values)


@router.post("/patients/new")
def add_patient(
    request: Request, session: SessionDep, staff: CurrentTherapist, fields: Fields
) -> Response:
    """Add the patient and go to their invite page."""
    values = {key: fields.get(key, "") for key in PATIENT_FIELDS}
    form, errors = parse_form(PatientForm, fields)
    if form is not None:
        try:
            patient = create_patient(session, staff, form)
        except PatientError as error:
            errors = {"therapist_id": str(error)}
    if form is None or errors:
        return _form_page(request, session, staff, values, errors=errors, status_code=422)
    audit(session, request, staff, "patient_created", patient)
    return RedirectResponse(f"/patients/{patient.id}/invite?done=new", status_code=303)


@router.get("/patients/{patient_id}/edit")
def edit_patient(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """The patient's details and settings, to change."""
    patient = patient_or_404(session, staff, patient_id)
    audit(session, request, staff, "patient_details_viewed", patient)
    return _form_page(request, session, staff, form_values(patient), patient=patient)


@router.post("/patients/{patient_id}/edit")
def save_patient(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    fields: Fields,
) -> Response:
    """Save the changes, or show what to fix and change nothing."""
    patient = patient_or_404(session, staff, patient_id)
    values = {key: fields.get(key, "") for key in PATIENT_FIELDS}
    form, errors = parse_form(PatientForm, fields)
    changed: list[str] = []
    if form is not None:
        try:
            changed = update_patient(session, staff, patient, form)
        except PatientError as error:
            errors = {"therapist_id": str(error)}
    if form is None or errors:
        return _form_page(
            request, session, staff, values, patient=patient, errors=errors, status_code=422
        )
    record_staff(
        session,
        request,
        staff,
        "patient_updated",
        patient=patient,
        detail=", ".join(changed) or "no change",
    )
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.post("/patients/{patient_id}/archive")
def archive(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Archive the patient and sign their phone out; their history is kept."""
    patient = patient_or_404(session, staff, patient_id)
    archive_patient(session, patient)
    audit(session, request, staff, "patient_archived", patient)
    return RedirectResponse("/patients?notice=archived", status_code=303)


@router.post("/patients/{patient_id}/restore")
def restore(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Bring an archived patient back; they need a new invite to sign in."""
    patient = patient_or_404(session, staff, patient_id)
    restore_patient(session, patient)
    audit(session, request, staff, "patient_restored", patient)
    return RedirectResponse(f"/patients/{patient.id}/invite?done=restored", status_code=303)


@router.post("/patients/{patient_id}/delete")
def delete(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    fields: Fields,
) -> Response:
    """Delete the patient's account on their request: personal data goes, the audit stays."""
    patient = patient_or_404(session, staff, patient_id)
    if not confirmed(fields.get("confirm", "")):
        problem = f"Type {CONFIRM_WORD} in the box to delete this account. Nothing was deleted."
        values = form_values(patient)
        return _form_page(
            request, session, staff, values, patient=patient, delete_error=problem, status_code=422
        )
    removed = delete_patient(session, patient)
    detail = ", ".join(f"{count} {table}" for table, count in removed.items() if count)
    record_staff(
        session,
        request,
        staff,
        "patient_deleted",
        patient=patient,
        detail=f"removed: {detail or 'nothing stored'}",
    )
    return RedirectResponse("/patients?notice=deleted", status_code=303)


router.include_router(invite_router)
