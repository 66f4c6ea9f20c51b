"""Failure counters shared by every app server through the database (sign-in, links)."""

import hashlib
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import RateLimit


def client_ip(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy: uvicorn --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def limit_key(kind: str, value: str) -> str:
    """The counter's key; hashed so the table holds no addresses or emails in the clear."""
    return f"login:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def _limits(max_failures: int | None, minutes: int | None) -> tuple[int, timedelta]:
    settings = get_settings()
    limit = max_failures if max_failures is not None else settings.login_max_failures
    return limit, timedelta(minutes=minutes or settings.login_lockout_minutes)


def is_paused(
    session: Session,
    key: str,
    now: datetime,
    *,
    max_failures: int | None = None,
    minutes: int | None = None,
) -> bool:
    """Whether the counter reached its limit within the pause (defaults: the sign-in settings)."""
    limit, pause = _limits(max_failures, minutes)
    # Plain columns, not the row object, so later UPDATEs leave nothing stale in the session.
    row = session.exec(
        select(RateLimit.count, RateLimit.window_start).where(col(RateLimit.key) == key)
    ).first()
    if row is None or row[0] < limit:
        return False
    return row[1] + pause > now


def count_failure(
    session: Session,
    key: str,
    now: datetime,
    *,
    max_failures: int | None = None,
    minutes: int | None = None,
) -> None:
    """Add a failure to a counter shared by every app server (atomic UPDATEs, no read first)."""
    limit, window = _limits(max_failures, minutes)
    opts = {"synchronize_session": False}
    fresh = session.execute(
        update(RateLimit)
        .where(col(RateLimit.key) == key, col(RateLimit.window_start) <= now - window)
        .values(count=1, window_start=now)
        .execution_options(**opts)
    )
    if getattr(fresh, "rowcount", 0) == 0:
        bumped = session.execute(
            update(RateLimit)
            .where(col(RateLimit.key) == key)
            .values(count=col(RateLimit.count) + 1)
            .execution_options(**opts)
        )
        if getattr(bumped, "rowcount", 0) == 0:
            try:
                with session.begin_nested():
                    session.add(RateLimit(key=key, window_start=now, count=1))
            except IntegrityError:
                # Another server inserted it first: count on its row.
                session.execute(
                    update(RateLimit)
                    .where(col(RateLimit.key) == key)
                    .values(count=col(RateLimit.count) + 1)
                    .execution_options(**opts)
                )
    # The pause lasts the full time from the failure that reached the limit.
    session.execute(
        update(RateLimit)
        .where(col(RateLimit.key) == key, col(RateLimit.count) == limit)
        .values(window_start=now)
        .execution_options(**opts)
    )
