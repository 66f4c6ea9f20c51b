"""The CSRF token is bound to the signed-in session: an attacker's own cookie and token, planted
in the victim's browser, are refused with the victim's session. Over HTTPS cookies carry the
`__Host-` prefix."""

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.config import get_settings
from app.core.clock import local_today
from app.core.csrf import CSRF_COOKIE, CSRF_HEADER, unmasked
from app.core.sessions import PATIENT_COOKIE, STAFF_COOKIE
from app.models import ClinicalNote, ExerciseLog, Patient
from app.routines.service import items_of
from tests.factories import (
    PASSWORD,
    csrf,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)
from tests.staff.support import HTML, client_from, sign_in

EXPIRED = "Your session form expired"


def _attackers_pair() -> tuple[str, str]:
    """A CSRF cookie and its token, fetched by the attacker in their own browser."""
    with client_from() as attacker:
        page = attacker.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        return attacker.cookies[CSRF_COOKIE], token.group(1)


def _notes(db: Session, patient: Patient) -> int:
    db.expire_all()
    query = select(func.count(col(ClinicalNote.id))).where(ClinicalNote.patient_id == patient.id)
    return db.exec(query).one()


def test_an_attackers_pair_is_refused_with_a_victims_staff_session(db: Session) -> None:
    """The planted cookie and token are well-signed, yet the therapist's session refuses them."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    intruder = make_staff(db, make_clinic(db))
    db.commit()
    cookie, token = _attackers_pair()
    with client_from() as victim:
        sign_in(victim, therapist)
        victim.cookies.set(CSRF_COOKIE, cookie)  # planted by the attacker
        for sent in ({"data": {"body": "planted", "csrf_token": token}}, {"data": {"body": "x"}}):
            headers = {**HTML, CSRF_HEADER: token} if "csrf_token" not in sent["data"] else HTML
            refused = victim.post(f"/patients/{patient.id}/notes", headers=headers, **sent)
            assert refused.status_code == 403 and EXPIRED in refused.text
        assert _notes(db, patient) == 0
        # An attacker signed in as staff elsewhere has a token of their own session: refused too.
        with client_from() as attacker:
            sign_in(attacker, intruder)
            theirs = csrf(attacker)
            planted = attacker.cookies[CSRF_COOKIE]
        victim.cookies.set(CSRF_COOKIE, planted)
        refused = victim.post(
            f"/patients/{patient.id}/notes", data={"body": "planted", "csrf_token": theirs}
        )
        assert refused.status_code == 403 and _notes(db, patient) == 0
        # The victim's own pages carry the token that works.
        page = victim.get(f"/patients/{patient.id}")
        own = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert own is not None
        done = victim.post(
            f"/patients/{patient.id}/notes", data={"body": "mine", "csrf_token": own.group(1)}
        )
        assert done.status_code == 303 and _notes(db, patient) == 1


def _log_body(db: Session, patient: Patient) -> dict[str, object]:
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    return {
        "uuid": str(uuid.uuid4()),
        "routine_item_id": item.id,
        "local_date": local_today(patient.timezone).isoformat(),
        "sets_done": 1,
    }


def _logs(db: Session, patient: Patient) -> int:
    db.expire_all()
    query = select(func.count(col(ExerciseLog.uuid))).where(ExerciseLog.patient_id == patient.id)
    return db.exec(query).one()


def test_an_attackers_pair_is_refused_with_a_victims_patient_session(db: Session) -> None:
    """The phone's session refuses a planted pair; its own token stays the same while signed in."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    db.commit()
    cookie, token = _attackers_pair()
    with client_from() as phone:
        sign_in_patient(phone, db, patient)
        own = phone.get("/api/session").json()["csrf_token"]
        phone.cookies.set(CSRF_COOKIE, cookie)
        refused = phone.post("/api/logs", json=_log_body(db, patient), headers={CSRF_HEADER: token})
        assert refused.status_code == 403 and _logs(db, patient) == 0
        # A new CSRF cookie does not change the token the outbox saved with its entries (each
        # answer masks it afresh).
        assert unmasked(phone.get("/api/session").json()["csrf_token"]) == unmasked(own)
        stored = phone.post("/api/logs", json=_log_body(db, patient), headers={CSRF_HEADER: own})
        assert stored.status_code == 201 and _logs(db, patient) == 1


def test_signing_in_renews_the_token(db: Session) -> None:
    """The signed-out token stops working once signed in; the next page carries the new one."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    with client_from() as client:
        page = client.get("/login")
        before = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert before is not None
        client.post(
            "/login",
            data={"email": therapist.email, "password": PASSWORD, "csrf_token": before.group(1)},
        )
        stale = client.post(
            f"/patients/{patient.id}/notes", data={"body": "x", "csrf_token": before.group(1)}
        )
        assert stale.status_code == 403
        after = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get(f"/patients/{patient.id}").text
        )
        assert after is not None and unmasked(after.group(1)) != unmasked(before.group(1))


@pytest.fixture
def https(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app as served at an https address (the cached settings changed for this test only)."""
    monkeypatch.setattr(get_settings(), "base_url", "https://neuroglide.example")
    yield


def test_cookies_use_the_host_prefix_over_https(db: Session, https: None) -> None:
    """Over HTTPS every cookie is `__Host-`: Secure, Path=/ and no Domain; sign-in still works."""
    from app.main import app

    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        headers = client.get("/login").headers.get_list("set-cookie")
        response = client.post(
            "/login",
            data={"email": therapist.email, "password": PASSWORD, "csrf_token": csrf(client)},
        )
        assert response.status_code == 303
        headers += response.headers.get_list("set-cookie")
        assert client.get("/dashboard").status_code == 200
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as phone:
            sign_in_patient(phone, db, patient)
            assert phone.get("/today").status_code == 200
            assert "__Host-" + PATIENT_COOKIE in phone.cookies
    names = {header.split("=", 1)[0] for header in headers}
    assert {"__Host-" + CSRF_COOKIE, "__Host-" + STAFF_COOKIE} <= names
    assert not names & {CSRF_COOKIE, STAFF_COOKIE, PATIENT_COOKIE}
    for header in headers:
        flags = header.lower()
        assert "secure" in flags and "path=/" in flags and "domain=" not in flags, header
