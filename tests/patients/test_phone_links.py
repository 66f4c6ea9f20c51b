"""Revoking or re-issuing a phone also stops its push reminders and its private calendar feed."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import PushSubscription
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient
from tests.security.world import push_keys
from tests.staff.support import HTML, client_from, post, sign_in


def _subscribe(phone: TestClient, name: str) -> None:
    endpoint = f"https://fcm.googleapis.com/fcm/send/{name}"
    response = phone.post(
        "/api/push/subscribe",
        json={"endpoint": endpoint, "keys": push_keys()},
        headers={"X-CSRF-Token": csrf(phone)},
    )
    assert response.status_code == 200, response.text


def _feed(phone: TestClient) -> str:
    """Make the phone's private calendar link; its path."""
    response = post(phone, "/reminders/calendar")
    assert response.status_code == 200, response.text
    found = re.search(r"http://testserver(/calendar/[A-Za-z0-9_-]+\.ics)", response.text)
    assert found, "no feed link on the page"
    return found.group(1)


def _devices(db: Session, patient_id: int) -> int:
    db.expire_all()
    return db.exec(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.patient_id == patient_id)
    ).one()


@pytest.mark.parametrize("action", ["reissue", "revoke"])
def test_ending_access_stops_push_and_the_calendar_feed(db: Session, action: str) -> None:
    """The lost phone's devices go and its feed answers 404; a new phone sets up its own."""
    me = make_staff(db, make_clinic(db))
    patient = make_patient(db, me)
    assert patient.id is not None
    with client_from() as staff, client_from() as old_phone, client_from() as anyone:
        sign_in(staff, me)
        sign_in_patient(old_phone, db, patient)
        _subscribe(old_phone, f"old-{action}")
        feed = _feed(old_phone)
        assert anyone.get(feed).status_code == 200
        assert _devices(db, patient.id) == 1

        assert post(staff, f"/patients/{patient.id}/access/{action}").status_code == 303

        assert _devices(db, patient.id) == 0
        assert anyone.get(feed).status_code == 404
    with client_from() as new_phone, client_from() as anyone:
        sign_in_patient(new_phone, db, patient)
        _subscribe(new_phone, f"new-{action}")
        new_feed = _feed(new_phone)
        assert new_feed != feed
        assert anyone.get(new_feed).status_code == 200
        assert anyone.get(feed).status_code == 404
        assert _devices(db, patient.id) == 1


def test_a_phone_whose_access_ended_is_told_to_forget_everything(db: Session) -> None:
    """Pages, htmx and API answers to a cookie that stopped working clear the phone's data."""
    me = make_staff(db, make_clinic(db))
    patient = make_patient(db, me)
    with client_from() as staff, client_from() as phone, client_from() as stranger:
        sign_in(staff, me)
        sign_in_patient(phone, db, patient)
        assert "Clear-Site-Data" not in phone.get("/today", headers=HTML).headers
        assert post(staff, f"/patients/{patient.id}/access/reissue").status_code == 303
        cookie = phone.cookies.get("ng_patient") or ""
        requests = {
            "page": ("/progress", HTML),
            "htmx": ("/today", {**HTML, "HX-Request": "true"}),
            "api": ("/api/session", {}),
        }
        answers = {}
        for kind, (path, headers) in requests.items():
            phone.cookies.set("ng_patient", cookie)  # each answer also drops the cookie
            answers[kind] = answer = phone.get(path, headers=headers)
            assert answer.headers["Clear-Site-Data"] == '"cache", "storage"', kind
            assert answer.headers["X-Session-Ended"] == "1", kind
        assert answers["page"].status_code == 303
        assert answers["page"].headers["location"] == "/welcome?ended=1"
        assert answers["htmx"].headers["HX-Redirect"] == "/welcome?ended=1"
        assert answers["api"].status_code == 401
        ended = phone.get("/welcome?ended=1", headers=HTML).text
        assert "This phone can no longer open your exercises" in ended
        assert 'ng_patient=""' in answers["page"].headers["set-cookie"]
        # Someone who never signed in is simply sent to the welcome page.
        fresh = stranger.get("/today", headers=HTML)
        assert fresh.status_code == 303 and "Clear-Site-Data" not in fresh.headers
