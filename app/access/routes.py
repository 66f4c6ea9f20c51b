"""Opening an invite link: a confirmation page, then one POST that signs this phone in."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.access.service import InviteError, peek_invite, redeem_invite
from app.audit.service import record
from app.core.i18n import normalize_language
from app.core.sessions import clear_session, write_session
from app.core.templating import render
from app.deps import PUBLIC, SessionDep

router = APIRouter(dependencies=[PUBLIC])


@router.get("/welcome")
def welcome(request: Request) -> Response:
    """For someone without a session: how to get in."""
    request.state.language = normalize_language(request.headers.get("accept-language"))
    return render(request, "access/welcome.html")


@router.get("/i/{token}")
def invite_page(request: Request, token: str, session: SessionDep) -> Response:
    """Show who the link is for and a button; link scanners that only GET use nothing up."""
    try:
        _row, patient = peek_invite(session, token)
    except InviteError as error:
        request.state.language = normalize_language(request.headers.get("accept-language"))
        return render(
            request, "access/invite_invalid.html", {"reason": str(error)}, status_code=410
        )
    request.state.language = patient.language
    return render(request, "access/invite.html", {"patient": patient, "token": token})


@router.post("/i/{token}")
def invite_accept(request: Request, token: str, session: SessionDep) -> Response:
    """Use the invite once and keep this phone signed in."""
    try:
        patient = redeem_invite(session, token)
    except InviteError as error:
        request.state.language = normalize_language(request.headers.get("accept-language"))
        return render(
            request, "access/invite_invalid.html", {"reason": str(error)}, status_code=410
        )
    assert patient.id is not None
    record(
        session,
        request,
        "patient_signed_in",
        actor_kind="patient",
        actor_id=patient.id,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        detail="invite link",
    )
    response = RedirectResponse("/today?welcome=1", status_code=303)
    clear_session(response, "staff")
    write_session(response, "patient", patient.id, patient.session_version)
    return response
