"""The invite page: QR code and link shown once, status, lost phone, revoke and email."""

import base64
import re
from typing import Any
from xml.etree import ElementTree

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Patient
from tests.factories import csrf, make_clinic, make_patient, make_staff
from tests.staff.support import HTML, client_from, fake_mail, post, sign_in


def _link(html: str) -> str:
    found = re.search(r'data-copy="http://testserver(/i/[^"]+)"', html)
    assert found, "no invite link on the page"
    return found.group(1)


def _made(client: TestClient, url: str, data: dict[str, str] | None = None) -> Any:
    """POST an action that makes a link and follow the redirect to the page showing it."""
    response = post(client, url, data)
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"])


def _open(phone: TestClient, path: str) -> int:
    """Open an invite on a phone and press the button; the status of the answer."""
    phone.get(path)
    return phone.post(path, data={"csrf_token": csrf(phone)}).status_code


def _setup(db: Session) -> tuple[Any, Patient]:
    me = make_staff(db, make_clinic(db))
    return me, make_patient(db, me)


def test_making_an_invite_shows_a_qr_code_and_a_link_once(db: Session) -> None:
    """The QR code is an inline SVG without style attributes, labelled for screen readers."""
    me, patient = _setup(db)
    with client_from() as client:
        sign_in(client, me)
        page = client.get(f"/patients/{patient.id}/invite").text
        assert "Never sent" in page and "<svg" not in page
        made = _made(client, f"/patients/{patient.id}/invite")
        assert made.status_code == 200
        svg_text = re.search(r"<svg.*?</svg>", made.text, re.S)
        assert svg_text is not None
        svg = ElementTree.fromstring(svg_text.group(0))
        assert svg.get("role") == "img" and patient.display_name in (svg.get("aria-label") or "")
        assert all("style" not in element.attrib for element in svg.iter())
        assert "style=" not in made.text
        path = _link(made.text)
        assert f'value="http://testserver{path}"' in made.text and "readonly" in made.text
        assert "Waiting" in made.text
        assert "Invite waiting" in client.get("/patients").text
        # A reload shows the same link and makes no new one.
        again = client.get(f"/patients/{patient.id}/invite").text
        assert path in again and again.count("<svg") == 1
        with client_from() as colleague:
            # Tokens are stored hashed: nobody else can read the link back.
            sign_in(colleague, me)
            assert path not in colleague.get(f"/patients/{patient.id}/invite").text
        with client_from() as phone:
            assert _open(phone, path) == 303
            assert "ng_patient" in phone.cookies
        used = client.get(f"/patients/{patient.id}/invite").text
        assert "Set up" in used and path not in used and "<svg" not in used
        assert "Set up" in client.get("/patients").text


def test_a_new_invite_stops_the_previous_one(db: Session) -> None:
    """Only the latest unused link works."""
    me, patient = _setup(db)
    with client_from() as client:
        sign_in(client, me)
        first = _link(_made(client, f"/patients/{patient.id}/invite").text)
        second = _link(_made(client, f"/patients/{patient.id}/invite").text)
    with client_from() as phone:
        assert _open(phone, first) == 410
        assert _open(phone, second) == 303


def test_lost_phone_signs_the_old_one_out_and_gives_a_new_link(db: Session) -> None:
    """Re-issuing access ends the old phone's session; the new link works."""
    me, patient = _setup(db)
    with client_from() as client, client_from() as old_phone, client_from() as new_phone:
        sign_in(client, me)
        assert _open(old_phone, _link(_made(client, f"/patients/{patient.id}/invite").text)) == 303
        assert old_phone.get("/today", headers=HTML).status_code != 303
        reissued = _made(client, f"/patients/{patient.id}/access/reissue")
        assert reissued.status_code == 200 and "old phone is signed out" in reissued.text
        assert old_phone.get("/today", headers=HTML).headers["location"] == "/welcome?ended=1"
        assert _open(new_phone, _link(reissued.text)) == 303


def test_revoking_signs_out_and_every_link_stops(db: Session) -> None:
    """After revoking, the phone is out, unused links fail, and the status says revoked."""
    me, patient = _setup(db)
    with client_from() as client, client_from() as phone:
        sign_in(client, me)
        assert _open(phone, _link(_made(client, f"/patients/{patient.id}/invite").text)) == 303
        spare = _link(_made(client, f"/patients/{patient.id}/invite").text)
        response = post(client, f"/patients/{patient.id}/access/revoke")
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        assert "Access revoked" in page and "Revoked" in page
        assert phone.get("/today", headers=HTML).headers["location"] == "/welcome?ended=1"
    with client_from() as other:
        assert _open(other, spare) == 410
    actions = set(db.exec(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)))
    assert {"patient_invite_created", "patient_access_revoked", "patient_signed_in"} <= actions


def test_email_it_sends_the_link_in_the_patients_language(db: Session, monkeypatch: Any) -> None:
    """With SMTP and an address, the link just made can be emailed."""
    sent = fake_mail(monkeypatch)
    me, patient = _setup(db)
    patient.email = "patient@example.org"
    db.add(patient)
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        made = _made(client, f"/patients/{patient.id}/invite")
        assert "Email it to patient@example.org" in made.text
        path = _link(made.text)
        token = path.rsplit("/", 1)[1]
        response = _made(client, f"/patients/{patient.id}/invite/email", {"token": token})
        assert response.status_code == 200 and "Sent to patient@example.org" in response.text
        assert len(sent) == 1 and path in sent[0].get_content()
        stale = post(client, f"/patients/{patient.id}/invite/email", {"token": "made-up"})
        assert stale.status_code == 409 and len(sent) == 1


def test_no_email_button_without_smtp(db: Session) -> None:
    """Without a mail server the page offers copying only."""
    me, patient = _setup(db)
    patient.email = "patient@example.org"
    db.add(patient)
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        made = _made(client, f"/patients/{patient.id}/invite")
        assert "Email it" not in made.text and "Copy link" in made.text


def test_opening_an_invite_where_staff_is_signed_in_ends_their_session(db: Session) -> None:
    """A patient taking over a clinic tablet signs its staff member out on the server too."""
    me, patient = _setup(db)
    with client_from() as client:
        sign_in(client, me)
        path = _link(_made(client, f"/patients/{patient.id}/invite").text)
        staff_cookies = dict(client.cookies)
        assert _open(client, path) == 303
        assert "ng_patient" in client.cookies
    with client_from() as copy:
        copy.cookies.update(staff_cookies)
        assert copy.get("/dashboard", headers=HTML).headers.get("location", "").startswith("/login")


def test_the_link_kept_for_a_reload_is_sealed_and_ends_with_the_session(db: Session) -> None:
    """The cookie that lets a reload show the link holds it encrypted, not readable from the
    browser's cookie store; after sign-out, or carried into another session, it shows nothing."""
    me, patient = _setup(db)
    with client_from() as client:
        sign_in(client, me)
        path = _link(_made(client, f"/patients/{patient.id}/invite").text)
        kept = client.cookies.get("ng_invite")
        assert kept and path.removeprefix("/i/") not in kept
        assert path.removeprefix("/i/") not in base64.urlsafe_b64decode(kept + "==").decode(
            "latin-1"
        )
        post(client, "/logout")
        sign_in(client, me)
        client.cookies.set("ng_invite", kept, path=f"/patients/{patient.id}/invite")
        assert path not in client.get(f"/patients/{patient.id}/invite").text
    with client_from() as thief:
        sign_in(thief, me)
        thief.cookies.set("ng_invite", kept, path=f"/patients/{patient.id}/invite")
        assert path not in thief.get(f"/patients/{patient.id}/invite").text
