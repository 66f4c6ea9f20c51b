"""A revalidated Today: a 304 only for the same patient, session, language and data, decided
from one lean statement, with every security header of a page."""

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.access.service import revoke_access
from app.core.middleware import CSP
from app.core.sessions import _serializer, cookie_name
from app.db import make_engine
from app.messages.service import send_from_staff
from app.models import Patient
from bench.server import AppServer, Visitor, seed
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.perf.test_statements import TODAY_LIMIT
from tests.staff.support import client_from
from tests.support.postgres import PostgresServer
from tests.support.statements import count_statements


def _signed_in(client: TestClient, db: Session, patient: Patient) -> str:
    sign_in_patient(client, db, patient)
    reply = client.get("/today")
    assert reply.status_code == 200
    return reply.headers["etag"]


def _fresh(db: Session, patient: Patient) -> Patient:
    db.expire_all()
    found = db.get(Patient, patient.id)
    assert found is not None
    return found


def test_a_304_carries_every_header_a_page_does(client: TestClient, db: Session) -> None:
    """The revalidation answer keeps the page's policy, its no-store and its Vary."""
    tag = _signed_in(client, db, make_patient(db, make_staff(db, make_clinic(db))))
    again = client.get("/today", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["content-security-policy"] == CSP
    assert again.headers["cache-control"] == "no-store"
    assert again.headers["vary"] == "HX-Request, Cookie"
    for name in ("x-content-type-options", "referrer-policy", "x-frame-options"):
        assert name in again.headers, name


def test_another_patients_tag_is_never_a_304(db: Session) -> None:
    """Patient B sending A's tag (same clinic, same routine, same day) gets B's own page."""
    therapist = make_staff(db, make_clinic(db))
    first, second = make_patient(db, therapist), make_patient(db, therapist)
    db.commit()
    with client_from() as phone_a, client_from() as phone_b:
        tag_a = _signed_in(phone_a, db, first)
        tag_b = _signed_in(phone_b, db, second)
        assert tag_a != tag_b
        reply = phone_b.get("/today", headers={"If-None-Match": tag_a})
        assert reply.status_code == 200
        assert reply.headers["etag"] == tag_b


def test_no_304_after_the_session_is_revoked(client: TestClient, db: Session) -> None:
    """Signed out everywhere by the therapist, the old tag gets no page and no 304."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    tag = _signed_in(client, db, patient)
    revoke_access(db, _fresh(db, patient))
    db.commit()
    reply = client.get(
        "/today", headers={"If-None-Match": tag, "Accept": "text/html"}, follow_redirects=False
    )
    assert reply.status_code not in (200, 304)
    assert "etag" not in reply.headers


def test_no_304_for_an_archived_patient(client: TestClient, db: Session) -> None:
    """An archived patient's phone is signed out, whatever tag it sends."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    tag = _signed_in(client, db, patient)
    stored = _fresh(db, patient)
    stored.archived_at = datetime.now(UTC)
    db.add(stored)
    db.commit()
    reply = client.get("/today", headers={"If-None-Match": tag}, follow_redirects=False)
    assert reply.status_code not in (200, 304)


def test_a_language_change_is_a_new_page_in_that_language(client: TestClient, db: Session) -> None:
    """The tag of the English page gets the Spanish page once the patient chose Spanish."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    tag = _signed_in(client, db, patient)
    stored = _fresh(db, patient)
    stored.language = "es"
    db.add(stored)
    db.commit()
    reply = client.get("/today", headers={"If-None-Match": tag})
    assert reply.status_code == 200
    assert reply.headers["etag"] != tag
    assert 'lang="es"' in reply.text


def test_a_revalidation_is_one_statement(client: TestClient, db: Session, engine: Engine) -> None:
    """A current copy costs one statement; a stale one a page's worth plus that one."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    tag = _signed_in(client, db, patient)
    with count_statements(engine) as sent:
        assert client.get("/today", headers={"If-None-Match": tag}).status_code == 304
    assert len(sent) == 1, "\n".join(sent)
    with count_statements(engine) as sent:
        reply = client.get("/today", headers={"If-None-Match": 'W/"old"'})
    assert reply.status_code == 200
    assert len(sent) <= TODAY_LIMIT + 1, "\n".join(sent)
    assert not sent.repeated


def test_a_day_old_session_is_re_signed_on_a_page_and_on_a_304(
    client: TestClient, db: Session
) -> None:
    """The rolling patient session keeps rolling whether Today renders or revalidates."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    tag = _signed_in(client, db, patient)
    stored = _fresh(db, patient)
    old = _serializer("patient").dumps(
        {"u": stored.id, "v": stored.session_version, "t": time.time() - 2 * 86400}
    )
    client.cookies.set(cookie_name("patient"), old)
    for headers, status in (({}, 200), ({"If-None-Match": tag}, 304)):
        reply = client.get("/today", headers=headers)
        assert reply.status_code == status
        renewed = reply.headers.get("set-cookie", "")
        assert renewed.startswith(cookie_name("patient") + "="), headers
        assert "httponly" in renewed.lower() and "samesite=lax" in renewed.lower()
        client.cookies.set(cookie_name("patient"), old)


@pytest.mark.postgres
def test_revalidation_on_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    """On PostgreSQL the stamps are read in the worker thread: a current copy is a 304, a
    stale one the page, and a revoked session neither."""
    url = postgres.create_database("today_revalidation")
    cast = seed(url, patients=1, therapists=1, days=2)
    with AppServer(url, tmp_path) as server:
        visitor = Visitor(server.url)
        visitor.open_invite(cast.patients[0].token)
        first = visitor.client.get("/today")
        assert first.status_code == 200
        tag = first.headers["etag"]
        again = visitor.client.get("/today", headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag
        stale = visitor.client.get("/today", headers={"If-None-Match": 'W/"old"'})
        assert stale.status_code == 200 and stale.headers["etag"] == tag
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                patient = session.get(Patient, cast.patients[0].id)
                assert patient is not None
                revoke_access(session, patient)
                session.commit()
        finally:
            engine.dispose()
        gone = visitor.client.get(
            "/today", headers={"If-None-Match": tag, "Accept": "text/html"}, follow_redirects=False
        )
        assert gone.status_code not in (200, 304)
        visitor.close()


def test_on_sqlite_today_never_waits_for_a_worker_thread(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered or revalidated, Today is made on the event loop: on SQLite its reads take less
    than a hand-off to a thread and back would (app/db.py reads_on_loop)."""
    tag = _signed_in(client, db, make_patient(db, make_staff(db, make_clinic(db))))
    handed: list[object] = []
    real = anyio.to_thread.run_sync

    async def counted(work: object, *args: object, **kwargs: object) -> object:
        handed.append(work)
        return await real(work, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    page = client.get("/today")
    assert page.status_code == 200 and 'id="plan"' in page.text
    assert client.get("/today", headers={"If-None-Match": tag}).status_code == 304
    assert handed == []


def test_on_sqlite_an_answer_marked_read_is_written_off_the_event_loop(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """Today reads on the event loop; the reply it marks read is written by the commit in a
    worker thread, where waiting for SQLite's lock stops no other request."""
    staff = make_staff(db, make_clinic(db))
    patient = make_patient(db, staff)
    send_from_staff(db, patient, staff, uuid.uuid4(), "Keep the glides gentle this week")
    db.commit()
    sign_in_patient(client, db, patient)
    seen: list[tuple[str, str]] = []

    def listener(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append((" ".join(statement.split()[:3]), threading.current_thread().name))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get("/today")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.status_code == 200 and "Keep the glides gentle" in page.text
    # The stamp moves at the commit: this copy must not be taken for the new one.
    assert "etag" not in page.headers
    loop = next(thread for text, thread in seen if text.startswith("SELECT"))
    writes = [thread for text, thread in seen if text.startswith("UPDATE message")]
    assert writes and loop not in writes, seen
    fresh = client.get("/today")
    assert "Keep the glides gentle" in fresh.text and fresh.headers.get("etag")
    assert client.get("/today", headers={"If-None-Match": fresh.headers["etag"]}).status_code == 304
