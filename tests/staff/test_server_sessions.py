"""Staff sessions kept on the server: a copied cookie stops working after sign-out, a password
reset, deactivation, idle time or the session's lifetime."""

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core.sessions import STAFF_COOKIE
from app.dashboard import routes as dashboard_routes
from app.dashboard.page import DashboardAsk, DashboardPage
from app.db import _write_begun
from app.models import StaffSession, StaffUser, utcnow
from app.staff.service import issue_reset
from app.staff.session_store import end_other_staff_sessions
from tests.factories import make_clinic, make_staff
from tests.staff.support import HTML, client_from, post, sign_in

JSON = {"accept": "application/json"}
NEW_PASSWORD = "a brand new passphrase"


def _opens_dashboard(cookie: str) -> bool:
    """Whether a fresh browser holding only this staff cookie gets the dashboard."""
    with client_from() as other:
        other.cookies.set(STAFF_COOKIE, cookie)
        page = other.get("/dashboard", headers=HTML)
        api = other.get("/dashboard", headers=JSON)
    if page.status_code == 200:
        return True
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert api.status_code == 401
    return False


def _sessions(db: Session, user: StaffUser) -> list[StaffSession]:
    db.expire_all()
    return list(
        db.exec(
            select(StaffSession)
            .where(StaffSession.user_id == user.id)
            .order_by(col(StaffSession.id))
        ).all()
    )


@pytest.fixture
def browsers() -> Iterator[ExitStack]:
    """Clients opened during a test, closed at its end."""
    with ExitStack() as stack:
        yield stack


def _signed_in(
    db: Session, browsers: ExitStack, user: StaffUser | None = None
) -> tuple[StaffUser, TestClient, str]:
    """A staff user signed in through the form in a new client; the cookie it was given."""
    if user is None:
        user = make_staff(db, make_clinic(db))
        db.commit()
    client = browsers.enter_context(client_from())
    sign_in(client, user)
    return user, client, client.cookies[STAFF_COOKIE]


def _age(db: Session, user: StaffUser, **moved: timedelta) -> None:
    """Move the user's session times back, as if that much time had passed."""
    for row in _sessions(db, user):
        for field, by in moved.items():
            setattr(row, field, getattr(row, field) - by)
        db.add(row)
    db.commit()


def test_a_cookie_copied_before_sign_out_is_refused_after_it(
    db: Session, browsers: ExitStack
) -> None:
    """Signing out ends the session on the server, not only in the browser that signed out."""
    user, client, copied = _signed_in(db, browsers)
    assert _opens_dashboard(copied)
    assert post(client, "/logout").status_code == 303
    assert not _opens_dashboard(copied)
    [row] = _sessions(db, user)
    assert row.ended_at is not None and row.ended_reason == "signed_out"
    # The user agent is kept so a list of sessions can say which browser each one was.
    assert row.user_agent


