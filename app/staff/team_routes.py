"""The Team page: a clinic admin adds staff, deactivates them and issues password links."""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.templating import render
from app.deps import CurrentAdmin, RowId, SessionDep
from app.messages.service import messages_count
from app.models import Clinic, StaffUser, utcnow
from app.staff.display import clinic_timezone, when_formatter
from app.staff.forms import FormFields, parse_form
from app.staff.mail import send_mail, smtp_configured
from app.staff.schemas import StaffForm
from app.staff.service import issue_reset, reset_url
from app.staff.team import (
    TeamError,
    add_member,
    member,
    move_patients,
    patient_counts,
    pending_reset_requests,
    set_active,
    team_of,
)
from app.staff.team_clinic import (
    COUNTRY_NAMES,
    ClinicContactForm,
    contact_values,
    emergency_of,
    save_contact,
)

router = APIRouter()


def _page(
    request: Request,
    session: Session,
    admin: StaffUser,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The Team page with whatever the last action wants to show."""
    clinic = _clinic(session, admin)
    context: dict[str, Any] = {
        "staff": admin,
        "members": team_of(session, admin.clinic_id),
        "patient_counts": patient_counts(session, admin.clinic_id),
        "requests": pending_reset_requests(session, admin.clinic_id),
        "smtp": smtp_configured(),
        "now": utcnow(),
        "when": when_formatter(clinic_timezone(session, admin)),
        "values": {"role": "therapist"},
        "errors": {},
        "clinic_values": contact_values(clinic),
        "clinic_errors": {},
        "emergency": emergency_of(clinic),
        "country_names": COUNTRY_NAMES,
        "countries": sorted(COUNTRY_NAMES.items(), key=lambda pair: pair[1]),
        "messages_count_setting": messages_count(session, admin.clinic_id),
    }
    context.update(extra)
    return render(request, "staff/team.html", context, status_code=status_code)


def _clinic(session: Session, admin: StaffUser) -> Clinic:
    clinic = session.get(Clinic, admin.clinic_id)
    assert clinic is not None  # staff rows reference their clinic
    return clinic


def _member(session: Session, admin: StaffUser, user_id: int) -> StaffUser:
    try:
        return member(session, admin.clinic_id, user_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None


def _welcome_email(name: str, link: str, clinic_admin: str) -> str:
    return (
        f"Hello {name},\n\n"
        f"{clinic_admin} has made you a Neuroglide account. Open this link to choose your "
        "password. It works once, for one hour; ask them for a new one if it runs out:\n\n"
        f"{link}\n"
    )


@router.get("/team")
def team(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    """Everyone of the clinic, with the form to add someone."""
    return _page(request, session, admin)


@router.post("/team")
def add(
    request: Request,
    session: SessionDep,
    admin: CurrentAdmin,
    fields: FormFields,
    background: BackgroundTasks,
) -> Response:
    """Make an account and show (and email, if possible) the link to set its password."""
    values = {k: fields.get(k, "") for k in ("name", "email", "role")}
    form, errors = parse_form(StaffForm, fields)
    if form is None:
        return _page(request, session, admin, values=values, errors=errors, status_code=422)
    try:
        user, token = add_member(session, admin, form)
    except TeamError as error:
        errors = {"email": str(error)}
        return _page(request, session, admin, values=values, errors=errors, status_code=422)
    link = reset_url(token)
    record_staff(session, request, admin, "staff_added", detail=f"staff {user.id} as {user.role}")
    emailed = smtp_configured()
    if emailed:
        body = _welcome_email(user.name, link, admin.name)
        background.add_task(send_mail, user.email, "Your Neuroglide account", body)
    issued = {"user": user, "link": link, "new": True, "emailed": emailed}
    return _page(request, session, admin, issued=issued)


@router.post("/team/{user_id}/reset-link")
def reset_link(
    request: Request,
    user_id: RowId,
    session: SessionDep,
    admin: CurrentAdmin,
    background: BackgroundTasks,
) -> Response:
    """A fresh one-hour password link for a team member, shown once."""
    user = _member(session, admin, user_id)
    if not user.is_active:
        notice = f"{user.name} is deactivated. Reactivate them first."
        return _page(request, session, admin, error=notice, status_code=409)
    link = reset_url(issue_reset(session, user, admin.id))
    record_staff(session, request, admin, "staff_reset_link_issued", detail=f"staff {user.id}")
    emailed = smtp_configured()
    if emailed:
        body = _welcome_email(user.name, link, admin.name)
        background.add_task(send_mail, user.email, "Your Neuroglide password link", body)
    issued = {"user": user, "link": link, "new": False, "emailed": emailed}
    return _page(request, session, admin, issued=issued)


def _set_active(
    request: Request, session: Session, admin: StaffUser, user_id: int, active: bool
) -> Response:
    user = _member(session, admin, user_id)
    try:
        set_active(session, admin, user, active)
    except TeamError as error:
        return _page(request, session, admin, error=str(error), status_code=409)
    record_staff(
        session,
        request,
        admin,
        "staff_reactivated" if active else "staff_deactivated",
        detail=f"staff {user.id}",
    )
    done = (
        f"{user.name} can sign in again. Issue them a password link if they need one."
        if active
        else f"{user.name} is deactivated and signed out everywhere."
    )
    keeps = patient_counts(session, admin.clinic_id).get(user.id or 0, 0)
    if not active and keeps:
        done += (
            f" They still look after {keeps} patient{'s' if keeps != 1 else ''}:"
            " move them to a colleague below."
        )
    return _page(request, session, admin, done=done)


@router.post("/team/{user_id}/deactivate")
def deactivate(
    request: Request, user_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """Stop someone signing in, and sign them out now."""
    return _set_active(request, session, admin, user_id, False)


@router.post("/team/{user_id}/move-patients")
def move(
    request: Request, user_id: RowId, session: SessionDep, admin: CurrentAdmin, fields: FormFields
) -> Response:
    """Give a deactivated team member's patients in care to an active colleague."""
    source = _member(session, admin, user_id)
    to = fields.get("to", "")
    try:
        moved, target = move_patients(
            session, admin, source, int(to) if to.isascii() and to.isdigit() else 0
        )
    except TeamError as error:
        return _page(request, session, admin, error=str(error), status_code=422)
    # One event per patient, so each patient's own history shows who took them on.
    for patient in moved:
        record_staff(
            session,
            request,
            admin,
            "patient_moved",
            patient=patient,
            detail=f"from staff {source.id} to staff {target.id}",
        )
    plural = "s" if len(moved) != 1 else ""
    done = f"{len(moved)} patient{plural} of {source.name} now looked after by {target.name}."
    return _page(request, session, admin, done=done)


@router.post("/team/{user_id}/reactivate")
def reactivate(
    request: Request, user_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """Let a deactivated team member sign in again."""
    return _set_active(request, session, admin, user_id, True)


@router.post("/team/clinic")
def clinic_contact(
    request: Request, session: SessionDep, admin: CurrentAdmin, fields: FormFields
) -> Response:
    """Save the numbers patients are offered on the stop and emergency screens."""
    names = ("phone", "opening_hours", "country", "emergency_number")
    values = {k: fields.get(k, "") for k in names}
    form, errors = parse_form(ClinicContactForm, fields)
    if form is None:
        return _page(
            request,
            session,
            admin,
            clinic_values=values,
            clinic_errors=errors,
            status_code=422,
        )
    changed = save_contact(session, _clinic(session, admin), form)
    detail = "changed " + ", ".join(changed) if changed else "confirmed unchanged"
    record_staff(session, request, admin, "clinic_contact_saved", detail=detail)
    return _page(request, session, admin, done="Saved. Patients see these numbers from now on.")
