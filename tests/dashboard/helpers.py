"""Helpers for workspace tests: a signed-in staff client, logs, flags and a statement counter."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext
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


def sign_in_browser(context: BrowserContext, user: StaffUser, url: str) -> BrowserContext:
    """Sign a browser context in as a staff user, with the cookie /login would set."""
    cookie = {"name": STAFF_COOKIE, "value": staff_cookie(user), "url": url}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context


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


def silent_filter_matches_silent_days(db: Session, therapist: StaffUser) -> None:
    """Patients quiet for 1 to 5 days and one who never logged: the silent filter shows (and
    counts) exactly those whose silent days reach the threshold."""
    from datetime import timedelta

    from sqlalchemy import select as sa_select

    from app.core.clock import local_today
    from app.dashboard.query import base_filter, page_of, ranked
    from app.flags.service import SILENT_DAYS
    from app.routines.service import items_of
    from tests.factories import add_log, make_patient, routine_version

    today = local_today("Europe/London")
    for quiet in (1, 2, 3, 4, 5, None):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=20))
        patient.monitoring_started_on = today - timedelta(days=20)
        db.add(patient)
        if quiet is not None:
            item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
            add_log(db, patient, item, today - timedelta(days=quiet), sets=2, pain_after=2)
    db.commit()
    table = ranked(db, base_filter(therapist, "mine", ""))
    days = dict(db.connection().execute(sa_select(table.c.id, table.c.silent_days)).all())
    expected = {pid for pid, silent in days.items() if (silent or 0) >= SILENT_DAYS}
    figures, _, by_filter = page_of(db, table, "silent", 1)
    assert sorted(days.values(), key=lambda d: d or 0) == [1, 2, 3, 4, 5, 20]
    assert {f.patient_id for f in figures} == expected and by_filter["silent"] == 4
