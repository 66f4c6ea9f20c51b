"""One patient cannot stall the server through push: few devices, short deadlines, sends aside."""

import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import app.reminders.transport as transport
from app.models import PushSubscription, StaffUser
from app.reminders import sending
from app.reminders.push import PushTarget, send_push, vapid_keys
from app.reminders.settings import MAX_DEVICES
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient
from tests.reminders.conftest import subscribe
from tests.reminders.pushservice import PushService

# Far longer than the test needs: requests that never answer fail it instead of hanging it.
HANG_GUARD_SECONDS = 30


@pytest.fixture
def held() -> Iterator[threading.Event]:
    """A switch the slow push service waits on; always released at the end."""
    event = threading.Event()
    yield event
    event.set()
    sending.wait_idle(60)


def test_device_cap_replaces_the_oldest(
    client: httpx.Client, db: Session, push_service: PushService
) -> None:
    """A patient subscribing device after device keeps the newest few; the oldest go."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    sign_in_patient(client, db, patient)  # type: ignore[arg-type]
    devices = [push_service.device() for _ in range(MAX_DEVICES + 3)]
    for device in devices:
        answer = client.post(
            "/api/push/subscribe",
            json=device.subscription_json(),
            headers={"X-CSRF-Token": csrf(client)},  # type: ignore[arg-type]
        )
        assert answer.status_code == 200
    assert answer.json()["devices"] == MAX_DEVICES
    db.expire_all()
    kept = db.exec(
        select(PushSubscription.endpoint).where(PushSubscription.patient_id == patient.id)
    ).all()
    assert sorted(kept) == sorted(d.endpoint for d in devices[-MAX_DEVICES:])


def test_a_push_service_that_never_answers_is_given_up(
    fresh_engine: Engine,
    session: Session,
    therapist: StaffUser,
    push_service: PushService,
    held: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The send fails at its total deadline while the service is still holding the request."""
    monkeypatch.setattr(transport, "TOTAL_TIMEOUT_SECONDS", 0.5)
    patient = make_patient(session, therapist)
    sub = subscribe(session, patient, push_service.device(hold=held))
    assert sub.id is not None
    target = PushTarget(sub.id, sub.endpoint, sub.p256dh, sub.auth)
    result = send_push(vapid_keys(fresh_engine), target, {"title": "x"})
    assert not result.ok and not result.gone
    assert not held.is_set() and push_service.held == 1  # the service had not answered


def test_slow_push_services_do_not_slow_anyone_down(
    live_server: str,
    db: Session,
    push_service: PushService,
    held: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """45 test sends hang on slow endpoints; the pages answer, and /login answers meanwhile."""
    # Sends stay pending until released, whatever the machine's speed.
    monkeypatch.setattr(transport, "TOTAL_TIMEOUT_SECONDS", 120)
    therapist = make_staff(db, make_clinic(db))
    phones: list[httpx.Client] = []
    devices = []
    for _ in range(3):
        patient = make_patient(db, therapist)
        for _ in range(MAX_DEVICES):
            device = push_service.device(hold=held)
            subscribe(db, patient, device)
            devices.append(device)
        phone = httpx.Client(base_url=live_server, timeout=HANG_GUARD_SECONDS)
        sign_in_patient(phone, db, patient)  # type: ignore[arg-type]
        phones.append(phone)
    try:
        for _ in range(15):
            for phone in phones:
                answer = phone.post("/reminders/test", data={"csrf_token": csrf(phone)})  # type: ignore[arg-type]
                assert answer.status_code == 303
                assert "done=test-sent" in answer.headers["location"]
        for _ in range(600):  # until the slow service holds as many sends as the pool runs
            if push_service.held >= sending.PUSH_WORKERS:
                break
            held.wait(0.05)
        assert push_service.held == sending.PUSH_WORKERS

        with httpx.Client(base_url=live_server, timeout=HANG_GUARD_SECONDS) as anonymous:
            login = anonymous.get("/login")
        assert login.status_code == 200 and "password" in login.text.lower()
        # ...answered while every test send was still pending.
        assert not held.is_set()
        assert push_service.held == sending.PUSH_WORKERS
        assert sending.pending() == 3 * MAX_DEVICES
        assert push_service.received == []
    finally:
        held.set()
        for phone in phones:
            phone.close()
    assert sending.wait_idle(60)
    # Tapping 15 times sent one test to each device, not 15.
    assert Counter(r.device for r in push_service.received) == {d.name: 1 for d in devices}


@pytest.mark.parametrize("status", [404, 410])
def test_a_test_send_to_a_gone_device_removes_it(
    client: httpx.Client, db: Session, push_service: PushService, status: int
) -> None:
    """A push service saying the subscription is gone (404 or 410) ends it; others stay."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    sign_in_patient(client, db, patient)  # type: ignore[arg-type]
    good, gone = push_service.device(), push_service.device(status=status)
    for device in (good, gone):
        subscribe(db, patient, device)
    answer = client.post("/reminders/test", data={"csrf_token": csrf(client)})  # type: ignore[arg-type]
    assert answer.status_code == 303
    assert sending.wait_idle(30)
    db.expire_all()
    kept = db.exec(
        select(PushSubscription.endpoint).where(PushSubscription.patient_id == patient.id)
    ).all()
    assert kept == [good.endpoint]
