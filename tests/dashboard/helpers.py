"""Helpers for workspace tests: a signed-in staff client, logs, flags and a statement counter."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.sessions import STAFF_COOKIE
from app.models import Flag, MorningCheck, Patient, StaffUser
from tests.factories import csrf, staff_session_cookie

HTML = {"accept": "text/html"}


def staff_cookie(user: StaffUser) -> str:
    """The signed session cookie value /login would set for this staff user (a new session)."""
    return staff_session_cookie(user)


def sign_in(client: TestClient, user: StaffUser) -> str:
    """Sign the client in as a staff user; returns the CSRF form token."""
    client.cookies.set(STAFF_COOKIE, staff_cookie(user))
    return csrf(client)


def add_morning(db: Session, patient: Patient, day: date, comparison: str) -> MorningCheck:
    """Store a next-morning answer given on `day` about the day before."""
    from datetime import timedelta

    assert patient.id is not None
    check = MorningCheck(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        local_date=day,
        about_date=day - timedelta(days=1),
        comparison=comparison,
        answered_at=datetime.combine(day, datetime.min.time(), UTC),
    )
    db.add(check)
    db.flush()
    return check


def add_flag(db: Session, patient: Patient, kind: str, severity: int, detail: str = "") -> Flag:
    """An open flag on a patient."""
    assert patient.id is not None
    flag = Flag(
        patient_id=patient.id,
        kind=kind,
        key=f"test:{uuid.uuid4()}",
        severity=severity,
        detail=detail or kind,
    )
    db.add(flag)
    db.flush()
    return flag


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
