"""Staff sign-in with pauses after repeated failures, and one-time password reset links."""

from datetime import timedelta

from fastapi import Request
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.access.tokens import issue_token
from app.audit.service import record
from app.config import get_settings
from app.core.ratelimit import (
    SignInPaused,
    count_failure,
    first_refusal,
    is_paused,
    limit_key,
    limited_sign_in,
)
from app.core.ratelimit import client_ip as address_of
from app.core.security import (
    DUMMY_HASH,
    hash_password,
    hash_token,
    needs_rehash,
    verify_password,
)
from app.models import AccessToken, StaffUser, utcnow
from app.staff.devices import Device
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


def authenticate(
    session: Session, email: str, password: str, client_ip: str, device: Device | None = None
) -> StaffUser:
    """The staff user these credentials belong to; raises LoginRefused or LoginPaused. From a
    browser this account signed in on before (`device`), the attempt is counted apart from
    the network's."""
    user = find_staff(session, email)
    own = device.id if device is not None and user is not None and device.knows(user.id) else None

    def check() -> StaffUser | None:
        # Unknown emails are checked against a real hash too, so timing does not tell them apart.
        ok = verify_password(user.password_hash if user is not None else DUMMY_HASH, password)
        return user if ok else None

    try:
        signed_in = limited_sign_in(
            session,
            ip=client_ip,
            user_id=user.id if user is not None else None,
            name=email,
            check=check,
            device=own,
        )
    except SignInPaused as paused:
        raise LoginPaused(_pause_message()) from paused
    if signed_in is None:
        raise LoginRefused(WRONG)
    # The counters were changed by UPDATEs: read the row afresh before changing it.
    session.refresh(signed_in)
    if not signed_in.is_active:
        raise LoginRefused(INACTIVE)
    if needs_rehash(signed_in.password_hash):
        signed_in.password_hash = hash_password(password)
    signed_in.last_login_at = utcnow()
    session.add(signed_in)
    session.flush()
    return signed_in


def note_refused_sign_in(
    session: Session, request: Request, paused: bool, target: StaffUser | None, detail: str = ""
) -> None:
    """Audit a refused sign-in (password or passkey); past the pause only its first refusal
    from each network, so an automated flood cannot bury the trail."""
    if paused and not first_refusal(session, address_of(request)):
        return
    record(
        session,
        request,
        "staff_login_paused" if paused else "staff_login_failed",
        actor_kind="anonymous",
        actor_id=target.id if target else None,
        clinic_id=target.clinic_id if target else None,
        detail=detail,
    )


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
