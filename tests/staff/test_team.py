"""The Team page: admins add staff with a password link, deactivate and reactivate them."""

import re
from typing import Any

from sqlmodel import Session, func, select

from app.models import AuditEvent, StaffUser
from tests.factories import make_clinic, make_staff
from tests.staff.support import HTML, client_from, fake_mail, post, sign_in


def _link(html: str) -> str:
    found = re.search(r'value="http://testserver(/reset/[^"]+)"', html)
    assert found, "no password link on the page"
    return found.group(1)


def test_an_admin_adds_a_therapist_who_sets_a_password(db: Session) -> None:
    """The new account gets a link shown once; using it signs them in."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/team")
        assert page.status_code == 200 and admin.email in page.text
        response = post(
            client, "/team", {"name": "Rosa Díaz", "email": "Rosa@Clinic.test", "role": "therapist"}
        )
        assert response.status_code == 200 and "Account made for Rosa Díaz" in response.text
        link = _link(response.text)
        assert "data-copy" in response.text
    user = db.exec(select(StaffUser).where(StaffUser.email == "rosa@clinic.test")).one()
    assert user.clinic_id == clinic.id and user.role == "therapist" and user.is_active
    with client_from() as newcomer:
        done = post(
            newcomer, link, {"password": "rosa's own password", "confirm": "rosa's own password"}
        )
        assert done.status_code == 303
        assert newcomer.get("/patients").status_code == 200
    assert db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "staff_added", AuditEvent.actor_id == admin.id
        )
    ).first()


def test_the_link_is_emailed_when_mail_is_set_up(db: Session, monkeypatch: Any) -> None:
    """With SMTP the new team member also gets the link by email."""
    sent = fake_mail(monkeypatch)
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        response = post(
            client, "/team", {"name": "Ola", "email": "ola@clinic.test", "role": "admin"}
        )
        assert "also emailed it" in response.text
    assert len(sent) == 1 and _link(f'value="{sent[0].get_content().split()[-1]}"')


def test_bad_team_input_changes_nothing(db: Session) -> None:
    """Empty name, bad email, a taken email or an unknown role: a message and no account."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    db.commit()

    def count() -> int:
        return db.exec(select(func.count()).select_from(StaffUser)).one()

    before = count()
    with client_from() as client:
        sign_in(client, admin)
        for data, message in (
            ({"name": "", "email": "a@b.test", "role": "therapist"}, "Enter their name."),
            ({"name": "A", "email": "not-an-email", "role": "therapist"}, "like name@example.org"),
            ({"name": "A", "email": admin.email, "role": "therapist"}, "already has an account"),
            ({"name": "A", "email": "c@d.test", "role": "owner"}, "Choose therapist or admin."),
        ):
            response = post(client, "/team", data)
            assert response.status_code == 422 and message in response.text, data
    assert count() == before


def test_only_admins_see_the_team_page(db: Session) -> None:
    """A therapist is told this needs an admin."""
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, therapist)
        assert client.get("/team", headers=HTML).status_code == 403
        assert post(client, "/team", {"name": "X", "email": "x@y.test"}).status_code == 403


def test_admins_cannot_deactivate_themselves(db: Session) -> None:
    """The clinic always keeps the admin who is signed in."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        response = post(client, f"/team/{admin.id}/deactivate")
        assert response.status_code == 409 and "your own account" in response.text
        assert client.get("/team").status_code == 200
    db.refresh(admin)
    assert admin.is_active


def test_deactivate_and_reactivate(db: Session) -> None:
    """A deactivated member is listed as such and can be let back in."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    user = make_staff(db, clinic)
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        assert "Deactivated" in post(client, f"/team/{user.id}/deactivate").text
        refused = post(client, f"/team/{user.id}/reset-link")
        assert refused.status_code == 409
        assert "can sign in again" in post(client, f"/team/{user.id}/reactivate").text
    with client_from() as theirs:
        sign_in(theirs, user)


def test_an_admin_issues_a_reset_link_for_a_request(db: Session) -> None:
    """Someone who asked for a link shows up on the Team page until they get one."""
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    user = make_staff(db, clinic)
    db.commit()
    with client_from() as someone:
        post(someone, "/reset", {"email": user.email})
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/team").text
        assert "Asked for a password link" in page and f"Make a link for {user.name}" in page
        issued = post(client, f"/team/{user.id}/reset-link")
        assert issued.status_code == 200 and f"Password link for {user.name}" in issued.text
        _link(issued.text)
        assert "Asked for a password link" not in client.get("/team").text


def test_another_clinics_staff_are_out_of_reach(db: Session) -> None:
    """Every per-person team action answers 404 for someone of another clinic."""
    admin = make_staff(db, make_clinic(db), role="admin")
    stranger = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        for action in ("deactivate", "reactivate", "reset-link"):
            assert post(client, f"/team/{stranger.id}/{action}").status_code == 404
        assert stranger.email not in client.get("/team").text
    db.refresh(stranger)
    assert stranger.is_active
