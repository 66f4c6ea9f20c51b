"""Failure counters shared by every app server through the database (sign-in, links)."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from fastapi import Request
from sqlalchemy import and_, case, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import RateLimit, StaffUser, utcnow


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


# --- Sign-in: each attempt is counted before the password is checked -----------------------

T = TypeVar("T")


class SignInPaused(Exception):
    """Too many attempts lately: sign-in is paused for this network or this account."""


def take_attempt(
    session: Session,
    key: str,
    now: datetime,
    *,
    max_failures: int | None = None,
    minutes: int | None = None,
) -> bool:
    """Count one attempt in one atomic UPDATE returning the new count; whether it is in limit."""
    # A pause lasts the full time from the attempt that reached the limit.
    limit, window = _limits(max_failures, minutes)
    expired = col(RateLimit.window_start) <= now - window
    bumped = col(RateLimit.count) + 1
    step = (
        update(RateLimit)
        .where(col(RateLimit.key) == key)
        .values(
            count=case((expired, 1), else_=bumped),
            window_start=case((expired, now), (bumped == limit, now), else_=RateLimit.window_start),
        )
        .returning(col(RateLimit.count))
        .execution_options(synchronize_session=False)
    )
    count = session.execute(step).scalar()
    if count is None:
        try:
            with session.begin_nested():
                session.add(RateLimit(key=key, window_start=now, count=1))
            count = 1
        except IntegrityError:
            # Another request inserted it first (and has committed): count on its row.
            count = session.execute(step).scalar_one()
    return count <= limit


def first_refusal(session: Session, ip: str) -> bool:
    """Whether this network's refused sign-in is its first in the pause: the audit trail notes
    one refusal per network and pause, not each of an automated flood's thousands."""
    return take_attempt(session, limit_key("paused", ip), utcnow(), max_failures=1)


def give_back(session: Session, key: str) -> None:
    """Take a counted attempt back off a counter (it turned out not to be a failure)."""
    session.execute(
        update(RateLimit)
        .where(col(RateLimit.key) == key, col(RateLimit.count) > 0)
        .values(count=col(RateLimit.count) - 1)
        .execution_options(synchronize_session=False)
    )


# One network makes at most login_max_failures failures before it is paused, so the account
# itself pauses only after as many as this many networks could make: someone guessing from one
# place cannot lock the therapist out (they sign in from elsewhere), while guesses spread over
# many addresses still meet a limit.
ACCOUNT_NETWORKS = 10


def account_limit() -> int:
    """Failures on one account, from any networks, that pause it (the email's, when unknown)."""
    return get_settings().login_max_failures * ACCOUNT_NETWORKS


def _take_account_attempt(session: Session, user_id: int, now: datetime) -> bool:
    """Count an attempt on a staff account; False while the account is paused."""
    settings = get_settings()
    lapsed = and_(col(StaffUser.locked_until).is_not(None), col(StaffUser.locked_until) <= now)
    count = case((lapsed, 1), else_=col(StaffUser.failed_logins) + 1)
    until = now + timedelta(minutes=settings.login_lockout_minutes)
    taken = session.execute(
        update(StaffUser)
        .where(
            col(StaffUser.id) == user_id,
            or_(col(StaffUser.locked_until).is_(None), col(StaffUser.locked_until) <= now),
        )
        # The attempt that reaches the limit is still checked; the ones after it are not.
        .values(
            failed_logins=count,
            locked_until=case((count >= account_limit(), until), else_=None),
        )
        .returning(col(StaffUser.id))
        .execution_options(synchronize_session=False)
    ).first()
    return taken is not None


def _clear_account(session: Session, user_id: int) -> None:
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user_id)
        .values(failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )


def _count_attempt(
    session: Session, ip_key: str, user_id: int | None, name_key: str | None, now: datetime
) -> bool:
    """Count the attempt on the network's and the account's counters; whether both allow it."""
    if not take_attempt(session, ip_key, now):
        return False
    if user_id is not None:
        account_ok = _take_account_attempt(session, user_id, now)
    else:
        # The same limit as a real account's, so a pause does not tell which emails exist.
        account_ok = name_key is None or take_attempt(
            session, name_key, now, max_failures=account_limit()
        )
    if not account_ok:
        # A paused account is not this network's failure.
        give_back(session, ip_key)
    return account_ok


def limited_sign_in(
    session: Session,
    *,
    ip: str,
    user_id: int | None,
    name: str | None,
    check: Callable[[], T | None],
    device: str | None = None,
) -> T | None:
    """Run a sign-in check (password, passkey...) only within the limits; returns its result.

    `device`: the id of a browser that has signed in as `user_id` before (app/staff/devices.py).
    Its attempts are counted on its own counter, with the same limit, instead of the network's
    and the account's: others failing from the same address, or on the same account from
    anywhere, cannot keep that person out."""
    # The attempt is counted first, atomically, on the network's counter and on the account's
    # (the staff row when `user_id` is known, else a counter for the `name` typed, so a pause
    # does not tell which accounts exist): attempts sent at the same moment cannot all be
    # checked. SignInPaused when either is past its limit, without calling check. A success
    # (check returns something) clears the account's counter and takes the attempt back off
    # the network's; a failure (None) stays counted.
    #
    # The count is committed in a short transaction of its own before the check: it stands
    # even if the request fails later, and no lock is held while a slow argon2 check runs
    # (SQLite's one writer would make every other write wait behind it). So call this before
    # the request's own transaction writes to the account's row.
    now = utcnow()
    trusted = device is not None and user_id is not None
    ip_key = limit_key("device", device) if trusted and device else limit_key("ip", ip)
    name_key = limit_key("email", name.strip().lower()) if name and user_id is None else None
    with Session(session.get_bind()) as counting:
        if trusted:
            allowed = take_attempt(counting, ip_key, now)
        else:
            allowed = _count_attempt(counting, ip_key, user_id, name_key, now)
        counting.commit()
    if not allowed:
        raise SignInPaused()
    result = check()
    if result is not None:
        give_back(session, ip_key)
        if user_id is not None:
            _clear_account(session, user_id)
        elif name_key is not None:
            give_back(session, name_key)
    return result
