"""Staff sign-in with pauses after repeated failures, and one-time password reset links."""

from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.access.tokens import issue_token
from app.config import get_settings
from app.core.ratelimit import count_failure, is_paused, limit_key
from app.core.security import (
    DUMMY_HASH,
    hash_password,
    hash_token,
    needs_rehash,
    verify_password,
)
from app.models import AccessToken, StaffUser, utcnow
from app.staff.session_store import current_staff, end_staff_sessions

RESET_PURPOSE = "password_reset"
RESET_LIFETIME = timedelta(hours=1)

WRONG = "That email and password do not match. Check them and try again."
INACTIVE = "This account has been deactivated. Ask your clinic admin if you need access again."


class LoginRefused(ValueError):
    """A sign-in that did not succeed; the message is safe to show."""


class LoginPaused(LoginRefused):
    """Too many failures: sign-in is paused for this account or address."""


class ResetError(ValueError):
    """A reset link that cannot be used; the message says why."""


def _pause_message() -> str:
    minutes = get_settings().login_lockout_minutes
    return (
        f"Too many failed sign-in attempts, so sign-in is paused for {minutes} minutes. "
        "Try again later, or reset your password."
    )


def find_staff(session: Session, email: str) -> StaffUser | None:
    """The staff account with this email, whatever its case."""
    return session.exec(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    ).first()


def _count_account_failure(session: Session, user: StaffUser, now: datetime) -> None:
    settings = get_settings()
    opts = {"synchronize_session": False}
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id)
        .values(failed_logins=col(StaffUser.failed_logins) + 1)
        .execution_options(**opts)
    )
    session.execute(
        update(StaffUser)
        .where(
            col(StaffUser.id) == user.id,
            col(StaffUser.failed_logins) >= settings.login_max_failures,
        )
        .values(
            failed_logins=0,
            locked_until=now + timedelta(minutes=settings.login_lockout_minutes),
        )
        .execution_options(**opts)
    )
    session.expire(user)


def authenticate(session: Session, email: str, password: str, client_ip: str) -> StaffUser:
    """The staff user these credentials belong to; raises LoginRefused or LoginPaused."""
    now = utcnow()
    ip_key = limit_key("ip", client_ip)
    user = find_staff(session, email)
    # Unknown emails get a counter of their own, so a pause does not reveal which exist.
    email_key = limit_key("email", email.strip().lower())
    if is_paused(session, ip_key, now):
        raise LoginPaused(_pause_message())
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginPaused(_pause_message())
    if user is None and is_paused(session, email_key, now):
        raise LoginPaused(_pause_message())
    ok = verify_password(user.password_hash if user is not None else DUMMY_HASH, password)
    if ok and user is not None:
        if not user.is_active:
            raise LoginRefused(INACTIVE)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        session.add(user)
        session.flush()
        return user
    count_failure(session, ip_key, now)
    if user is not None:
        _count_account_failure(session, user, now)
    else:
        count_failure(session, email_key, now)
    raise LoginRefused(WRONG)


def reset_url(token: str) -> str:
    """The link that lets someone choose a new password."""
    return f"{get_settings().base_url.rstrip('/')}/reset/{token}"


def issue_reset(session: Session, user: StaffUser, created_by_id: int | None = None) -> str:
    """A one-hour, single-use reset token for a user; their earlier unused ones stop working."""
    assert user.id is not None
    return issue_token(
        session, RESET_PURPOSE, RESET_LIFETIME, staff_user_id=user.id, created_by_id=created_by_id
    )


def peek_reset(session: Session, token: str) -> tuple[AccessToken, StaffUser]:
    """The reset token and its user if the link can still be used, without using it."""
    row = session.exec(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(token), AccessToken.purpose == RESET_PURPOSE
        )
    ).first()
    if row is None or row.staff_user_id is None:
        raise ResetError("This link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise ResetError("This link has already been used. Ask for a new one if you need it.")
    if row.revoked_at is not None:
        raise ResetError("This link was replaced by a newer one. Use the latest link you got.")
    if row.expires_at is not None and row.expires_at < utcnow():
        raise ResetError("This link has expired: links work for one hour. Ask for a new one.")
    user = session.get(StaffUser, row.staff_user_id)
    if user is None or not user.is_active:
        raise ResetError("This link is not valid. Ask your clinic admin.")
    return row, user


def use_reset(session: Session, token: str, password: str) -> StaffUser:
    """Set the new password once; every other session of the user is signed out."""
    row, user = peek_reset(session, token)
    # Conditional, so the same link posted twice at once sets a password only once.
    result = session.execute(
        update(AccessToken)
        .where(col(AccessToken.id) == row.id, col(AccessToken.used_at).is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ResetError("This link has already been used. Ask for a new one if you need it.")
    user.password_hash = hash_password(password)
    user.session_version += 1
    assert user.id is not None
    # Whoever had the old password is signed out everywhere; the route signs this browser in.
    end_staff_sessions(session, user.id, "password_reset")
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return user


def reset_allowed(session: Session, client_ip: str) -> bool:
    """Whether this address may ask for another reset email (stops mail floods)."""
    key = limit_key("reset", client_ip)
    now = utcnow()
    if is_paused(session, key, now):
        return False
    count_failure(session, key, now)
    return True


def staff_from_cookie(request: Request, session: Session) -> StaffUser | None:
    """The signed-in, active staff user of this request, or None (no exception)."""
    found = current_staff(session, request)
    return found[0] if found is not None else None
