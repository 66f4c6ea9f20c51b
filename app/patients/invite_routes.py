"""A patient's invite page: QR code and link, email, re-issue after a lost phone, revoke."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.access.service import create_invite, invite_url, reissue_access
from app.core.templating import render
from app.deps import CurrentTherapist, RowId, SessionDep
from app.models import Clinic, Patient, StaffUser
from app.patients.guards import audit, patient_or_404
from app.patients.invites import (
    invite_email,
    invite_status,
    is_current_invite,
    qr_svg,
    remember_link,
    remembered_link,
)
from app.patients.service import end_access
from app.staff.display import clinic_timezone, day_formatter, when_formatter
from app.staff.forms import form_fields
from app.staff.mail import send_mail, smtp_configured

router = APIRouter()

Fields = Annotated[dict[str, str], Depends(form_fields)]


NOTICES = {
    "new": "{name} is added. Make their invite link to set up the app on their phone.",
    "restored": "{name} is restored. Make a new invite link so they can sign in again.",
    "revoked": (
        "Access revoked: their phone is signed out, its reminders and calendar link stop, "
        "and no invite link works."
    ),
    "reissued": (
        "Their old phone is signed out and its reminders and calendar link stop. "
        "Give them this new link."
    ),
    "emailed": "Sent to {email}.",
}


def _page(
    request: Request,
    session: Session,
    staff: StaffUser,
    patient: Patient,
    *,
    token: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The invite page; the link and QR code only while the link just made here is usable."""
    tz = clinic_timezone(session, staff)
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    context: dict[str, Any] = {
        "staff": staff,
        "patient": patient,
        "status": invite_status(session, patient),
        "smtp": smtp_configured(),
        "when": when_formatter(tz),
        "day": day_formatter(tz),
        "done": notice.format(name=patient.display_name, email=patient.email or ""),
    }
    token = token or remembered_link(request, session, patient)
    if token is not None:
        link = invite_url(token)
        context.update(
            token=token,
            link=link,
            qr=qr_svg(link, f"QR code of the invite link for {patient.display_name}"),
        )
    context.update(extra)
    return render(request, "patients/invite.html", context, status_code=status_code)


def _show(request: Request, patient: Patient, token: str, done: str = "") -> Response:
    """Redirect to the invite page, which shows the new link: a reload then makes no other."""
    query = f"?done={done}" if done else ""
    response = RedirectResponse(f"/patients/{patient.id}/invite{query}", status_code=303)
    assert patient.id is not None
    remember_link(request, response, patient.id, token)
    return response


def _archived(request: Request, session: Session, staff: StaffUser, patient: Patient) -> Response:
    message = "This patient is archived. Restore them first to give them access again."
    return _page(request, session, staff, patient, error=message, status_code=409)


@router.get("/patients/{patient_id}/invite")
def invite_page(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Where the patient's access stands, and the buttons to make a link."""
    patient = patient_or_404(session, staff, patient_id)
    audit(session, request, staff, "patient_invite_viewed", patient)
    return _page(request, session, staff, patient)


@router.post("/patients/{patient_id}/invite")
def make_invite(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """A new invite link (earlier unused ones stop working), shown on the invite page."""
    patient = patient_or_404(session, staff, patient_id)
    if patient.archived_at is not None:
        return _archived(request, session, staff, patient)
    token = create_invite(session, patient, staff.id)
    audit(session, request, staff, "patient_invite_created", patient)
    return _show(request, patient, token)


@router.post("/patients/{patient_id}/invite/email")
def email_invite(
    request: Request,
    patient_id: RowId,
    session: SessionDep,
    staff: CurrentTherapist,
    fields: Fields,
) -> Response:
    """Email the link just made to the patient's address."""
    patient = patient_or_404(session, staff, patient_id)
    token = fields.get("token", "")
    if not is_current_invite(session, patient, token):
        message = "That link is no longer the current one. Make a new link to email it."
        return _page(request, session, staff, patient, error=message, status_code=409)
    if not patient.email or not smtp_configured():
        message = "Add the patient's email address first (Edit details)."
        if not smtp_configured():
            message = "Email is not set up on this server. Copy the link instead."
        return _page(request, session, staff, patient, token=token, error=message, status_code=409)
    clinic = session.get(Clinic, patient.clinic_id)
    subject, body = invite_email(patient, invite_url(token), clinic.name if clinic else "")
    if not send_mail(patient.email, subject, body):
        message = "The email could not be sent. Copy the link and send it another way."
        return _page(request, session, staff, patient, token=token, error=message, status_code=502)
    audit(session, request, staff, "patient_invite_emailed", patient)
    return _show(request, patient, token, "emailed")


@router.post("/patients/{patient_id}/access/reissue")
def reissue(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Lost or new phone: sign the old device out and make a fresh invite."""
    patient = patient_or_404(session, staff, patient_id)
    if patient.archived_at is not None:
        return _archived(request, session, staff, patient)
    token = reissue_access(session, patient, staff.id)
    audit(session, request, staff, "patient_access_reissued", patient)
    return _show(request, patient, token, "reissued")


@router.post("/patients/{patient_id}/access/revoke")
def revoke(
    request: Request, patient_id: RowId, session: SessionDep, staff: CurrentTherapist
) -> Response:
    """Sign the patient's phone out and make every invite unusable."""
    patient = patient_or_404(session, staff, patient_id)
    end_access(session, patient)
    audit(session, request, staff, "patient_access_revoked", patient)
    return RedirectResponse(f"/patients/{patient.id}/invite?done=revoked", status_code=303)
