"""Messages on PostgreSQL: stored once per UUID, unread counts grouped, the month's count."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.cli import run_migrations
from app.db import make_engine
from app.messages.service import (
    mark_read_by_staff,
    month_messages,
    send_from_patient,
    send_from_staff,
    unread_messages,
)
from app.models import Message, Patient
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


@pytest.mark.postgres
def test_one_uuid_sent_twice_at_once_is_stored_once(postgres: PostgresServer) -> None:
    """A phone's retry arriving while the first send is still being stored waits for it and
    answers with the stored message, not with a refusal from the unique key."""
    url = postgres.create_database("messages_race")
    run_migrations(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            patient = make_patient(db, make_staff(db, make_clinic(db)))
            db.commit()
        same = uuid.uuid4()
        with Session(engine, expire_on_commit=False) as first:
            assert send_from_patient(first, patient, same, "Numb toes")[1] is True
            with ThreadPoolExecutor(1) as pool:
                # The retry, in a transaction of its own, while the first is not committed.
                retry = pool.submit(_send_in_own_session, engine, patient, same)
                time.sleep(0.5)
                assert not retry.done()  # waiting for the first, not past it
                first.commit()
                assert retry.result(timeout=20) is False  # found, not created, no error
        with Session(engine) as db:
            assert len(db.exec(select(Message).where(Message.uuid == same)).all()) == 1
    finally:
        engine.dispose()


def _send_in_own_session(engine: Engine, patient: Patient, message_uuid: uuid.UUID) -> bool:
    with Session(engine, expire_on_commit=False) as session:
        created = send_from_patient(session, patient, message_uuid, "Numb toes")[1]
        session.commit()
        return created
