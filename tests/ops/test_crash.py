"""Crash survival: the server is killed with SIGKILL mid-write and nothing it acknowledged is lost.

A few signed-in phones send exercise logs, each under a fresh UUID, as fast as the server takes
them. The server process (uvicorn, a subprocess) is killed with SIGKILL in the middle of that,
then started again on the same database. Every log whose POST was answered 2xx is stored, once;
the database is intact; replaying every UUID sent (answered or not) adds no duplicates.
"""

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db import make_engine
from app.models import ExerciseLog
from bench.server import AppServer, Visitor, seed
from tests.support.postgres import PostgresServer

PHONES = 4
LOAD_SECONDS = 3.0


@dataclass
class Ledger:
    """What the phones sent and what the server acknowledged, shared by the writer threads."""

    sent: dict[uuid.UUID, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    acknowledged: set[uuid.UUID] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write(phone: int, visitor: Visitor, item: int, ledger: Ledger, stop: threading.Event) -> None:
    """Send logs under fresh UUIDs until told to stop, each until it is answered (an outbox)."""
    body: dict[str, Any] | None = None
    while not stop.is_set():
        if body is None:
            body = visitor.log_body(item)
            with ledger.lock:
                ledger.sent[uuid.UUID(body["uuid"])] = (phone, body)
        try:
            reply = visitor.post_log(body)
        except httpx.HTTPError:
            time.sleep(0.01)  # no answer (the server is down): keep it and try again
            continue
        if 200 <= reply.status_code < 300:
            with ledger.lock:
                ledger.acknowledged.add(uuid.UUID(body["uuid"]))
        else:
            ledger.refused.append(f"{reply.status_code} {reply.text[:200]}")
        body = None


def _stored(database_url: str) -> dict[uuid.UUID, int]:
    """How many rows each stored log UUID has."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(col(ExerciseLog.uuid), func.count()).group_by(col(ExerciseLog.uuid))
            ).all()
        return {row[0]: int(row[1]) for row in rows}
    finally:
        engine.dispose()


def _crash_and_recover(database_url: str, data_dir: Path, sqlite_file: Path | None) -> None:
    """The whole scenario against one database."""
    cast = seed(database_url, patients=PHONES, therapists=1, days=0)
    server = AppServer(database_url, data_dir).start()
    phones: list[tuple[Visitor, int]] = []
    try:
        for patient in cast.patients:
            phone = Visitor(server.url, timeout=5)
            phone.open_invite(patient.token)
            phones.append((phone, patient.item_ids[0]))
        ledger, stop = Ledger(), threading.Event()
        writers = [
            threading.Thread(target=_write, args=(n, phone, item, ledger, stop))
            for n, (phone, item) in enumerate(phones)
        ]
        for writer in writers:
            writer.start()
        time.sleep(LOAD_SECONDS)
        server.kill()  # mid-write: requests are in flight on every thread
        time.sleep(0.3)
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
        assert not ledger.refused, ledger.refused[:5]
        assert len(ledger.acknowledged) >= 10, "the load never got going"

        if sqlite_file is not None:
            # Opening the file the way any tool would replays the write-ahead log.
            with sqlite3.connect(sqlite_file) as check:
                assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert check.execute("PRAGMA foreign_key_check").fetchall() == []

        server = AppServer(database_url, data_dir, port=server.port).start()
        health = httpx.get(server.url + "/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"

        stored = _stored(database_url)
        lost = [u for u in ledger.acknowledged if u not in stored]
        assert not lost, f"{len(lost)} acknowledged logs lost after the crash"
        assert all(count == 1 for count in stored.values())
        # Sent but never answered: the phone will send these again; each is stored once.
        unanswered = len(ledger.sent) - len(ledger.acknowledged)
        stored_unanswered = sum(1 for u in ledger.sent if u in stored) - len(ledger.acknowledged)

        for phone, _item in phones:
            phone.refresh()  # new connection to the new process; same cookies
        codes = [
            phones[phone][0].post_log(body).status_code for phone, body in ledger.sent.values()
        ]
        assert set(codes) <= {200, 201}, set(codes)
        after = _stored(database_url)
        assert set(after) >= set(ledger.sent)
        assert all(count == 1 for count in after.values()), "a replay made a duplicate"
        created = codes.count(201)
        assert created == len(ledger.sent) - sum(1 for u in ledger.sent if u in stored)
        print(
            f"\n{len(ledger.sent)} logs sent, {len(ledger.acknowledged)} acknowledged before "
            f"SIGKILL, all present once; {unanswered} unanswered ({stored_unanswered} of them "
            f"stored anyway); replay of all {len(ledger.sent)}: {created} created, no duplicates"
        )
    finally:
        for phone, _item in phones:
            phone.close()
        server.stop()


def test_sqlite_survives_sigkill_mid_write(tmp_path: Path) -> None:
    """SQLite in WAL mode: acknowledged means committed, and the file stays intact."""
    database = tmp_path / "crash.db"
    _crash_and_recover(f"sqlite:///{database}", tmp_path, database)


@pytest.mark.postgres
def test_postgres_survives_sigkill_mid_write(postgres: PostgresServer, tmp_path: Path) -> None:
    """PostgreSQL: the app server dies, the database keeps every acknowledged log."""
    _crash_and_recover(postgres.create_database("crash"), tmp_path, None)
