"""Fixtures for webhooks: a fresh database (SQLite or PostgreSQL), a receiver, a clinic."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.models import Patient, StaffUser
from app.webhooks.events import EVENT_TYPES
from app.webhooks.service import Registered, register
from tests.factories import make_clinic, make_patient, make_staff
from tests.reminders.conftest import migrated_sqlite
from tests.support.postgres import PostgresServer
from tests.webhooks.receiver import Receiver, receiver


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hook_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of the test's own."""
    if request.param == "sqlite":
        url = migrated_sqlite(tmp_path)
    else:
        from app.cli import run_migrations

        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create_database(f"hooks_{uuid.uuid4().hex[:8]}")
        run_migrations(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def local_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let webhooks reach the test receiver on 127.0.0.1 (the test-only setting)."""
    monkeypatch.setattr(get_settings(), "webhook_allowed_hosts", "127.0.0.1")


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    """The clinic's software, listening."""
    with receiver() as state:
        yield state


@dataclass
class Setup:
    """A clinic with an admin, a patient and an endpoint subscribed to every event."""

    admin: StaffUser
    patient: Patient
    registered: Registered


def subscribed(engine: Engine, url: str, events: list[str] | None = None) -> Setup:
    """Make a clinic whose endpoint at url takes the given events (all by default)."""
    with Session(engine, expire_on_commit=False) as db:
        clinic = make_clinic(db)
        admin = make_staff(db, clinic, role="admin")
        patient = make_patient(db, admin)
        made = register(db, admin, url, "Practice system", events or list(EVENT_TYPES))
        db.commit()
    return Setup(admin, patient, made)
