"""Server-side staff sessions: started by any sign-in path, checked on every staff request, and
ended by signing out, a password change or reset, deactivation, idle time or the absolute limit.

The cookie stays an itsdangerous-signed value (so `read_session(request, "staff")` is a cheap
"looks like staff" test) carrying a random session id; only its SHA-256 is stored here.
"""

import secrets
from datetime import datetime, timedelta
from functools import partial

from fastapi import Request, Response
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core.security import hash_token
from app.core.sessions import clear_session, read_session, write_staff_cookie
from app.db import SAFE_METHODS, at_commit, get_engine
from app.models import StaffSession, StaffUser, utcnow
from app.staff.devices import remember_device

# Record activity at most this often, so that a page view is not always a database write.
TOUCH_EVERY = timedelta(seconds=60)
USER_AGENT_LENGTH = 200
# Ended or expired sessions are kept this long (who signed in from which browser), then dropped.
KEEP_FOR = timedelta(days=30)


def start_staff_session(
    session: Session, request: Request, response: Response, user: StaffUser
) -> StaffSession:
    """Sign this browser in as `user`, after any sign-in path (password, reset link, passkey)
    has proved who it is: a new server-side session and the signed cookie naming it."""
    assert user.id is not None
    # A session this browser had (someone else, or the same person again) ends here.
    end_this_staff_session(session, request, "replaced")
    session.execute(
        delete(StaffSession)
        .where(
            col(StaffSession.user_id) == user.id,
            col(StaffSession.created_at) < utcnow() - KEEP_FOR,
        )
        .execution_options(synchronize_session=False)
    )
    sid = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=hash_token(sid),
        user_id=user.id,
        user_agent=request.headers.get("user-agent", "")[:USER_AGENT_LENGTH],
    )
    session.add(row)
    session.flush()
    # One person per browser: a patient session on this device ends here.
    clear_session(response, "patient")
    write_staff_cookie(response, user.id, sid)
    # Its own sign-in attempts are counted apart from its network's from now on.
    remember_device(request, response, user.id)
    return row


def _named_row(session: Session, request: Request) -> StaffSession | None:
    """The session row the request's well-signed cookie names, whatever its state."""
    data = read_session(request, "staff")
    if data is None:
        return None
    row = session.exec(
        select(StaffSession).where(StaffSession.token_hash == hash_token(data.sid))
    ).first()
    return row if row is not None and row.user_id == data.user_id else None


def live(row: StaffSession) -> bool:
    """Whether a session is still open: not ended, not idle too long, not past its lifetime."""
    settings = get_settings()
    now = utcnow()
    return (
        row.ended_at is None
        and now - row.last_seen_at < timedelta(minutes=settings.staff_idle_minutes)
        and now - row.created_at < timedelta(hours=settings.staff_session_hours)
    )


def staff_cookie_live(request: Request) -> bool:
    """Whether the request's staff cookie names a session still open on the server: read only,
    on a connection of its own, for checks made before any route (large bodies)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        row = _named_row(session, request)
        return row is not None and live(row)


def current_staff(session: Session, request: Request) -> tuple[StaffUser, StaffSession] | None:
    """The active staff user and open session of this request, noting the activity; else None."""
    row = _named_row(session, request)
    if row is None or not live(row):
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if now - row.last_seen_at >= TOUCH_EVERY:
        if request.method in SAFE_METHODS:
            # Written by the commit, in the writers' turn, not held the whole page long.
            at_commit(session, partial(_touch, session, row, now))
        else:
            _touch(session, row, now)  # a change holds the writers' turn from its start anyway
            session.flush()
    return user, row


def _touch(session: Session, row: StaffSession, now: datetime) -> None:
    """Note the session's latest activity (sent with the session's next flush)."""
    row.last_seen_at = now
    session.add(row)


def end_this_staff_session(session: Session, request: Request, reason: str) -> StaffSession | None:
    """End the session this browser's cookie names (signing out); returns it if it was open."""
    row = _named_row(session, request)
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = utcnow()
    row.ended_reason = reason
    session.add(row)
    session.flush()
    return row


def end_staff_sessions(
    session: Session, user_id: int, reason: str, *, keep: StaffSession | None = None
) -> None:
    """End every open session of a user (a reset, deactivation), or every other one (`keep`)."""
    statement = update(StaffSession).where(
        col(StaffSession.user_id) == user_id, col(StaffSession.ended_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(StaffSession.id) != keep.id)
    session.execute(
        statement.values(ended_at=utcnow(), ended_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    # Rows already loaded in this request must not keep saying "open".
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, StaffSession):
            session.expire(loaded)


def end_other_staff_sessions(session: Session, user: StaffUser, current: StaffSession) -> None:
    """After a signed-in password change: every other browser is signed out, this one stays."""
    assert user.id is not None
    end_staff_sessions(session, user.id, "password_changed", keep=current)
