"""Webhooks reach a real receiver signed, once, retried after failures, never after a rollback."""

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.access.service import create_invite
from app.db import make_engine
from app.models import Patient, WebhookDelivery, WebhookEndpoint, utcnow
from app.webhooks.delivery import MAX_ATTEMPTS, backoff, send_due_webhooks
from app.webhooks.events import PATIENT_INVITED, ROUTINE_CHANGED
from app.webhooks.sealing import seal
from app.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER
from tests.webhooks.conftest import subscribed
from tests.webhooks.receiver import Receiver, receiver_verifies


def _invite(engine: Engine, patient: Patient) -> None:
    with Session(engine) as db:
        row = db.get(Patient, patient.id)
        assert row is not None
        create_invite(db, row)
        db.commit()


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as db:
        return list(db.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())


def test_a_signed_webhook_is_received_and_verified(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """The receiver checks the signature with the secret shown once, and sees ids only."""
    setup = subscribed(hook_engine, hook_receiver.url, [PATIENT_INVITED])
    _invite(hook_engine, setup.patient)
    assert hook_receiver.received == []  # nothing is sent on the request path

    report = send_due_webhooks(hook_engine)

    assert report.delivered == 1
    [got] = hook_receiver.received
    assert got.path == "/hooks/neuroglide"
    assert receiver_verifies(setup.registered.secret, got.headers[SIGNATURE_HEADER], got.body)
    assert not receiver_verifies("whsec_someone-else", got.headers[SIGNATURE_HEADER], got.body)
    assert not receiver_verifies(
        setup.registered.secret, got.headers[SIGNATURE_HEADER], got.body + b" "
    )
    payload = json.loads(got.body)
    assert payload["type"] == PATIENT_INVITED
    assert payload["id"] == got.headers[EVENT_ID_HEADER]
    assert payload["data"] == {"patient_id": setup.patient.id}
    assert setup.patient.display_name not in got.body.decode()
    [row] = _deliveries(hook_engine)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    # The secret is stored encrypted, not as typed.
    with Session(hook_engine) as db:
        endpoint = db.get(WebhookEndpoint, setup.registered.endpoint.id)
        assert endpoint is not None and setup.registered.secret not in endpoint.secret_sealed


def test_an_old_signature_is_refused_by_the_replay_window(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """A delivery replayed six minutes later no longer verifies, though the bytes are the same."""
    setup = subscribed(hook_engine, hook_receiver.url, [PATIENT_INVITED])
    _invite(hook_engine, setup.patient)
    send_due_webhooks(hook_engine)
    [got] = hook_receiver.received
    header = got.headers[SIGNATURE_HEADER]
    signed_at = int(header.split(",")[0].removeprefix("t="))
    assert receiver_verifies(setup.registered.secret, header, got.body, now=signed_at + 299)
    assert not receiver_verifies(setup.registered.secret, header, got.body, now=signed_at + 360)


@pytest.mark.parametrize("hook_engine", ["sqlite"], indirect=True)
def test_a_failed_delivery_is_retried_with_backoff_then_succeeds(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """A 500 leaves the delivery pending until its back-off has passed; then it is delivered."""
    setup = subscribed(hook_engine, hook_receiver.url, [PATIENT_INVITED])
    hook_receiver.answers = [500]
    _invite(hook_engine, setup.patient)
    now = utcnow()

    first = send_due_webhooks(hook_engine, now)
    [row] = _deliveries(hook_engine)
    assert first.retrying == 1
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert row.next_attempt_at == now + backoff(1)

    assert send_due_webhooks(hook_engine, now + timedelta(seconds=5)).claimed == 0
    later = send_due_webhooks(hook_engine, now + backoff(1))
    assert later.delivered == 1
    [row] = _deliveries(hook_engine)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)
    first_try, second_try = hook_receiver.received
    # The same event id both times, so the receiver can tell it is one event.
    assert first_try.headers[EVENT_ID_HEADER] == second_try.headers[EVENT_ID_HEADER]
    assert first_try.body == second_try.body
    assert receiver_verifies(
        setup.registered.secret, second_try.headers[SIGNATURE_HEADER], second_try.body
    )


@pytest.mark.parametrize("hook_engine", ["sqlite"], indirect=True)
def test_a_delivery_is_marked_failed_at_the_cap(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """Back-off doubles up to its cap, and after the last attempt the delivery is failed."""
    assert backoff(1) < backoff(2) < backoff(3)
    assert backoff(30) == backoff(40)
    setup = subscribed(hook_engine, hook_receiver.url, [PATIENT_INVITED])
    hook_receiver.answers = [500] * (MAX_ATTEMPTS + 5)
    _invite(hook_engine, setup.patient)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS + 2):
        send_due_webhooks(hook_engine, now)
        now += timedelta(days=1)
    [row] = _deliveries(hook_engine)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(hook_receiver.received) == MAX_ATTEMPTS


def test_nothing_is_sent_when_the_transaction_rolls_back(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """The outbox row is part of the event's own transaction."""
    setup = subscribed(hook_engine, hook_receiver.url, [PATIENT_INVITED])
    with Session(hook_engine) as db:
        patient = db.get(Patient, setup.patient.id)
        assert patient is not None
        create_invite(db, patient)
        assert len(db.exec(select(WebhookDelivery)).all()) == 1  # queued inside the transaction
        db.rollback()
    assert _deliveries(hook_engine) == []
    assert send_due_webhooks(hook_engine).claimed == 0
    assert hook_receiver.received == []


def test_a_private_address_is_refused_at_delivery_time(
    hook_engine: Engine, hook_receiver: Receiver
) -> None:
    """An endpoint that points inward (without the test-only setting) is never called."""
    setup = subscribed_public(hook_engine)
    with Session(hook_engine) as db:
        endpoint = db.get(WebhookEndpoint, setup)
        assert endpoint is not None
        # As if DNS now answered with a loopback address, or a row was changed behind our back.
        endpoint.url = hook_receiver.url
        db.add(endpoint)
        db.commit()
        patient = db.exec(select(Patient).where(Patient.clinic_id == endpoint.clinic_id)).one()
    _invite(hook_engine, patient)
    send_due_webhooks(hook_engine)
    [row] = _deliveries(hook_engine)
    assert row.status == "pending" and row.last_status_code is None
    assert row.last_error == "endpoint must be an https URL"
    assert hook_receiver.received == []


def subscribed_public(engine: Engine) -> int:
    """A clinic with an endpoint on a public https address (never called in the test)."""
    from tests.factories import make_clinic, make_patient, make_staff

    with Session(engine, expire_on_commit=False) as db:
        clinic = make_clinic(db)
        admin = make_staff(db, clinic, role="admin")
        make_patient(db, admin)
        endpoint = WebhookEndpoint(
            clinic_id=clinic.id or 0,
            url="https://hooks.example.com/in",
            events=[PATIENT_INVITED],
            secret_sealed=seal("whsec_x"),
        )
        db.add(endpoint)
        db.commit()
        assert endpoint.id is not None
        return endpoint.id


def test_two_servers_send_each_delivery_once(
    hook_engine: Engine, local_hosts: None, hook_receiver: Receiver
) -> None:
    """Passes started at the same moment on two engines claim each delivery exactly once."""
    setup = subscribed(hook_engine, hook_receiver.url, [ROUTINE_CHANGED, PATIENT_INVITED])
    for _ in range(6):
        _invite(hook_engine, setup.patient)
    url = hook_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def server(engine: Engine) -> None:
        try:
            start.wait()
            send_due_webhooks(engine)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=server, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert not errors, errors
    ids = [r.headers[EVENT_ID_HEADER] for r in hook_receiver.received]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert all(r.status == "delivered" and r.attempts == 1 for r in _deliveries(hook_engine))
