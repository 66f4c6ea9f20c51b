"""Reminder pages: times, quiet hours, turning on push, a test, and the private calendar feed."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from app.core.templating import render
from app.db import get_engine
from app.deps import PUBLIC, CurrentPatient, FormDep, SessionDep
from app.models import Patient
from app.reminders.calendar import build_ics, feed_links, new_calendar_token, patient_for_token
from app.reminders.push import vapid_keys
from app.reminders.schemas import (
    MAX_TIMES,
    EndpointIn,
    FormError,
    SubscriptionIn,
    kept_times,
    parse_reminder_form,
)
from app.reminders.service import send_test
from app.reminders.settings import (
    count_subscriptions,
    effective_times,
    remove_subscription,
    save_settings,
    save_subscription,
    settings_of,
    suggested_times,
)
from app.sync.schemas import API_REFUSALS, Problem

router = APIRouter()
NOTICES = ("saved", "test-sent", "test-failed", "test-none", "push-on", "push-off")


def _page(
    request: Request,
    session: SessionDep,
    patient: Patient,
    *,
    values: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    links: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The reminders page, with the stored settings or the values just sent back."""
    assert patient.id is not None
    prefs = settings_of(session, patient.id)
    if values is None:
        values = {
            "enabled": prefs.enabled if prefs else True,
            "times": effective_times(session, patient, prefs),
            "quiet_from": prefs.quiet_from.strftime("%H:%M") if prefs and prefs.quiet_from else "",
            "quiet_until": (
                prefs.quiet_until.strftime("%H:%M") if prefs and prefs.quiet_until else ""
            ),
            "evening_nudge": prefs.evening_nudge if prefs else True,
            "morning_check": prefs.morning_check if prefs else True,
        }
    notice = request.query_params.get("done")
    return render(
        request,
        "reminders/page.html",
        {
            "patient": patient,
            "tab": "settings",
            "values": values,
            "errors": errors or [],
            "suggested": not (prefs and prefs.times),
            "suggested_times": suggested_times(session, patient),
            "max_times": MAX_TIMES,
            "devices": count_subscriptions(session, patient.id),
            "has_calendar": bool(prefs and prefs.calendar_token_hash),
            "links": links,
            "notice": notice if notice in NOTICES else None,
        },
        status_code=status_code,
    )


@router.get("/reminders")
def reminders_page(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """The patient's reminder times, quiet hours and ways to be reminded."""
    return _page(request, session, patient)


@router.post("/reminders")
def save_reminders(
    request: Request, patient: CurrentPatient, session: SessionDep, form: FormDep
) -> Response:
    """Save the reminder settings; a bad time re-shows the form and changes nothing."""
    submitted = [str(t) for t in form.getlist("times")][: MAX_TIMES * 3]
    times = kept_times(submitted, [str(r) for r in form.getlist("remove")])
    choice, errors = parse_reminder_form(form, times)
    if choice is None:
        values = {
            "enabled": form.get("enabled") is not None,
            "times": times,
            "quiet_from": str(form.get("quiet_from") or ""),
            "quiet_until": str(form.get("quiet_until") or ""),
            "evening_nudge": form.get("evening_nudge") is not None,
            "morning_check": form.get("morning_check") is not None,
        }
        return _page(request, session, patient, values=values, errors=errors, status_code=422)
    save_settings(session, patient, choice)
    return RedirectResponse("/reminders?done=saved", status_code=303)


@router.post("/reminders/test")
def test_reminder(patient: CurrentPatient) -> Response:
    """Send a test notification to each of the patient's devices; the page answers at once."""
    devices = send_test(get_engine(), patient)
    outcome = "test-none" if devices == 0 else "test-sent"
    return RedirectResponse(f"/reminders?done={outcome}#push", status_code=303)


@router.post("/reminders/calendar")
def make_calendar(request: Request, patient: CurrentPatient, session: SessionDep) -> Response:
    """Make a new private calendar link (the old one stops working) and show it once."""
    token = new_calendar_token(session, patient)
    return _page(request, session, patient, links=feed_links(token))


@router.get("/calendar/{token}.ics", dependencies=[PUBLIC])
def calendar_feed(token: str, session: SessionDep) -> Response:
    """The private feed: the token in the address is the only credential."""
    found = patient_for_token(session, token)
    if found is None:
        raise HTTPException(404, "Not found")
    patient, prefs = found
    return Response(
        build_ics(session, patient, prefs),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, max-age=900",
            "Content-Disposition": 'inline; filename="neuroglide.ics"',
            "X-Robots-Tag": "noindex",
        },
    )


class PushKeyOut(BaseModel):
    """The app's public VAPID key."""

    publicKey: str  # noqa: N815 (the name the browser's subscribe() code reads)


class SubscribedOut(BaseModel):
    """The subscription is stored; how many of the patient's devices now get reminders."""

    ok: bool
    devices: int


class UnsubscribedOut(BaseModel):
    """The device no longer gets reminders."""

    ok: bool


@router.get("/api/push/key", tags=["push"], responses=API_REFUSALS)
def push_key(patient: CurrentPatient) -> PushKeyOut:
    """The app's public VAPID key, for PushManager.subscribe(applicationServerKey)."""
    return PushKeyOut(publicKey=vapid_keys(get_engine()).public_b64)


@router.post("/api/push/subscribe", tags=["push"], responses=API_REFUSALS)
def subscribe(
    data: SubscriptionIn, request: Request, patient: CurrentPatient, session: SessionDep
) -> SubscribedOut:
    """Store this phone's push subscription for the signed-in patient."""
    save_subscription(session, patient, data, request.headers.get("user-agent", ""))
    return SubscribedOut(ok=True, devices=count_subscriptions(session, patient.id or 0))


@router.post(
    "/api/push/unsubscribe",
    tags=["push"],
    responses={**API_REFUSALS, 404: {"model": Problem, "description": "Not a device of yours"}},
)
def unsubscribe(data: EndpointIn, patient: CurrentPatient, session: SessionDep) -> UnsubscribedOut:
    """Stop push reminders on one of the patient's own devices."""
    if not remove_subscription(session, patient, data.endpoint):
        raise HTTPException(404, "Not found")
    return UnsubscribedOut(ok=True)
