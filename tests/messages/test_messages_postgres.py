"""Messages on PostgreSQL: stored once per UUID, unread counts grouped, the month's count."""

import uuid

import pytest
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from app.messages.service import (
    mark_read_by_staff,
    month_messages,
    send_from_patient,
    send_from_staff,
    unread_messages,
)
from app.patients.deletion import delete_patient
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_messages_on_postgres(postgres: PostgresServer) -> None:
    """A repeated UUID, the dashboard's grouped count, reading, the RTM count and deletion."""
    url = postgres.create_database("messages")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            therapist = make_staff(db, make_clinic(db))
            patient = make_patient(db, therapist)
            quiet = make_patient(db, therapist)
            same = uuid.uuid4()
            assert send_from_patient(db, patient, same, "First")[1] is True
            assert send_from_patient(db, patient, same, "First")[1] is False
            send_from_patient(db, patient, uuid.uuid4(), "Second")
            send_from_patient(db, quiet, same, "Another patient may share a UUID")
            db.commit()
            ids = [patient.id or 0, quiet.id or 0]
            assert unread_messages(db, ids) == {patient.id: 2, quiet.id: 1}
            assert mark_read_by_staff(db, patient, therapist) == 2
            send_from_staff(db, patient, therapist, uuid.uuid4(), "Answer")
            db.commit()
            assert unread_messages(db, ids) == {quiet.id: 1}
            month = month_messages(db, patient)
            assert month.count == 3 and month.counts_as_interactive is False
            assert delete_patient(db, patient)["message"] == 3
            db.commit()
            assert month_messages(db, patient).count == 0
    finally:
        engine.dispose()
