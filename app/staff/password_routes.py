"""Changing one's own password while signed in: every other session of that person ends."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.audit.service import record_staff
from app.core.ratelimit import client_ip
from app.core.security import hash_password
from app.core.templating import render
from app.deps import CurrentTherapist, SessionDep
from app.staff.forms import form_fields, parse_form
from app.staff.schemas import ChangePasswordForm
from app.staff.service import LoginPaused, LoginRefused, authenticate
from app.staff.session_store import current_staff, end_other_staff_sessions

router = APIRouter()
Fields = Annotated[dict[str, str], Depends(form_fields)]
WRONG_CURRENT = "That is not your current password."


def _refused(request: Request, errors: dict[str, str]) -> Response:
    return render(request, "staff/password.html", {"errors": errors}, status_code=422)


@router.get("/account/password")
def password_page(request: Request, user: CurrentTherapist) -> Response:
    """The form to change one's own password."""
    return render(request, "staff/password.html", {"errors": {}})


@router.post("/account/password")
def change_password(
    request: Request, session: SessionDep, user: CurrentTherapist, fields: Fields
) -> Response:
    """Check the current password (with the sign-in pause), set the new one, end other sessions."""
    form, errors = parse_form(ChangePasswordForm, fields)
    if form is None:
        return _refused(request, errors)
    if form.password == form.current:
        return _refused(request, {"password": "Choose a password you are not using now."})
    try:
        # The sign-in rules apply, so a borrowed session cannot try passwords one after another.
        authenticate(session, user.email, form.current, client_ip(request))
    except LoginPaused as paused:
        return _refused(request, {"current": str(paused)})
    except LoginRefused:
        return _refused(request, {"current": WRONG_CURRENT})
    found = current_staff(session, request)
    assert found is not None
    user.password_hash = hash_password(form.password)
    session.add(user)
    end_other_staff_sessions(session, user, found[1])
    record_staff(session, request, user, "staff_password_changed")
    return RedirectResponse("/account?done=password", status_code=303)
