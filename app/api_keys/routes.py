"""The API keys page: a clinic admin makes keys for the clinic's other software and revokes them."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api_keys.schemas import ApiKeyForm
from app.api_keys.service import (
    DEFAULT_EXPIRY_DAYS,
    EXPIRY_DAYS,
    SCOPES,
    ApiKeyError,
    clinic_key,
    clinic_keys,
    create_key,
    key_state,
    revoke_key,
)
from app.audit.service import record_staff
from app.config import get_settings
from app.core.templating import render
from app.deps import CurrentAdmin, RowId, SessionDep
from app.models import StaffUser, utcnow
from app.staff.display import clinic_timezone, when_formatter
from app.staff.forms import FormFields, parse_form

router = APIRouter()


def _page(
    request: Request,
    session: Session,
    admin: StaffUser,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The API keys page with whatever the last action wants to show."""
    now = utcnow()
    keys = clinic_keys(session, admin.clinic_id)
    context: dict[str, Any] = {
        "staff": admin,
        "keys": [(key, key_state(key, now)) for key in keys],
        "scopes": SCOPES,
        "expiry_options": [(str(d), "1 year" if d == 365 else f"{d} days") for d in EXPIRY_DAYS],
        "when": when_formatter(clinic_timezone(session, admin)),
        "values": {"expires_days": str(DEFAULT_EXPIRY_DAYS), "patients_read": "on"},
        "errors": {},
        "base_url": get_settings().base_url.rstrip("/"),
    }
    context.update(extra)
    return render(request, "api_keys/page.html", context, status_code=status_code)


@router.get("/api-keys")
def api_keys(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    """The clinic's keys, with the form to make one."""
    return _page(request, session, admin)


@router.post("/api-keys")
def make_key(
    request: Request, session: SessionDep, admin: CurrentAdmin, fields: FormFields
) -> Response:
    """Make a key and show it, this once."""
    names = ("name", "patients_read", "results_read", "expires_days")
    values = {k: fields.get(k, "") for k in names}
    form, errors = parse_form(ApiKeyForm, fields)
    if not (fields.get("patients_read") or fields.get("results_read")):
        errors = {**errors, "patients_read": "Choose at least one thing the key may read."}
    if form is None or errors:
        return _page(request, session, admin, values=values, errors=errors, status_code=422)
    try:
        key, secret = create_key(session, admin, form.name, form.scopes, form.expires_days)
    except ApiKeyError as error:
        return _page(
            request, session, admin, values=values, errors={"name": str(error)}, status_code=422
        )
    record_staff(
        session,
        request,
        admin,
        "api_key_created",
        detail=f"key {key.id} {key.name!r} ({key.prefix}) {key.scopes}, {form.expires_days} days",
    )
    return _page(request, session, admin, issued={"key": key, "secret": secret})


@router.post("/api-keys/{key_id}/revoke")
def revoke(request: Request, key_id: RowId, session: SessionDep, admin: CurrentAdmin) -> Response:
    """Revoke a key: the software using it is refused from the next request on."""
    try:
        key = clinic_key(session, admin.clinic_id, key_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None
    if revoke_key(session, admin, key):
        record_staff(
            session, request, admin, "api_key_revoked", detail=f"key {key.id} {key.name!r}"
        )
    return _page(request, session, admin, done=f"The key {key.name} is revoked.")
