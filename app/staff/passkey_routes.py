"""Staff passkeys: the account page that manages them, and signing in with one."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.ratelimit import client_ip
from app.core.templating import render, templates
from app.deps import PUBLIC, CurrentTherapist, RowId, SessionDep
from app.models import StaffUser
from app.staff.devices import known_device
from app.staff.display import clinic_timezone, when_formatter
from app.staff.passkey_challenges import UNAVAILABLE, PasskeyError, passkeys_enabled
from app.staff.passkeys import (
    SignInAttempt,
    add_passkey,
    clean_name,
    passkey_sign_in,
    passkeys_of,
    registration_options,
    remove_passkey,
    sign_in_options,
)
from app.staff.service import LoginPaused, LoginRefused, note_refused_sign_in
from app.staff.session_store import start_staff_session

router = APIRouter()

# The sign-in page (a shared template) shows the passkey button only where passkeys can work.
templates.env.globals["passkeys_enabled"] = passkeys_enabled

# Messages after an action come from this fixed set, never from the address itself.
DONE = {
    "added": "Your passkey is added. Next time, choose “Sign in with a passkey”.",
    "removed": "The passkey is removed: it can no longer sign you in.",
    "password": "Your password is changed. Every other device signed in as you is now signed out.",
}


class NameIn(BaseModel):
    """The name for a passkey about to be made."""

    name: str = Field(default="", max_length=1000)


class NewPasskeyIn(NameIn):
    """A new credential from navigator.credentials.create(), as JSON, and its name."""

    credential: dict[str, Any]


class SignInIn(BaseModel):
    """An assertion from navigator.credentials.get(), as JSON."""

    credential: dict[str, Any]


def _json(options: str) -> Response:
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


def _problem(message: str, status_code: int, field: str | None = None) -> JSONResponse:
    """A refusal the page's script can show; a 422 names the field like the JSON API does."""
    if field is not None:
        detail: Any = [{"loc": ["body", field], "msg": message, "type": "value_error"}]
    else:
        detail = message
    return JSONResponse({"detail": detail}, status_code=status_code)


def _page(
    request: Request, session: Session, user: StaffUser, *, status_code: int = 200, **extra: Any
) -> Response:
    assert user.id is not None
    context: dict[str, Any] = {
        "staff": user,
        "passkeys": passkeys_of(session, user.id),
        "when": when_formatter(clinic_timezone(session, user)),
        "enabled": passkeys_enabled(),
        "unavailable": UNAVAILABLE,
    }
    context.update(extra)
    return render(
        request,
        "staff/account.html",
        context,
        fragment="staff/_passkeys.html",
        status_code=status_code,
    )


@router.get("/account")
def account(request: Request, session: SessionDep, user: CurrentTherapist) -> Response:
    """The signed-in staff member's account: who they are and their passkeys."""
    done = DONE.get(request.query_params.get("done", ""))
    return _page(request, session, user, done=done)


@router.post("/account/passkeys/options")
def new_passkey_options(session: SessionDep, user: CurrentTherapist, body: NameIn) -> Response:
    """The challenge and settings for the browser to make a passkey for this person."""
    try:
        clean_name(body.name)
    except PasskeyError as error:
        return _problem(str(error), 422, "name")
    try:
        return _json(registration_options(session, user))
    except PasskeyError as error:
        return _problem(str(error), 409)


@router.post("/account/passkeys")
def add(
    request: Request, session: SessionDep, user: CurrentTherapist, body: NewPasskeyIn
) -> Response:
    """Keep the new passkey if the browser's answer checks out against its challenge."""
    try:
        name = clean_name(body.name)
    except PasskeyError as error:
        return _problem(str(error), 422, "name")
    try:
        passkey = add_passkey(session, user, body.credential, name)
    except PasskeyError as error:
        return _problem(str(error), 400)
    record_staff(session, request, user, "staff_passkey_added", detail=f"passkey {passkey.id}")
    return JSONResponse({"redirect": "/account?done=added"}, status_code=201)


@router.post("/account/passkeys/{passkey_id}/delete")
def remove(
    request: Request, passkey_id: RowId, session: SessionDep, user: CurrentTherapist
) -> Response:
    """Remove one of your own passkeys; it can no longer sign anyone in."""
    try:
        remove_passkey(session, user, passkey_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None
    record_staff(session, request, user, "staff_passkey_removed", detail=f"passkey {passkey_id}")
    return RedirectResponse("/account?done=removed", status_code=303)


@router.post("/login/passkey/options", dependencies=[PUBLIC])
def passkey_options(request: Request, session: SessionDep) -> Response:
    """A one-time challenge for signing in with any passkey of this site (no email needed)."""
    try:
        return _json(sign_in_options(session, client_ip(request), known_device(request)))
    except LoginPaused as paused:
        return _problem(str(paused), 429)
    except LoginRefused as refused:
        return _problem(str(refused), 503)


@router.post("/login/passkey", dependencies=[PUBLIC])
def passkey_login(request: Request, session: SessionDep, body: SignInIn) -> Response:
    """Check the signed challenge; the same pauses and audit events as a password sign-in."""
    attempt = SignInAttempt()
    try:
        user = passkey_sign_in(
            session, body.credential, client_ip(request), attempt, known_device(request)
        )
    except LoginRefused as refused:
        paused = isinstance(refused, LoginPaused)
        note_refused_sign_in(session, request, paused, attempt.user, "passkey")
        return _problem(str(refused), 429 if paused else 401)
    record_staff(session, request, user, "staff_signed_in", detail="passkey")
    response = JSONResponse({"redirect": "/dashboard"})
    start_staff_session(session, request, response, user)
    return response
