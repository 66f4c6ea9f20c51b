"""NUL characters and text-direction controls sent in a query, a form or JSON are taken out before
any route reads them.

PostgreSQL refuses a NUL in text: before, such a request failed with a 500 there (and a phone's
outbox retried it for ever), while SQLite stored the NUL. A right-to-left override reversed
the words around it on every page that showed it."""

import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.core.nul import without_nul_encoded, without_nul_json
from app.models import ExerciseLog, Message
from bench.server import AppServer, Visitor, seed
from tests.support.postgres import PostgresServer

NUL = "\x00"


def test_encoded_nuls_are_removed_and_nothing_else() -> None:
    """Only a real NUL goes: an encoded percent sign followed by zeros is text."""
    assert without_nul_encoded(b"q=a%00b&n=%2500&x=c\x00d") == b"q=ab&n=%2500&x=cd"
    assert without_nul_encoded(b"q=plain") == b"q=plain"


def test_json_nuls_are_removed_from_strings_and_keys_only() -> None:
    """Strings and keys at any depth lose their NULs; an escaped backslash stays; bad JSON is
    left for the route to refuse."""
    body = b'{"note": "a\\u0000b", "list": ["\\u0000x", 1], "k\\u0000": {"t": "c\\\\u0000"}}'
    assert without_nul_json(body) == b'{"note": "ab", "list": ["x", 1], "k": {"t": "c\\\\u0000"}}'
    assert without_nul_json(b'{"bad": "\\u0000"') == b'{"bad": "\\u0000"'
    assert without_nul_json(b'{"fine": "text"}') == b'{"fine": "text"}'


def test_direction_controls_are_removed_in_every_form() -> None:
    """Right-to-left overrides and isolates go, raw, percent-encoded (either case) or escaped in
    JSON; other non-ASCII text, and a percent sign written as text, stay."""
    form = b"name=Zo%C3%AB%E2%80%AEenohp&b=%e2%81%a7x%E2%81%A9&c=a\xe2\x80\xaeb&d=%25E2%2580%25AE"
    assert without_nul_encoded(form) == b"name=Zo%C3%ABenohp&b=x&c=ab&d=%25E2%2580%25AE"
    body = '{"note": "a\\u202Eb\u2066c", "ok": "caf\\u00e9 \u00e9"}'.encode()
    assert without_nul_json(body) == '{"note": "abc", "ok": "café é"}'.encode()
    assert without_nul_json(b'{"ok": "caf\\u00e9"}') == b'{"ok": "caf\\u00e9"}'


def _sends_nuls(url: str, folder: Path) -> None:
    """A patient's log and message and a therapist's search and notes with NULs are stored or
    answered without them; a sign-in with one is an ordinary refusal."""
    cast = seed(url, patients=1, therapists=1, days=2)
    patient, therapist = cast.patients[0], cast.therapists[0]
    with AppServer(url, folder) as server:
        phone = Visitor(server.url)
        phone.open_invite(patient.token)
        body = phone.log_body(patient.item_ids[0])
        body["note"] = f"tin{NUL}gl\u202eing"
        reply = phone.post_log(body)
        assert reply.status_code == 201, reply.text
        assert reply.json()["entry"]["note"] == "tingling"
        sent = {"uuid": str(uuid.uuid4()), "body": f"hello{NUL} there"}
        reply = phone.client.post("/api/messages", json=sent, headers={"x-csrf-token": phone.csrf})
        assert reply.status_code in (200, 201), reply.text
        phone.close()

        desk = Visitor(server.url)
        form = {"email": f"nobody{NUL}@example.org", "password": "x", "csrf_token": desk._csrf()}
        reply = desk.client.post("/login", data=form)
        assert reply.status_code in (401, 422), reply.text  # refused as any unknown address
        desk.sign_in(therapist.email)
        assert desk.client.get("/patients", params={"q": f"a{NUL}b"}).status_code == 200
        reply = desk.client.get("/patients", params={"q": "Zo\u202eë"})
        assert reply.status_code == 200 and "\u202e" not in reply.text
        desk.close()

    from app.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as db:
            note = db.exec(
                select(ExerciseLog.note).where(ExerciseLog.uuid == uuid.UUID(body["uuid"]))
            ).one()
            assert note == "tingling"
            message = db.exec(
                select(Message.body).where(Message.uuid == uuid.UUID(sent["uuid"]))
            ).one()
            assert message == "hello there"
    finally:
        engine.dispose()


def test_nuls_never_reach_sqlite(tmp_path: Path) -> None:
    """SQLite would store them: it stores the text without them."""
    _sends_nuls(f"sqlite:///{tmp_path / 'nul.db'}", tmp_path)


@pytest.mark.postgres
def test_nuls_never_reach_postgres(postgres: PostgresServer, tmp_path: Path) -> None:
    """PostgreSQL would refuse them with an error (a 500): every request succeeds."""
    _sends_nuls(postgres.create_database("nul_input"), tmp_path)
