"""Sending queued webhooks from the scheduler: claimed once across servers, signed, retried.

A delivery is taken with a conditional UPDATE, so when several servers run a pass at the same
moment exactly one of them sends it. A claim left by a server that died mid-send is taken over
after CLAIM_LEASE. Failures are retried with exponential back-off up to MAX_ATTEMPTS.
"""

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import requests
from sqlalchemy import and_, or_, update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col, select

from app.db import get_engine
from app.models import WebhookDelivery, WebhookEndpoint, utcnow
from app.reminders.transport import post
from app.webhooks.sealing import SecretUnreadable, unseal
from app.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from app.webhooks.targets import UnsafeEndpoint, resolve_target

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# Far longer than one send (connect 3 s, total 8 s): a claim this old was abandoned.
CLAIM_LEASE = timedelta(minutes=5)
BATCH = 100
SEND_THREADS = 4

Poster = Callable[[str, bytes, Mapping[str, str]], requests.Response]


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> requests.Response:
    return post(url, body, headers, resolver=resolve_target)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts: doubling, capped."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


@dataclass
class WebhookReport:
    """What one pass did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)


def _due_condition(now: datetime) -> Any:
    return or_(
        and_(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
        ),
        and_(
            col(WebhookDelivery.status) == "sending",
            col(WebhookDelivery.claimed_at) <= now - CLAIM_LEASE,
        ),
    )


def due_ids(session: Session, now: datetime) -> list[int]:
    """Deliveries to try now, to enabled endpoints, oldest first."""
    rows = session.exec(
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(_due_condition(now), col(WebhookEndpoint.enabled).is_(True))
        .order_by(col(WebhookDelivery.id))
        .limit(BATCH)
    ).all()
    return [row for row in rows if row is not None]


def claim(engine: Engine, delivery_id: int, now: datetime) -> bool:
    """Take one delivery for this server; False when another server has it."""
    with Session(engine) as session:
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery_id, _due_condition(now))
                .values(
                    status="sending",
                    claimed_at=now,
                    attempts=WebhookDelivery.attempts + 1,
                )
            ),
        )
        session.commit()
        return taken.rowcount == 1


def _send(
    engine: Engine, delivery_id: int, now: datetime, poster: Poster
) -> tuple[int | None, str]:
    """POST one claimed delivery: the answer's status code (None when none) and any error."""
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        if delivery is None or endpoint is None:
            return None, "endpoint deleted"
        url, sealed, body = endpoint.url, endpoint.secret_sealed, delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Neuroglide-Webhooks/1",
            EVENT_ID_HEADER: delivery.event_id,
            EVENT_TYPE_HEADER: delivery.event_type,
            "Neuroglide-Delivery-Attempt": str(delivery.attempts),
        }
    try:
        headers[SIGNATURE_HEADER] = signature_header(unseal(sealed), body, int(now.timestamp()))
        answer = poster(url, body, headers)
    except (SecretUnreadable, UnsafeEndpoint) as exc:
        return None, str(exc)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return answer.status_code, ""


def _record(engine: Engine, delivery_id: int, code: int | None, error: str, now: datetime) -> str:
    """Note the outcome: delivered, pending again after a back-off, or failed at the cap."""
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return "gone"
        delivery.last_status_code = code
        delivery.claimed_at = None
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
        else:
            # A redirect is not followed: the receiver must give its final address.
            delivery.last_error = error or f"answered {code}"
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
            else:
                delivery.status = "pending"
                delivery.next_attempt_at = now + backoff(delivery.attempts)
        session.add(delivery)
        session.commit()
        return delivery.status


def _deliver_one(engine: Engine, delivery_id: int, now: datetime, poster: Poster) -> str | None:
    if not claim(engine, delivery_id, now):
        return None
    try:
        code, error = _send(engine, delivery_id, now, poster)
    except Exception as exc:  # one bad delivery must not stop the others
        log.exception("webhook delivery %s failed", delivery_id)
        code, error = None, f"internal error: {type(exc).__name__}"
    return _record(engine, delivery_id, code, error, now)


def send_due_webhooks(
    engine: Engine | None = None, now: datetime | None = None, poster: Poster = _post
) -> WebhookReport:
    """One pass: claim each due delivery once and send it."""
    engine = engine or get_engine()
    now = now or utcnow()
    with Session(engine) as session:
        ids = due_ids(session, now)
    report = WebhookReport()
    if not ids:
        return report
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(ids))) as pool:
        outcomes = list(pool.map(lambda i: _deliver_one(engine, i, now, poster), ids))
    for delivery_id, outcome in zip(ids, outcomes, strict=True):
        if outcome is None:
            continue
        report.claimed += 1
        if outcome == "delivered":
            report.delivered += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.retrying += 1
        report.lines.append(f"webhook delivery {delivery_id}: {outcome}")
    return report