def test_a_password_reset_signs_out_every_other_browser(db: Session, browsers: ExitStack) -> None:
    """A new password chosen through a reset link ends the sessions that knew the old one."""
    user, _client, copied = _signed_in(db, browsers)
    token = issue_reset(db, user)
    db.commit()
    with client_from() as other:
        other.get(f"/reset/{token}")
        done = post(other, f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert done.status_code == 303, done.text
        assert other.get("/dashboard").status_code == 200  # the browser that reset stays in
    assert not _opens_dashboard(copied)
    reasons = [row.ended_reason for row in _sessions(db, user)]
    assert reasons == ["password_reset", None]


def test_a_password_change_keeps_only_the_current_session(db: Session, browsers: ExitStack) -> None:
    """Changing the password while signed in ends the other sessions and keeps this one."""
    user, _one, first = _signed_in(db, browsers)
    with client_from() as two:
        sign_in(two, user)
        second = two.cookies[STAFF_COOKIE]
    current = _sessions(db, user)[-1]
    end_other_staff_sessions(db, user, current)
    db.commit()
    assert not _opens_dashboard(first)
    assert _opens_dashboard(second)
    assert [row.ended_reason for row in _sessions(db, user)] == ["password_changed", None]


def test_deactivation_signs_the_person_out_of_every_browser(
    db: Session, browsers: ExitStack
) -> None:
    """An admin deactivating a therapist ends each of their sessions at once."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    _user, _one, first = _signed_in(db, browsers, therapist)
    _user, _two, second = _signed_in(db, browsers, therapist)
    with client_from() as admin_client:
        sign_in(admin_client, admin)
        assert post(admin_client, f"/team/{therapist.id}/deactivate").status_code == 200
        assert admin_client.get("/team").status_code == 200  # the admin stays signed in
    assert not _opens_dashboard(first) and not _opens_dashboard(second)
    assert [row.ended_reason for row in _sessions(db, therapist)] == ["deactivated"] * 2


def test_a_session_ends_after_the_idle_time(db: Session, browsers: ExitStack) -> None:
    """Untouched for longer than the idle time, a session is refused, even with a valid cookie."""
    idle = timedelta(minutes=get_settings().staff_idle_minutes)
    user, _client, copied = _signed_in(db, browsers)
    _age(db, user, last_seen_at=idle - timedelta(minutes=2))
    assert _opens_dashboard(copied)  # still inside the idle time, and that visit counts
    _age(db, user, last_seen_at=idle - timedelta(minutes=2))
    assert _opens_dashboard(copied)
    _age(db, user, last_seen_at=idle + timedelta(minutes=1))
    assert not _opens_dashboard(copied)


def test_activity_is_written_at_most_about_once_a_minute(db: Session, browsers: ExitStack) -> None:
    """A page view right after another does not write; one a few minutes later does."""
    user, client, _copied = _signed_in(db, browsers)
    _age(db, user, last_seen_at=timedelta(seconds=20))
    [before] = _sessions(db, user)
    assert client.get("/dashboard").status_code == 200
    [after] = _sessions(db, user)
    assert after.last_seen_at == before.last_seen_at
    _age(db, user, last_seen_at=timedelta(minutes=3))
    assert client.get("/dashboard").status_code == 200
    [touched] = _sessions(db, user)
    assert utcnow() - touched.last_seen_at < timedelta(minutes=1)


def test_a_page_view_holds_no_write_lock_while_the_page_is_made(
    db: Session, browsers: ExitStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The activity a page view notes is written by its commit: while a big clinic's dashboard
    is made, SQLite's write lock stays free for patients' writes."""
    user, client, _copied = _signed_in(db, browsers)
    _age(db, user, last_seen_at=timedelta(minutes=3))
    holding: list[bool] = []
    made = dashboard_routes.dashboard_page

    def watched(session: Session, staff: StaffUser, ask: DashboardAsk) -> DashboardPage:
        holding.append(_write_begun(session))
        return made(session, staff, ask)

    monkeypatch.setattr(dashboard_routes, "dashboard_page", watched)
    assert client.get("/dashboard").status_code == 200
    assert holding == [False]
    [touched] = _sessions(db, user)
    assert utcnow() - touched.last_seen_at < timedelta(minutes=1)  # written, by the commit


def test_a_busy_session_still_ends_after_its_lifetime(db: Session, browsers: ExitStack) -> None:
    """Activity keeps a session open only up to the absolute staff session hours."""
    hours = timedelta(hours=get_settings().staff_session_hours)
    user, _client, copied = _signed_in(db, browsers)
    _age(db, user, created_at=hours + timedelta(minutes=1))
    assert not _opens_dashboard(copied)


def test_signing_in_drops_the_users_month_old_sessions(db: Session, browsers: ExitStack) -> None:
    """Old session rows do not pile up: a sign-in removes that user's ones from a month ago."""
    user, _client, _copied = _signed_in(db, browsers)
    _age(db, user, created_at=timedelta(days=31), last_seen_at=timedelta(days=31))
    _signed_in(db, browsers, user)
    [kept] = _sessions(db, user)
    assert kept.ended_at is None and utcnow() - kept.created_at < timedelta(minutes=1)
