"""Sign-in and invite links are rate-limited per network, through the shared database."""

import secrets

from sqlmodel import Session, select

from app.access.service import INVITE_MAX_FAILURES, create_invite
from app.config import get_settings
from app.core.ratelimit import limit_key
from app.models import AuditEvent, RateLimit
from tests.factories import csrf, make_clinic, make_patient, make_staff
from tests.staff.support import client_from, post


def test_staff_sign_in_is_paused_after_repeated_failures_from_one_network(db: Session) -> None:
    """After the configured failures the right password is refused too, with 429."""
    user = make_staff(db, make_clinic(db))
    db.commit()
    limit = get_settings().login_max_failures
    with client_from() as client:
        for n in range(limit):
            guess = post(client, "/login", {"email": f"x{n}@example.org", "password": "x" * 12})
            assert guess.status_code == 401
        paused = post(client, "/login", {"email": user.email, "password": "correct horse battery"})
        assert paused.status_code == 429
        assert "ng_staff" not in client.cookies
        # A flood past the pause is refused each time and noted once: the trail stays readable.
        for _ in range(10):
            assert (
                post(client, "/login", {"email": user.email, "password": "x" * 12}).status_code
                == 429
            )
    noted = db.exec(
        select(AuditEvent.action).where(
            AuditEvent.action == "staff_login_paused", AuditEvent.actor_id == user.id
        )
    ).all()
    assert len(noted) == 1


def test_reset_requests_are_limited_per_network(db: Session) -> None:
    """Password-link requests stop after the limit, so nobody floods a mailbox."""
    limit = get_settings().login_max_failures
    with client_from() as client:
        answers = [
            post(client, "/reset", {"email": "someone@example.org"}).status_code
            for _ in range(limit + 1)
        ]
    assert answers[:limit] == [200] * limit and answers[-1] == 429


def test_invite_links_are_paused_after_many_unusable_ones(db: Session) -> None:
    """Guessing links from one network is paused; a real link still works there (a scan from
    a clinic's wifi or a proxy's address must not shut its patients out), and elsewhere."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    token = create_invite(db, patient)
    db.commit()
    scanner_ip = "203.0.113.77"
    with client_from(scanner_ip) as scanner:
        for n in range(INVITE_MAX_FAILURES):
            method = scanner.get if n % 2 else scanner.post
            guess = f"/i/{secrets.token_urlsafe(32)}"
            data = {"data": {"csrf_token": csrf(scanner)}} if method == scanner.post else {}
            assert method(guess, **data).status_code == 410
        refused = scanner.post(
            f"/i/{secrets.token_urlsafe(32)}", data={"csrf_token": csrf(scanner)}
        )
        assert refused.status_code == 429 and "Too many tries" in refused.text
        assert scanner.get(f"/i/{secrets.token_urlsafe(32)}").status_code == 429
        assert "ng_patient" not in scanner.cookies
    # One shared counter per network, keyed by a hash of the address, not the address.
    counter = db.exec(
        select(RateLimit).where(RateLimit.key == limit_key("invite", scanner_ip))
    ).one()
    assert counter.count >= INVITE_MAX_FAILURES
    with client_from(scanner_ip) as phone:
        assert phone.get(f"/i/{token}").status_code == 200
        accepted = phone.post(f"/i/{token}", data={"csrf_token": csrf(phone)})
        assert accepted.status_code == 303 and "ng_patient" in phone.cookies
    opened = db.exec(
        select(AuditEvent.action, AuditEvent.ip).where(AuditEvent.patient_id == patient.id)
    ).all()
    actions = [action for action, _ip in opened]
    assert "patient_invite_opened" in actions and "patient_signed_in" in actions
    assert all(ip for _action, ip in opened)
