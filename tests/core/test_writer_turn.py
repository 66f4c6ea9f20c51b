"""On SQLite, requests that change data take turns inside the process; reads never wait."""

import asyncio

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.requests import Request

from app.db import _writer_lock, _writer_turn, get_engine, get_session
from app.models import AuditEvent


async def _overlap(method_a: str, method_b: str) -> bool:
    """Whether a second request of method_b starts while one of method_a is still inside."""
    inside = asyncio.Event()
    release = asyncio.Event()
    entered_second = asyncio.Event()

    async def first() -> None:
        async with _writer_turn(method_a):
            inside.set()
            await release.wait()

    async def second() -> None:
        await inside.wait()
        async with _writer_turn(method_b):
            entered_second.set()

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await inside.wait()
    await asyncio.sleep(0.05)  # give the second request every chance to get in
    overlapped = entered_second.is_set()
    release.set()
    await asyncio.gather(*tasks)
    return overlapped


def test_writers_take_turns_and_readers_do_not_wait(engine: Engine) -> None:
    """Two POSTs never overlap; a GET beside a POST, or two GETs, go straight in."""
    assert engine.dialect.name == "sqlite"
    assert asyncio.run(_overlap("POST", "DELETE")) is False
    assert asyncio.run(_overlap("POST", "GET")) is True
    assert asyncio.run(_overlap("GET", "GET")) is True


async def _read_request(write: str) -> tuple[bool, int]:
    """A GET's commit while a patient's write holds the writers' turn: whether it waited for
    the turn, and how many audit rows named `write` were committed."""
    lock = _writer_lock()
    await lock.acquire()
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    steps = get_session(request)
    session = await anext(steps)
    session.exec(select(AuditEvent).limit(1)).all()  # it has read, as a dashboard does
    if write:
        session.add(AuditEvent(actor_kind="staff", action=write))
    ending = asyncio.create_task(anext(steps, None))
    await asyncio.sleep(0.05)
    waited = not ending.done()
    lock.release()
    await ending
    with Session(get_engine()) as check:
        rows = check.exec(select(AuditEvent).where(AuditEvent.action == write)).all()
    return waited, len(rows) if write else 0


def test_a_read_that_writes_commits_in_the_writers_turn(engine: Engine) -> None:
    """A dashboard's audit row waits for the patient's write in progress, then is kept; a read
    with nothing to write never waits."""
    assert asyncio.run(_read_request("dashboard_viewed_in_turn")) == (True, 1)
    assert asyncio.run(_read_request("")) == (False, 0)
