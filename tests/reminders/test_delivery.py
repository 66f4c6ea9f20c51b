"""Push reminders are really encrypted, signed with the app's VAPID key, and delivered."""

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import make_engine
from app.models import AppKey, PushSubscription, ReminderDelivery, StaffUser
from app.reminders.push import forget_cached_keys, vapid_keys
from app.reminders.service import send_due_reminders
from tests.reminders.conftest import at_local, reminded_patient
from tests.reminders.pushservice import PushService, unb64url
from tests.support.postgres import PostgresServer


def test_reminder_arrives_encrypted_and_signed(
    fresh_engine: Engine, session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """The push service verifies the VAPID JWT and decrypts the payload with the device key."""
    patient, devices = reminded_patient(
        session, therapist, push_service, ["09:00", "18:00"], devices=2
    )
    report = send_due_reminders(fresh_engine, at_local(patient.timezone, 9, 5))

    assert push_service.errors == []
    assert report.sent == 1 and report.pushes == 2 and report.failed == 0
    keys = vapid_keys(fresh_engine)
    for device in devices:
        (message,) = push_service.for_device(device)
        assert message.payload == {
            "title": "Time for your nerve exercises",
            "body": "Your routine is ready. A few calm minutes is all it takes.",
            "url": "/today",
        }
        assert message.vapid_key == keys.public_b64
        assert message.claims["aud"] == push_service.origin
        assert message.claims["sub"].startswith("mailto:")
        assert message.headers["ttl"] == "3600"
        assert message.headers["urgency"] == "normal"
    session.expire_all()
    delivery = session.exec(select(ReminderDelivery)).one()
    assert (delivery.kind, delivery.status) == ("slot-1", "sent")
    subs = session.exec(select(PushSubscription)).all()
    assert all(s.last_success_at is not None and s.failure_count == 0 for s in subs)


def test_public_key_is_an_uncompressed_p256_point(fresh_engine: Engine) -> None:
    """Browsers need the raw 65-byte point, URL-safe base64, for applicationServerKey."""
    raw = unb64url(vapid_keys(fresh_engine).public_b64)
    assert len(raw) == 65 and raw[0] == 4


def test_spanish_patient_gets_spanish_text(
    fresh_engine: Engine, session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """The notification is in the patient's language."""
    patient, (device,) = reminded_patient(
        session, therapist, push_service, ["10:00"], language="es"
    )
    send_due_reminders(fresh_engine, at_local(patient.timezone, 10, 1))
    (message,) = push_service.for_device(device)
    assert message.payload["title"] == "Es hora de tus ejercicios para los nervios"
    assert push_service.errors == []


def test_gone_devices_are_removed_and_failures_counted(
    fresh_engine: Engine, session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """410 removes the subscription; a 500 keeps it with a failure counted; the claim stays."""
    patient, (good,) = reminded_patient(session, therapist, push_service, ["09:00"])
    from tests.reminders.conftest import subscribe

    gone = push_service.device("gone", status=410)
    broken = push_service.device("broken", status=500)
    subscribe(session, patient, gone)
    subscribe(session, patient, broken)
    report = send_due_reminders(fresh_engine, at_local(patient.timezone, 9, 10))

    assert report.sent == 1 and report.pushes == 1 and report.push_failures == 2
    assert report.removed == 1
    session.expire_all()
    left = {s.endpoint: s for s in session.exec(select(PushSubscription)).all()}
    assert gone.endpoint not in left
    assert left[broken.endpoint].failure_count == 1
    assert left[good.endpoint].failure_count == 0


def test_all_devices_failing_marks_the_reminder_failed(
    fresh_engine: Engine, session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """A reminder no device accepted is recorded as failed, and not retried (at most once)."""
    patient, _ = reminded_patient(session, therapist, push_service, ["09:00"], devices=0)
    from tests.reminders.conftest import subscribe

    subscribe(session, patient, push_service.device("down", status=503))
    now = at_local(patient.timezone, 9, 2)
    first = send_due_reminders(fresh_engine, now)
    again = send_due_reminders(fresh_engine, now)
    assert (first.failed, first.sent, again.due) == (1, 0, 0)
    session.expire_all()
    assert session.exec(select(ReminderDelivery.status)).all() == ["failed"]


def _race_for_keys(url: str) -> None:
    forget_cached_keys()
    engines = [make_engine(url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    results: list[str] = []

    def start(engine: Engine) -> None:
        barrier.wait()
        results.append(vapid_keys(engine).public_b64)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
    with Session(engines[0]) as check:
        assert len(check.exec(select(AppKey)).all()) == 2
    for engine in engines:
        engine.dispose()
    forget_cached_keys()
    # Kept: a restarted server reads the same pair back.
    again = make_engine(url)
    assert vapid_keys(again).public_b64 == results[0]
    again.dispose()
    forget_cached_keys()


def test_servers_starting_together_share_one_key_pair_sqlite(fresh_engine: Engine) -> None:
    """Four servers making keys at once on SQLite end with one stored pair."""
    _race_for_keys(str(fresh_engine.url))


@pytest.mark.postgres
def test_servers_starting_together_share_one_key_pair_postgres(postgres: PostgresServer) -> None:
    """The same on PostgreSQL."""
    from app.cli import run_migrations

    url = postgres.create_database("reminder_keys")
    run_migrations(url)
    _race_for_keys(url)
