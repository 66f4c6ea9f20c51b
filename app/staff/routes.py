"""Staff sign-in and sign-out, and password reset links."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.access.service import count_invite_failure, invite_paused
from app.audit.service import record, record_staff
from app.core.ratelimit import client_ip
from app.core.sessions import clear_session
from app.core.templating import render
from app.deps import PUBLIC, SessionDep
from app.staff.devices import known_device
from app.staff.forms import form_fields, parse_form
from app.staff.mail import send_mail, smtp_configured
from app.staff.schemas import LoginForm, NewPasswordForm, ResetRequestForm
from app.staff.service import (
    LoginPaused,
    LoginRefused,
    ResetError,
    authenticate,
    find_staff,
    issue_reset,
    note_refused_sign_in,
    peek_reset,
    reset_allowed,
    reset_url,
    staff_from_cookie,
    use_reset,
)
from app.staff.session_store import current_staff, end_this_staff_session, start_staff_session
from app.staff.team import RESET_REQUEST_ACTION, RESET_UNKNOWN_ACTION
from app.staff.team_routes import router as team_router

router = APIRouter()
router.include_router(team_router)

Fields = Annotated[dict[str, str], Depends(form_fields)]
# Wrong reset links share the invite links' per-network pause: both are guessed the same way.
LINKS_PAUSED = "Too many unusable links were opened from this network. Wait a while and try again."


def reset_email(name: str, link: str) -> str:
    """The body of a password link email."""
    return (
        f"Hello {name},\n\n"
        "Open this link to choose your Neuroglide password. It works once, for one hour:\n\n"
        f"{link}\n\n"
        "If you did not ask for this, you can ignore this email: your password stays as it is.\n"
    )


@router.get("/login", dependencies=[PUBLIC])
def login_page(request: Request, session: SessionDep) -> Response:
    """The sign-in form; someone already signed in goes straight to the dashboard."""
    if staff_from_cookie(request, session) is not None:
        return RedirectResponse("/dashboard", status_code=303)
    signed_out = request.query_params.get("signed_out") == "1"
    return render(request, "staff/login.html", {"values": {}, "signed_out": signed_out})


@router.post("/login", dependencies=[PUBLIC])
def login(request: Request, session: SessionDep, fields: Fields) -> Response:
    """Check the password; after too many failures, pause the account and the address."""
    values = {"email": fields.get("email", "")}
    form, errors = parse_form(LoginForm, fields)
    if form is None:
        return render(
            request, "staff/login.html", {"values": values, "errors": errors}, status_code=422
        )
    try:
        user = authenticate(
            session, form.email, form.password, client_ip(request), known_device(request)
        )
    except LoginRefused as refused:
        target = find_staff(session, form.email)
        paused = isinstance(refused, LoginPaused)
        note_refused_sign_in(session, request, paused, target)
        return render(
            request,
            "staff/login.html",
            {"values": values, "refused": str(refused), "paused": paused},
            status_code=429 if paused else 401,
        )
    assert user.id is not None
    record_staff(session, request, user, "staff_signed_in")
    response = RedirectResponse("/dashboard", status_code=303)
    start_staff_session(session, request, response, user)
    return response


# Cookies are left out on purpose: the session has ended on the server and its cookie is
# deleted below, while "cookies" would also sign the browser out of every other site on the
# clinic's registrable domain (and the patient side of a shared tablet).
SIGNED_OUT_CLEARS = '"cache", "storage"'


@router.post("/logout", dependencies=[PUBLIC])
def logout(request: Request, session: SessionDep) -> Response:
    """Sign out of this browser: the session ends on the server, cached pages are wiped."""
    found = current_staff(session, request)
    end_this_staff_session(session, request, "signed_out")
    if found is not None:
        record_staff(session, request, found[0], "staff_signed_out")
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.headers["Clear-Site-Data"] = SIGNED_OUT_CLEARS
    clear_session(response, "staff")
    return response


@router.get("/reset", dependencies=[PUBLIC])
def reset_request_page(request: Request) -> Response:
    """Ask for a password link."""
    return render(request, "staff/reset_request.html", {"values": {}, "smtp": smtp_configured()})


@router.post("/reset", dependencies=[PUBLIC])
def reset_request(
    request: Request, session: SessionDep, fields: Fields, background: BackgroundTasks
) -> Response:
    """Always the same answer, whether or not the email has an account."""
    values = {"email": fields.get("email", "")}
    form, errors = parse_form(ResetRequestForm, fields)
    context = {"values": values, "errors": errors, "smtp": smtp_configured()}
    if form is None:
        return render(request, "staff/reset_request.html", context, status_code=422)
    if not reset_allowed(session, client_ip(request)):
        context["refused"] = "Too many requests from this network. Try again in a while."
        return render(request, "staff/reset_request.html", context, status_code=429)
    user = find_staff(session, form.email)
    if user is not None and user.is_active:
        record(
            session,
            request,
            RESET_REQUEST_ACTION,
            actor_kind="anonymous",
            actor_id=user.id,
            clinic_id=user.clinic_id,
        )
        if smtp_configured():
            link = reset_url(issue_reset(session, user))
            # Sent after the response (and the commit), so timing does not reveal the account.
            background.add_task(
                send_mail, user.email, "Your Neuroglide password link", reset_email(user.name, link)
            )
    else:
        # Recorded too, with no account or clinic named: the same write either way, so the
        # answer's timing does not tell whether the address has an account.
        record(session, request, RESET_UNKNOWN_ACTION, actor_kind="anonymous")
    context["sent"] = True
    return render(request, "staff/reset_request.html", context)


def _unusable_link(request: Request, session: Session, reason: str) -> Response:
    """The 'link not usable' page; each one counts toward this network's pause on links, and a
    network past it is told to wait (429). A usable link works paused or not, as invite links
    do (app/access/routes.py)."""
    ip = client_ip(request)
    if invite_paused(session, ip):
        return render(
            request, "staff/reset_invalid.html", {"reason": LINKS_PAUSED}, status_code=429
        )
    count_invite_failure(session, ip)
    return render(request, "staff/reset_invalid.html", {"reason": reason}, status_code=410)


@router.get("/reset/{token}", dependencies=[PUBLIC])
def reset_form(request: Request, token: str, session: SessionDep) -> Response:
    """Choose a new password, if the link can still be used."""
    try:
        _row, user = peek_reset(session, token)
    except ResetError as error:
        return _unusable_link(request, session, str(error))
    return render(request, "staff/reset_form.html", {"user": user, "token": token})


@router.post("/reset/{token}", dependencies=[PUBLIC])
def reset_submit(request: Request, token: str, session: SessionDep, fields: Fields) -> Response:
    """Set the password, sign out every other session, and sign in here."""
    try:
        _row, user = peek_reset(session, token)
    except ResetError as error:
        return _unusable_link(request, session, str(error))
    form, errors = parse_form(NewPasswordForm, fields)
    if form is None:
        return render(
            request,
            "staff/reset_form.html",
            {"user": user, "token": token, "errors": errors},
            status_code=422,
        )
    try:
        user = use_reset(session, token, form.password)
    except ResetError as error:
        return render(request, "staff/reset_invalid.html", {"reason": str(error)}, status_code=410)
    assert user.id is not None
    record_staff(session, request, user, "staff_password_set")
    response = RedirectResponse("/dashboard", status_code=303)
    start_staff_session(session, request, response, user)
    return response
