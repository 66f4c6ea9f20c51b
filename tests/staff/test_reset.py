"""Password reset links: the same answer for every email, one hour, one use."""

import re
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from app.core.security import verify_password
from app.models import AccessToken, AuditEvent, StaffUser, utcnow
from app.staff.service import issue_reset
from tests.factories import PASSWORD, make_clinic, make_staff
from tests.staff.support import HTML, client_from, fake_mail, post, sign_in

NEW_PASSWORD = "a brand new passphrase"


def _token(db: Session, user: StaffUser) -> str:
    token = issue_reset(db, user)
    db.commit()
    return token


def test_the_answer_is_the_same_for_known_and_unknown_emails(db: Session) -> None:
    """Without mail, the admin is told of real requests; the page never says which exist."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        known = post(client, "/reset", {"email": user.email})
        unknown = post(client, "/reset", {"email": "nobody@example.org"})
    # The CSRF token is masked afresh for each response, in forms and in htmx's headers.
    strip = re.compile(r'name="csrf_token" value="[^"]*"|\b[0-9a-f]{128}\b')
    assert known.status_code == unknown.status_code == 200
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert "clinic admin" in known.text
    asked = db.exec(
        select(AuditEvent).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == "password_reset_requested"
        )
    ).all()
    assert len(asked) == 1
    # The unknown address is recorded as well (no account, no clinic): the same write either
    # way, so the answer's timing tells nothing.
    unknown_asks = db.exec(
        select(AuditEvent).where(AuditEvent.action == "password_reset_unknown")
    ).all()
    assert [(e.actor_id, e.clinic_id) for e in unknown_asks][-1:] == [(None, None)]


def test_a_reset_email_carries_a_link_that_works_once(db: Session, monkeypatch: Any) -> None:
    """With SMTP set up, the link arrives by email, sets the password once, and signs in."""
    sent = fake_mail(monkeypatch)
    user = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        assert post(client, "/reset", {"email": user.email}).status_code == 200
        post(client, "/reset", {"email": "nobody@example.org"})
        assert len(sent) == 1 and sent[0]["To"] == user.email
        link = re.search(r"http://testserver(/reset/\S+)", sent[0].get_content())
        assert link is not None
        path = link.group(1)
        assert client.get(path).status_code == 200
        response = post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 303 and response.headers["location"] == "/dashboard"
        assert client.get("/patients").status_code == 200
        again = post(
            client, path, {"password": "another password!", "confirm": "another password!"}
        )
        assert again.status_code == 410 and "already been used" in again.text
    db.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_setting_a_password_signs_out_other_sessions(db: Session) -> None:
    """Someone who had the old password is signed out when the owner resets it."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    token = _token(db, user)
    with client_from() as intruder, client_from() as owner:
        sign_in(intruder, user)
        post(owner, f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert intruder.get("/patients", headers=HTML).headers["location"] == "/login"
        assert owner.get("/patients").status_code == 200


def test_an_expired_link_is_refused(db: Session) -> None:
    """Links last one hour."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    token = _token(db, user)
    row = db.exec(select(AccessToken).where(AccessToken.staff_user_id == user.id)).one()
    assert row.expires_at is not None
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with client_from() as client:
        assert client.get(f"/reset/{token}").status_code == 410
        response = post(
            client, f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert response.status_code == 410 and "expired" in response.text
    db.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_a_newer_link_replaces_the_older_one(db: Session) -> None:
    """Only the latest link works."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    first = _token(db, user)
    _token(db, user)
    with client_from() as client:
        assert "replaced" in client.get(f"/reset/{first}").text


def test_short_or_mismatched_passwords_change_nothing(db: Session) -> None:
    """At least ten characters, typed the same twice; the link stays usable."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    token = _token(db, user)
    with client_from() as client:
        short = post(client, f"/reset/{token}", {"password": "short", "confirm": "short"})
        assert short.status_code == 422 and "at least 10 characters" in short.text
        other = post(
            client, f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": "different!!"}
        )
        assert other.status_code == 422 and "not the same" in other.text
        assert client.get(f"/reset/{token}").status_code == 200
    db.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_a_reset_lifts_a_sign_in_pause(db: Session) -> None:
    """Someone paused after failures can get back in with a reset link."""
    user = make_staff(db, make_clinic(db))
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.add(user)
    db.commit()
    token = _token(db, user)
    with client_from() as client:
        post(client, f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    with client_from() as client:
        sign_in(client, user, NEW_PASSWORD)
