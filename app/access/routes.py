"""Opening an invite link: a confirmation page, then one POST that signs this phone in."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.access.service import (
    TOO_MANY,
    InviteError,
    count_invite_failure,
    invite_paused,
    peek_invite,
    redeem_invite,
)
from app.audit.service import record
from app.core.i18n import normalize_language
from app.core.ratelimit import client_ip
from app.core.sessions import clear_session, write_session
from app.core.templating import render
from app.deps import PUBLIC, SessionDep
from app.models import Patient
from app.staff.session_store import end_this_staff_session

router = APIRouter(dependencies=[PUBLIC])


@router.get("/welcome")
def welcome(request: Request) -> Response:
    """For someone without a session: how to get in (and, after signing out, that it worked,
    in the language the patient used, which the address carries)."""
    browser = normalize_language(request.headers.get("accept-language"))
    request.state.language = normalize_language(request.query_params.get("lang"), browser)
    signed_out = request.query_params.get("signed_out") == "1"
    ended = request.query_params.get("ended") == "1"
    return render(request, "access/welcome.html", {"signed_out": signed_out, "ended": ended})


def _refused(request: Request, session: Session, reason: str) -> Response:
    """The 'link not usable' page; each unusable link counts toward this network's pause, and a
    network past it is told to wait.

    A usable link always works, paused or not: links cannot be guessed, so the pause only stops
    a scan's flood, and patients behind one address (a clinic's wifi, a proxy) are never shut
    out by someone else's scan."""
    request.state.language = normalize_language(request.headers.get("accept-language"))
    ip = client_ip(request)
    if invite_paused(session, ip):
        return render(request, "access/invite_invalid.html", {"reason": TOO_MANY}, status_code=429)
    count_invite_failure(session, ip)
    return render(request, "access/invite_invalid.html", {"reason": reason}, status_code=410)


def _audit(request: Request, session: Session, patient: Patient, action: str, detail: str) -> None:
    assert patient.id is not None
    record(
        session,
        request,
        action,
        actor_kind="patient" if action == "patient_signed_in" else "anonymous",
        actor_id=patient.id if action == "patient_signed_in" else None,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        detail=detail,
    )


@router.get("/i/{token}")
def invite_page(request: Request, token: str, session: SessionDep) -> Response:
    """Show who the link is for and a button; link scanners that only GET use nothing up."""
    try:
        _row, patient = peek_invite(session, token)
    except InviteError as error:
        return _refused(request, session, str(error))
    # Who opened the link, and from where, helps tell a forwarded or leaked link.
    _audit(request, session, patient, "patient_invite_opened", "invite page shown")
    request.state.language = patient.language
    return render(request, "access/invite.html", {"patient": patient, "token": token})


@router.post("/i/{token}")
def invite_accept(request: Request, token: str, session: SessionDep) -> Response:
    """Use the invite once and keep this phone signed in."""
    try:
        patient = redeem_invite(session, token)
    except InviteError as error:
        return _refused(request, session, str(error))
    assert patient.id is not None
    _audit(request, session, patient, "patient_signed_in", "invite link")
    # A staff member signed in on this browser (a shared clinic tablet) is signed out on the
    # server too: a copy of their cookie must not outlive the patient taking the device over.
    end_this_staff_session(session, request, "patient_took_over")
    response = RedirectResponse("/today?welcome=1", status_code=303)
    clear_session(response, "staff")
    write_session(response, "patient", patient.id, patient.session_version)
    return response
