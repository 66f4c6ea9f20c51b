"""A clinic admin's webhook pages: register endpoints, see each one's delivery log."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.audit.service import record_staff
from app.core.templating import render
from app.deps import CurrentAdmin, RowId, SessionDep
from app.models import StaffUser, WebhookEndpoint
from app.staff.display import clinic_timezone, when_formatter
from app.staff.forms import form_fields
from app.webhooks.delivery import MAX_ATTEMPTS
from app.webhooks.events import EVENT_TYPES
from app.webhooks.service import (
    WebhookError,
    deliveries_of,
    endpoint_of,
    endpoints_of,
    register,
    remove,
    rotate,
    set_enabled,
)
from app.webhooks.signing import REPLAY_WINDOW_SECONDS

router = APIRouter()

Fields = Annotated[dict[str, str], Depends(form_fields)]
NO_STORE = {"Cache-Control": "no-store"}  # a page showing a secret is never kept


async def event_choices(request: Request) -> list[str]:
    """The event boxes ticked on the form (a repeated field)."""
    form = await request.form()
    return [value for value in form.getlist("events") if isinstance(value, str)]


Events = Annotated[list[str], Depends(event_choices)]


def _list_page(
    request: Request, session: Session, admin: StaffUser, *, status_code: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {
        "staff": admin,
        "endpoints": endpoints_of(session, admin.clinic_id),
        "event_types": EVENT_TYPES,
        "values": {"url": "", "description": "", "events": []},
        "errors": {},
        "window": REPLAY_WINDOW_SECONDS,
        "done": "",
    }
    context.update(extra)
    headers = NO_STORE if "secret" in extra else None
    return render(request, "webhooks/list.html", context, status_code=status_code, headers=headers)


def _endpoint(session: Session, admin: StaffUser, endpoint_id: int) -> WebhookEndpoint:
    try:
        return endpoint_of(session, admin, endpoint_id)
    except LookupError:
        raise HTTPException(404, "Not found") from None


@router.get("/webhooks")
def webhooks_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    """The clinic's endpoints and the form to register one."""
    done = {"deleted": "The endpoint and its delivery log are deleted."}
    return _list_page(
        request, session, admin, done=done.get(request.query_params.get("done", ""), "")
    )


@router.post("/webhooks")
def add_webhook(
    request: Request, session: SessionDep, admin: CurrentAdmin, fields: Fields, events: Events
) -> Response:
    """Register an endpoint and show its signing secret once."""
    url, description = fields.get("url", ""), fields.get("description", "")
    values: dict[str, Any] = {"url": url, "description": description, "events": events}
    try:
        made = register(session, admin, url, description, events)
    except WebhookError as error:
        return _list_page(
            request, session, admin, values=values, errors={"url": str(error)}, status_code=422
        )
    record_staff(
        session, request, admin, "webhook_registered", detail=f"endpoint {made.endpoint.id}"
    )
    return _list_page(request, session, admin, secret=made.secret, secret_for=made.endpoint)


@router.get("/webhooks/{endpoint_id}")
def webhook_log(
    request: Request, endpoint_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """One endpoint's deliveries: status, attempts, answer and next try."""
    endpoint = _endpoint(session, admin, endpoint_id)
    context = {
        "staff": admin,
        "endpoint": endpoint,
        "deliveries": deliveries_of(session, endpoint),
        "event_types": EVENT_TYPES,
        "max_attempts": MAX_ATTEMPTS,
        "when": when_formatter(clinic_timezone(session, admin)),
        "done": {
            "enabled": "Deliveries resume.",
            "disabled": "Paused: nothing is queued or sent.",
        }.get(request.query_params.get("done", ""), ""),
    }
    return render(request, "webhooks/log.html", context, fragment="webhooks/_log.html")


@router.post("/webhooks/{endpoint_id}/rotate")
def rotate_secret(
    request: Request, endpoint_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """A new signing secret, shown once; the old one stops signing at once."""
    endpoint = _endpoint(session, admin, endpoint_id)
    made = rotate(session, endpoint)
    record_staff(
        session, request, admin, "webhook_secret_rotated", detail=f"endpoint {endpoint.id}"
    )
    return _list_page(request, session, admin, secret=made.secret, secret_for=endpoint)


def _switch(
    request: Request, session: Session, admin: StaffUser, endpoint_id: int, enabled: bool
) -> Response:
    endpoint = _endpoint(session, admin, endpoint_id)
    set_enabled(session, endpoint, enabled)
    action = "webhook_enabled" if enabled else "webhook_disabled"
    record_staff(session, request, admin, action, detail=f"endpoint {endpoint.id}")
    done = "enabled" if enabled else "disabled"
    return RedirectResponse(f"/webhooks/{endpoint.id}?done={done}", status_code=303)


@router.post("/webhooks/{endpoint_id}/disable")
def disable_webhook(
    request: Request, endpoint_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """Pause an endpoint."""
    return _switch(request, session, admin, endpoint_id, False)


@router.post("/webhooks/{endpoint_id}/enable")
def enable_webhook(
    request: Request, endpoint_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """Resume a paused endpoint."""
    return _switch(request, session, admin, endpoint_id, True)


@router.post("/webhooks/{endpoint_id}/delete")
def delete_webhook(
    request: Request, endpoint_id: RowId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    """Delete an endpoint and its log."""
    endpoint = _endpoint(session, admin, endpoint_id)
    record_staff(session, request, admin, "webhook_deleted", detail=f"endpoint {endpoint.id}")
    remove(session, endpoint)
    return RedirectResponse("/webhooks?done=deleted", status_code=303)
