"""The reminders page and push endpoints: saving, clear refusals, and one patient per device."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Patient, PushSubscription, ReminderSettings
from app.reminders import sending
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient
from tests.reminders.pushservice import PushService, start_push_service


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """The local push service (the app under test uses the run's database)."""
    service = start_push_service()
    yield service
    service.server.shutdown()
    service.server.server_close()


def _patient(db: Session, **kwargs: object) -> Patient:
    return make_patient(db, make_staff(db, make_clinic(db)), **kwargs)  # type: ignore[arg-type]


def _prefs(db: Session, patient: Patient) -> ReminderSettings | None:
    db.expire_all()
    return db.exec(
        select(ReminderSettings).where(ReminderSettings.patient_id == patient.id)
    ).first()


def _form(client: TestClient, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf(client),
        "enabled": "1",
        "times": ["09:00", "18:00", ""],
        "quiet_from": "",
        "quiet_until": "",
        "evening_nudge": "1",
        "morning_check": "1",
    }
    data.update(fields)
    return data


def _time_values(html: str) -> list[str]:
    """The time chosen in each reminder's list, in order."""
    lists = re.findall(r'<select id="time-\d+" name="times">(.*?)</select>', html, re.S)
    return [m.group(1) for part in lists if (m := re.search(r'value="([^"]*)" selected', part))]


def test_page_suggests_times_from_the_routine(client: TestClient, db: Session) -> None:
    """Three times a day suggests 08:00, 13:00 and 19:00, pre-filled and marked as suggested."""
    sign_in_patient(client, db, _patient(db, times_per_day=3))
    page = client.get("/reminders")
    assert page.status_code == 200
    assert _time_values(page.text) == ["08:00", "13:00", "19:00"]
    assert "Suggested from your routine" in page.text
    assert "Add to Home Screen" in page.text or "Home Screen" in page.text
    assert 'action="/reminders/calendar"' in page.text


def test_save_times_quiet_hours_and_toggles(client: TestClient, db: Session) -> None:
    """A plain form post stores sorted, unique times, quiet hours and both toggles."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    response = client.post(
        "/reminders",
        data=_form(
            client,
            times=["18:30", "07:45", "18:30", "12:00"],
            quiet_from="22:00",
            quiet_until="07:00",
            evening_nudge="",
            morning_check="1",
        ),
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/reminders?done=saved"
    prefs = _prefs(db, patient)
    assert prefs is not None
    assert prefs.times == ["07:45", "12:00", "18:30"]
    assert (str(prefs.quiet_from), str(prefs.quiet_until)) == ("22:00:00", "07:00:00")
    assert (prefs.enabled, prefs.evening_nudge, prefs.morning_check) == (True, False, True)
    page = client.get("/reminders?done=saved")
    assert "Your reminder settings are saved." in page.text
    assert _time_values(page.text) == ["07:45", "12:00", "18:30"]


def test_remove_a_time_and_turn_reminders_off(client: TestClient, db: Session) -> None:
    """Ticking 'Remove this time' drops it; unticking 'Send me reminders' turns them off."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    client.post("/reminders", data=_form(client, times=["08:00", "12:00", "20:00", ""]))
    client.post(
        "/reminders", data=_form(client, times=["08:00", "12:00", "20:00", ""], remove=["1"])
    )
    prefs = _prefs(db, patient)
    assert prefs is not None and prefs.times == ["08:00", "20:00"]
    client.post("/reminders", data=_form(client, enabled="", times=["08:00", "20:00", ""]))
    prefs = _prefs(db, patient)
    assert prefs is not None and prefs.enabled is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"times": ["25:99"]}, "is not a time of day"),
        ({"times": ["09:00", "nine"]}, "is not a time of day"),
        ({"times": [f"{h:02d}:00" for h in range(7, 14)]}, "at most 6 reminder times"),
        ({"times": [""]}, "Add at least one time, or turn reminders off."),
        ({"quiet_from": "22:00"}, "Give both a start and an end for quiet hours"),
        ({"quiet_from": "22:00", "quiet_until": "22:00"}, "must start and end at different"),
        ({"quiet_from": "7pm", "quiet_until": "07:00"}, "Quiet hours need two times of day"),
        (
            {"times": ["23:30"], "quiet_from": "22:00", "quiet_until": "07:00"},
            "23:30 is inside your quiet hours",
        ),
        (
            {"quiet_from": "19:00", "quiet_until": "07:45"},
            "The evening nudge at 19:30 is inside your quiet hours",
        ),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(
    client: TestClient, db: Session, fields: dict[str, object], message: str
) -> None:
    """Each mistake re-shows the form with a clear message; the stored settings stay unchanged."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    client.post("/reminders", data=_form(client, times=["10:00", ""]))
    response = client.post("/reminders", data=_form(client, **fields))
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    assert message in response.text.replace("&#34;", '"')
    prefs = _prefs(db, patient)
    assert prefs is not None and prefs.times == ["10:00"] and prefs.quiet_from is None


def _subscription(service: PushService) -> dict[str, object]:
    return service.device().subscription_json()


def test_subscribe_and_unsubscribe_this_phone(
    client: TestClient, db: Session, push_service: PushService
) -> None:
    """The script's JSON with the CSRF header stores the device; unsubscribing removes it."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    key = client.get("/api/push/key")
    assert key.status_code == 200 and len(key.json()["publicKey"]) == 87
    sub = _subscription(push_service)
    headers = {"X-CSRF-Token": csrf(client)}
    assert client.post("/api/push/subscribe", json=sub).status_code == 403  # no CSRF token
    response = client.post("/api/push/subscribe", json=sub, headers=headers)
    assert response.status_code == 200 and response.json()["devices"] == 1
    # The same phone subscribing again updates its row instead of adding one.
    assert client.post("/api/push/subscribe", json=sub, headers=headers).json()["devices"] == 1
    assert "Reminders go to 1 device." in client.get("/reminders").text

    # Bad input names each wrong field and stores nothing.
    bad = {"endpoint": "ftp://example.org/x", "keys": sub["keys"]}
    refused = client.post("/api/push/subscribe", json=bad, headers=headers)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "endpoint"]]
    short = {"endpoint": sub["endpoint"], "keys": {"p256dh": "abc", "auth": "def"}}
    refused = client.post("/api/push/subscribe", json=short, headers=headers)
    assert refused.status_code == 422
    assert {tuple(e["loc"]) for e in refused.json()["detail"]} == {
        ("body", "keys", "p256dh"),
        ("body", "keys", "auth"),
    }
    assert client.get("/reminders").text.count("Reminders go to 1 device.") == 1
    nameless = client.post("/api/push/unsubscribe", json={}, headers=headers)
    assert nameless.status_code == 422
    assert nameless.json()["detail"][0]["loc"] == ["body", "endpoint"]

    gone = client.post("/api/push/unsubscribe", json={"endpoint": sub["endpoint"]}, headers=headers)
    assert gone.status_code == 200
    db.expire_all()
    assert (
        db.exec(select(PushSubscription).where(PushSubscription.patient_id == patient.id)).all()
        == []
    )


