"""Two app servers sending at the same moment deliver each reminder exactly once."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import app.reminders.service as reminder_service
from app.db import make_engine
from app.models import ReminderDelivery
from app.reminders.push import forget_cached_keys
from app.reminders.service import CLAIM_LEASE, SendReport, send_due_reminders
from tests.factories import make_clinic, make_staff
from tests.reminders.conftest import at_local, migrated_sqlite, reminded_patient
from tests.reminders.pushservice import PushService
from tests.support.postgres import PostgresServer

PATIENTS = 12
DEVICES = 2


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file, or a migrated database on the run's PostgreSQL server."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path_factory.mktemp("once"))
    from app.cli import run_migrations

    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database(f"reminders_once_{uuid.uuid4().hex[:8]}")
    run_migrations(url)
    return url


@pytest.fixture
def both_compute_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Barrier]:
    """Make both servers finish finding what is due before either claims, forcing the race."""
    barrier = threading.Barrier(2, timeout=30)
    real: Callable[..., list[reminder_service.Due]] = reminder_service.due_reminders

    def racing(session: Session, now: datetime | None = None) -> list[reminder_service.Due]:
        found = real(session, now)
        barrier.wait()
        return found

    monkeypatch.setattr(reminder_service, "due_reminders", racing)
    yield barrier


def _two_servers(url: str, now: datetime) -> list[SendReport]:
    """Run one pass on each of two engines (two app instances) released at the same instant."""
    engines = [make_engine(url), make_engine(url)]
    reports: list[SendReport] = []
    errors: list[BaseException] = []

    def server(engine: Engine) -> None:
        try:
            reports.append(send_due_reminders(engine, now))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=server, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert not errors, errors
    return reports


def test_two_servers_send_each_reminder_once(
    database_url: str, push_service: PushService, both_compute_first: threading.Barrier
) -> None:
    """Both servers see every reminder as due; the unique claim lets only one send each."""
    forget_cached_keys()
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as db:
        therapist = make_staff(db, make_clinic(db))
        patients = [
            reminded_patient(db, therapist, push_service, ["09:00", "18:00"], devices=DEVICES)
            for _ in range(PATIENTS)
        ]
    tz = patients[0][0].timezone
    morning = at_local(tz, 9, 3)

    reports = _two_servers(database_url, morning)
    assert push_service.errors == []
    assert [r.due for r in reports] == [PATIENTS, PATIENTS], "both servers saw every reminder"
    assert sum(r.claimed for r in reports) == PATIENTS
    assert sum(r.skipped for r in reports) == PATIENTS
    per_device = Counter(m.device for m in push_service.received)
    assert push_service.requests == PATIENTS * DEVICES
    assert set(per_device.values()) == {1}
    assert len(per_device) == PATIENTS * DEVICES

    # Passes a minute later on both servers send nothing more for the same slot.
    reports = _two_servers(database_url, morning + timedelta(minutes=1))
    assert sum(r.claimed for r in reports) == 0
    assert push_service.requests == PATIENTS * DEVICES

    # The evening slot later that day arrives once too.
    reports = _two_servers(database_url, at_local(tz, 18, 0))
    assert sum(r.claimed for r in reports) == PATIENTS
    per_device = Counter(m.device for m in push_service.received)
    assert set(per_device.values()) == {2}
    with Session(engine) as db:
        rows = db.exec(
            select(ReminderDelivery.kind, func.count()).group_by(ReminderDelivery.kind)
        ).all()
    assert dict(rows) == {"slot-1": PATIENTS, "slot-2": PATIENTS}
    engine.dispose()
    forget_cached_keys()


SERVER_SCRIPT = """
import json, sys, time
from datetime import datetime
from app.db import make_engine
from app.reminders.service import send_due_reminders
url, now, start_at = sys.argv[1], datetime.fromisoformat(sys.argv[2]), float(sys.argv[3])
engine = make_engine(url)
time.sleep(max(0.0, start_at - time.time()))
report = send_due_reminders(engine, now)
print(json.dumps({"claimed": report.claimed, "skipped": report.skipped, "due": report.due}))
"""


def test_two_server_processes_send_each_reminder_once(
    database_url: str, push_service: PushService
) -> None:
    """The same with two real processes, each with its own connections, started together."""
    import json
    import subprocess
    import sys
    import time

    forget_cached_keys()
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as db:
        therapist = make_staff(db, make_clinic(db))
        patients = [
            reminded_patient(db, therapist, push_service, ["09:00"], devices=DEVICES)
            for _ in range(PATIENTS)
        ]
    engine.dispose()
    now = at_local(patients[0][0].timezone, 9, 2).isoformat()
    start_at = str(time.time() + 3)  # both import the app first, then start at once
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER_SCRIPT, database_url, now, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    print(f"\ntwo server processes ({database_url.split(':')[0]}): {reports}")
    assert push_service.errors == []
    assert sum(r["claimed"] for r in reports) == PATIENTS
    per_device = Counter(m.device for m in push_service.received)
    assert len(per_device) == PATIENTS * DEVICES and set(per_device.values()) == {1}
    assert push_service.requests == PATIENTS * DEVICES
    forget_cached_keys()


def test_a_claim_left_by_a_server_that_died_is_sent_once_later(
    database_url: str, push_service: PushService
) -> None:
    """A server claimed a reminder and died before sending: after the lease, exactly one of two
    servers sends it, and a claim younger than the lease is left to its owner."""
    forget_cached_keys()
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as db:
        therapist = make_staff(db, make_clinic(db))
        patients = [
            reminded_patient(db, therapist, push_service, ["09:00"], devices=1) for _ in range(2)
        ]
    tz = patients[0][0].timezone
    morning = at_local(tz, 9, 1)
    with Session(engine) as db:
        for patient, _devices in patients:
            db.add(
                ReminderDelivery(
                    patient_id=patient.id,  # type: ignore[arg-type]
                    local_date=morning.astimezone(ZoneInfo(tz)).date(),
                    kind="slot-1",
                    status="claimed",
                    created_at=morning,
                )
            )
        db.commit()

    # Within the lease the dead server might still be sending: nobody touches its claims.
    reports = _two_servers(database_url, morning + CLAIM_LEASE - timedelta(seconds=30))
    assert sum(r.claimed for r in reports) == 0 and push_service.requests == 0

    # After it, both servers see the abandoned claims; each is taken over and sent once.
    reports = _two_servers(database_url, morning + CLAIM_LEASE + timedelta(minutes=1))
    assert sum(r.claimed for r in reports) == 2
    assert push_service.errors == [] and push_service.requests == 2
    with Session(engine) as db:
        statuses = db.exec(select(ReminderDelivery.status)).all()
    assert statuses == ["sent", "sent"]

    # Sent is final: later passes in the window send nothing more.
    reports = _two_servers(database_url, morning + CLAIM_LEASE * 3)
    assert sum(r.claimed for r in reports) == 0 and push_service.requests == 2
    engine.dispose()
    forget_cached_keys()
