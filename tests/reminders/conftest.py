"""Fixtures for reminders: a fresh database per test, a local push service, and helpers."""

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.activity.schemas import LogIn, SafetyIn
from app.activity.service import record_log, record_safety
from app.cli import run_migrations
from app.core.clock import local_today, zone
from app.db import make_engine
from app.models import Patient, PushSubscription, StaffUser
from app.patient.service import today_plan
from app.reminders.push import forget_cached_keys
from app.reminders.schemas import ReminderChoice, SubscriptionIn
from app.reminders.settings import save_settings, save_subscription
from app.routines.service import ItemDose, new_version
from tests.factories import builtin, make_clinic, make_patient, make_staff
from tests.reminders.pushservice import FakeDevice, PushService, start_push_service

_TEMPLATE: dict[str, Path] = {}


def migrated_sqlite(tmp_path: Path) -> str:
    """A migrated SQLite file with the library loaded (copied from one made per run)."""
    import shutil

    if "db" not in _TEMPLATE:
        template = tmp_path.parent / "reminders-template.db"
        if not template.exists():
            run_migrations(f"sqlite:///{template}")
        _TEMPLATE["db"] = template
    target = tmp_path / "reminders.db"
    for suffix in ("", "-wal", "-shm"):  # WAL sidecars may still hold the last writes
        source = Path(str(_TEMPLATE["db"]) + suffix)
        if source.exists():
            shutil.copy(source, Path(str(target) + suffix))
    return f"sqlite:///{target}"


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, so each test sees only the patients it makes."""
    engine = make_engine(migrated_sqlite(tmp_path))
    try:
        yield engine
    finally:
        engine.dispose()
        forget_cached_keys()


@pytest.fixture
def session(fresh_engine: Engine) -> Iterator[Session]:
    """A session on the fresh database."""
    with Session(fresh_engine, expire_on_commit=False) as db:
        yield db
        db.commit()


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """The local push service, stopped after the test."""
    service = start_push_service()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()


@pytest.fixture
def therapist(session: Session) -> StaffUser:
    """A therapist of a new clinic."""
    return make_staff(session, make_clinic(session))


def at_local(tz_name: str, hour: int, minute: int = 0, day: date | None = None) -> datetime:
    """A moment given as the patient's local clock time (today in their zone by default)."""
    day = day or local_today(tz_name)
    return datetime.combine(day, time(hour, minute), tzinfo=zone(tz_name))


def set_reminders(
    db: Session,
    patient: Patient,
    times: list[str],
    *,
    quiet: tuple[str, str] | None = None,
    nudge: bool = True,
    morning: bool = True,
    enabled: bool = True,
) -> None:
    """Store the patient's reminder choices."""
    start, end = (time.fromisoformat(q) for q in quiet) if quiet else (None, None)
    save_settings(db, patient, ReminderChoice(enabled, sorted(times), start, end, nudge, morning))
    db.commit()


def subscribe(db: Session, patient: Patient, device: FakeDevice) -> PushSubscription:
    """Register a fake device for the patient, as POST /api/push/subscribe does."""
    sub = save_subscription(
        db, patient, SubscriptionIn.model_validate(device.subscription_json()), "pytest"
    )
    db.commit()
    return sub


def log_slot(db: Session, patient: Patient, slot: int, day: date | None = None) -> None:
    """Log every exercise of today's plan for one slot."""
    day = day or local_today(patient.timezone)
    for entry in today_plan(db, patient).items:
        assert entry.item.id is not None
        data = LogIn(
            uuid=uuid.uuid4(),
            routine_item_id=entry.item.id,
            local_date=day,
            slot=slot,
            sets_done=2,
        )
        record_log(db, patient, data, local_today(patient.timezone))
    db.commit()


def report_warning_signs(db: Session, patient: Patient) -> None:
    """The patient ticks a stop sign today, which pauses the routine."""
    day = local_today(patient.timezone)
    record_safety(
        db, patient, SafetyIn(uuid=uuid.uuid4(), local_date=day, answers=["night_pain"]), day
    )
    db.commit()


def rest_today(db: Session, patient: Patient) -> None:
    """A new routine version with exercises on every day except the patient's today."""
    assert patient.id is not None
    today = local_today(patient.timezone)
    mask = 0b1111111 & ~(1 << today.weekday())
    exercise = builtin(db, "median-slider")
    assert exercise.id is not None
    new_version(db, patient.id, [ItemDose(exercise_id=exercise.id, days_mask=mask)], today)
    db.commit()


def reminded_patient(
    db: Session,
    therapist: StaffUser,
    service: PushService,
    times: list[str],
    *,
    timezone: str = "Europe/London",
    language: str = "en",
    devices: int = 1,
    **kwargs: object,
) -> tuple[Patient, list[FakeDevice]]:
    """A patient with a routine, reminder times and subscribed devices."""
    patient = make_patient(db, therapist, timezone=timezone, language=language)
    set_reminders(db, patient, times, **kwargs)  # type: ignore[arg-type]
    made = [service.device(f"p{patient.id}-d{n}") for n in range(devices)]
    for device in made:
        subscribe(db, patient, device)
    return patient, made
