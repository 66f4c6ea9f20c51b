"""A clinic admin's webhook endpoints: register, rotate the secret, disable, delete, the log."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app.models import StaffUser, WebhookDelivery, WebhookEndpoint, utcnow
from app.webhooks.events import EVENT_TYPES
from app.webhooks.sealing import hint, new_secret, seal
from app.webhooks.targets import UnsafeEndpoint, check_target

MAX_ENDPOINTS = 20
LOG_SHOWN = 100


class WebhookError(ValueError):
    """A webhook form that cannot be saved; the message says why."""


@dataclass(frozen=True)
class Registered:
    """An endpoint just registered or rotated, with its secret shown this once."""

    endpoint: WebhookEndpoint
    secret: str


def endpoints_of(session: Session, clinic_id: int) -> Sequence[WebhookEndpoint]:
    """The clinic's endpoints, oldest first."""
    return session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.clinic_id == clinic_id)
        .order_by(col(WebhookEndpoint.id))
    ).all()


def endpoint_of(session: Session, admin: StaffUser, endpoint_id: int) -> WebhookEndpoint:
    """One of the admin's clinic's endpoints; LookupError for anyone else's."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.clinic_id != admin.clinic_id:
        raise LookupError(endpoint_id)
    return endpoint


def clean_url(url: str) -> str:
    """The URL as typed, refused unless it is https on a public host."""
    url = url.strip()
    if not url:
        raise WebhookError("Enter the https address that should receive the events.")
    if len(url) > 500:
        raise WebhookError("Use an address of at most 500 characters.")
    try:
        check_target(url)
    except UnsafeEndpoint as exc:
        raise WebhookError(f"This address cannot be used: {exc}.") from None
    return url


def clean_events(chosen: Sequence[str]) -> list[str]:
    """The chosen event types, refused when none (or an unknown one) is chosen."""
    events = [event for event in EVENT_TYPES if event in set(chosen)]
    if not events or len(events) != len(set(chosen)):
        raise WebhookError("Choose at least one of the listed events.")
    return events


def register(
    session: Session, admin: StaffUser, url: str, description: str, chosen: Sequence[str]
) -> Registered:
    """Save a new endpoint with a fresh secret."""
    url, events = clean_url(url), clean_events(chosen)
    count = session.exec(
        select(func.count()).where(WebhookEndpoint.clinic_id == admin.clinic_id)
    ).one()
    if count >= MAX_ENDPOINTS:
        raise WebhookError(f"A clinic can have at most {MAX_ENDPOINTS} endpoints.")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        clinic_id=admin.clinic_id,
        url=url,
        description=" ".join(description.split())[:120],
        events=events,
        secret_sealed=seal(secret),
        secret_hint=hint(secret),
        created_by_id=admin.id,
    )
    session.add(endpoint)
    session.flush()
    return Registered(endpoint, secret)


def rotate(session: Session, endpoint: WebhookEndpoint) -> Registered:
    """Replace the secret: later deliveries (including retries) are signed with the new one."""
    secret = new_secret()
    endpoint.secret_sealed, endpoint.secret_hint = seal(secret), hint(secret)
    endpoint.secret_rotated_at = utcnow()
    session.add(endpoint)
    session.flush()
    return Registered(endpoint, secret)


def set_enabled(session: Session, endpoint: WebhookEndpoint, enabled: bool) -> None:
    """Pause or resume an endpoint; while paused, nothing is queued or sent to it."""
    endpoint.enabled = enabled
    session.add(endpoint)
    session.flush()


def remove(session: Session, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint.id))
    session.delete(endpoint)
    session.flush()


def deliveries_of(session: Session, endpoint: WebhookEndpoint) -> Sequence[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(LOG_SHOWN)
    ).all()