def test_test_reminder_reaches_the_phone(
    client: TestClient, db: Session, push_service: PushService
) -> None:
    """'Send me a test reminder' pushes a real, encrypted message to each device."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    none = client.post("/reminders/test", data={"csrf_token": csrf(client)})
    assert none.headers["location"].startswith("/reminders?done=test-none")
    device = push_service.device()
    headers = {"X-CSRF-Token": csrf(client)}
    client.post("/api/push/subscribe", json=device.subscription_json(), headers=headers)
    sent = client.post("/reminders/test", data={"csrf_token": csrf(client)})
    assert sent.headers["location"].startswith("/reminders?done=test-sent")
    assert sending.wait_idle(30)  # sent in the background: the page did not wait
    (message,) = push_service.for_device(device)
    assert message.payload == {
        "title": "Test reminder",
        "body": "Reminders work on this phone.",
        "url": "/reminders",
    }
    assert push_service.errors == []


def test_patients_cannot_touch_each_others_devices_or_settings(
    client: TestClient, db: Session, push_service: PushService
) -> None:
    """A's requests change only A's settings, and cannot remove B's device."""
    alice, bob = _patient(db), _patient(db)
    bob_device = push_service.device().subscription_json()
    sign_in_patient(client, db, bob)
    headers = {"X-CSRF-Token": csrf(client)}
    client.post("/api/push/subscribe", json=bob_device, headers=headers)
    client.post("/reminders", data=_form(client, times=["06:15", ""]))
    client.cookies.clear()

    sign_in_patient(client, db, alice)
    headers = {"X-CSRF-Token": csrf(client)}
    response = client.post(
        "/api/push/unsubscribe", json={"endpoint": bob_device["endpoint"]}, headers=headers
    )
    assert response.status_code == 404
    client.post("/reminders", data=_form(client, times=["11:11", ""]))
    db.expire_all()
    bob_prefs, alice_prefs = _prefs(db, bob), _prefs(db, alice)
    assert bob_prefs is not None and bob_prefs.times == ["06:15"]
    assert alice_prefs is not None and alice_prefs.times == ["11:11"]
    owner = db.exec(
        select(PushSubscription.patient_id).where(
            PushSubscription.endpoint == bob_device["endpoint"]
        )
    ).one()
    assert owner == bob.id
    assert "Reminders go to" not in client.get("/reminders").text


def test_signed_out_visitors_are_sent_to_welcome(client: TestClient) -> None:
    """The page and the API need a signed-in patient."""
    client.cookies.clear()
    page = client.get("/reminders", headers={"accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/welcome"
    assert client.get("/api/push/key").status_code == 401


def test_settings_page_links_to_reminders(client: TestClient, db: Session) -> None:
    """The patient finds reminders from Settings."""
    sign_in_patient(client, db, _patient(db))
    assert 'href="/reminders"' in client.get("/settings").text


def test_what_the_patient_typed_is_shown_escaped(client: TestClient, db: Session) -> None:
    """A bad time is quoted back safely, never as markup."""
    sign_in_patient(client, db, _patient(db))
    response = client.post("/reminders", data=_form(client, times=["<b>x</b>"]))
    assert response.status_code == 422
    assert "<b>x" not in response.text and "&lt;b&gt;x" in response.text
